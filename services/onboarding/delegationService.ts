/**
 * A manager's approval delegation as a use case: find the delegate (by address, by name, or picked in the card's
 * people picker), read the dates in the manager's time zone, check the rules again on the server, save, audit in
 * the delegation's hash chain, and record when it runs out. Routing new requests through it is the onboarding
 * service's (see findApprovers); this file never touches a request.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import type { DirectoryService, DirectoryUser } from '../graph/graphTypes';
import type { JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import type { DelegationAuditEntry, DelegationAuditLog, DelegationRepository } from '../storage/delegationRepository';
import { dayIn, isCurrent, newDelegation, type ApprovalDelegation } from '../workflow/delegation';
import { ValidationError } from '../workflow/errors';
import type { PersonRef } from '../workflow/model';
import type { Actor } from '../workflow/transition';
import { dayInWords, readDelegationDates } from './delegationDates';
import { toIanaTimeZone } from './workingHours';

/** The job kind that records a delegation running out. */
export const DELEGATION_EXPIRY = 'delegationExpiry' as const;

/** Settings from configuration. */
export interface DelegationOptions {
  /** Time zone for managers whose mailbox gives none (IANA). */
  defaultTimeZone: string;
  /** How many people the picker's search offers at most. */
  searchMax: number;
}

/** A delegation the manager is asked to confirm: resolved person and days, and the question in words. */
export interface DelegationPlan {
  delegateId: string;
  delegateName: string;
  fromDate: string;
  untilDate: string;
  /** "Delegate to Dana Lee from Mon 30 Nov to Fri 4 Dec?" */
  question: string;
}

/** What "my delegation" shows: the delegation set now (if any), those the person stands in for, and the history. */
export interface DelegationOverview {
  current: ApprovalDelegation | null;
  standingInFor: ApprovalDelegation[];
  history: DelegationAuditEntry[];
}

type UserActor = Extract<Actor, { kind: 'user' }>;

const EMAIL = /^[^@\s/?#']+@[^@\s/?#']+$/;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const person = (u: DirectoryUser): PersonRef => ({ aadObjectId: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName });

/** Approval delegations: set, change, end early, run out, show. */
export class DelegationService {
  constructor(
    private readonly repo: DelegationRepository,
    private readonly audit: DelegationAuditLog,
    private readonly directory: DirectoryService,
    private readonly jobs: Pick<JobQueue, 'announce' | 'revision' | 'finish' | 'leases'>,
    private readonly options: DelegationOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private now() {
    return this.clock().toISOString();
  }

  private requireUser(actor: Actor): UserActor {
    if (actor.kind !== 'user') throw new ValidationError(['Only a person can delegate their approvals.']);
    return actor;
  }

  /** The manager's time zone: their mailbox's, else the configured default. */
  async timeZoneOf(userId: string): Promise<string> {
    try {
      const settings = await this.directory.getMailboxSettings?.(userId);
      return toIanaTimeZone(settings?.workingHours?.timeZone?.name) ?? toIanaTimeZone(settings?.timeZone) ?? this.options.defaultTimeZone;
    } catch (e) {
      this.logger.info({ err: e }, 'mailbox settings unavailable; using the default time zone');
      return this.options.defaultTimeZone;
    }
  }

  /** People for the picker: directory users whose name or address starts with the typed text, never the searcher. */
  async search(actor: Actor, text: string): Promise<DirectoryUser[]> {
    const me = this.requireUser(actor);
    const term = text.trim();
    if (term.length < 2 || !this.directory.searchUsers) return [];
    const found = await this.directory.searchUsers(term, this.options.searchMax + 1);
    return found.filter((u) => u.id !== me.aadObjectId).slice(0, this.options.searchMax);
  }

  /** The one directory user a chat sentence names: an address, an object id, or a name that matches exactly one person. */
  private async resolve(actor: UserActor, who: string): Promise<DirectoryUser> {
    const w = who.trim().replace(/^@/, '').replace(/[.,;:]+$/, '');
    if (EMAIL.test(w) || OBJECT_ID.test(w)) {
      if (w.length > 254) throw new ValidationError(['Name the delegate by their work email address.']);
      const user = await this.directory.getUser(w);
      if (!user) throw new ValidationError([`Nobody with the address ${w} was found in the directory.`]);
      return user;
    }
    const found = await this.search(actor, w);
    const exact = found.filter((u) => u.displayName.toLowerCase() === w.toLowerCase());
    const matches = exact.length ? exact : found;
    if (matches.length === 1) return matches[0];
    if (!matches.length) throw new ValidationError([`Nobody called "${w}" was found in the directory. Use their work email address, or type "delegate approvals" to pick them from a list.`]);
    const names = matches.slice(0, 5).map((u) => `${u.displayName} (${u.mail ?? u.userPrincipalName})`).join(', ');
    throw new ValidationError([`Several people match "${w}": ${names}. Use their work email address, or type "delegate approvals" to pick from a list.`]);
  }

  /** Reads a chat sentence's person and dates and says back what would be saved, without saving anything. */
  async plan(actor: Actor, said: { to: string; when: string }): Promise<DelegationPlan> {
    const me = this.requireUser(actor);
    const user = await this.resolve(me, said.to);
    const timeZone = await this.timeZoneOf(me.aadObjectId);
    const { fromDate, untilDate } = readDelegationDates(said.when, this.now(), timeZone);
    // The rules are checked now, so the question is never asked about something that would be refused.
    newDelegation({ aadObjectId: me.aadObjectId, displayName: me.displayName }, person(user), { fromDate, untilDate, timeZone }, this.now(), {
      delegatesOwn: await this.repo.find(user.id),
    });
    const year = dayIn(this.now(), timeZone).slice(0, 4);
    return {
      delegateId: user.id,
      delegateName: user.displayName,
      fromDate,
      untilDate,
      question: `Delegate to ${user.displayName} from ${dayInWords(fromDate, year)} to ${dayInWords(untilDate, year)}? New requests for your approval in that time go to them, and they decide on your behalf.`,
    };
  }

  /**
   * Sets (or changes) the actor's delegation. Everything is checked again here, whatever the card or an earlier
   * question said: the delegate is read from the directory by id, the days are read in the manager's time zone.
   */
  async set(actor: Actor, to: { delegateId: string; fromDate: string; untilDate: string }): Promise<ApprovalDelegation> {
    const me = this.requireUser(actor);
    const id = to.delegateId.trim();
    if (!OBJECT_ID.test(id) && !EMAIL.test(id)) throw new ValidationError(['Pick the person who decides for you.']);
    const user = await this.directory.getUser(id);
    if (!user) throw new ValidationError(['That person was not found in the directory.']);
    const timeZone = await this.timeZoneOf(me.aadObjectId);
    const now = this.now();
    const before = await this.repo.find(me.aadObjectId);
    await this.catchUp(before);
    const delegation = newDelegation({ aadObjectId: me.aadObjectId, displayName: me.displayName }, person(user), { fromDate: to.fromDate.trim(), untilDate: to.untilDate.trim(), timeZone }, now, {
      id: randomUUID(),
      delegatesOwn: await this.repo.find(user.id),
    });
    // The expiry job first: a crash after it leaves a job that finds nothing to do, never a delegation without one.
    await this.jobs.announce(DELEGATION_EXPIRY, me.aadObjectId, new Date(delegation.until));
    await this.repo.set(delegation);
    await this.audit.record(isCurrent(before, now) ? 'changed' : 'set', delegation, { kind: 'user', aadObjectId: me.aadObjectId }, now);
    this.logger.info({ delegator: me.aadObjectId, delegate: user.id, from: delegation.from, until: delegation.until }, 'approval delegation set');
    return delegation;
  }

  /** Ends the actor's delegation now (also one that has not started yet); null when none was set. */
  async end(actor: Actor): Promise<ApprovalDelegation | null> {
    const me = this.requireUser(actor);
    const now = this.now();
    await this.catchUp(await this.repo.find(me.aadObjectId));
    const before = await this.repo.end(me.aadObjectId, now);
    if (!before) return null;
    await this.audit.record('ended', { ...before, endedAt: now }, { kind: 'user', aadObjectId: me.aadObjectId }, now);
    this.logger.info({ delegator: me.aadObjectId }, 'approval delegation ended');
    return before;
  }

  /** The person's delegation now, those they stand in for, and their delegation's history. */
  async overview(actor: Actor): Promise<DelegationOverview> {
    const me = this.requireUser(actor);
    const now = this.now();
    const d = await this.repo.find(me.aadObjectId);
    await this.catchUp(d);
    const [standingInFor, history] = await Promise.all([this.repo.findByDelegate(me.aadObjectId, now), this.audit.list(me.aadObjectId)]);
    return { current: isCurrent(d, now) ? d : null, standingInFor, history };
  }

  /**
   * The delegation document is written before its audit entry (two writes, no transaction on every supported
   * server): a crash between them would leave a change unaudited. Whenever the delegation is read to be shown or
   * changed, a change its chain lacks is recorded then, at the time it happened, so the chain always catches up.
   */
  private async catchUp(d: ApprovalDelegation | null): Promise<void> {
    if (!d?.id) return;
    const entries = (await this.audit.list(d._id)).filter((e) => e.delegationId === d.id);
    const has = (change: DelegationAuditEntry['change']) => entries.some((e) => e.change === change || (change === 'set' && e.change === 'changed'));
    const byManager = { kind: 'user' as const, aadObjectId: d._id };
    const missing: [DelegationAuditEntry['change'], DelegationAuditEntry['actor'], string][] = [];
    if (!has('set')) missing.push(['set', byManager, d.createdAt]);
    if (d.endedAt && !has('ended')) missing.push(['ended', byManager, d.endedAt]);
    if (d.expiredAt && !has('expired')) missing.push(['expired', { kind: 'system' }, d.expiredAt]);
    for (const [change, actor, at] of missing) await this.audit.record(change, d, actor, at);
    if (missing.length) this.logger.warn({ delegator: d._id, changes: missing.map(([c]) => c) }, 'delegation change recorded late');
  }

  /** The delegation job: records that the manager's delegation ran out (once), then the job is done. */
  async runClaimed(delegatorId: string, lease: Lease): Promise<void> {
    let seenRev: number | undefined;
    let next: Date | null = null;
    try {
      seenRev = await this.jobs.revision(lease);
      next = await this.recordExpiry(delegatorId);
    } catch (e) {
      next = new Date(this.clock().getTime() + 60_000);
      this.logger.warn({ err: e }, 'delegation expiry failed; will retry');
    } finally {
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Records the running out of a delegation that is due; returns when to look again (a later end), or null. */
  async recordExpiry(delegatorId: string): Promise<Date | null> {
    const now = this.now();
    const d = await this.repo.find(delegatorId);
    await this.catchUp(d);
    if (!d || d.endedAt || d.expiredAt) return null;
    if (d.until > now) return new Date(d.until);
    const expired = await this.repo.markExpired(delegatorId, d.id, now);
    if (expired) {
      await this.audit.record('expired', expired, { kind: 'system' }, now);
      this.logger.info({ delegator: delegatorId }, 'approval delegation ran out');
    }
    return null;
  }
}
