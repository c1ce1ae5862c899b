/**
 * The tab's record pages: an employee's devices, consents and data; IT Security's devices, alerts, people and
 * charts; the auditor's evidence packs, consent exports and notices. Each route signs the person in (tabApi.ts),
 * checks their roles as resolved from the directory (never what the page says), and goes through the same use
 * cases as chat and the command line: Check again is the device notice's, withdrawal is the chat's, evidence and
 * exports are the operator tools'. Reads of other people's records are written to the access log first.
 */
import type restify from 'restify';
import { z } from 'zod';
import type { ConsentService } from '../services/consent/consentService';
import { exportConsents } from '../services/consent/consentExport';
import type { ConsentWithdrawal } from '../services/consent/consentWithdrawal';
import { campaignIdOf, type NoticeCampaign } from '../services/consent/noticeCampaigns';
import type { CampaignCounts } from '../services/workflow/noticeCampaign';
import type { ComplianceSnapshots } from '../services/devices/complianceSnapshots';
import type { OperatorAuditLog } from '../services/consent/operatorAuditLog';
import type { PublishedNotice } from '../services/content/notices/noticeRegistry';
import type { AlertRepository } from '../services/devices/alertRepository';
import type { DeviceRepository, EnrolledDevice } from '../services/devices/deviceRepository';
import { renderEvidenceHtml } from '../services/evidence/evidenceHtml';
import type { EvidenceService } from '../services/evidence/evidencePack';
import type { AccessRecorder } from '../services/governance/accessLog';
import { authorize } from '../services/governance/authorization';
import type { AuditRepository } from '../services/storage/auditRepository';
import type { RequestRepository } from '../services/storage/requestRepository';
import { NotFoundError, ValidationError } from '../services/workflow/errors';
import { DEVICE_STATES, type DeviceState } from '../services/workflow/deviceTransition';
import type { OnboardingRequest, RequestState } from '../services/workflow/model';
import type { Role } from '../services/workflow/transition';
import type { TabRouteKit, UserActor } from './tabApi';
import { registerTabIncidentRoutes, type TabIncidentDeps } from './tabIncidentsApi';
import type { ChartsView, MyConsentsView, MyDevicesView, PageView, PersonHit, PersonView } from './tabViewTypes';
import {
  alertView,
  auditView,
  campaignProgressView,
  complianceSeries,
  timeToAccessBars,
  consentViews,
  deviceStateBars,
  deviceView,
  failingSettingBars,
  noticeViews,
  requestStateBars,
  requestView,
} from './tabViews';

/** The tab cannot serve now (sign-in not configured, keys or roles unreachable, a part not configured). */
export class TabUnavailableError extends Error {
  override readonly name = 'TabUnavailableError';
}

/** A query parameter of the request, if given. */
export const queryParam = (req: restify.Request, name: string): string | undefined => new URL(req.url ?? '', 'http://x').searchParams.get(name) ?? undefined;

/** What the record pages read and act through. */
export interface TabRecordsDeps {
  devices: Pick<DeviceRepository, 'get' | 'listForPerson' | 'pageByState' | 'stateSummary'>;
  alerts: Pick<AlertRepository, 'pageOpen'>;
  /** Check again: the device notice's use case (checks the actor owns the device, re-reads Intune). */
  recheck(deviceId: string, actor: { aadObjectId: string; displayName: string }): Promise<unknown>;
  consent: Pick<ConsentService, 'history' | 'personalData' | 'exportRows'>;
  withdrawal: Pick<ConsentWithdrawal, 'withdraw'>;
  evidence: Pick<EvidenceService, 'forRequest' | 'forPerson'>;
  operatorAudit: OperatorAuditLog;
  accessLog: AccessRecorder;
  requests: Pick<RequestRepository, 'listByRequester' | 'findRequesters' | 'openCounts'>;
  audit: Pick<AuditRepository, 'listForRequest' | 'verifyChain'>;
  /** Directory search by the start of a name or address (Microsoft Graph), when people are not in the records. */
  searchDirectory(text: string): Promise<PersonHit[]>;
  /** A directory user by id, for a person with no records yet. */
  directoryUser(id: string): Promise<{ aadObjectId: string; displayName: string } | undefined>;
  notices: () => readonly PublishedNotice[];
  /** A notice campaign with its counts (the progress card's), by campaign id; undefined when none was started. */
  campaignProgress?: (campaignId: string) => Promise<{ campaign: NoticeCampaign; counts: CampaignCounts } | undefined>;
  /** The daily compliance snapshots (the compliance-over-time chart); absent: the chart is left out. */
  snapshots?: Pick<ComplianceSnapshots, 'lastDays'>;
  /** Device incidents for IT's incident pages; absent: those routes answer 503. */
  incidents?: TabIncidentDeps['incidents'];
  /** The order of request states in charts. */
  states: readonly RequestState[];
  clock?: () => Date;
}

const PAGE = 25;
/** How many days the compliance-over-time chart shows. */
const CHART_DAYS = 30;
/** An Entra object id. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isIt = (roles: readonly Role[]) => roles.includes('itSecurity');

const withdrawBody = z.object({ confirm: z.literal(true) });
const exportQuery = z.object({
  format: z.enum(['csv', 'json']).default('csv'),
  person: z.string().trim().max(100).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  noticeVersion: z.string().trim().max(40).optional(),
});

/** Registers the record routes; without their parts configured, each answers 503. */
export function registerTabRecordRoutes(server: restify.Server, kit: TabRouteKit, deps: TabRecordsDeps | undefined): void {
  const { route, download, requireRole } = kit;
  const need = (): TabRecordsDeps => {
    if (!deps) throw new TabUnavailableError('This part of the tab is not configured on the server.');
    return deps;
  };
  const now = () => deps?.clock?.() ?? new Date();

  // --- The employee's own devices, consents and data -------------------------------------------------------

  server.get(
    '/api/tab/devices/mine',
    route(async (actor): Promise<MyDevicesView> => ({ devices: (await need().devices.listForPerson(actor.aadObjectId)).map((d) => deviceView(d, actor)) })),
  );

  server.post(
    '/api/tab/devices/:id/check',
    route(async (actor, req) => {
      const d = need();
      const id = String(req.params.id);
      // The same use case as the notice's Check again: it refuses anyone but the device's own person.
      await d.recheck(id, actor);
      const device = await d.devices.get(id);
      if (!device) throw new NotFoundError('device', id);
      return { device: deviceView(device, actor) };
    }),
  );

  server.get(
    '/api/tab/consents/mine',
    route(async (actor): Promise<MyConsentsView> => ({ consents: consentViews(await need().consent.history(actor.aadObjectId), true) })),
  );

  server.post(
    '/api/tab/consents/:requestId/withdraw',
    route(async (actor, req) => {
      if (!withdrawBody.safeParse(req.body).success) throw new ValidationError(['confirm: withdrawing needs the confirmation']);
      const o = await need().withdrawal.withdraw(actor, String(req.params.requestId));
      return { requestCancelled: o.requestCancelled, accessRemoved: o.accessRemoved, itTold: o.itTold, reference: o.request?.reference };
    }),
  );

  server.get(
    '/api/tab/my-data',
    download(async (actor) => {
      const data = await need().consent.personalData(actor.aadObjectId);
      return { filename: `my-data-${data.generatedAt.slice(0, 10)}.json`, contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(data, null, 2)}\n` };
    }),
  );

  // --- IT Security -----------------------------------------------------------------------------------------

  server.get(
    '/api/tab/it/devices',
    route(async (actor, req) => {
      requireRole(actor, isIt, 'The devices list');
      const state = (queryParam(req, 'state') ?? 'inGrace') as DeviceState;
      if (!DEVICE_STATES.includes(state)) throw new ValidationError([`state: must be one of ${DEVICE_STATES.join(', ')}`]);
      const page = await need().devices.pageByState(state, queryParam(req, 'after'), PAGE);
      return { state, items: page.items.map((d) => deviceView(d, actor)), next: page.next };
    }),
  );

  server.get(
    '/api/tab/it/alerts',
    route(async (actor, req) => {
      requireRole(actor, isIt, 'The alerts list');
      const page = await need().alerts.pageOpen(queryParam(req, 'after'), PAGE);
      return { items: page.items.map(alertView), next: page.next } satisfies PageView<ReturnType<typeof alertView>>;
    }),
  );

  server.get(
    '/api/tab/it/charts',
    route(async (actor): Promise<ChartsView> => {
      requireRole(actor, isIt, 'The charts');
      const d = need();
      const [open, devices, days] = await Promise.all([d.requests.openCounts(), d.devices.stateSummary(), d.snapshots?.lastDays(now(), CHART_DAYS)]);
      return {
        requestsByState: requestStateBars(open, d.states),
        devicesByState: deviceStateBars(devices.counts),
        failingSettings: failingSettingBars(devices.failing),
        complianceOverTime: days && complianceSeries(days),
        timeToAccess: days && timeToAccessBars(days),
      };
    }),
  );

  registerTabIncidentRoutes(server, kit, () => {
    const d = need();
    if (!d.incidents) throw new TabUnavailableError('Incidents are not configured on the server.');
    return { incidents: d.incidents, accessLog: d.accessLog };
  });

  server.get(
    '/api/tab/people',
    route(async (actor, req) => {
      authorize(actor, 'lookUpPerson');
      const q = (queryParam(req, 'q') ?? '').trim();
      if (q.length < 2 || q.length > 100) throw new ValidationError(['q: give at least two characters of a name or address']);
      const d = need();
      const fromRecords = await d.requests.findRequesters(q);
      const people: PersonHit[] = fromRecords.map((p) => ({ ...p, source: 'records' }));
      // Not in the records (or searched by address, which the records do not keep): ask the directory.
      if (!people.length) people.push(...(await d.searchDirectory(q)));
      return { people };
    }),
  );

  server.get(
    '/api/tab/people/:id',
    route(async (actor, req): Promise<PersonView> => {
      authorize(actor, 'lookUpPerson');
      const d = need();
      const id = String(req.params.id);
      await d.accessLog.record({ actor, door: 'tab', action: 'lookUpPerson', subject: { kind: 'personStatus', id } });
      const [requests, devices, history] = await Promise.all([d.requests.listByRequester(id, 50), d.devices.listForPerson(id), d.consent.history(id)]);
      const person = requests[0]?.requester ?? devices[0]?.person ?? (GUID.test(id) ? await d.directoryUser(id) : undefined);
      if (!person) throw new NotFoundError('person', id);
      const audit = await Promise.all(requests.slice(0, 10).map((r) => trail(d, r, actor)));
      return {
        person: { aadObjectId: person.aadObjectId, displayName: person.displayName },
        requests: requests.map((r) => requestView(r, actor)),
        devices: devices.map((x: EnrolledDevice) => deviceView(x, actor)),
        consents: consentViews(history, false),
        audit,
      };
    }),
  );

  // --- Auditors and administrators -------------------------------------------------------------------------

  server.get(
    '/api/tab/evidence/:kind/:id',
    download(async (actor, req) => {
      const d = need();
      const kind = String(req.params.kind);
      if (kind !== 'request' && kind !== 'person') throw new NotFoundError('evidence kind', kind);
      // The evidence use case checks the role and records the read in the access log before building the pack.
      const pack = kind === 'request' ? await d.evidence.forRequest(actor, String(req.params.id), 'tab') : await d.evidence.forPerson(actor, String(req.params.id), 'tab');
      if (kind === 'person' && !pack.requests.length && !pack.person?.consents.length) throw new NotFoundError('person with records', String(req.params.id));
      const html = queryParam(req, 'format') === 'html';
      const base = `evidence-${pack.scope.kind}-${pack.scope.id}`;
      return html
        ? { filename: `${base}.html`, contentType: 'text/html; charset=utf-8', body: renderEvidenceHtml(pack) }
        : { filename: `${base}.json`, contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(pack, null, 2)}\n` };
    }),
  );

  server.get(
    '/api/tab/consents/export',
    download(async (actor, req) => {
      authorize(actor, 'exportConsents');
      const parsed = exportQuery.safeParse(Object.fromEntries(new URL(req.url ?? '', 'http://x').searchParams));
      if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
      const { format, person, from, to, noticeVersion } = parsed.data;
      const d = need();
      await d.accessLog.record({ actor, door: 'tab', action: 'exportConsents', subject: { kind: 'consent', id: person ?? 'all' } });
      const out = await exportConsents(d.consent as ConsentService, d.operatorAudit, actor, { aadObjectId: person, from, to, noticeVersion }, format);
      return { filename: `consents-${now().toISOString().slice(0, 10)}.${format}`, contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8', body: out.text };
    }),
  );

  server.get(
    '/api/tab/notices',
    route(async (actor) => {
      requireRole(actor, (r) => r.some((x) => x === 'admin' || x === 'auditor'), 'The notices page');
      const d = need();
      const all = d.notices();
      // Campaigns are read by their id (`<ownership>@<version>`), one per published version: no scan.
      const views = await Promise.all(
        noticeViews(all, now()).map(async (v) => {
          const n = all.find((x) => x.sha256 === v.sha256);
          const found = n && (await d.campaignProgress?.(campaignIdOf(n)));
          return found ? { ...v, campaign: campaignProgressView(found.campaign, found.counts) } : v;
        }),
      );
      return { notices: views };
    }),
  );
}

/** A request's audit trail and its verification, for the person view. */
async function trail(d: TabRecordsDeps, r: OnboardingRequest, actor: UserActor): Promise<PersonView['audit'][number]> {
  const [entries, firstBroken] = await Promise.all([d.audit.listForRequest(r._id), d.audit.verifyChain(r._id)]);
  const v = auditView(r, entries, firstBroken, actor);
  return { requestId: r._id, reference: r.reference, status: v.chain.status, records: v.chain.records, entries: v.entries };
}

