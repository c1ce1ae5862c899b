/**
 * The rules of a change-notice campaign (privacy SOP §5: people are told of any change to data collection or use),
 * as pure functions: who a new notice version concerns, when reminders and the deadline fall, and what each
 * person's answer or silence leads to. A material change asks for consent again and removes access at the deadline
 * from whoever has not given it; a minor change asks for an acknowledgement and only counts who has not answered.
 * Imports nothing from I/O.
 */
import type { Ownership } from './model';

/** Where one person's part in a campaign stands. */
export type RecipientState =
  /** Found affected; the notice is on its way. */
  | 'pending'
  /** The notice card was delivered. */
  | 'told'
  /** The notice could not be delivered (no chat, bot blocked, retries used up). */
  | 'unreachable'
  /** Consented again (material) or acknowledged (minor). */
  | 'answered'
  /** The deadline passed without an answer. */
  | 'lapsed';

export const RECIPIENT_STATES: readonly RecipientState[] = ['pending', 'told', 'unreachable', 'answered', 'lapsed'];

/** What happens to one person in a campaign. */
export type RecipientEvent = { type: 'delivered' } | { type: 'undeliverable' } | { type: 'answered' } | { type: 'deadline' };

export const RECIPIENT_EVENT_TYPES: readonly RecipientEvent['type'][] = ['delivered', 'undeliverable', 'answered', 'deadline'];

/** The campaign's rules for one person. */
export interface RecipientCore {
  state: RecipientState;
  /** Whether the deadline removed this person's device access (material changes only). */
  accessRemoved: boolean;
}

/** What follows for the device and the person from one event. */
export interface RecipientOutcome<T extends RecipientCore> {
  next: T;
  changed: boolean;
  /** Remove the device's access (the device aggregate's consentLapsed event). */
  removeAccess: boolean;
  /** Give the device's access back (consentRenewed). */
  restoreAccess: boolean;
}

/** The campaign's settings, fixed when it starts. */
export interface CampaignTerms {
  material: boolean;
  startedAt: string;
  deadline: string;
  /** Reminders before the deadline, in days. */
  reminderDaysBefore: readonly number[];
}

/** A campaign whose terms cannot hold (a deadline before it starts, a reminder before it starts). */
export class CampaignTermsError extends Error {
  override readonly name = 'CampaignTermsError';
  constructor(readonly problems: string[]) {
    super(`The campaign cannot start: ${problems.join('; ')}`);
  }
}

const DAY = 24 * 3600 * 1000;

/** The problems with a campaign's terms (empty when it can start). */
export function campaignTermsProblems(terms: CampaignTerms): string[] {
  const problems: string[] = [];
  const start = Date.parse(terms.startedAt);
  const end = Date.parse(terms.deadline);
  if (Number.isNaN(end)) problems.push('the deadline is not a date');
  else if (end <= start) problems.push('the deadline must be after the campaign starts');
  for (const d of terms.reminderDaysBefore) if (!(d > 0)) problems.push(`a reminder ${d} days before the deadline is not a positive number of days`);
  return problems;
}

/** The reminder times of a campaign that fall after its start, soonest first, with their days before the deadline. */
export function reminderTimes(terms: CampaignTerms): { daysBefore: number; at: string }[] {
  const start = Date.parse(terms.startedAt);
  const end = Date.parse(terms.deadline);
  return [...new Set(terms.reminderDaysBefore)]
    .map((daysBefore) => ({ daysBefore, at: end - daysBefore * DAY }))
    .filter((r) => r.at > start)
    .sort((a, b) => a.at - b.at)
    .map((r) => ({ daysBefore: r.daysBefore, at: new Date(r.at).toISOString() }));
}

/** Where the campaign's own timeline stands. */
export interface CampaignProgress {
  fanOutDone: boolean;
  remindersSent: readonly number[];
  closedAt?: string;
}

/** What the campaign's timer does next. */
export type CampaignStep =
  | { kind: 'fanOut' }
  /** Send reminders; the largest `daysBefore` whose time came stands for earlier ones missed (a late timer sends one). */
  | { kind: 'remind'; daysBefore: number; covers: number[] }
  | { kind: 'deadline' }
  | { kind: 'wait'; until: string }
  | { kind: 'closed' };

/** The next step of a campaign at `now`. */
export function nextCampaignStep(terms: CampaignTerms, progress: CampaignProgress, now: Date): CampaignStep {
  if (progress.closedAt) return { kind: 'closed' };
  if (!progress.fanOutDone) return { kind: 'fanOut' };
  if (now.getTime() >= Date.parse(terms.deadline)) return { kind: 'deadline' };
  const reminders = reminderTimes(terms).filter((r) => !progress.remindersSent.includes(r.daysBefore));
  const due = reminders.filter((r) => Date.parse(r.at) <= now.getTime());
  if (due.length) return { kind: 'remind', daysBefore: due[due.length - 1].daysBefore, covers: due.map((r) => r.daysBefore) };
  const next = reminders.find((r) => Date.parse(r.at) > now.getTime());
  return { kind: 'wait', until: next?.at ?? terms.deadline };
}

/** A person's consent as the campaign sees it: the ledger head of one person's device. */
export interface AffectedCandidate {
  status: 'none' | 'consented' | 'declined' | 'withdrawn';
  ownership: Ownership;
  /** SHA-256 of the text the person last consented to or acknowledged. */
  textHash?: string;
  /** When that text was published, if it is a published version. */
  textPublishedAt?: string;
}

/** The new version a campaign is about. */
export interface CampaignNotice {
  ownership: Ownership;
  sha256: string;
  publishedAt: string;
}

/**
 * Whether a person's consent is one the new version changes: a standing consent, for a device of the notice's
 * ownership, to another text published before this one (a text of unknown date counts as earlier).
 */
export function isAffected(c: AffectedCandidate, notice: CampaignNotice): boolean {
  if (c.status !== 'consented' || c.ownership !== notice.ownership) return false;
  if (!c.textHash || c.textHash === notice.sha256) return false;
  return !c.textPublishedAt || c.textPublishedAt < notice.publishedAt;
}

/** Whether a person gets a reminder: told or unreachable earlier (a new attempt may reach them), and not answered. */
export function wantsReminder(r: RecipientCore): boolean {
  return r.state === 'told' || r.state === 'unreachable';
}

/**
 * One person's next state. An answer is taken at any time before or after the deadline (after it, for a material
 * change, access comes back); delivery news never overrides an answer or the deadline; the deadline removes access
 * only for a material change.
 */
export function recipientTransition<T extends RecipientCore>(r: T, event: RecipientEvent, material: boolean): RecipientOutcome<T> {
  const same = (): RecipientOutcome<T> => ({ next: r, changed: false, removeAccess: false, restoreAccess: false });
  const to = (patch: Partial<RecipientCore>, effects: { removeAccess?: boolean; restoreAccess?: boolean } = {}): RecipientOutcome<T> => ({
    next: { ...r, ...patch },
    changed: true,
    removeAccess: Boolean(effects.removeAccess),
    restoreAccess: Boolean(effects.restoreAccess),
  });
  switch (event.type) {
    case 'delivered':
      return r.state === 'pending' || r.state === 'unreachable' ? to({ state: 'told' }) : same();
    case 'undeliverable':
      return r.state === 'pending' ? to({ state: 'unreachable' }) : same();
    case 'answered':
      if (r.state === 'answered') return same();
      return to({ state: 'answered', accessRemoved: false }, { restoreAccess: r.accessRemoved });
    case 'deadline':
      if (r.state === 'answered' || r.state === 'lapsed') return same();
      return to({ state: 'lapsed', accessRemoved: material }, { removeAccess: material });
  }
}

/** The counts the administrator sees. */
export interface CampaignCounts {
  affected: number;
  told: number;
  answered: number;
  pending: number;
  unreachable: number;
  accessRemoved: number;
}

/** Counts from the number of people in each state and how many lost access. */
export function campaignCounts(byState: Partial<Record<RecipientState, number>>, accessRemoved: number): CampaignCounts {
  const n = (s: RecipientState) => byState[s] ?? 0;
  const affected = RECIPIENT_STATES.reduce((sum, s) => sum + n(s), 0);
  return {
    affected,
    told: n('told') + n('answered') + n('lapsed'),
    answered: n('answered'),
    pending: n('pending') + n('told') + n('lapsed'),
    unreachable: n('unreachable'),
    accessRemoved,
  };
}
