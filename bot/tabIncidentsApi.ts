/**
 * IT Security's incident pages in the tab: the open incidents first, then the closed, and one incident's timeline,
 * notes, corrective actions and device actions with what Intune (Microsoft Graph) answered. Read-only: acting on
 * an incident stays on its channel card, where each step has its confirmation. The lists are key documents read by
 * `_id` (see KeyLists); opening an incident is a read of a person's records, so it goes to the access log first.
 */
import type restify from 'restify';
import type { Incident, IncidentRepository } from '../services/incidents/incidentRepository';
import type { AccessRecorder } from '../services/governance/accessLog';
import { NotFoundError, ValidationError } from '../services/workflow/errors';
import { DEVICE_ACTION_LABELS, INCIDENT_CAUSE_LABELS, INCIDENT_STATE_LABELS } from '../services/workflow/incidentTransition';
import { PLATFORM_LABELS } from '../services/workflow/model';
import type { Role } from '../services/workflow/transition';
import type { TabRouteKit } from './tabApi';
import type { IncidentDetailView, IncidentListItemView, PageView } from './tabViewTypes';

/** What the incident pages read. */
export interface TabIncidentDeps {
  incidents: Pick<IncidentRepository, 'get' | 'pageOpen' | 'pageClosed'>;
  accessLog: AccessRecorder;
}

const PAGE = 25;
/** An incident reference: INC-<year>-<six characters>. */
const INCIDENT_ID = /^INC-\d{4}-[0-9A-Z]{6}$/;
const isIt = (roles: readonly Role[]) => roles.includes('itSecurity');
const queryParam = (req: restify.Request, name: string): string | undefined => new URL(req.url ?? '', 'http://x').searchParams.get(name) ?? undefined;

/** An incident as a line of IT's list. */
export function incidentListItem(i: Incident): IncidentListItemView {
  const last = i.timeline.at(-1);
  return {
    id: i._id,
    state: i.state,
    stateLabel: INCIDENT_STATE_LABELS[i.state],
    cause: i.cause,
    causeLabel: INCIDENT_CAUSE_LABELS[i.cause],
    severity: i.severity,
    owner: i.owner.displayName,
    devices: i.devices.map((d) => d.deviceName),
    openedAt: i.openedAt,
    lastLine: last && { at: last.at, by: last.by, text: last.text },
  };
}

/** An incident in full, as IT Security reads it. */
export function incidentDetail(i: Incident): IncidentDetailView {
  const deviceName = (id: string) => i.devices.find((d) => d.deviceId === id)?.deviceName ?? id;
  return {
    ...incidentListItem(i),
    summary: i.summary,
    openedBy: i.openedBy,
    lastSeen: i.lastSeen,
    closedAt: i.closedAt,
    investigationSummary: i.investigationSummary,
    resolution: i.resolution,
    devicesDetail: i.devices.map((d) => ({ deviceId: d.deviceId, deviceName: d.deviceName, platform: PLATFORM_LABELS[d.platform], ownership: d.ownership })),
    timeline: i.timeline.map((t) => ({ at: t.at, by: t.by, text: t.text })),
    notes: i.notes.map((n) => ({ at: n.at, by: n.by.displayName, text: n.text })),
    correctiveActions: i.correctiveActions.map((c) => ({ text: c.text, owner: c.owner.displayName, dueDate: c.dueDate, addedAt: c.addedAt })),
    actions: i.actions.map((a) => ({
      action: a.action,
      actionLabel: DEVICE_ACTION_LABELS[a.action],
      deviceName: deviceName(a.deviceId),
      requestedAt: a.requestedAt,
      requestedBy: a.requestedBy.displayName,
      status: a.status,
      attempts: a.attempts,
      result: a.result && { outcome: a.result.outcome, httpStatus: a.result.httpStatus, requestId: a.result.requestId, code: a.result.code, verifiedBy: a.result.verifiedBy, at: a.result.at },
    })),
  };
}

/** Registers /api/tab/it/incidents; `need` answers 503 when the records are not configured. */
export function registerTabIncidentRoutes(server: restify.Server, kit: Pick<TabRouteKit, 'route' | 'requireRole'>, need: () => TabIncidentDeps): void {
  const { route, requireRole } = kit;

  server.get(
    '/api/tab/it/incidents',
    route(async (actor, req): Promise<PageView<IncidentListItemView> & { closed: boolean }> => {
      requireRole(actor, isIt, 'The incidents list');
      const which = queryParam(req, 'state') ?? 'open';
      if (which !== 'open' && which !== 'closed') throw new ValidationError(['state: must be open or closed']);
      const d = need();
      const page = which === 'open' ? await d.incidents.pageOpen(queryParam(req, 'after'), PAGE) : await d.incidents.pageClosed(queryParam(req, 'after'), PAGE);
      return { closed: which === 'closed', items: page.items.map(incidentListItem), next: page.next };
    }),
  );

  server.get(
    '/api/tab/it/incidents/:id',
    route(async (actor, req): Promise<IncidentDetailView> => {
      requireRole(actor, isIt, 'An incident');
      const id = String(req.params.id).toUpperCase();
      if (!INCIDENT_ID.test(id)) throw new NotFoundError('incident', id);
      const d = need();
      await d.accessLog.record({ actor, door: 'tab', action: 'lookUpPerson', subject: { kind: 'incident', id } });
      const incident = await d.incidents.get(id);
      if (!incident) throw new NotFoundError('incident', id);
      return incidentDetail(incident);
    }),
  );
}
