/**
 * The register of third-party integrations (privacy SOP §7: third-party integrations reviewed regularly), as
 * pure rules: what an entry must hold, who may change it, and when its review is due. Imports nothing from I/O.
 */
import type { Role } from './transition';

/** GDPR Art. 6(1) lawful bases, the words the register uses. */
export const LEGAL_BASES = ['consent', 'contract', 'legalObligation', 'vitalInterests', 'publicTask', 'legitimateInterests'] as const;

/** One lawful basis for sharing data with the third party. */
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** The person accountable for an integration. */
export interface RegisterOwner {
  aadObjectId: string;
  displayName: string;
}

/** What an entry says about an integration. */
export interface ThirdPartyFields {
  name: string;
  /** Which data is shared with the third party. */
  dataShared: string;
  owner: RegisterOwner;
  purpose: string;
  legalBasis: LegalBasis;
  /** Dates (YYYY-MM-DD). */
  lastReviewOn: string;
  nextReviewOn: string;
}

/** Review reminders already sent for the current next-review date. */
export type ReviewReminder = 'dueSoon' | 'overdue';

/** An entry as the rules see it. */
export interface ThirdPartyCore extends ThirdPartyFields {
  _id: string;
  status: 'active' | 'removed';
  remindersSent: ReviewReminder[];
}

/** Register rules from configuration. */
export interface RegisterPolicy {
  /** A review sets the next one this many days later unless a date is given. */
  reviewIntervalDays: number;
  /** The owner and IT are reminded this many days before a review is due (and once when it is overdue). */
  remindDaysBefore: number;
}

/** What can happen to an entry. */
export type RegisterEvent =
  | { type: 'add'; fields: ThirdPartyFields }
  | { type: 'edit'; fields: Partial<Omit<ThirdPartyFields, 'lastReviewOn'>> }
  | { type: 'review'; nextReviewOn?: string }
  | { type: 'remove' }
  | { type: 'remind'; reminder: ReviewReminder };

export type RegisterEventType = RegisterEvent['type'];

export const REGISTER_EVENT_TYPES: readonly RegisterEventType[] = ['add', 'edit', 'review', 'remove', 'remind'];

/** Who changes the register: IT Security, an administrator, the entry's owner (reviews only), or the reminder job. */
export type RegisterActor = { kind: 'user'; aadObjectId: string; roles: readonly Role[] } | { kind: 'system' };

/** The roles that keep the register. */
export const REGISTER_ROLES: readonly Role[] = ['itSecurity', 'admin'];

/** An entry's fields break the register's rules; `problems` are shown as written. */
export class RegisterValidationError extends Error {
  override readonly name = 'RegisterValidationError';
  constructor(readonly problems: string[]) {
    super(`Invalid register entry: ${problems.join('; ')}`);
  }
}

/** The actor may not make this change. */
export class RegisterNotAuthorizedError extends Error {
  override readonly name = 'RegisterNotAuthorizedError';
  constructor(
    readonly entryId: string,
    readonly actorId: string,
    readonly event: string,
  ) {
    super(`${actorId} may not ${event} register entry ${entryId}`);
  }
}

/** The change does not apply to the entry as it stands (a removed entry, an unknown one). */
export class InvalidRegisterChangeError extends Error {
  override readonly name = 'InvalidRegisterChangeError';
  constructor(
    readonly entryId: string,
    readonly status: string,
    readonly event: string,
  ) {
    super(`Event ${event} does not apply to register entry ${entryId} (${status})`);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY = 86_400_000;
const isDate = (s: string) => DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/** The date `days` after `date` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** The problems with an entry's fields (empty when it may be stored). */
export function registerProblems(f: Partial<ThirdPartyFields>): string[] {
  const p: string[] = [];
  const text = (v: string | undefined, label: string, max: number) => {
    if (!v || !v.trim()) p.push(`${label} is required.`);
    else if (v.length > max) p.push(`${label} must be at most ${max} characters.`);
  };
  text(f.name, 'Name', 100);
  text(f.dataShared, 'Data shared', 500);
  text(f.purpose, 'Purpose', 500);
  if (!f.owner?.aadObjectId) p.push('Owner is required (a person in the directory).');
  if (!f.legalBasis || !LEGAL_BASES.includes(f.legalBasis)) p.push(`Legal basis must be one of ${LEGAL_BASES.join(', ')}.`);
  if (!f.lastReviewOn || !isDate(f.lastReviewOn)) p.push('Last review must be a date (YYYY-MM-DD).');
  if (!f.nextReviewOn || !isDate(f.nextReviewOn)) p.push('Next review must be a date (YYYY-MM-DD).');
  else if (f.lastReviewOn && isDate(f.lastReviewOn) && f.nextReviewOn <= f.lastReviewOn) p.push('Next review must be after the last review.');
  return p;
}

/** Where an entry's review stands on `today`. */
export function reviewStatus(e: Pick<ThirdPartyCore, 'nextReviewOn' | 'status'>, policy: RegisterPolicy, today: string): 'ok' | ReviewReminder {
  if (e.status !== 'active') return 'ok';
  if (today >= e.nextReviewOn) return 'overdue';
  if (today >= addDays(e.nextReviewOn, -policy.remindDaysBefore)) return 'dueSoon';
  return 'ok';
}

/** The reminder owed on `today`, if one has not been sent yet for this review date. */
export function reminderDue(e: ThirdPartyCore, policy: RegisterPolicy, today: string): ReviewReminder | null {
  const s = reviewStatus(e, policy, today);
  return s !== 'ok' && !e.remindersSent.includes(s) ? s : null;
}

/**
 * Applies a change to an entry (null before it is added). IT Security and administrators keep the register; an
 * entry's owner may also record its review; the reminder job only records reminders.
 */
export function registerTransition(e: ThirdPartyCore | null, id: string, event: RegisterEvent, actor: RegisterActor, policy: RegisterPolicy, today: string): ThirdPartyCore {
  const keeper = actor.kind === 'user' && actor.roles.some((r) => REGISTER_ROLES.includes(r));
  const owner = actor.kind === 'user' && e?.owner.aadObjectId === actor.aadObjectId;
  const allowed = event.type === 'remind' ? actor.kind === 'system' : event.type === 'review' ? keeper || owner : keeper;
  if (!allowed) throw new RegisterNotAuthorizedError(id, actor.kind === 'user' ? actor.aadObjectId : 'system', event.type);
  if (event.type === 'add') {
    if (e && e.status === 'active') throw new InvalidRegisterChangeError(id, e.status, event.type);
    const problems = registerProblems(event.fields);
    if (problems.length) throw new RegisterValidationError(problems);
    return { _id: id, ...event.fields, name: event.fields.name.trim(), status: 'active', remindersSent: [] };
  }
  if (!e || e.status !== 'active') throw new InvalidRegisterChangeError(id, e?.status ?? 'absent', event.type);
  switch (event.type) {
    case 'edit': {
      const next = { ...e, ...Object.fromEntries(Object.entries(event.fields).filter(([, v]) => v !== undefined)) } as ThirdPartyCore;
      const problems = registerProblems(next);
      if (problems.length) throw new RegisterValidationError(problems);
      return { ...next, remindersSent: next.nextReviewOn === e.nextReviewOn ? e.remindersSent : [] };
    }
    case 'review': {
      const nextReviewOn = event.nextReviewOn ?? addDays(today, policy.reviewIntervalDays);
      const next = { ...e, lastReviewOn: today, nextReviewOn, remindersSent: [] };
      const problems = registerProblems(next);
      if (problems.length) throw new RegisterValidationError(problems);
      return next;
    }
    case 'remove':
      return { ...e, status: 'removed', remindersSent: [] };
    case 'remind':
      if (e.remindersSent.includes(event.reminder)) return e;
      return { ...e, remindersSent: [...e.remindersSent, event.reminder] };
  }
}
