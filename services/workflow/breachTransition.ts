/**
 * A breach notification, as pure functions (privacy SOP §6: users and stakeholders "notified in accordance with
 * organizational policies and regional requirements"). Two small machines:
 *
 * - the **breach**: declared from an incident as a draft whose notice IT previews, then notifying (every affected
 *   person is owed a notice), notified (every notice went out or its person is listed as unreachable), closed;
 *   each regulation's deadline is tracked, IT is reminded as one nears, people who did not acknowledge are
 *   reminded, and IT's status card is refreshed;
 * - each affected person's **notice**: pending, then sent or unreachable, then acknowledged.
 *
 * Effects are data, carried out by services/breach through the shared outbox. Imports nothing from I/O.
 */
import type { Role } from './transition';

/** Where a breach notification stands. */
export type BreachState = 'draft' | 'notifying' | 'notified' | 'closed' | 'cancelled';

export const BREACH_STATES: readonly BreachState[] = ['draft', 'notifying', 'notified', 'closed', 'cancelled'];

/** Who a regulation says must be told by its deadline. */
export type NotifyWhom = 'individuals' | 'authority';

/** A regulation's notification rule, from configuration (HIPAA: individuals within 60 days; GDPR: the authority within 72 hours). */
export interface Regulation {
  id: string;
  name: string;
  notify: NotifyWhom;
  /** Hours from discovery of the breach to the deadline. */
  hours: number;
}

/** One regulation's deadline on one breach. */
export interface BreachDeadline {
  regulation: string;
  notify: NotifyWhom;
  dueAt: string;
  /** When the obligation was met: every individual's notice settled, or IT recorded telling the authority. */
  metAt?: string;
  /** IT reminders already sent, as hours before the deadline (0: the deadline passed unmet). */
  remindersSent: number[];
}

/** The breach fields the machine reads and writes. */
export interface BreachCore {
  _id: string;
  state: BreachState;
  deadlines: BreachDeadline[];
  /** When the notices started going out (the person reminders count from here). */
  sendStartedAt?: string;
  /** When every notice was sent or its person found unreachable. */
  settledAt?: string;
  closedAt?: string;
  /** Reminder rounds sent to people who had not acknowledged. */
  personRemindersSent: number;
  /** When the breach's timer should next fire, if at all. */
  timerAt?: string;
}

/** Reminder policy, from configuration. */
export interface BreachPolicy {
  /** IT is reminded this many hours before each unmet deadline (and once when it passes). */
  itReminderHoursBefore: readonly number[];
  /** People who have not acknowledged are reminded this many hours after the notices went out, and again after as long. */
  personReminderEveryHours: number;
  /** At most this many reminder rounds to people. */
  personReminderMax: number;
  /** IT's status card is refreshed at least this often while notices are open. */
  statusRefreshMinutes: number;
}

/** Everything that can happen to a breach. */
export type BreachEvent =
  /** IT previewed the notice and sends it to every affected person. */
  | { type: 'confirmSend' }
  /** IT drops a draft (declared by mistake). */
  | { type: 'cancel' }
  /** Every notice was sent or its person found unreachable. */
  | { type: 'fanOutSettled' }
  /** IT records that the supervisory authority was told (for a regulation whose deadline is to the authority). */
  | { type: 'authorityNotified'; regulation: string }
  /** The breach's timer fired: reminders and the status refresh may be due. */
  | { type: 'timer' }
  /** IT closes the notification. */
  | { type: 'close' };

export type BreachEventType = BreachEvent['type'];

export const BREACH_EVENT_TYPES: readonly BreachEventType[] = ['confirmSend', 'cancel', 'fanOutSettled', 'authorityNotified', 'timer', 'close'];

/** Side effects of a breach transition, carried out after the breach is saved. */
export type BreachEffect =
  /** Queue one notice per affected person. */
  | { type: 'notifyAffected' }
  /** Tell IT a deadline nears (hoursBefore > 0) or passed unmet (0). */
  | { type: 'remindIt'; regulation: string; hoursBefore: number; dueAt: string }
  /** Remind everyone who has not acknowledged. */
  | { type: 'remindUnacknowledged'; round: number }
  /** Update IT's status card in place. */
  | { type: 'refreshItCard' };

/** Who acts on a breach: IT Security or an administrator, or the bot's own timers. */
export type BreachActor = { kind: 'user'; aadObjectId: string; roles: readonly Role[] } | { kind: 'system' };

/** The roles that may declare and run a breach notification. */
export const BREACH_ROLES: readonly Role[] = ['itSecurity', 'admin'];

/** Whether a person with these roles may declare or run a breach notification. */
export function mayRunBreach(roles: readonly Role[]): boolean {
  return roles.some((r) => BREACH_ROLES.includes(r));
}

/** The event is not allowed in the breach's current state. */
export class InvalidBreachTransitionError extends Error {
  override readonly name = 'InvalidBreachTransitionError';
  constructor(
    readonly breachId: string,
    readonly state: string,
    readonly event: string,
  ) {
    super(`Event ${event} is not allowed for breach ${breachId} in state ${state}`);
  }
}

/** The actor may not cause this event. */
export class BreachNotAuthorizedError extends Error {
  override readonly name = 'BreachNotAuthorizedError';
  constructor(
    readonly breachId: string,
    readonly actorId: string,
    readonly event: string,
  ) {
    super(`${actorId} may not ${event} breach ${breachId}`);
  }
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const PEOPLE_EVENTS: ReadonlySet<BreachEventType> = new Set(['confirmSend', 'cancel', 'authorityNotified', 'close']);
const OPEN: ReadonlySet<BreachState> = new Set(['notifying', 'notified']);

/** The deadlines of a breach discovered at `discoveredAt`, one per regulation. */
export function deadlinesFor(regulations: readonly Regulation[], discoveredAt: Date): BreachDeadline[] {
  return regulations.map((r) => ({ regulation: r.id, notify: r.notify, dueAt: iso(discoveredAt.getTime() + r.hours * HOUR), remindersSent: [] }));
}

/** When the breach's timer should next fire after `now` (the next IT reminder, person reminder or status refresh). */
export function nextBreachTimer(b: BreachCore, policy: BreachPolicy, now: Date): string | undefined {
  if (b.state === 'draft' || b.state === 'closed' || b.state === 'cancelled') return undefined;
  const t = now.getTime();
  const times: number[] = [t + policy.statusRefreshMinutes * 60_000];
  for (const d of b.deadlines) {
    if (d.metAt) continue;
    const due = Date.parse(d.dueAt);
    for (const h of [...policy.itReminderHoursBefore, 0]) if (!d.remindersSent.includes(h) && due - h * HOUR > t) times.push(due - h * HOUR);
  }
  if (b.sendStartedAt && b.personRemindersSent < policy.personReminderMax) {
    times.push(Date.parse(b.sendStartedAt) + (b.personRemindersSent + 1) * policy.personReminderEveryHours * HOUR);
  }
  return iso(Math.max(t + 1000, Math.min(...times)));
}

/** Marks reminders that have come due; emits one reminder per deadline (the nearest threshold passed). */
function dueReminders(b: BreachCore, policy: BreachPolicy, now: Date): { deadlines: BreachDeadline[]; effects: BreachEffect[] } {
  const t = now.getTime();
  const effects: BreachEffect[] = [];
  const deadlines = b.deadlines.map((d) => {
    if (d.metAt) return d;
    const due = Date.parse(d.dueAt);
    const passed = [...policy.itReminderHoursBefore, 0].filter((h) => !d.remindersSent.includes(h) && t >= due - h * HOUR);
    if (!passed.length) return d;
    const nearest = Math.min(...passed);
    effects.push({ type: 'remindIt', regulation: d.regulation, hoursBefore: nearest, dueAt: d.dueAt });
    return { ...d, remindersSent: [...d.remindersSent, ...passed].sort((x, y) => y - x) };
  });
  return { deadlines, effects };
}

/**
 * Applies an event: the next breach and its effects, or a named error. `changed` is false when the event
 * changes nothing (a second settle, an authority already recorded).
 */
export function breachTransition(
  b: BreachCore,
  event: BreachEvent,
  actor: BreachActor,
  policy: BreachPolicy,
  now: Date,
): { next: BreachCore; effects: BreachEffect[]; changed: boolean } {
  const refuse = () => new InvalidBreachTransitionError(b._id, b.state, event.type);
  if (PEOPLE_EVENTS.has(event.type) && (actor.kind !== 'user' || !mayRunBreach(actor.roles))) {
    throw new BreachNotAuthorizedError(b._id, actor.kind === 'user' ? actor.aadObjectId : 'system', event.type);
  }
  if (!PEOPLE_EVENTS.has(event.type) && actor.kind !== 'system') throw new BreachNotAuthorizedError(b._id, actor.aadObjectId, event.type);
  const at = now.toISOString();
  const withTimer = (next: BreachCore) => ({ ...next, timerAt: nextBreachTimer(next, policy, now) });
  switch (event.type) {
    case 'confirmSend': {
      if (b.state !== 'draft') throw refuse();
      const next = withTimer({ ...b, state: 'notifying', sendStartedAt: at });
      return { next, effects: [{ type: 'notifyAffected' }, { type: 'refreshItCard' }], changed: true };
    }
    case 'cancel': {
      if (b.state !== 'draft') throw refuse();
      return { next: { ...b, state: 'cancelled', closedAt: at, timerAt: undefined }, effects: [], changed: true };
    }
    case 'fanOutSettled': {
      if (b.state === 'notified' || b.state === 'closed') return { next: b, effects: [], changed: false };
      if (b.state !== 'notifying') throw refuse();
      const deadlines = b.deadlines.map((d) => (d.notify === 'individuals' && !d.metAt ? { ...d, metAt: at } : d));
      return { next: withTimer({ ...b, state: 'notified', settledAt: at, deadlines }), effects: [{ type: 'refreshItCard' }], changed: true };
    }
    case 'authorityNotified': {
      if (b.state === 'cancelled') throw refuse();
      const d = b.deadlines.find((x) => x.regulation === event.regulation && x.notify === 'authority');
      if (!d) throw refuse();
      if (d.metAt) return { next: b, effects: [], changed: false };
      const deadlines = b.deadlines.map((x) => (x === d ? { ...x, metAt: at } : x));
      const next = { ...b, deadlines };
      return { next: OPEN.has(b.state) ? withTimer(next) : next, effects: OPEN.has(b.state) ? [{ type: 'refreshItCard' }] : [], changed: true };
    }
    case 'timer': {
      if (!OPEN.has(b.state)) return { next: b, effects: [], changed: false };
      const { deadlines, effects } = dueReminders(b, policy, now);
      let personRemindersSent = b.personRemindersSent;
      const nextRound = b.sendStartedAt ? Date.parse(b.sendStartedAt) + (personRemindersSent + 1) * policy.personReminderEveryHours * HOUR : Infinity;
      if (personRemindersSent < policy.personReminderMax && now.getTime() >= nextRound) {
        personRemindersSent += 1;
        effects.push({ type: 'remindUnacknowledged', round: personRemindersSent });
      }
      effects.push({ type: 'refreshItCard' });
      return { next: withTimer({ ...b, deadlines, personRemindersSent }), effects, changed: true };
    }
    case 'close': {
      if (b.state === 'closed') return { next: b, effects: [], changed: false };
      if (!OPEN.has(b.state)) throw refuse();
      return { next: { ...b, state: 'closed', closedAt: at, timerAt: undefined }, effects: [{ type: 'refreshItCard' }], changed: true };
    }
  }
}

/** Where one affected person's notice stands. */
export type NoticeState = 'pending' | 'sent' | 'unreachable' | 'acknowledged';

export const NOTICE_STATES: readonly NoticeState[] = ['pending', 'sent', 'unreachable', 'acknowledged'];

/** What happens to one person's notice. */
export type NoticeEvent =
  | { type: 'delivered' }
  | { type: 'unreachable'; reason: string }
  | { type: 'acknowledge'; by: string }
  | { type: 'reminded'; round: number };

export type NoticeEventType = NoticeEvent['type'];

export const NOTICE_EVENT_TYPES: readonly NoticeEventType[] = ['delivered', 'unreachable', 'acknowledge', 'reminded'];

/** The notice fields the machine reads and writes. */
export interface NoticeCore {
  _id: string;
  person: { aadObjectId: string };
  state: NoticeState;
  sentAt?: string;
  acknowledgedAt?: string;
  unreachableReason?: string;
  remindersSent: number;
}

/** Only the person a notice is for acknowledges it. */
export class NoticeNotYoursError extends Error {
  override readonly name = 'NoticeNotYoursError';
  constructor(
    readonly noticeId: string,
    readonly actorId: string,
  ) {
    super(`${actorId} may not acknowledge notice ${noticeId}`);
  }
}

/**
 * Applies an event to one person's notice. Acknowledging twice, or delivering a notice already delivered (a
 * resumed fan-out), changes nothing. A person who acknowledges a copy of the notice whose delivery was never
 * recorded (a crash mid-send) is counted as told and acknowledged.
 */
export function noticeTransition(n: NoticeCore, event: NoticeEvent, now: Date): { next: NoticeCore; changed: boolean } {
  const at = now.toISOString();
  const same = { next: n, changed: false };
  switch (event.type) {
    case 'delivered':
      if (n.state !== 'pending') return same;
      return { next: { ...n, state: 'sent', sentAt: at }, changed: true };
    case 'unreachable':
      if (n.state !== 'pending') return same;
      return { next: { ...n, state: 'unreachable', unreachableReason: event.reason }, changed: true };
    case 'acknowledge':
      if (event.by !== n.person.aadObjectId) throw new NoticeNotYoursError(n._id, event.by);
      if (n.state === 'acknowledged') return same;
      return { next: { ...n, state: 'acknowledged', sentAt: n.sentAt ?? at, acknowledgedAt: at, unreachableReason: undefined }, changed: true };
    case 'reminded':
      if (n.state !== 'sent' || n.remindersSent >= event.round) return same;
      return { next: { ...n, remindersSent: event.round }, changed: true };
  }
}
