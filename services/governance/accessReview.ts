/**
 * The periodic user access review (SOC 2 CC6.2/CC6.3; privacy SOP §3 "regular audits and reviews"): who holds
 * which role and who is in the access group, against who should be, posted to IT Security's channel; an
 * administrator attests it or removes listed members from the card. Every review, attestation, removal and
 * reminder is an entry in a hash chain (one per review, head in `chainHeads`), and appears in evidence packs.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { DEVICES_COLLECTION } from '../devices/deviceRepository';
import type { DirectoryService, GroupService } from '../graph/graphTypes';
import { dueSlot, type JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import { KEPT_COMMIT_TOKENS, Outbox, UNCONDITIONAL, type OutboxEntry } from '../outbox/outbox';
import { HeadedChain, type ChainedEntry, type ChainReport } from '../storage/auditRepository';
import { COLLECTIONS } from '../storage/mongoConnection';
import { NotFoundError } from '../workflow/errors';
import type { Actor } from '../workflow/transition';
import type { AccessLogEntry } from './accessLog';
import { authorize } from './authorization';

/** The roles a review lists, each granted by one Entra group. */
export type ReviewedRole = 'admin' | 'auditor' | 'itSecurity' | 'fallbackApprover';

export const REVIEWED_ROLE_LABELS: Record<ReviewedRole, string> = {
  admin: 'Administrators',
  auditor: 'Auditors',
  itSecurity: 'IT Security',
  fallbackApprover: 'Fallback approvers',
};

/** A member's display name when the directory knows it (devices and removed accounts have none). */
export interface ReviewedMember {
  id: string;
  name: string | null;
}

/** A removal an administrator asked for from the review card. */
export interface Revocation {
  memberId: string;
  by: { aadObjectId: string; displayName: string };
  requestedAt: string;
  state: 'requested' | 'removed';
  removedAt?: string;
  graphRequestId?: string | null;
  clientRequestId?: string;
}

/** One access review, as stored in `accessReviews`. */
export interface AccessReview {
  _id: string;
  version: number;
  /** Commit tokens of the outbox entries this review's writes owe (see Outbox). */
  outboxTokens: string[];
  startedAt: string;
  /** The previous review's start: usage is counted from there. */
  since: string | null;
  dueBy: string;
  state: 'open' | 'attested';
  roles: { role: ReviewedRole; groupId: string; members: ReviewedMember[] }[];
  access: {
    groupId: string;
    members: number;
    expected: number;
    /** In the group without an enrolled, compliant device. */
    unexpected: ReviewedMember[];
    /** Enrolled, compliant devices whose member is not in the group. */
    missing: ReviewedMember[];
  };
  /** Who read sensitive records since the last review, from the access log (ids and counts only). */
  usage: { aadObjectId: string; name: string | null; reads: number }[];
  attestation: { by: { aadObjectId: string; displayName: string }; at: string } | null;
  revocations: Revocation[];
  reminders: string[];
}

/** One entry of a review's hash chain. */
export interface AccessReviewEvent extends ChainedEntry {
  chainId: string;
  at: string;
  event: 'reviewed' | 'attested' | 'revocationRequested' | 'revoked' | 'reminded';
  actor: { kind: 'user' | 'system'; aadObjectId?: string };
  details: Record<string, string | number | boolean | null>;
}

/** Settings from configuration. */
export interface AccessReviewOptions {
  intervalMs: number;
  dueMs: number;
  reminderMs: number;
  groups: { access: string; admins?: string; auditors?: string; itSecurity: string; fallbackApprovers?: string };
}

/** What the review needs to post and carry out through the shared outbox. */
export interface ReviewOutbox {
  stage: Outbox['stage'];
  handle: Outbox['handle'];
  aggregate: Outbox['aggregate'];
}

/** The card to post or show: a view of the review for whoever looks at it. */
export type ReviewCardRenderer = (review: AccessReview, now: Date) => object;

/** A review action that its state does not allow (already attested, member not listed, already removed). */
export class AccessReviewStateError extends Error {
  override readonly name = 'AccessReviewStateError';
  constructor(
    readonly reviewId: string,
    readonly reason: 'attested' | 'notListed' | 'alreadyRevoked' | 'stale',
  ) {
    super(`Access review ${reviewId}: ${reason}`);
  }
}

export const ACCESS_REVIEWS_COLLECTION = 'accessReviews';
export const ACCESS_REVIEW_LOG_COLLECTION = 'accessReviewLog';
export const ACCESS_REVIEW_AGGREGATE = 'accessReview';
/** Outbox kinds of the review: an IT-channel card (the device module's kind) and a group removal. */
export const ReviewOutboxKind = { ItNotice: 'itNotice', Revoke: 'accessReviewRevoke', CardUpdate: 'accessReviewCard' } as const;
/** The idempotency key of a review's card in the IT channel (also its delivery key). */
export const reviewCardKey = (reviewId: string) => `${reviewId}:card`;
const SCHEDULE_SUBJECT = 'scheduled';
/** Device states whose member belongs in the access group (grace keeps access until it ends). */
const HOLDS_ACCESS = ['compliant', 'inGrace'];
const MAX_NAMED = 50;

/**
 * The access review's use cases: the scheduled run, the due-date reminder, attestation and removal from the card
 * (administrators only, checked against Entra roles, never card data), and the evidence view.
 */
export class AccessReviewService {
  private readonly reviews: Collection<AccessReview>;
  readonly chain: HeadedChain<AccessReviewEvent>;

  constructor(
    private readonly db: Db,
    private readonly graph: { groups: GroupService; directory: DirectoryService },
    private readonly jobs: JobQueue,
    private readonly outbox: ReviewOutbox,
    private readonly renderCard: ReviewCardRenderer,
    private readonly options: AccessReviewOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.reviews = db.collection<AccessReview>(ACCESS_REVIEWS_COLLECTION);
    this.chain = new HeadedChain<AccessReviewEvent>(db, ACCESS_REVIEW_LOG_COLLECTION);
    outbox.handle(ReviewOutboxKind.Revoke, (entry) => this.carryOutRevocation(entry));
    outbox.aggregate(ACCESS_REVIEW_AGGREGATE, async (id) => {
      const r = await this.reviews.findOne({ _id: id }, { projection: { version: 1, outboxTokens: 1 } });
      return r ? { version: r.version, outboxTokens: r.outboxTokens } : null;
    });
  }

  async ensureIndexes(): Promise<void> {
    await this.reviews.createIndex({ startedAt: -1 }, { name: 'by_start' });
  }

  /** Creates the recurring review job once (two instances starting together create it once). */
  async schedule(firstAt: Date): Promise<void> {
    try {
      await this.jobs.collection.updateOne({ _id: `accessReview:${SCHEDULE_SUBJECT}` }, { $setOnInsert: { kind: 'accessReview', subject: SCHEDULE_SUBJECT, dueAt: firstAt, slot: dueSlot(firstAt), rev: 0 } }, { upsert: true });
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  get(id: string): Promise<AccessReview | null> {
    return this.reviews.findOne({ _id: id });
  }

  /** Newest first. */
  list(limit = 20): Promise<AccessReview[]> {
    return this.reviews.find({}).sort({ startedAt: -1 }).limit(limit).toArray();
  }

  /** The scheduled job: runs a review, then the next one after the interval. */
  async runClaimed(lease: Lease): Promise<void> {
    const seenRev = await this.jobs.revision(lease);
    let next: Date | null = new Date(this.clock().getTime() + this.options.intervalMs);
    try {
      await this.run();
    } catch (e) {
      next = new Date(this.clock().getTime() + Math.min(this.options.reminderMs, 3_600_000));
      throw e;
    } finally {
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Takes the snapshot, stores and chains it, and posts the card to the IT channel (through the outbox). */
  async run(): Promise<AccessReview> {
    const now = this.clock();
    const [previous] = await this.list(1);
    const g = this.options.groups;
    const roleGroups: [ReviewedRole, string | undefined][] = [['admin', g.admins], ['auditor', g.auditors], ['itSecurity', g.itSecurity], ['fallbackApprover', g.fallbackApprovers]];
    const roles: AccessReview['roles'] = [];
    for (const [role, groupId] of roleGroups) if (groupId) roles.push({ role, groupId, members: await this.named(await this.graph.groups.listMemberIds(groupId)) });
    const inGroup = new Set(await this.graph.groups.listMemberIds(g.access));
    const expected = new Set(
      (await this.db.collection<{ state: string; access?: { groupId: string; memberId: string } }>(DEVICES_COLLECTION).find({ state: { $in: HOLDS_ACCESS } }, { projection: { access: 1 } }).toArray())
        .filter((d) => d.access?.groupId === g.access)
        .map((d) => d.access!.memberId),
    );
    const since = previous?.startedAt ?? null;
    const reads = await this.db
      .collection<AccessLogEntry>(COLLECTIONS.accessLog)
      .find(since ? { at: { $gte: since } } : {}, { projection: { actor: 1 } })
      .toArray();
    const counts = new Map<string, number>();
    for (const r of reads) counts.set(r.actor.aadObjectId, (counts.get(r.actor.aadObjectId) ?? 0) + 1);
    const usageNames = await this.named([...counts.keys()]);
    const review: AccessReview = {
      _id: `review-${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`,
      version: 1,
      outboxTokens: [],
      startedAt: now.toISOString(),
      since,
      dueBy: new Date(now.getTime() + this.options.dueMs).toISOString(),
      state: 'open',
      roles,
      access: {
        groupId: g.access,
        members: inGroup.size,
        expected: expected.size,
        unexpected: await this.named([...inGroup].filter((m) => !expected.has(m))),
        missing: await this.named([...expected].filter((m) => !inGroup.has(m))),
      },
      usage: usageNames.map((p) => ({ aadObjectId: p.id, name: p.name, reads: counts.get(p.id) ?? 0 })).sort((a, b) => b.reads - a.reads),
      attestation: null,
      revocations: [],
      reminders: [],
    };
    const token = Outbox.newCommitToken();
    await this.jobs.announce('accessReviewDue', review._id, new Date(review.dueBy));
    await this.outbox.stage({ type: ACCESS_REVIEW_AGGREGATE, id: review._id, version: 1, commitToken: token }, [this.itCard(review, reviewCardKey(review._id), 'Access review to attest')]);
    await this.reviews.insertOne({ ...review, outboxTokens: [token] });
    await this.record(review._id, 'reviewed', { kind: 'system' }, {
      roles: roles.map((r) => `${r.role}:${r.members.length}`).join(','),
      accessMembers: review.access.members,
      expected: review.access.expected,
      unexpected: review.access.unexpected.map((m) => m.id).join(',') || null,
      missing: review.access.missing.map((m) => m.id).join(',') || null,
      since,
    });
    this.logger.info({ reviewId: review._id, unexpected: review.access.unexpected.length, missing: review.access.missing.length }, 'access review posted');
    return { ...review, outboxTokens: [token] };
  }

  /** An administrator attests the review (the card's view for them comes back). */
  async attest(actor: Actor, reviewId: string, version?: number): Promise<AccessReview> {
    authorize(actor, 'attestAccessReview');
    const review = await this.mustGet(reviewId);
    if (review.state === 'attested') throw new AccessReviewStateError(reviewId, 'attested');
    const at = this.clock().toISOString();
    const attestation = { by: { aadObjectId: actor.aadObjectId, displayName: actor.displayName }, at };
    const done = await this.reviews.findOneAndUpdate(
      { _id: reviewId, version: version ?? review.version, state: 'open' },
      { $set: { state: 'attested', attestation }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    if (!done) throw new AccessReviewStateError(reviewId, 'stale');
    await this.refreshCard(done);
    await this.record(reviewId, 'attested', { kind: 'user', aadObjectId: actor.aadObjectId }, {
      unexpected: review.access.unexpected.length,
      revocationsRequested: review.revocations.length,
    });
    return done;
  }

  /** An administrator removes a member the review listed as having no compliant device; the removal goes through the outbox. */
  async revoke(actor: Actor, reviewId: string, memberId: string): Promise<AccessReview> {
    authorize(actor, 'attestAccessReview');
    for (let attempt = 0; attempt < 5; attempt++) {
      const review = await this.mustGet(reviewId);
      if (review.state === 'attested') throw new AccessReviewStateError(reviewId, 'attested');
      // The member comes from card data: it must be one the stored review lists, never any id the card sends.
      if (!review.access.unexpected.some((m) => m.id === memberId)) throw new AccessReviewStateError(reviewId, 'notListed');
      if (review.revocations.some((r) => r.memberId === memberId)) throw new AccessReviewStateError(reviewId, 'alreadyRevoked');
      const token = Outbox.newCommitToken();
      const revocation: Revocation = { memberId, by: { aadObjectId: actor.aadObjectId, displayName: actor.displayName }, requestedAt: this.clock().toISOString(), state: 'requested' };
      await this.outbox.stage({ type: ACCESS_REVIEW_AGGREGATE, id: reviewId, version: review.version + 1, commitToken: token }, [
        { key: `${reviewId}:revoke:${memberId}:${token}`, kind: ReviewOutboxKind.Revoke, payload: { reviewId, groupId: review.access.groupId, memberId } },
      ]);
      const done = await this.reviews.findOneAndUpdate(
        { _id: reviewId, version: review.version },
        { $push: { revocations: revocation }, $set: { outboxTokens: [...review.outboxTokens, token].slice(-KEPT_COMMIT_TOKENS) }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      );
      if (!done) continue;
      await this.refreshCard(done);
      await this.record(reviewId, 'revocationRequested', { kind: 'user', aadObjectId: actor.aadObjectId }, { memberId, groupId: review.access.groupId });
      return done;
    }
    throw new AccessReviewStateError(reviewId, 'stale');
  }

  /** The outbox handler: removes the member through Graph and records Graph's request ids. */
  private async carryOutRevocation(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { reviewId: string; groupId: string; memberId: string };
    const receipt = await this.graph.groups.removeMember(p.groupId, p.memberId);
    const removedAt = this.clock().toISOString();
    // The whole list is rewritten under a version check: the positional `$` update is not served by every supported server.
    for (let attempt = 0; attempt < 5; attempt++) {
      const review = await this.mustGet(p.reviewId);
      const revocations = review.revocations.map((r) =>
        r.memberId === p.memberId ? { ...r, state: 'removed' as const, removedAt, graphRequestId: receipt?.requestId ?? null, clientRequestId: receipt?.clientRequestId } : r,
      );
      if ((await this.reviews.updateOne({ _id: p.reviewId, version: review.version }, { $set: { revocations }, $inc: { version: 1 } })).modifiedCount) {
        await this.refreshCard({ ...review, version: review.version + 1 });
        break;
      }
    }
    await this.record(p.reviewId, 'revoked', { kind: 'system' }, { memberId: p.memberId, groupId: p.groupId, graphRequestId: receipt?.requestId ?? null, clientRequestId: receipt?.clientRequestId ?? null });
    this.logger.info({ reviewId: p.reviewId, groupId: p.groupId }, 'member removed from the access group by an access review');
  }

  /** The due-date job: an open review past its due date reminds the administrators, again every reminder period. */
  async dueClaimed(lease: Lease, reviewId: string): Promise<void> {
    const seenRev = await this.jobs.revision(lease);
    let next: Date | null = null;
    try {
      const review = await this.get(reviewId);
      if (review?.state === 'open') {
        const now = this.clock();
        if (now.getTime() >= Date.parse(review.dueBy)) {
          const n = review.reminders.length + 1;
          const token = Outbox.newCommitToken();
          await this.outbox.stage({ type: ACCESS_REVIEW_AGGREGATE, id: reviewId, version: review.version + 1, commitToken: token }, [
            this.itCard(review, `${reviewId}:reminder:${n}:${token}`, 'Access review overdue'),
          ]);
          const done = await this.reviews.updateOne(
            { _id: reviewId, version: review.version },
            { $push: { reminders: now.toISOString() }, $set: { outboxTokens: [...review.outboxTokens, token].slice(-KEPT_COMMIT_TOKENS) }, $inc: { version: 1 } },
          );
          if (done.modifiedCount) await this.record(reviewId, 'reminded', { kind: 'system' }, { reminder: n, dueBy: review.dueBy });
          next = new Date(now.getTime() + this.options.reminderMs);
        } else {
          next = new Date(review.dueBy);
        }
      }
    } finally {
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Verifies every review's chain, or one. */
  verify(reviewId?: string): Promise<ChainReport[]> {
    return this.chain.verify(reviewId);
  }

  /** One review's chain entries, in order. */
  events(reviewId: string): Promise<AccessReviewEvent[]> {
    return this.chain.list(reviewId);
  }

  private async mustGet(id: string): Promise<AccessReview> {
    const review = await this.get(id);
    if (!review) throw new NotFoundError('access review', id);
    return review;
  }

  /**
   * After a change, everyone in the channel sees the review's card as it now stands (the one who acted already
   * does). Rendered from the stored review when carried out, so it is owed by no particular write.
   */
  private async refreshCard(review: AccessReview): Promise<void> {
    await this.outbox.stage({ type: ACCESS_REVIEW_AGGREGATE, id: review._id, version: review.version, commitToken: UNCONDITIONAL }, [
      { key: `${review._id}:cardUpdate:${review.version}`, kind: ReviewOutboxKind.CardUpdate, payload: { reviewId: review._id } },
    ]);
  }

  private itCard(review: AccessReview, key: string, summary: string) {
    return { key, kind: ReviewOutboxKind.ItNotice, payload: { summary, card: JSON.stringify(this.renderCard(review, this.clock())) } };
  }

  private async record(reviewId: string, event: AccessReviewEvent['event'], actor: AccessReviewEvent['actor'], details: AccessReviewEvent['details']): Promise<void> {
    await this.chain.append(reviewId, { at: this.clock().toISOString(), event, actor, details });
  }

  /** Display names for the card (the first few; the rest by id): a role group is small, a discrepancy list short. */
  private async named(ids: string[]): Promise<ReviewedMember[]> {
    const out: ReviewedMember[] = [];
    for (const [i, id] of ids.entries()) {
      let name: string | null = null;
      if (i < MAX_NAMED) name = (await this.graph.directory.getUser(id).catch(() => undefined))?.displayName ?? null;
      out.push({ id, name });
    }
    return out;
  }
}
