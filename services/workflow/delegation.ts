/**
 * A manager's delegation of approvals for a date range ("delegate approvals to Dana until 24 December"), as pure
 * rules: who may be a delegate, when one applies, and how a new request is routed through it. No I/O.
 */
import { ValidationError } from './errors';
import type { PersonRef } from './model';

/** One person's standing delegation (one per delegator; a new one replaces the old). */
export interface ApprovalDelegation {
  /** The delegator's Entra object id. */
  _id: string;
  delegator: PersonRef;
  delegate: PersonRef;
  /** Requests arriving from `from` until before `until` go to the delegate. */
  from: string;
  until: string;
  createdAt: string;
  /** Set when the delegator ended it early. */
  endedAt?: string;
}

/** The longest delegation one command sets (a leave, not a permanent change of approver). */
export const MAX_DELEGATION_DAYS = 180;

/**
 * Validates a new delegation. `untilDate` is a calendar day (YYYY-MM-DD): the delegation covers that whole day in
 * UTC, so "until 2026-12-24" still routes requests arriving on the 24th to the delegate.
 */
export function newDelegation(delegator: PersonRef, delegate: PersonRef, untilDate: string, now: string): ApprovalDelegation {
  const problems: string[] = [];
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(untilDate.trim());
  const end = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1) : NaN;
  if (!m || Number.isNaN(end) || new Date(end - 1).toISOString().slice(0, 10) !== untilDate.trim()) problems.push('Give the last day as a date such as 2026-12-24.');
  else if (end <= Date.parse(now)) problems.push('The last day of the delegation has already passed.');
  else if (end - Date.parse(now) > MAX_DELEGATION_DAYS * 86_400_000) problems.push(`A delegation can last at most ${MAX_DELEGATION_DAYS} days.`);
  if (delegate.aadObjectId === delegator.aadObjectId) problems.push('You cannot delegate approvals to yourself.');
  if (problems.length) throw new ValidationError(problems);
  return { _id: delegator.aadObjectId, delegator, delegate, from: now, until: new Date(end).toISOString(), createdAt: now };
}

/** Whether the delegation routes requests arriving at `now`. */
export function isActive(d: ApprovalDelegation | null | undefined, now: string): d is ApprovalDelegation {
  return Boolean(d && !d.endedAt && d.from <= now && now < d.until);
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
