/**
 * A manager's delegation of approvals for a date range ("delegate approvals to Dana until Friday"), as pure rules:
 * who may be a delegate, which instants a range of the manager's calendar days covers, when a delegation applies,
 * and how a new request is routed through it. No I/O.
 */
import { ValidationError } from './errors';
import type { PersonRef } from './model';

/** One person's standing delegation (one per delegator; a new one replaces the old). */
export interface ApprovalDelegation {
  /** The delegator's Entra object id. */
  _id: string;
  /** This setting of the delegation (a change gives a new id), named by its audit entries. */
  id?: string;
  delegator: PersonRef;
  delegate: PersonRef;
  /** Requests arriving from `from` until before `until` go to the delegate. */
  from: string;
  until: string;
  /** The manager's calendar days the range was given in (YYYY-MM-DD, both included), and their time zone. */
  fromDate?: string;
  untilDate?: string;
  timeZone?: string;
  createdAt: string;
  /** Set when the delegator ended it early. */
  endedAt?: string;
  /** Set once its running out has been recorded. */
  expiredAt?: string;
}

/** The longest delegation one command sets (a leave, not a permanent change of approver). */
export const MAX_DELEGATION_DAYS = 180;

const DAY_MS = 86_400_000;

/** A calendar day (YYYY-MM-DD) as year, month, day, or undefined when it is no real day. */
function parseDay(day: string): [number, number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === day.trim() ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** How far a time zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(at / 1000) * 1000;
}

/** The instant a calendar day begins in a time zone (daylight saving changes never fall on midnight in practice). */
export function startOfDay(day: string, timeZone: string): number {
  const p = parseDay(day);
  if (!p) return NaN;
  const wall = Date.UTC(p[0], p[1] - 1, p[2]);
  const guess = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(guess, timeZone);
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone. */
export function dayIn(at: string | number, timeZone: string): string {
  const t = typeof at === 'number' ? at : Date.parse(at);
  return new Date(t + offsetAt(t, timeZone)).toISOString().slice(0, 10);
}

/** The day after a calendar day. */
export function nextDay(day: string): string {
  const p = parseDay(day)!;
  return new Date(Date.UTC(p[0], p[1] - 1, p[2]) + DAY_MS).toISOString().slice(0, 10);
}

/** What a new delegation is made of: the person, the manager's days (both included) and their time zone. */
export interface DelegationWindow {
  fromDate: string;
  untilDate: string;
  timeZone: string;
}

/**
 * Validates a new delegation and turns the manager's calendar days into instants: it starts at the beginning of
 * `fromDate` (or now, when that is today) and covers the whole of `untilDate` in the manager's time zone. Refused:
 * no real days, a range that ends before it starts or has passed, a start more than the maximum ahead, a range
 * longer than the maximum, oneself, and a delegate who has handed their own approvals on for part of the range
 * (that would be a chain: nobody would decide).
 */
export function newDelegation(
  delegator: PersonRef,
  delegate: PersonRef,
  window: DelegationWindow,
  now: string,
  context: { id?: string; delegatesOwn?: ApprovalDelegation | null } = {},
): ApprovalDelegation {
  const problems: string[] = [];
  const nowMs = Date.parse(now);
  const fromDay = parseDay(window.fromDate);
  const untilDay = parseDay(window.untilDate);
  if (!fromDay || !untilDay) problems.push('Give the first and last day as dates such as 2026-12-24.');
  const start = fromDay ? Math.max(startOfDay(window.fromDate, window.timeZone), nowMs) : NaN;
  const end = untilDay ? startOfDay(nextDay(window.untilDate), window.timeZone) : NaN;
  if (fromDay && untilDay) {
    if (window.untilDate < window.fromDate) problems.push('The last day of the delegation is before its first day.');
    else if (window.fromDate < dayIn(nowMs, window.timeZone)) problems.push('The first day of the delegation has already passed.');
    else if (end <= nowMs) problems.push('The last day of the delegation has already passed.');
    else if (start - nowMs > MAX_DELEGATION_DAYS * DAY_MS) problems.push(`A delegation can start at most ${MAX_DELEGATION_DAYS} days ahead.`);
    else if (end - start > MAX_DELEGATION_DAYS * DAY_MS) problems.push(`A delegation can last at most ${MAX_DELEGATION_DAYS} days.`);
  }
  if (delegate.aadObjectId === delegator.aadObjectId) problems.push('You cannot delegate approvals to yourself.');
  const own = context.delegatesOwn;
  if (own && own._id === delegate.aadObjectId && !own.endedAt && own.from < new Date(end).toISOString() && own.until > new Date(start).toISOString()) {
    problems.push(`${delegate.displayName} has handed their own approvals to someone else for part of that time; choose someone else (delegations never pass on).`);
  }
  if (problems.length) throw new ValidationError(problems);
  return {
    _id: delegator.aadObjectId,
    ...(context.id ? { id: context.id } : {}),
    delegator,
    delegate,
    from: new Date(start).toISOString(),
    until: new Date(end).toISOString(),
    fromDate: window.fromDate,
    untilDate: window.untilDate,
    timeZone: window.timeZone,
    createdAt: now,
  };
}

/** Whether the delegation routes requests arriving at `now`. */
export function isActive(d: ApprovalDelegation | null | undefined, now: string): d is ApprovalDelegation {
  return Boolean(d && !d.endedAt && d.from <= now && now < d.until);
}

/** Whether the delegation is set and not yet over (running, or starting later). */
export function isCurrent(d: ApprovalDelegation | null | undefined, now: string): d is ApprovalDelegation {
  return Boolean(d && !d.endedAt && now < d.until);
}

/**
 * Where a new request goes when its manager has a delegation: to the delegate, on the manager's behalf. Only
 * the manager's own delegation counts (a delegate's delegation is never followed: no chains), and never to the
 * person who is asking (they cannot approve their own request; the manager keeps it).
 */
export function routeThroughDelegation(
  manager: PersonRef,
  delegation: ApprovalDelegation | null | undefined,
  requester: PersonRef,
  now: string,
): { approvers: PersonRef[]; onBehalfOf?: PersonRef } {
  if (!isActive(delegation, now) || delegation._id !== manager.aadObjectId) return { approvers: [manager] };
  if (delegation.delegate.aadObjectId === requester.aadObjectId) return { approvers: [manager] };
  return { approvers: [delegation.delegate], onBehalfOf: manager };
}
