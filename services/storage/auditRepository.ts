import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import type { AuditEntry, OnboardingRequest, PendingEffect } from '../workflow/model';
import { DocumentLock } from './documentLock';
import { COLLECTIONS } from './mongoConnection';

/**
 * Canonical JSON (sorted keys; null and absent fields are the same, since some MongoDB-compatible servers drop
 * nulls on upsert) so the same entry always hashes the same wherever it was read from.
 */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] != null).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Any record of a hash chain: its position, its predecessor's hash and its own. */
export interface ChainedEntry {
  _id: string;
  seq: number;
  prevHash: string;
  hash: string;
}

/** Hash of an entry chained to its predecessor: sha256(prevHash + canonical(entry without hash)). */
export function hashChainEntry(entry: Omit<ChainedEntry, 'hash'> & Record<string, unknown>): string {
  const { prevHash, hash: _hash, ...body } = entry as Record<string, unknown>;
  return createHash('sha256')
    .update(String(prevHash))
    .update(canonical(body))
    .digest('hex');
}

/** Hash of an audit entry (see {@link hashChainEntry}). */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return hashChainEntry(entry as unknown as Omit<ChainedEntry, 'hash'> & Record<string, unknown>);
}

/** The last position and hash of a chain, kept where the chain's owner commits its state. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** What verification found wrong at the first bad position of a chain. */
export type ChainProblem =
  /** The entry's content no longer matches its hash. */
  | 'altered'
  /** An entry that was never committed sits in the chain (later entries were shifted to make room). */
  | 'inserted'
  /** Entries are out of their committed order. */
  | 'reordered'
  /** A committed entry is gone (a gap, later entries renumbered, or a removed tail). */
  | 'removed'
  /** Entries exist past the committed head. */
  | 'beyondHead'
  /** The chain ends on a hash other than the committed head's. */
  | 'headMismatch'
  /** Entries exist but nothing committed them (the aggregate or head record is missing). */
  | 'noHead';

/** The first bad entry of a chain. */
export interface ChainFinding {
  seq: number;
  problem: ChainProblem;
  detail: string;
}

/** Verification outcome of one entry: checked, still waiting to be written (committed with its aggregate), or after a break. */
export type EntryResult = 'verified' | 'pending' | 'unverifiable';

/** Verification of one chain against its head. */
export interface ChainReport {
  /** `request:<id>` or `accessLog:<day>`. */
  chain: string;
  ok: boolean;
  /** Entries stored in the collection. */
  stored: number;
  /** Committed entries not yet in the collection (in the aggregate's outbox or parked after failed writes). */
  pending: number;
  head: ChainHead | null;
  firstBad?: ChainFinding;
  /** Per position, in order. */
  results: { seq: number; result: EntryResult }[];
}

type Hasher<T> = (entry: Omit<T, 'hash'>) => string;

/** The entry with another position, as an attacker renumbering entries would leave it. */
function renumbered<T extends ChainedEntry>(e: T, seq: number): Omit<T, 'hash'> {
  const { hash: _h, ...rest } = e;
  const suffix = `:${e.seq}`;
  const _id = e._id.endsWith(suffix) ? `${e._id.slice(0, -suffix.length)}:${seq}` : e._id;
  return { ...rest, seq, _id } as Omit<T, 'hash'>;
}

/** Position the entry's hash was computed for, if not its current one. */
function originalSeq<T extends ChainedEntry>(e: T, max: number, hashOf: Hasher<T>): number | undefined {
  for (let j = 1; j <= max + 1; j++) if (j !== e.seq && hashOf(renumbered(e, j)) === e.hash) return j;
  return undefined;
}

const selfConsistent = <T extends ChainedEntry>(e: T, hashOf: Hasher<T>) => {
  const { hash: _h, ...rest } = e;
  return hashOf(rest as Omit<T, 'hash'>) === e.hash;
};

/**
 * Verifies a chain against its committed head: every position from 1 to the head present once, each hash
 * recomputed, each linked to its predecessor, ending on the head's hash. `pending` are entries committed with
 * the aggregate but not yet written; they fill their positions. The first bad position is named and classified.
 */
export function verifyEntries<T extends ChainedEntry>(
  chain: string,
  stored: T[],
  head: ChainHead | null,
  pending: T[] = [],
  hashOf: Hasher<T> = hashChainEntry as unknown as Hasher<T>,
): ChainReport {
  const sorted = [...stored].sort((a, b) => a.seq - b.seq);
  const storedSeqs = new Set(sorted.map((e) => e.seq));
  const waiting = pending.filter((p) => !storedSeqs.has(p.seq));
  const pendingSeqs = new Set(waiting.map((p) => p.seq));
  const all = [...sorted, ...waiting].sort((a, b) => a.seq - b.seq);
  const results: ChainReport['results'] = [];
  const report = (firstBad?: ChainFinding): ChainReport => ({
    chain,
    ok: !firstBad,
    stored: sorted.length,
    pending: waiting.length,
    head,
    firstBad,
    // From the first bad position on, nothing is vouched for (an inserted entry can itself look well chained).
    results: all.map((e, i) => ({ seq: e.seq, result: i < results.length && (!firstBad || e.seq < firstBad.seq) ? results[i].result : ('unverifiable' as const) })),
  });
  const committed = new Map(pending.map((p) => [p.seq, p]));
  const max = Math.max(head?.seq ?? 0, all.at(-1)?.seq ?? 0);
  const positionOf = new Map(all.map((e, i) => [e.hash, i]));
  let prev = '';
  for (let i = 0; i < all.length; i++) {
    const e = all[i];
    const expected = i + 1;
    if (e.seq > expected) return report({ seq: expected, problem: 'removed', detail: `entry ${expected} is missing (next present is ${e.seq})` });
    if (e.seq < expected) return report({ seq: e.seq, problem: 'inserted', detail: `a second entry at position ${e.seq}` });
    const copy = committed.get(e.seq);
    if (copy && copy.hash !== e.hash) return report({ seq: e.seq, problem: 'altered', detail: 'the stored entry differs from the one committed with its aggregate' });
    const laterHashes = { has: (h: string) => (positionOf.get(h) ?? -1) > i };
    if (!selfConsistent(e, hashOf)) {
      const j = originalSeq(e, max, hashOf);
      if (j !== undefined && laterHashes.has(e.prevHash)) return report({ seq: e.seq, problem: 'reordered', detail: `entry ${j} was moved to position ${e.seq}` });
      if (j === e.seq - 1) return report({ seq: e.seq - 1, problem: 'inserted', detail: `entry at position ${e.seq - 1} was not committed; later entries were shifted` });
      if (j === e.seq + 1) return report({ seq: e.seq, problem: 'removed', detail: `entry ${e.seq} was removed; later entries were renumbered` });
      if (j !== undefined) return report({ seq: e.seq, problem: 'reordered', detail: `entry ${j} was moved to position ${e.seq}` });
      const next = all[i + 1];
      if (next && originalSeq(next, max, hashOf) === next.seq - 1) {
        return report({ seq: e.seq, problem: 'inserted', detail: `entry at position ${e.seq} was not committed; later entries were shifted` });
      }
      return report({ seq: e.seq, problem: 'altered', detail: 'content does not match its hash' });
    }
    if (e.prevHash !== prev) {
      if (laterHashes.has(e.prevHash)) return report({ seq: e.seq, problem: 'reordered', detail: `entry ${e.seq} links to a later entry` });
      if (all[i + 1]?.prevHash === prev) return report({ seq: e.seq, problem: 'inserted', detail: `entry ${e.seq} is not linked into the chain` });
      return report({ seq: e.seq, problem: 'altered', detail: 'does not link to the previous entry' });
    }
    results.push({ seq: e.seq, result: pendingSeqs.has(e.seq) ? 'pending' : 'verified' });
    prev = e.hash;
  }
  const last = all.length;
  if (!head) return report(last ? { seq: 1, problem: 'noHead', detail: 'no committed head for these entries' } : undefined);
  if (last < head.seq) return report({ seq: last + 1, problem: 'removed', detail: `the chain ends at ${last} but its head is at ${head.seq}` });
  if (last > head.seq) return report({ seq: head.seq + 1, problem: 'beyondHead', detail: `entries after the committed head ${head.seq}` });
  if (prev !== head.hash) return report({ seq: last, problem: 'headMismatch', detail: 'the last entry does not match the committed head' });
  return report();
}

/** An audit entry could not be written; it is kept in `pendingAudit` and written later. */
export class AuditWriteError extends Error {
  override readonly name = 'AuditWriteError';
  constructor(
    readonly requestId: string,
    readonly seq: number,
    override readonly cause: unknown,
  ) {
    super(`Audit entry ${seq} of request ${requestId} could not be written: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** A different entry already holds this chain position: the trail was written by someone else. */
export class AuditConflictError extends Error {
  override readonly name = 'AuditConflictError';
  constructor(
    readonly requestId: string,
    readonly seq: number,
  ) {
    super(`Another audit entry already holds position ${seq} of request ${requestId}`);
  }
}

/** An audit entry whose write failed after retries, waiting to be written (the `pendingAudit` marker). */
interface ParkedAudit {
  _id: string;
  requestId: string;
  entry: AuditEntry;
  reason: string;
  parkedAt: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fields of a request that verification needs: its head, the audit entries still in its outbox, its commit tokens. */
type RequestHeadView = Pick<OnboardingRequest, '_id' | 'auditHead' | 'outbox' | 'outboxTokens'>;

const outboxEntries = (outbox: PendingEffect[] = []): AuditEntry[] =>
  outbox.flatMap((p) => (p.effect.type === 'recordAudit' ? [p.effect.entry] : []));

/** A request's effect waiting in the shared outbox, as far as verification reads it. */
interface QueuedEffect {
  _id: string;
  aggregateId: string;
  commitToken: string;
  payload: { effect?: PendingEffect['effect'] };
}

/** The audit entries committed with a request (their write's token is on it) that still wait in the shared outbox. */
const queuedAudits = (request: Pick<RequestHeadView, 'outboxTokens'> | null, queued: QueuedEffect[] = []): AuditEntry[] =>
  queued.flatMap((q) => (q.payload.effect?.type === 'recordAudit' && request?.outboxTokens?.includes(q.commitToken) ? [q.payload.effect.entry] : []));

/** Pending audit records of requests in the shared outbox (see OnboardingService.commit). */
const QUEUED_AUDITS = { aggregateType: 'request', state: 'pending', 'payload.effect.type': 'recordAudit' };

/**
 * Append-only audit trail, one hash chain per request. The chain head lives in the request document and each
 * entry is committed in the same document write as the state change (in its outbox), so a state change never
 * happens without its entry, and a removed, inserted or reordered entry is found against the head.
 */
export class AuditRepository {
  private readonly collection: Collection<AuditEntry>;
  private readonly parked: Collection<ParkedAudit>;
  private readonly requests: Collection<RequestHeadView>;
  private readonly heads: Collection<{ _id: string; collection: string; chainId: string; seq: number; hash: string }>;

  constructor(
    db: Db,
    private readonly logger?: Logger,
    private readonly retryDelaysMs: number[] = [100, 500, 2000],
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<AuditEntry>(COLLECTIONS.audit);
    this.parked = db.collection<ParkedAudit>(COLLECTIONS.pendingAudit);
    this.requests = db.collection<RequestHeadView>(COLLECTIONS.requests);
    this.heads = db.collection(COLLECTIONS.chainHeads);
    this.queued = db.collection<QueuedEffect>(COLLECTIONS.outbox);
  }

  private readonly queued: Collection<QueuedEffect>;

  /** Writes an entry once; writing the same entry again (a retried effect) is a no-op, a different one a conflict. */
  async append(entry: AuditEntry): Promise<void> {
    try {
      await this.collection.insertOne(entry);
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
      const existing = await this.collection.findOne({ requestId: entry.requestId, seq: entry.seq });
      if (existing?.hash !== entry.hash) throw new AuditConflictError(entry.requestId, entry.seq);
    }
  }

  /**
   * Writes an entry, retrying briefly; then writes any entries of the same request parked earlier. Throws
   * AuditWriteError when every attempt failed (the caller keeps the entry and parks it with {@link park}).
   */
  async record(entry: AuditEntry): Promise<void> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      if (attempt) await sleep(this.retryDelaysMs[attempt - 1]);
      try {
        await this.append(entry);
        await this.flushPending(entry.requestId);
        return;
      } catch (e) {
        last = e;
        if (e instanceof AuditConflictError) break;
      }
    }
    throw new AuditWriteError(entry.requestId, entry.seq, last);
  }

  /** Called for every parked entry, after it is kept (the oversight module posts an IT alert and schedules a retry). */
  onParked(listener: (entry: AuditEntry, reason: string) => Promise<void>): void {
    this.parkedListener = listener;
  }

  private parkedListener?: (entry: AuditEntry, reason: string) => Promise<void>;

  /**
   * Keeps an entry whose writes kept failing in `pendingAudit` and raises the alert (an error log line with the
   * named error, and the IT-channel card of the parked listener). Verification counts it as pending, not missing;
   * the next write to the same chain, the audit retry job or the retention job writes it.
   */
  async park(entry: AuditEntry, reason: string): Promise<void> {
    const doc: ParkedAudit = { _id: entry._id, requestId: entry.requestId, entry, reason, parkedAt: this.clock().toISOString() };
    await this.parked.updateOne({ _id: doc._id }, { $setOnInsert: doc }, { upsert: true });
    this.logger?.error(
      { err: new AuditWriteError(entry.requestId, entry.seq, reason), requestId: entry.requestId, seq: entry.seq, alert: 'audit-write-failed' },
      'audit entry could not be written; kept as pending',
    );
    try {
      await this.parkedListener?.(entry, reason);
    } catch (e) {
      // The entry is kept either way; the error line above still reaches log monitoring.
      this.logger?.error({ err: e, requestId: entry.requestId, seq: entry.seq }, 'could not raise the alert for a parked audit entry');
    }
  }

  /** How many entries wait to be written. */
  async parkedCount(): Promise<number> {
    return this.parked.countDocuments({});
  }

  /** Writes parked entries (of one request, or all); returns how many were written and how many still wait. */
  async flushPending(requestId?: string): Promise<{ written: number; waiting: number }> {
    let written = 0;
    let waiting = 0;
    const docs = await this.parked.find(requestId ? { requestId } : {}).sort({ requestId: 1, 'entry.seq': 1 }).toArray();
    for (const doc of docs) {
      try {
        await this.append(doc.entry);
        await this.parked.deleteOne({ _id: doc._id });
        written++;
      } catch (e) {
        waiting++;
        this.logger?.warn({ requestId: doc.requestId, seq: doc.entry.seq, err: e }, 'pending audit entry still not written');
      }
    }
    return { written, waiting };
  }

  /** Audit records committed with a request that still wait in the shared outbox (written after the state). */
  async queuedFor(request: Pick<OnboardingRequest, '_id' | 'outboxTokens'>): Promise<AuditEntry[]> {
    return queuedAudits(request, await this.queued.find({ ...QUEUED_AUDITS, aggregateId: request._id }).toArray());
  }

  /** A request's trail in order. */
  async listForRequest(requestId: string): Promise<AuditEntry[]> {
    return this.collection.find({ requestId }).sort({ seq: 1 }).toArray();
  }

  /** Verifies one request's chain against the head stored in the request. */
  async verifyRequest(requestId: string): Promise<ChainReport> {
    return (await this.readAndVerify(requestId)).report;
  }

  /** A request's stored trail in order, with its verification (one read of the trail). */
  async readAndVerify(requestId: string): Promise<{ entries: AuditEntry[]; report: ChainReport }> {
    const [request, entries, parked, queued] = await Promise.all([
      this.requests.findOne({ _id: requestId }, { projection: { _id: 1, auditHead: 1, outbox: 1, outboxTokens: 1 } }),
      this.listForRequest(requestId),
      this.parked.find({ requestId }).toArray(),
      this.queued.find({ ...QUEUED_AUDITS, aggregateId: requestId }).toArray(),
    ]);
    const pending = [...outboxEntries(request?.outbox), ...queuedAudits(request, queued), ...parked.map((p) => p.entry)];
    const head = request?.auditHead ?? (await this.heads.findOne({ _id: `${COLLECTIONS.audit}:${requestId}` }));
    return { entries, report: verifyEntries(`request:${requestId}`, entries, head ? { seq: head.seq, hash: head.hash } : null, pending, hashAuditEntry) };
  }

  /** The first bad position of a request's chain, or null when it verifies against its head. */
  async verifyChain(requestId: string): Promise<number | null> {
    return (await this.verifyRequest(requestId)).firstBad?.seq ?? null;
  }

  /**
   * Verifies every request's chain (and finds trails whose request is gone) with three sequential scans, so
   * thousands of chains verify in seconds.
   */
  async verifyAll(): Promise<ChainReport[]> {
    const byRequest = new Map<string, AuditEntry[]>();
    for await (const e of this.collection.find({})) {
      const list = byRequest.get(e.requestId) ?? [];
      list.push(e);
      byRequest.set(e.requestId, list);
    }
    const parkedBy = new Map<string, AuditEntry[]>();
    for (const p of await this.parked.find({}).toArray()) parkedBy.set(p.requestId, [...(parkedBy.get(p.requestId) ?? []), p.entry]);
    const queuedBy = new Map<string, QueuedEffect[]>();
    for (const q of await this.queued.find(QUEUED_AUDITS).toArray()) queuedBy.set(q.aggregateId, [...(queuedBy.get(q.aggregateId) ?? []), q]);
    const reports: ChainReport[] = [];
    for await (const r of this.requests.find({}, { projection: { _id: 1, auditHead: 1, outbox: 1, outboxTokens: 1 } })) {
      const pending = [...outboxEntries(r.outbox), ...queuedAudits(r, queuedBy.get(r._id)), ...(parkedBy.get(r._id) ?? [])];
      reports.push(verifyEntries(`request:${r._id}`, byRequest.get(r._id) ?? [], r.auditHead ?? null, pending, hashAuditEntry));
      byRequest.delete(r._id);
    }
    // A request removed after its retention leaves its head behind as a tombstone, so its trail still verifies.
    const tombstones = new Map<string, ChainHead>();
    if (byRequest.size) {
      for (const h of await this.heads.find({ collection: COLLECTIONS.audit, chainId: { $in: [...byRequest.keys()] } }).toArray()) tombstones.set(h.chainId, { seq: h.seq, hash: h.hash });
    }
    for (const [id, entries] of byRequest) reports.push(verifyEntries(`request:${id}`, entries, tombstones.get(id) ?? null, parkedBy.get(id) ?? [], hashAuditEntry));
    return reports;
  }
}

/** A chain head kept in its own collection, for chains with no aggregate of their own (the access log). */
interface HeadDocument<T> {
  _id: string;
  collection: string;
  chainId: string;
  seq: number;
  hash: string;
  /** The entry committed with this head and not yet confirmed written. */
  pending?: T;
}

/** The body of a new chain entry: everything but its position and hashes. */
export type NewChainEntry<T extends ChainedEntry> = Omit<T, '_id' | 'seq' | 'prevHash' | 'hash' | 'chainId'>;

/**
 * An append-only hash chain whose head lives in the `chainHeads` collection. An append commits the new head
 * together with the entry (one document write), then writes the entry and clears the marker, so a crash in
 * between leaves a pending entry that the next append writes, never a silent gap. Appends to one chain are
 * serialised across instances with the document lock.
 */
export class HeadedChain<T extends ChainedEntry & { chainId: string }> {
  private readonly entries: Collection<T>;
  private readonly heads: Collection<HeadDocument<T>>;
  private readonly lock: DocumentLock;

  constructor(
    db: Db,
    private readonly collectionName: string,
  ) {
    this.entries = db.collection<T>(collectionName);
    this.heads = db.collection<HeadDocument<T>>(COLLECTIONS.chainHeads);
    this.lock = new DocumentLock(db);
  }

  private headId(chainId: string) {
    return `${this.collectionName}:${chainId}`;
  }

  private async write(entry: T): Promise<void> {
    try {
      await this.entries.insertOne(entry as Parameters<Collection<T>['insertOne']>[0]);
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** Appends an entry to a chain and returns it as stored. */
  async append(chainId: string, body: NewChainEntry<T>): Promise<T> {
    const id = this.headId(chainId);
    return this.lock.withLock(`chain:${id}`, async () => {
      const head = await this.heads.findOne({ _id: id });
      if (head?.pending) await this.write(head.pending);
      const seq = (head?.seq ?? 0) + 1;
      const unsigned = { ...body, _id: `${chainId}:${seq}`, chainId, seq, prevHash: head?.hash ?? '' } as unknown as Omit<T, 'hash'>;
      const entry = { ...unsigned, hash: hashChainEntry(unsigned as unknown as Omit<ChainedEntry, 'hash'> & Record<string, unknown>) } as T;
      await this.heads.updateOne(
        { _id: id },
        { $set: { collection: this.collectionName, chainId, seq, hash: entry.hash, pending: entry } as Partial<HeadDocument<T>> },
        { upsert: true },
      );
      await this.write(entry);
      await this.heads.updateOne({ _id: id, seq }, { $unset: { pending: '' } } as never);
      return entry;
    });
  }

  /** Entries of one chain in order. */
  async list(chainId: string): Promise<T[]> {
    return this.entries.find({ chainId } as never).sort({ seq: 1 }).toArray() as Promise<T[]>;
  }

  /** Entries matching a filter on their fields, oldest first. */
  async find(filter: Record<string, unknown>, limit = 1000): Promise<T[]> {
    return this.entries.find(filter as never).sort({ at: 1, seq: 1 }).limit(limit).toArray() as Promise<T[]>;
  }

  /** The newest entries across chains, newest first. */
  async latest(limit: number): Promise<T[]> {
    return this.entries.find({}).sort({ at: -1, seq: -1 }).limit(limit).toArray() as Promise<T[]>;
  }

  /** Verifies one chain, or every chain of this collection, against the heads. */
  async verify(chainId?: string): Promise<ChainReport[]> {
    const heads = await this.heads.find(chainId ? { _id: this.headId(chainId) } : { collection: this.collectionName }).toArray();
    const byChain = new Map<string, T[]>();
    for await (const e of this.entries.find((chainId ? { chainId } : {}) as never)) {
      const t = e as T;
      const list = byChain.get(t.chainId) ?? [];
      list.push(t);
      byChain.set(t.chainId, list);
    }
    const reports: ChainReport[] = [];
    for (const h of heads) {
      reports.push(verifyEntries(`${this.collectionName}:${h.chainId}`, byChain.get(h.chainId) ?? [], { seq: h.seq, hash: h.hash }, h.pending ? [h.pending] : []));
      byChain.delete(h.chainId);
    }
    for (const [id, list] of byChain) reports.push(verifyEntries(`${this.collectionName}:${id}`, list, null));
    return reports;
  }
}
