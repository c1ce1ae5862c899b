/**
 * A device incident (a lost or stolen phone, a jailbroken device, a high threat level reported by Intune) as a
 * pure state machine: reported → triaged → contained → investigated → closed, with a timeline, investigation
 * notes, corrective actions and the device actions IT Security takes (remote lock, retire, wipe). Effects are
 * data, carried out by services/incidents through the shared outbox. Imports nothing from I/O.
 */
import type { Ownership, PersonRef, Platform } from './model';
import type { Actor } from './transition';

/** Where an incident stands. */
export type IncidentState = 'reported' | 'triaged' | 'contained' | 'investigated' | 'closed';

export const INCIDENT_STATES: readonly IncidentState[] = ['reported', 'triaged', 'contained', 'investigated', 'closed'];

/** Why the incident was opened. */
export type IncidentCause = 'lost' | 'stolen' | 'jailbreak' | 'threat' | 'other';

export const INCIDENT_CAUSES: readonly IncidentCause[] = ['lost', 'stolen', 'jailbreak', 'threat', 'other'];

/** The Intune device actions IT Security can take, named as the Graph action segment. */
export type DeviceActionName = 'remoteLock' | 'retire' | 'wipe';

export const DEVICE_ACTIONS: readonly DeviceActionName[] = ['remoteLock', 'retire', 'wipe'];

/** How serious IT judges the incident. */
export type IncidentSeverity = 'low' | 'medium' | 'high';

/** A device named in the incident, as it was when the incident opened. */
export interface IncidentDevice {
  deviceId: string;
  deviceName: string;
  platform: Platform;
  /** From the approved request; `unknown` when no request records it. Wipe depends on it. */
  ownership: Ownership | 'unknown';
}

/** What Graph answered to a device action (or what the device's action results showed). */
export interface DeviceActionOutcome {
  outcome: 'accepted' | 'failed';
  /** HTTP status of the POST (204 when accepted), 0 when the acceptance was read from the device's action results. */
  httpStatus: number;
  requestId?: string;
  clientRequestId?: string;
  /** Graph's error code on failure. */
  code?: string;
  /** `response`: Graph answered the POST; `deviceActionResults`: an unanswered POST was found on the device. */
  verifiedBy: 'response' | 'deviceActionResults';
  at: string;
}

/** One device action IT Security confirmed. */
export interface DeviceActionRecord {
  id: string;
  action: DeviceActionName;
  deviceId: string;
  requestedAt: string;
  requestedBy: PersonRef;
  /** requested: confirmed, not yet sent; sending: a POST was started (maybe answered, maybe not); then settled. */
  status: 'requested' | 'sending' | 'accepted' | 'failed';
  /** POSTs started; a second is sent only after the device's action results show no such action. */
  attempts: number;
  firstSentAt?: string;
  result?: DeviceActionOutcome;
}

/** A line of the incident's timeline. */
export interface TimelineEntry {
  at: string;
  by: string;
  text: string;
}

/** An investigation note. */
export interface IncidentNote {
  at: string;
  by: PersonRef;
  text: string;
}

/** A corrective action with its owner and due date. */
export interface CorrectiveAction {
  id: string;
  text: string;
  owner: PersonRef;
  /** YYYY-MM-DD */
  dueDate: string;
  addedAt: string;
  addedBy: PersonRef;
}

/** The incident fields the machine reads and writes. */
export interface IncidentCore {
  _id: string;
  state: IncidentState;
  cause: IncidentCause;
  /** The person whose device it is. */
  owner: PersonRef;
  ownerAadObjectId: string;
  deviceIds: string[];
  devices: IncidentDevice[];
  openedAt: string;
  openedBy: string;
  /** What the reporter said (free text, escaped when shown). */
  summary: string;
  lastSeen?: { when: string; where: string };
  severity?: IncidentSeverity;
  /** The owner's written agreement to a full wipe of a personal device (recorded from their own Teams identity). */
  wipeAgreements: { deviceId: string; at: string }[];
  timeline: TimelineEntry[];
  notes: IncidentNote[];
  correctiveActions: CorrectiveAction[];
  actions: DeviceActionRecord[];
  investigationSummary?: string;
  resolution?: string;
  closedAt?: string;
}

/** What happens to an incident. */
export type IncidentEvent =
  | { type: 'triage'; severity: IncidentSeverity }
  | { type: 'addNote'; text: string }
  | { type: 'addCorrectiveAction'; id: string; text: string; owner: PersonRef; dueDate: string }
  | { type: 'requestDeviceAction'; id: string; action: DeviceActionName; deviceId: string }
  | { type: 'deviceActionStarted'; actionId: string }
  | ({ type: 'deviceActionSettled'; actionId: string } & DeviceActionOutcome)
  | { type: 'contain' }
  | { type: 'investigate'; summary: string }
  | { type: 'close'; resolution: string }
  | { type: 'agreeToWipe'; deviceId: string }
  /** A breach notification was declared from the incident (by IT Security; by the system for an administrator, named). */
  | { type: 'breachDeclared'; breachId: string; declaredBy?: string };

export type IncidentEventType = IncidentEvent['type'];

export const INCIDENT_EVENT_TYPES: readonly IncidentEventType[] = [
  'triage',
  'addNote',
  'addCorrectiveAction',
  'requestDeviceAction',
  'deviceActionStarted',
  'deviceActionSettled',
  'contain',
  'investigate',
  'close',
  'agreeToWipe',
  'breachDeclared',
];

/** Who acts, as far as an incident is concerned. */
export type IncidentRole = 'itSecurity' | 'owner' | 'system' | 'other';

/** Side effects of an incident change, carried out after it is saved. */
export type IncidentEffect =
  /** Take the device's access away and keep it away while the incident is open. */
  | { type: 'holdAccess'; deviceId: string }
  /** The incident no longer forbids access (the device's own compliance decides again). */
  | { type: 'releaseHold'; deviceId: string }
  /** Post or update IT Security's incident card. */
  | { type: 'showIt' }
  /** Tell the device's owner. */
  | { type: 'tellOwner'; about: 'opened' | 'actionTaken' | 'closed'; actionId?: string }
  /** Send the device action to Intune. */
  | { type: 'deviceAction'; actionId: string };

/** The outcome of one event. */
export interface IncidentTransitionResult<T extends IncidentCore> {
  next: T;
  effects: IncidentEffect[];
}

/** The event is not allowed in the incident's state. */
export class InvalidIncidentTransitionError extends Error {
  override readonly name = 'InvalidIncidentTransitionError';
  constructor(
    readonly incidentId: string,
    readonly state: IncidentState,
    readonly event: IncidentEventType,
  ) {
    super(`Event ${event} is not allowed for incident ${incidentId} in state ${state}`);
  }
}

/** The actor's role does not allow the event. */
export class IncidentNotAuthorizedError extends Error {
  override readonly name = 'IncidentNotAuthorizedError';
  constructor(
    readonly incidentId: string,
    readonly actorId: string,
    readonly event: IncidentEventType,
  ) {
    super(`${actorId} may not ${event} incident ${incidentId}`);
  }
}

/** A device action that the incident's records do not allow (wipe of a personal device without agreement, one already running). */
export class DeviceActionRefusedError extends Error {
  override readonly name = 'DeviceActionRefusedError';
  constructor(
    readonly incidentId: string,
    readonly action: DeviceActionName,
    readonly reason: 'unknownDevice' | 'wipeNeedsAgreement' | 'alreadyRunning' | 'unknownAction',
  ) {
    super(`${action} refused on incident ${incidentId}: ${reason}`);
  }
}

/** Input that cannot be recorded; `problems` are shown as written. */
export class IncidentValidationError extends Error {
  override readonly name = 'IncidentValidationError';
  constructor(readonly problems: string[]) {
    super(`Invalid incident input: ${problems.join('; ')}`);
  }
}

/** Labels people read. */
export const DEVICE_ACTION_LABELS: Record<DeviceActionName, string> = { remoteLock: 'Remote lock', retire: 'Retire (remove company data)', wipe: 'Wipe (factory reset)' };
export const INCIDENT_STATE_LABELS: Record<IncidentState, string> = {
  reported: 'Reported',
  triaged: 'Triaged',
  contained: 'Contained',
  investigated: 'Investigated',
  closed: 'Closed',
};
export const INCIDENT_CAUSE_LABELS: Record<IncidentCause, string> = {
  lost: 'Lost device',
  stolen: 'Stolen device',
  jailbreak: 'Jailbroken or rooted device',
  threat: 'High threat level reported',
  other: 'Device incident',
};

/** The most text kept per note, summary or resolution. */
export const MAX_TEXT = 2000;
/** The timeline keeps its newest entries; the audit trail keeps every step. */
const MAX_TIMELINE = 200;

/** The actor's role on this incident: IT Security (never on their own incident), the owner, the system, or nobody. */
export function incidentRoleOf(incident: Pick<IncidentCore, 'ownerAadObjectId'>, actor: Actor): IncidentRole {
  if (actor.kind === 'system') return 'system';
  if (actor.roles.includes('itSecurity') && actor.aadObjectId !== incident.ownerAadObjectId) return 'itSecurity';
  if (actor.aadObjectId === incident.ownerAadObjectId) return 'owner';
  return 'other';
}

/** Whether a full wipe of the device is allowed: company-owned, or personal with the owner's recorded written agreement. */
export function wipeAllowed(incident: Pick<IncidentCore, 'devices' | 'wipeAgreements'>, deviceId: string): boolean {
  const device = incident.devices.find((d) => d.deviceId === deviceId);
  if (!device) return false;
  return device.ownership === 'company' || incident.wipeAgreements.some((a) => a.deviceId === deviceId);
}

/** Who may send each event. */
const ALLOWED: Record<IncidentEventType, readonly IncidentRole[]> = {
  triage: ['itSecurity'],
  addNote: ['itSecurity'],
  addCorrectiveAction: ['itSecurity'],
  requestDeviceAction: ['itSecurity'],
  deviceActionStarted: ['system'],
  deviceActionSettled: ['system'],
  contain: ['itSecurity'],
  investigate: ['itSecurity'],
  close: ['itSecurity'],
  agreeToWipe: ['owner'],
  breachDeclared: ['itSecurity', 'system'],
};

/** In which states each event applies. */
const IN_STATES: Record<IncidentEventType, readonly IncidentState[]> = {
  triage: ['reported'],
  addNote: ['reported', 'triaged', 'contained', 'investigated'],
  addCorrectiveAction: ['triaged', 'contained', 'investigated'],
  requestDeviceAction: ['reported', 'triaged', 'contained', 'investigated'],
  // Results of actions sent before closing are still recorded.
  deviceActionStarted: ['reported', 'triaged', 'contained', 'investigated', 'closed'],
  deviceActionSettled: ['reported', 'triaged', 'contained', 'investigated', 'closed'],
  contain: ['triaged'],
  investigate: ['contained'],
  close: ['investigated'],
  agreeToWipe: ['reported', 'triaged', 'contained', 'investigated'],
  breachDeclared: ['reported', 'triaged', 'contained', 'investigated'],
};

const nameOf = (actor: Actor) => (actor.kind === 'user' ? actor.displayName : 'System');
const personOf = (actor: Actor): PersonRef => (actor.kind === 'user' ? { aadObjectId: actor.aadObjectId, displayName: actor.displayName } : { aadObjectId: 'system', displayName: 'System' });

function text(value: string, field: string, problems: string[]): string {
  const t = value.trim();
  if (!t) problems.push(`${field} is required.`);
  else if (t.length > MAX_TEXT) problems.push(`${field} is longer than ${MAX_TEXT} characters.`);
  return t;
}

function validDate(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const parsed = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === d;
}

/** What opening an incident needs. */
export interface OpenIncidentInput {
  id: string;
  cause: IncidentCause;
  owner: PersonRef;
  devices: IncidentDevice[];
  summary: string;
  lastSeen?: { when: string; where: string };
  /** The owner agreed in writing, in the report, that IT may wipe these (personal) devices. */
  wipeAgreedFor?: string[];
}

/** A new incident: access to its devices is held away at once, IT sees its card, the owner is told (unless they reported it). */
export function openIncident(input: OpenIncidentInput, actor: Actor, now: Date): IncidentTransitionResult<IncidentCore> {
  const at = now.toISOString();
  const problems: string[] = [];
  const summary = input.summary.trim().slice(0, MAX_TEXT);
  if (!INCIDENT_CAUSES.includes(input.cause)) problems.push('The cause is not one of lost, stolen, jailbreak, threat or other.');
  if (input.lastSeen && (input.lastSeen.when.length > 200 || input.lastSeen.where.length > 500)) problems.push('Please keep "when" and "where" short.');
  if (problems.length) throw new IncidentValidationError(problems);
  const deviceIds = input.devices.map((d) => d.deviceId);
  const reportedByOwner = actor.kind === 'user' && actor.aadObjectId === input.owner.aadObjectId;
  const agreed = (input.wipeAgreedFor ?? []).filter((id) => deviceIds.includes(id));
  const incident: IncidentCore = {
    _id: input.id,
    state: 'reported',
    cause: input.cause,
    owner: input.owner,
    ownerAadObjectId: input.owner.aadObjectId,
    deviceIds,
    devices: input.devices,
    openedAt: at,
    openedBy: nameOf(actor),
    summary,
    lastSeen: input.lastSeen ? { when: input.lastSeen.when.trim(), where: input.lastSeen.where.trim() } : undefined,
    wipeAgreements: agreed.map((deviceId) => ({ deviceId, at })),
    timeline: [{ at, by: nameOf(actor), text: `${INCIDENT_CAUSE_LABELS[input.cause]} reported${deviceIds.length ? '; work access removed' : ''}` }],
    notes: [],
    correctiveActions: [],
    actions: [],
  };
  return {
    next: incident,
    effects: [
      ...deviceIds.map((deviceId) => ({ type: 'holdAccess' as const, deviceId })),
      { type: 'showIt' },
      // An owner who reported it sees the confirmation in the card they submitted; anyone else's incident is news to them.
      ...(reportedByOwner ? [] : [{ type: 'tellOwner' as const, about: 'opened' as const }]),
    ],
  };
}

/** Applies one event. Throws the named errors above; never mutates `incident`. */
export function incidentTransition<T extends IncidentCore>(incident: T, event: IncidentEvent, actor: Actor, now: Date): IncidentTransitionResult<T> {
  const role = incidentRoleOf(incident, actor);
  if (!ALLOWED[event.type].includes(role)) throw new IncidentNotAuthorizedError(incident._id, actor.kind === 'user' ? actor.aadObjectId : 'system', event.type);
  if (!IN_STATES[event.type].includes(incident.state)) throw new InvalidIncidentTransitionError(incident._id, incident.state, event.type);
  const at = now.toISOString();
  const by = nameOf(actor);
  const line = (t: string): TimelineEntry[] => [...incident.timeline, { at, by, text: t }].slice(-MAX_TIMELINE);
  const to = (patch: Partial<IncidentCore>, effects: IncidentEffect[]): IncidentTransitionResult<T> => ({ next: { ...incident, ...patch }, effects });
  const problems: string[] = [];
  const check = () => {
    if (problems.length) throw new IncidentValidationError(problems);
  };

  switch (event.type) {
    case 'triage':
      return to({ state: 'triaged', severity: event.severity, timeline: line(`Triaged, severity ${event.severity}`) }, [{ type: 'showIt' }]);
    case 'addNote': {
      const t = text(event.text, 'The note', problems);
      check();
      return to({ notes: [...incident.notes, { at, by: personOf(actor), text: t }], timeline: line('Investigation note added') }, [{ type: 'showIt' }]);
    }
    case 'addCorrectiveAction': {
      const t = text(event.text, 'The corrective action', problems);
      if (!validDate(event.dueDate)) problems.push('The due date must be a date (YYYY-MM-DD).');
      else if (event.dueDate < at.slice(0, 10)) problems.push('The due date is in the past.');
      check();
      const action: CorrectiveAction = { id: event.id, text: t, owner: event.owner, dueDate: event.dueDate, addedAt: at, addedBy: personOf(actor) };
      return to({ correctiveActions: [...incident.correctiveActions, action], timeline: line(`Corrective action for ${event.owner.displayName}, due ${event.dueDate}`) }, [{ type: 'showIt' }]);
    }
    case 'requestDeviceAction': {
      if (!DEVICE_ACTIONS.includes(event.action)) throw new DeviceActionRefusedError(incident._id, event.action, 'unknownAction');
      if (!incident.deviceIds.includes(event.deviceId)) throw new DeviceActionRefusedError(incident._id, event.action, 'unknownDevice');
      if (event.action === 'wipe' && !wipeAllowed(incident, event.deviceId)) throw new DeviceActionRefusedError(incident._id, event.action, 'wipeNeedsAgreement');
      const running = incident.actions.some((a) => a.deviceId === event.deviceId && a.action === event.action && (a.status === 'requested' || a.status === 'sending'));
      if (running) throw new DeviceActionRefusedError(incident._id, event.action, 'alreadyRunning');
      const record: DeviceActionRecord = { id: event.id, action: event.action, deviceId: event.deviceId, requestedAt: at, requestedBy: personOf(actor), status: 'requested', attempts: 0 };
      // Acting on a report is triaging it: IT looked and judged the device must be acted on.
      const triaged = incident.state === 'reported';
      return to(
        {
          state: triaged ? 'triaged' : incident.state,
          severity: triaged ? (incident.severity ?? 'high') : incident.severity,
          actions: [...incident.actions, record],
          timeline: line(`${DEVICE_ACTION_LABELS[event.action]} confirmed`),
        },
        [{ type: 'deviceAction', actionId: event.id }, { type: 'showIt' }],
      );
    }
    case 'deviceActionStarted': {
      const a = incident.actions.find((x) => x.id === event.actionId);
      if (!a || (a.status !== 'requested' && a.status !== 'sending')) throw new InvalidIncidentTransitionError(incident._id, incident.state, event.type);
      const actions = incident.actions.map((x) => (x.id === a.id ? { ...x, status: 'sending' as const, attempts: x.attempts + 1, firstSentAt: x.firstSentAt ?? at } : x));
      return to({ actions }, []);
    }
    case 'deviceActionSettled': {
      const a = incident.actions.find((x) => x.id === event.actionId);
      if (!a || (a.status !== 'requested' && a.status !== 'sending')) throw new InvalidIncidentTransitionError(incident._id, incident.state, event.type);
      const { type: _type, actionId: _id, ...outcome } = event;
      const actions = incident.actions.map((x) => (x.id === a.id ? { ...x, status: event.outcome, result: outcome } : x));
      const accepted = event.outcome === 'accepted';
      const contained = accepted && (incident.state === 'reported' || incident.state === 'triaged');
      const label = DEVICE_ACTION_LABELS[a.action];
      const said = accepted ? `${label} accepted by Intune${event.verifiedBy === 'deviceActionResults' ? ' (found on the device after an unanswered request)' : ''}` : `${label} failed: ${event.httpStatus} ${event.code ?? ''}`.trim();
      return to({ actions, state: contained ? 'contained' : incident.state, timeline: [...incident.timeline, { at, by: 'Intune', text: said }].slice(-MAX_TIMELINE) }, [
        { type: 'showIt' },
        ...(accepted ? [{ type: 'tellOwner' as const, about: 'actionTaken' as const, actionId: a.id }] : []),
      ]);
    }
    case 'contain':
      return to({ state: 'contained', timeline: line('Contained') }, [{ type: 'showIt' }]);
    case 'investigate': {
      const t = text(event.summary, 'The investigation summary', problems);
      check();
      return to({ state: 'investigated', investigationSummary: t, timeline: line('Investigation completed') }, [{ type: 'showIt' }]);
    }
    case 'close': {
      const t = text(event.resolution, 'The resolution', problems);
      check();
      return to({ state: 'closed', resolution: t, closedAt: at, timeline: line('Closed') }, [
        ...incident.deviceIds.map((deviceId) => ({ type: 'releaseHold' as const, deviceId })),
        { type: 'showIt' },
        { type: 'tellOwner', about: 'closed' },
      ]);
    }
    case 'agreeToWipe': {
      const device = incident.devices.find((d) => d.deviceId === event.deviceId);
      if (!device) throw new DeviceActionRefusedError(incident._id, 'wipe', 'unknownDevice');
      if (incident.wipeAgreements.some((w) => w.deviceId === event.deviceId)) return { next: incident, effects: [] };
      return to({ wipeAgreements: [...incident.wipeAgreements, { deviceId: event.deviceId, at }], timeline: line('The owner agreed in writing to a full wipe') }, [{ type: 'showIt' }]);
    }
    case 'breachDeclared': {
      if (!/^BR-[A-Z0-9]{1,20}$/.test(event.breachId)) problems.push('The breach reference is not valid.');
      check();
      const by = event.declaredBy?.trim().slice(0, 200);
      return to({ timeline: line(`Breach ${event.breachId} declared${by ? ` by ${by}` : ''}`) }, [{ type: 'showIt' }]);
    }
  }
}
