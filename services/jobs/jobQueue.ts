import type { Collection, Db } from 'mongodb';
import { DocumentLock } from '../storage/documentLock';
import { Leases, type Lease, type LeaseFields } from './leases';

/** Kinds of background work. Each kind names what is due, not how it is carried out. */
export type JobKind =
  | 'onboardingRequest'
  | 'approvalTimer'
  | 'outbox'
  | 'deviceGrace'
  | 'complianceSweep'
  | 'complianceDigest'
  /** A manager's approval delegation runs out (subject: the manager's Entra object id). */
  | 'delegationExpiry'
  /** The people the product knows are checked for having left (deleted or disabled in Entra). */
  | 'peopleCheck'
  // A breach notification's reminders and status refresh; the third-party register's review reminders.
  | 'breachTimer'
  | 'thirdPartyReview'
  /** A notice campaign's timer: fan-out, reminders, deadline (subject: the campaign id). */
  | 'noticeCampaign'
  /** Refresh of a campaign's progress card for IT (subject: the campaign id). */
  | 'noticeProgress'
  /** What follows a consent withdrawal, should the instance that recorded it stop before it (subject: the ledger id). */
  | 'consentWithdrawal'
  // Oversight: the periodic access review, an open review's due date, retention, audit entries waiting to be stored.
  | 'accessReview'
  | 'accessReviewDue'
  | 'retention'
  | 'auditRetry'
  /** A request's enrollment and compliance polling (subject: the request id). */
  | 'enrollmentCheck';

/**
 * A timer: work of one kind on one subject (an aggregate id) is due at `dueAt`. While an instance works on it,
 * `dueAt` follows the lease's end, so one indexed field answers "what is due now", expired leases included.
 */
export interface JobDocument extends LeaseFields {
  _id: string;
  kind: JobKind;
  subject: string;
  dueAt: Date;
  /**
   * The minute `dueAt` falls in (`2026-11-30T06:59`), kept with it: "what comes due in these minutes" is an
   * equality a server answers from an index (FerretDB pushes down no range and no sort), see claimDue.
   */
  slot?: string;
  /** Bumped by every announcement of new work, so a holder finishing never overwrites one it did not see. */
  rev: number;
  /** When new work was last announced; its write may still be on its way (see finish). */
  announcedAt?: Date;
  /**
   * Who announced work since the job was created: instance ids whose announcements are known to have landed
   * unless that instance says otherwise (see announceWrite), and UNTRACKED for an announcer that does not say.
   */
  announcedBy?: string[];
}

/** The announcer of work it does not follow to its write: its write may be on its way for up to a lease. */
export const UNTRACKED = '*';

/**
 * Announcements of this process whose write has not landed yet, by `<owner> <job id>` (a count: two writes of
 * one subject can be on their way at once). Shared by every queue of the process with the same owner.
 */
const inFlight = new Map<string, number>();

/** A job this instance holds, with the revision seen when its work started. */
export interface HeldJob {
  job: JobDocument;
  lease: Lease;
}

export const JOBS_COLLECTION = 'jobs';

/** Options from configuration. */
export interface JobQueueOptions {
  /** This instance's id (see newInstanceId). */
  owner: string;
  /** Lease time to live in milliseconds. */
  leaseMs: number;
  /**
   * How often claimDue reads the earliest jobs of the whole collection (default 5 minutes); in between it reads
   * only the minutes since, by their slot. Also the longest a job announced as due long ago can wait.
   */
  fullScanMs?: number;
}

/** The minute slot of a due time (see JobDocument.slot). */
export function dueSlot(at: Date): string {
  return at.toISOString().slice(0, 16);
}

const MINUTE_MS = 60_000;
/** Slots read by one claimDue between full reads, at most (a clock that jumped ahead gets a full read instead). */
const MAX_SLOTS = 30;
/** Jobs a full read, or a read of left-over due jobs, returns at once. */
const BACKLOG_BATCH = 10;
const byDueTime = (a: Pick<JobDocument, 'dueAt'>, b: Pick<JobDocument, 'dueAt'>) => a.dueAt.getTime() - b.dueAt.getTime();

/**
 * The jobs collection: one small document per subject with work pending, found by an index on its due time
 * (and on FerretDB by scanning only this small collection, never the aggregates). Any instance claims due jobs
 * under a lease; a subject's truth stays in its own document, so a job that fires with nothing to do is simply
 * finished. New work is announced BEFORE the write that creates it, so a crash between the two leaves a job
 * that fires and finds the work, never work without a job.
 */
export class JobQueue {
  readonly collection: Collection<JobDocument>;
  readonly leases: Leases<JobDocument>;
  private readonly lock: DocumentLock;
  private nextDue?: Date;
  /** When claimDue last read the earliest jobs of the whole collection. */
  private fullReadAt?: Date;
  /** While due jobs are left over (a burst of work due at once): the minute (ms) of the earliest of them. */
  private backlogFrom?: number;
  private readonly announced = new Set<(kind: JobKind, dueAt: Date) => void>();

  constructor(
    db: Db,
    readonly options: JobQueueOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<JobDocument>(JOBS_COLLECTION);
    this.lock = new DocumentLock(db);
    this.leases = new Leases(this.collection, this.lock, { owner: options.owner, ttlMs: options.leaseMs, alsoSet: (until) => ({ dueAt: until, slot: dueSlot(until) }) }, clock);
  }

  /** The job id for a kind and subject. */
  static id(kind: JobKind, subject: string): string {
    return `${kind}:${subject}`;
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ dueAt: 1 }, { name: 'due' });
    await this.collection.createIndex({ slot: 1 }, { name: 'by_slot' });
  }

  private lockKey(id: string) {
    return `${JOBS_COLLECTION}:${id}`;
  }

  /**
   * Makes sure the job runs no later than `dueAt` (earlier if already due earlier), and records new work. A job
   * that does not exist yet (the usual case: a subject's job is deleted when its work is done) is created by one
   * insert, atomic on every server, which no holder can be finishing; an existing one is updated under the lock,
   * because a holder's finish reads and rewrites it.
   */
  async announce(kind: JobKind, subject: string, dueAt: Date, by: string = UNTRACKED): Promise<void> {
    const _id = JobQueue.id(kind, subject);
    let created = false;
    try {
      await this.collection.insertOne({ _id, kind, subject, dueAt, slot: dueSlot(dueAt), rev: 1, announcedAt: this.clock(), announcedBy: [by] });
      created = true;
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
    if (!created) {
      await this.lock.withLock(this.lockKey(_id), () =>
        this.collection.updateOne(
          { _id },
          { $min: { dueAt, slot: dueSlot(dueAt) }, $max: { announcedAt: this.clock() }, $inc: { rev: 1 }, $addToSet: { announcedBy: by }, $setOnInsert: { kind, subject } },
          { upsert: true },
        ),
      );
    }
    for (const listener of this.announced) listener(kind, dueAt);
  }

  /**
   * Announces work this process is about to write, and follows it: call the returned function once the write has
   * landed or failed. Until then a holder of the job keeps it when it finishes; afterwards, if every announcement
   * since the job was created came from this instance, a holder here that saw the latest of them deletes the job
   * at once instead of keeping it a lease longer for a write that might still be on its way.
   */
  async announceWrite(kind: JobKind, subject: string, dueAt: Date): Promise<() => void> {
    const key = this.inFlightKey(JobQueue.id(kind, subject));
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    let open = true;
    const landed = () => {
      if (!open) return;
      open = false;
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left > 0) inFlight.set(key, left);
      else inFlight.delete(key);
    };
    try {
      await this.announce(kind, subject, dueAt, this.options.owner);
    } catch (e) {
      landed();
      throw e;
    }
    return landed;
  }

  private inFlightKey(jobId: string) {
    return `${this.options.owner} ${jobId}`;
  }

  /**
   * Calls `listener` after every announcement made through this queue (this process only: other instances learn of
   * the job from their next claimDue). Returns the function that removes it.
   */
  onAnnounce(listener: (kind: JobKind, dueAt: Date) => void): () => void {
    this.announced.add(listener);
    return () => this.announced.delete(listener);
  }

  /**
   * Claims one due job nobody holds, or null; also notes when the earliest job not yet due comes due (see
   * nextDueAt). Every `fullScanMs` it reads the earliest jobs of the whole collection (sorted by due time: a scan on
   * FerretDB, whose cost grows with the jobs, one per open request's timer); in between, only the jobs due in the
   * minutes since that read, one slot equality each (an index read on every server), so a poll costs the same with
   * 10 jobs or 100,000. A job whose due time is set within those minutes (announced, its lease ended, rescheduled)
   * is in them; one announced as due before them waits at most until the next full read. Due jobs left over are
   * then read by slot from the earliest one's minute, a few due ones at a time.
   */
  async claimDue(): Promise<HeldJob | null> {
    const now = this.clock();
    // Due jobs left over are read by their slots, only the due ones and a few at a time, from the earliest one's
    // minute: a busy morning costs small slot reads, neither full reads nor every job of the current minutes.
    // A backlog older than MAX_SLOTS minutes (after an outage) is read by full reads until it is cleared.
    const oldBacklog = this.backlogFrom !== undefined && (now.getTime() - this.backlogFrom) / MINUTE_MS > MAX_SLOTS;
    let earliest = this.backlogFrom !== undefined && !oldBacklog ? await this.dueBySlot(now, this.backlogFrom) : [];
    const inBacklog = earliest.length > 0;
    if (!inBacklog) earliest = await this.look(now, oldBacklog);
    const due = earliest.filter((j) => j.dueAt <= now);
    this.backlogFrom = due.length > 1 ? due[0].dueAt.getTime() - (due[0].dueAt.getTime() % MINUTE_MS) : undefined;
    if (!inBacklog) this.nextDue = earliest.find((j) => j.dueAt > now)?.dueAt;
    for (const { _id, dueAt } of earliest) {
      if (dueAt > now) break;
      const taken = await this.leases.take(_id, { dueAt: { $lte: now } });
      if ('lease' in taken) {
        const job = await this.collection.findOne({ _id });
        if (job) return { job, lease: taken.lease };
      }
    }
    return null;
  }

  /**
   * The earliest jobs: every `fullScanMs` (or when asked, the clock moved back or too many minutes passed) those of
   * the whole collection, sorted by due time; otherwise every job due in the minutes since the minute before that read.
   */
  private async look(now: Date, full: boolean): Promise<Pick<JobDocument, '_id' | 'dueAt'>[]> {
    const fullScanMs = this.options.fullScanMs ?? 300_000;
    const since = this.fullReadAt ? this.fullReadAt.getTime() - MINUTE_MS : 0;
    if (full || !this.fullReadAt || now.getTime() - this.fullReadAt.getTime() >= fullScanMs || now < this.fullReadAt || (now.getTime() - since) / MINUTE_MS > MAX_SLOTS) {
      this.fullReadAt = now;
      return this.collection.find({}, { projection: { _id: 1, dueAt: 1 } }).sort({ dueAt: 1 }).limit(BACKLOG_BATCH).toArray();
    }
    const slots: string[] = [];
    for (let t = since - (since % MINUTE_MS); t <= now.getTime() + MINUTE_MS; t += MINUTE_MS) slots.push(dueSlot(new Date(t)));
    const found = await Promise.all(slots.map((slot) => this.collection.find({ slot }, { projection: { _id: 1, dueAt: 1 } }).toArray()));
    return found.flat().sort(byDueTime);
  }

  /** Up to BACKLOG_BATCH jobs due by `now`, from the first minute slot from `from` on that holds any. */
  private async dueBySlot(now: Date, from: number): Promise<Pick<JobDocument, '_id' | 'dueAt'>[]> {
    for (let t = from; t <= now.getTime(); t += MINUTE_MS) {
      const found = await this.collection.find({ slot: dueSlot(new Date(t)), dueAt: { $lte: now } }, { projection: { _id: 1, dueAt: 1 } }).limit(BACKLOG_BATCH).toArray();
      if (found.length) return found.sort(byDueTime);
    }
    return [];
  }

  /** Takes one job's lease now, whether or not it is due (work just announced in this process). */
  async take(kind: JobKind, subject: string): Promise<HeldJob | { heldUntil?: Date }> {
    const _id = JobQueue.id(kind, subject);
    let taken = await this.leases.take(_id);
    if (!('lease' in taken) && !taken.heldUntil) {
      // No job yet (work written by a version that kept no jobs, or its job just finished): create it, then take
      // it. The work is written already, so nothing of this announcement is on its way.
      await this.announce(kind, subject, new Date(this.clock().getTime() + this.options.leaseMs), this.options.owner);
      taken = await this.leases.take(_id);
    }
    if (!('lease' in taken)) return taken;
    const job = await this.collection.findOne({ _id });
    return job ? { job, lease: taken.lease } : {};
  }

  /** The job's current revision, read before reading the subject's state. */
  async revision(lease: Lease): Promise<number | undefined> {
    return (await this.collection.findOne({ _id: lease.id }, { projection: { rev: 1 } }))?.rev;
  }

  /**
   * Ends the holder's work: the job runs again at `next`, or is deleted when nothing more is scheduled. If new
   * work was announced since `seenRev`, the job stays due now instead, so that work is never left behind. An
   * announcement younger than a lease may belong to a write still on its way (announced, not yet saved, when the
   * holder read the subject), so the job is kept until that write has had a lease's time to land, unless every
   * announcement came from this instance and none is still on its way (see announceWrite).
   */
  async finish(lease: Lease, seenRev: number | undefined, next: Date | null): Promise<void> {
    await this.leases.asHolder(lease, async (doc) => {
      const now = this.clock();
      let dueAt: Date | null = doc.rev !== seenRev ? now : next;
      const settled = doc.announcedAt ? new Date(doc.announcedAt.getTime() + this.options.leaseMs) : undefined;
      const allLanded = doc.rev === seenRev && Boolean(doc.announcedBy?.length) && doc.announcedBy!.every((by) => by === this.options.owner) && !inFlight.has(this.inFlightKey(lease.id));
      if (settled && settled > now && !allLanded && (!dueAt || dueAt > settled)) dueAt = settled;
      // Conditional on the revision read: on a server that isolates updates no lock keeps an announcement out
      // between that read and this write, and one that came in makes the job due now instead.
      const asRead = { _id: lease.id, leaseToken: lease.token, rev: doc.rev };
      const release = { $unset: { leaseOwner: '', leaseToken: '', leaseUntil: '' } } as const;
      if (!dueAt && (await this.collection.deleteOne(asRead)).deletedCount === 1) return;
      const at = dueAt ?? now;
      if ((await this.collection.updateOne(asRead, { $set: { dueAt: at, slot: dueSlot(at) }, ...release })).matchedCount === 1) return;
      await this.collection.updateOne({ _id: lease.id, leaseToken: lease.token }, { $set: { dueAt: now, slot: dueSlot(now) }, ...release });
    });
  }

  /** When the earliest job not yet due comes due, as the last claimDue saw it (the worker sleeps until then when idle). */
  nextDueAt(): Date | undefined {
    return this.nextDue;
  }
}
