import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { GraphRequestError, GraphThrottledError } from '../graph/graphErrors';
import { LeaseLostError, type Lease } from '../jobs/leases';
import type { JobQueue } from '../jobs/jobQueue';
import { RecipientUnreachableError, statusOf } from '../messaging/proactiveMessenger';

/** Where an entry stands: waiting (or retrying), carried out, given up on (shown to IT), or never committed. */
export type OutboxState = 'pending' | 'done' | 'failed' | 'discarded';

/**
 * One effect or proactive message owed by a state change of some aggregate. `_id` is the idempotency key: the
 * same key is never carried out twice (messages also go through the delivery log under this key).
 */
export interface OutboxEntry {
  _id: string;
  aggregateType: string;
  aggregateId: string;
  /** The aggregate version whose write owes this entry. */
  aggregateVersion: number;
  /** The token of that write; the aggregate records it, which is what makes the entry real (see Outbox). */
  commitToken: string;
  kind: string;
  payload: Record<string, unknown>;
  dueAt: Date;
  attempts: number;
  state: OutboxState;
  createdAt: Date;
  lastError?: string;
  doneAt?: Date;
}

/** An entry before it is written. */
export type NewOutboxEntry = Pick<OutboxEntry, 'kind' | 'payload'> & { key: string; dueAt?: Date };

/** What the drain needs to know about an aggregate to tell a committed entry from one of a lost write. */
export interface CommitRecord {
  version: number;
  /** The commit tokens of the aggregate's recent writes (newest last). */
  outboxTokens: readonly string[];
}

/** Carries out one kind of entry; throws to retry (or to fail, for errors that retrying cannot fix). */
export type OutboxHandler = (entry: OutboxEntry) => Promise<void>;

/** Options from configuration. */
export interface OutboxOptions {
  /** Attempts before an entry is given up on and shown to IT. */
  maxAttempts: number;
  /** Backoff base when the failure names no Retry-After. */
  baseDelayMs: number;
  /** Entries carried out per drain round before the lease is handed back. */
  batchSize?: number;
  /**
   * Aggregates whose entries are carried out at once (default 8). One aggregate's entries stay in key order;
   * different aggregates are independent, and Teams' and Graph's limits are paced below (messenger, pacer).
   */
  concurrency?: number;
}

export const OUTBOX_COLLECTION = 'outbox';
/** How many commit tokens an aggregate keeps (entries are drained within seconds; this covers long retries). */
export const KEPT_COMMIT_TOKENS = 50;
const DRAIN_SUBJECT = 'all';
/** Commit token of entries owed by no aggregate write (a notice about a failed delivery): always carried out. */
export const UNCONDITIONAL = 'unconditional';
const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);

/** How soon an entry whose aggregate write has not committed yet is looked at again. */
const UNCOMMITTED_RECHECK_MS = 1_000;

/**
 * The key of an entry one aggregate write owes: the aggregate, the version written, that write's commit token and
 * the entry's place among the write's entries. The token keeps two writers racing for one version from sharing
 * keys: a shared key would let the losing write's entries, staged first, hide the winning write's, which would
 * then be discarded as never committed. An entry keeps its key across retries, so the delivery log's key for its
 * message stays the same. Keys written before the token was part of them (`type:id:vNNNNNNNNN:i`) are drained
 * like any other: the drain reads the entry's `commitToken` field, never its key.
 */
export function committedEntryKey(aggregate: { type: string; id: string; version: number; commitToken: string }, part: string | number): string {
  const place = typeof part === 'number' ? String(part).padStart(3, '0') : part;
  return `${aggregate.type}:${aggregate.id}:v${String(aggregate.version).padStart(9, '0')}:${aggregate.commitToken}:${place}`;
}

/** An outbox entry that could not be carried out: given up after its attempts, or refused for good. */
export class OutboxDeliveryError extends Error {
  constructor(
    readonly entryId: string,
    readonly kind: string,
    readonly reason: string,
  ) {
    super(`Outbox entry ${entryId} (${kind}) failed: ${reason}`);
    this.name = 'OutboxDeliveryError';
  }
}

/** Retry-After of a failure in milliseconds, from Graph's or the Bot Connector's answer. */
export function retryAfterOf(e: unknown): number | undefined {
  if (e instanceof GraphThrottledError) return e.retryAfterMs;
  const headers = (e as { response?: { headers?: { get?(n: string): string | undefined } } }).response?.headers;
  const v = headers?.get?.('retry-after');
  if (!v) return undefined;
  const seconds = Number(v);
  return Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(v) - Date.now());
}

/** Whether trying again later can help (throttled, busy, a network failure), as opposed to a refusal. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof RecipientUnreachableError) return false;
  if (e instanceof GraphRequestError) return e.status === 0 || RETRYABLE.has(e.status);
  const status = statusOf(e);
  return status === undefined || RETRYABLE.has(status);
}

/**
 * The shared outbox: effects and messages of every aggregate, drained by whichever instance holds the `outbox`
 * job's lease; an onboarding request's entries are drained in order by that request's own job (`pendingOf`).
 *
 * Writing with a state change (no multi-document transactions on every supported server): the entries are
 * inserted FIRST, carrying the aggregate version they belong to and a fresh commit token, then the aggregate is
 * written with a version check and the token added to its `outboxTokens`. An entry is carried out only once its
 * token is on the aggregate, so a write that lost the version race or never happened (a crash in between)
 * leaves entries that are discarded, never carried out; a crash after the aggregate write leaves entries that
 * are already in place. Retrying the same change re-inserts the same keys, which the unique `_id` ignores.
 */
export class Outbox {
  readonly collection: Collection<OutboxEntry>;
  private readonly handlers = new Map<string, OutboxHandler>();
  private readonly commits = new Map<string, (id: string) => Promise<CommitRecord | null>>();
  private readonly failedHooks: ((entry: OutboxEntry) => Promise<void>)[] = [];

  constructor(
    db: Db,
    private readonly jobs: JobQueue,
    private readonly options: OutboxOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<OutboxEntry>(OUTBOX_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ state: 1, dueAt: 1 }, { name: 'due' });
    await this.collection.createIndex({ aggregateType: 1, aggregateId: 1 }, { name: 'by_aggregate' });
  }

  /** Registers how entries of `kind` are carried out. */
  handle(kind: string, handler: OutboxHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Registers how to read an aggregate type's commit record. */
  aggregate(type: string, read: (id: string) => Promise<CommitRecord | null>): void {
    this.commits.set(type, read);
  }

  /** Called once for each entry that is given up on (each module shows its own to IT); hooks add up. */
  onFailed(hook: (entry: OutboxEntry) => Promise<void>): void {
    this.failedHooks.push(hook);
  }

  /** A fresh commit token for one aggregate write. */
  static newCommitToken(): string {
    return randomUUID();
  }

  /**
   * Writes the entries a state change owes, before the aggregate write that commits them (see the class note),
   * and makes sure the drain job fires. Inserting a key that exists already changes nothing.
   */
  async stage(aggregate: { type: string; id: string; version: number; commitToken: string }, entries: readonly NewOutboxEntry[], drain: 'shared' | 'own' = 'shared'): Promise<string[]> {
    if (!entries.length) return [];
    const now = this.clock();
    const docs: OutboxEntry[] = entries.map((e) => ({
      _id: e.key,
      aggregateType: aggregate.type,
      aggregateId: aggregate.id,
      aggregateVersion: aggregate.version,
      commitToken: aggregate.commitToken,
      kind: e.kind,
      payload: e.payload,
      dueAt: e.dueAt ?? now,
      attempts: 0,
      state: 'pending',
      createdAt: now,
    }));
    const earliest = new Date(Math.min(...docs.map((d) => d.dueAt.getTime())));
    // An aggregate that drains its own entries (in order, under its own job) has announced that job already.
    if (drain === 'shared') await this.jobs.announce('outbox', DRAIN_SUBJECT, earliest);
    try {
      await this.collection.insertMany(docs, { ordered: false });
    } catch (e) {
      const errors = (e as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
      const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
      if (!list.length || list.some((w) => w.code !== 11000)) throw e;
    }
    return docs.map((d) => d._id);
  }

  /** An aggregate's pending entries in key order (the order its change wrote them), for an aggregate that drains its own. */
  async pendingOf(aggregateType: string, aggregateId: string): Promise<OutboxEntry[]> {
    return this.collection.find({ aggregateType, aggregateId, state: 'pending' }).sort({ _id: 1 }).toArray();
  }

  /**
   * Marks an aggregate's entries carried out (by the one holder of its lease: a single writer, so no lock). The
   * aggregate's equalities select the rows (on FerretDB the `_id` list is applied after them), so the write reads
   * that aggregate's pending entries, not every pending entry of every aggregate.
   */
  async markDone(aggregateType: string, aggregateId: string, ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.collection.updateMany({ aggregateType, aggregateId, state: 'pending', _id: { $in: [...ids] } }, { $set: { state: 'done', doneAt: this.clock() }, $inc: { attempts: 1 } });
  }

  /** Ends an entry: `discarded` (its write never committed), or `failed` after its last attempt (shown to IT). */
  async settle(entry: OutboxEntry, state: 'discarded' | 'failed', lastError?: string): Promise<void> {
    await this.collection.updateOne({ _id: entry._id, state: 'pending' }, { $set: { state, doneAt: this.clock(), ...(lastError ? { lastError } : {}) } });
    if (state === 'failed') {
      for (const hook of this.failedHooks) {
        try {
          await hook({ ...entry, state, lastError });
        } catch (err) {
          this.logger.error({ entry: entry._id, err }, 'could not report a failed outbox entry');
        }
      }
    }
  }

  /** Defers an entry after a failed attempt: it (and, for an ordered aggregate, what follows it) waits until `dueAt`. */
  async defer(entry: OutboxEntry, dueAt: Date, attempts: number, lastError: string): Promise<void> {
    await this.collection.updateOne({ _id: entry._id, state: 'pending' }, { $set: { dueAt, attempts, lastError } });
  }

  /** Entries given up on, newest first (what IT is shown). */
  async listFailed(limit = 50): Promise<OutboxEntry[]> {
    return this.collection.find({ state: 'failed' }).sort({ doneAt: -1 }).limit(limit).toArray();
  }

  /** Runs the drain job under `lease` (claimed by the background worker): due entries in due-time order. */
  async runClaimed(lease: Lease): Promise<void> {
    const stop = this.jobs.leases.keepAlive(lease, (e) => this.logger.warn({ err: e }, 'outbox lease renewal failed'));
    let seenRev: number | undefined;
    let next: Date | null = null;
    try {
      seenRev = await this.jobs.revision(lease);
      await this.drain(lease);
      next = await this.nextDue();
    } catch (e) {
      if (e instanceof LeaseLostError) {
        this.logger.warn({ owner: lease.owner }, 'outbox lease lost to another instance; stopping');
        return;
      }
      next = new Date(this.clock().getTime() + this.options.baseDelayMs);
      throw e;
    } finally {
      stop();
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** When the earliest pending entry is due, or null when none is pending. */
  async nextDue(): Promise<Date | null> {
    const first = await this.collection.find({ state: 'pending', kind: { $in: [...this.handlers.keys()] } }, { projection: { dueAt: 1 } }).sort({ dueAt: 1 }).limit(1).toArray();
    return first[0]?.dueAt ?? null;
  }

  private async drain(lease: Lease): Promise<void> {
    const batch = await this.collection
      // Only kinds this drain carries out: an aggregate that drains its own entries (the onboarding request) keeps them.
      .find({ state: 'pending', dueAt: { $lte: this.clock() }, kind: { $in: [...this.handlers.keys()] } })
      .sort({ dueAt: 1, _id: 1 })
      .limit(this.options.batchSize ?? 100)
      .toArray();
    const byAggregate = new Map<string, OutboxEntry[]>();
    for (const entry of batch) {
      const k = `${entry.aggregateType}:${entry.aggregateId}`;
      byAggregate.set(k, [...(byAggregate.get(k) ?? []), entry]);
    }
    const groups = [...byAggregate.values()];
    const worker = async () => {
      for (let group = groups.shift(); group; group = groups.shift()) {
        for (const entry of group) {
          await this.jobs.leases.assertHeld(lease);
          await this.carryOut(entry);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 8) }, worker));
  }

  private async carryOut(entry: OutboxEntry): Promise<void> {
    const commit = entry.commitToken === UNCONDITIONAL ? null : await this.commits.get(entry.aggregateType)?.(entry.aggregateId);
    const committed = entry.commitToken === UNCONDITIONAL || Boolean(commit?.outboxTokens.includes(entry.commitToken));
    if (!committed) {
      // No aggregate yet is not proof of a lost write: the write that creates it (an incident's first save) may
      // still be on its way, so such an entry waits like any other unconfirmed one and goes only once old.
      const superseded = commit ? commit.version >= entry.aggregateVersion : false;
      const old = this.clock().getTime() - entry.createdAt.getTime() > 2 * this.jobs.options.leaseMs;
      if (superseded || old) {
        // The write that owed it lost its version race or never happened: nothing is owed.
        await this.collection.updateOne({ _id: entry._id, state: 'pending' }, { $set: { state: 'discarded', doneAt: this.clock() } });
      } else {
        // Its write may be in flight (staged, not yet committed): look again shortly, not a whole lease later, so a
        // message read in that instant is not held back; a writer that died leaves it to be discarded when old.
        const recheckMs = Math.min(this.jobs.options.leaseMs, UNCOMMITTED_RECHECK_MS);
        await this.collection.updateOne({ _id: entry._id, state: 'pending' }, { $set: { dueAt: new Date(this.clock().getTime() + recheckMs) } });
      }
      return;
    }
    const handler = this.handlers.get(entry.kind);
    try {
      if (!handler) throw new OutboxDeliveryError(entry._id, entry.kind, 'no handler for this kind');
      await handler(entry);
      await this.collection.updateOne({ _id: entry._id }, { $set: { state: 'done', doneAt: this.clock() }, $inc: { attempts: 1 } });
    } catch (e) {
      if (e instanceof LeaseLostError) throw e;
      await this.failed(entry, e);
    }
  }

  private async failed(entry: OutboxEntry, e: unknown): Promise<void> {
    const attempts = entry.attempts + 1;
    const lastError = e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : String(e).slice(0, 300);
    if (isRetryable(e) && attempts < this.options.maxAttempts) {
      const wait = retryAfterOf(e) ?? this.options.baseDelayMs * 2 ** (attempts - 1);
      const dueAt = new Date(this.clock().getTime() + wait);
      this.logger.warn({ entry: entry._id, kind: entry.kind, attempts, waitMs: wait }, 'outbox entry failed; will retry');
      await this.collection.updateOne({ _id: entry._id }, { $set: { dueAt, attempts, lastError } });
      return;
    }
    this.logger.error({ entry: entry._id, kind: entry.kind, attempts, error: lastError }, 'outbox entry given up; shown to IT');
    await this.collection.updateOne({ _id: entry._id }, { $set: { state: 'failed', attempts, lastError, doneAt: this.clock() } });
    for (const hook of this.failedHooks) {
      try {
        await hook({ ...entry, attempts, lastError, state: 'failed' });
      } catch (err) {
        this.logger.error({ entry: entry._id, err }, 'could not report a failed outbox entry');
      }
    }
  }
}
