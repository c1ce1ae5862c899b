/**
 * IT Security's channel card for one incident: what happened, to whose device, the device actions with Intune's
 * answer, notes, corrective actions and the timeline; the buttons each step allows. Posted once and updated in
 * place. Buttons carry the incident id and version; the bot checks the presser's role against the directory.
 */
import type { IncidentCore } from '../services/workflow/incidentTransition';
import { DEVICE_ACTION_LABELS, INCIDENT_CAUSE_LABELS, INCIDENT_STATE_LABELS, wipeAllowed, type DeviceActionName, type IncidentState } from '../services/workflow/incidentTransition';
import { PLATFORM_LABELS } from '../services/workflow/model';
import { ownershipLabel } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/incident.json';
import { InputId, Verb, type CardActionData } from './verbs';

const cardTemplate = compileTemplate('incident', template);

/** An incident as the card needs it. */
export type IncidentView = IncidentCore & { version: number };

const STYLE: Record<IncidentState, string> = { reported: 'attention', triaged: 'warning', contained: 'accent', investigated: 'emphasis', closed: 'good' };
const STATUS: Record<IncidentState, string> = {
  reported: 'Reported: work access removed; waiting for IT Security',
  triaged: 'Triaged: IT Security is acting on it',
  contained: 'Contained: the device is locked, retired or wiped, or otherwise under control',
  investigated: 'Investigated: findings recorded; corrective actions follow',
  closed: 'Closed',
};

/** Button data: ids and the version, never state. */
export function incidentData(verb: Verb, incident: Pick<IncidentView, '_id' | 'version'>, extra: Pick<CardActionData, 'deviceId' | 'deviceAction'> = {}): CardActionData {
  return { verb, incidentId: incident._id, version: incident.version, ...extra };
}

const typed = (s: string | undefined, max = 300) => escapeCardText(s ?? '', { maxLength: max });

/** A time inside a TextRun, where the client's DATE()/TIME() functions are not expanded: UTC, to the minute. */
export function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Renders the incident card for its current state. */
export function renderIncidentCard(i: IncidentView): AdaptiveCard {
  const open = i.state !== 'closed';
  const facts = [
    { title: 'Person', value: typed(i.owner.displayName, 120) },
    { title: 'Opened', value: `${utcMinute(i.openedAt)} by ${typed(i.openedBy, 120)}` },
    ...(i.lastSeen ? [{ title: 'Last seen', value: typed(`${i.lastSeen.when} · ${i.lastSeen.where}`, 400) }] : []),
    ...(i.summary ? [{ title: 'Summary', value: typed(i.summary, 500) }] : []),
    ...(i.severity ? [{ title: 'Severity', value: i.severity }] : []),
    ...(i.investigationSummary ? [{ title: 'Findings', value: typed(i.investigationSummary, 800) }] : []),
    ...(i.resolution ? [{ title: 'Resolution', value: typed(i.resolution, 800) }] : []),
  ];
  const action = (deviceId: string, a: DeviceActionName) => incidentData(Verb.IncidentActionPrepare, i, { deviceId, deviceAction: a });
  const devices = i.devices.map((d) => ({
    label: typed(`${d.deviceName} · ${PLATFORM_LABELS[d.platform]}`, 160),
    detail: typed(
      `${d.ownership === 'unknown' ? 'Ownership unknown' : ownershipLabel(d.ownership)} · Intune id ${d.deviceId}${d.ownership !== 'company' && wipeAllowed(i, d.deviceId) ? ' · owner agreed in writing to a wipe' : ''}`,
      300,
    ),
    canAct: open,
    canWipe: open && wipeAllowed(i, d.deviceId),
    lock: action(d.deviceId, 'remoteLock'),
    retire: action(d.deviceId, 'retire'),
    wipe: action(d.deviceId, 'wipe'),
  }));
  const actionLines = i.actions.map((a) => {
    const device = i.devices.find((d) => d.deviceId === a.deviceId)?.deviceName ?? a.deviceId;
    const r = a.result;
    const outcome =
      a.status === 'accepted'
        ? `accepted (${r?.verifiedBy === 'deviceActionResults' ? 'found in the device’s action results' : `HTTP ${r?.httpStatus}`}${r?.requestId ? `, request-id ${r.requestId}` : ''})`
        : a.status === 'failed'
          ? `failed: HTTP ${r?.httpStatus} ${r?.code ?? ''}${r?.requestId ? `, request-id ${r.requestId}` : ''}`
          : a.status === 'sending'
            ? 'being sent to Intune'
            : 'confirmed, waiting to be sent';
    return { line: typed(`${DEVICE_ACTION_LABELS[a.action]} · ${device} · ${a.requestedBy.displayName}: ${outcome}`, 400) };
  });
  return cardTemplate.render({
    title: INCIDENT_CAUSE_LABELS[i.cause],
    reference: i._id,
    style: STYLE[i.state],
    statusLine: `${INCIDENT_STATE_LABELS[i.state]} · ${STATUS[i.state]}`,
    facts,
    devices,
    actionLines,
    notes: i.notes.slice(-10).map((n) => ({ line: typed(`${n.by.displayName}: ${n.text}`, 600) })),
    correctiveLines: i.correctiveActions.map((c) => ({ line: typed(`${c.text} (owner ${c.owner.displayName}, due ${c.dueDate})`, 600) })),
    timeline: i.timeline.slice(-8).map((t) => ({ line: `${utcMinute(t.at)} · ${typed(`${t.by}: ${t.text}`, 300)}` })),
    open,
    canTriage: i.state === 'reported',
    canCorrect: ['triaged', 'contained', 'investigated'].includes(i.state),
    canContain: i.state === 'triaged',
    canInvestigate: i.state === 'contained',
    canClose: i.state === 'investigated',
    inputs: {
      severity: InputId.Severity,
      note: InputId.NoteText,
      correctiveText: InputId.CorrectiveText,
      correctiveOwner: InputId.CorrectiveOwner,
      correctiveDue: InputId.CorrectiveDue,
      investigation: InputId.InvestigationSummary,
      resolution: InputId.Resolution,
    },
    triage: incidentData(Verb.IncidentTriage, i),
    note: incidentData(Verb.IncidentNote, i),
    corrective: incidentData(Verb.IncidentCorrective, i),
    contain: incidentData(Verb.IncidentContain, i),
    investigate: incidentData(Verb.IncidentInvestigate, i),
    close: incidentData(Verb.IncidentClose, i),
    declareBreach: incidentData(Verb.IncidentBreachForm, i),
  });
}
