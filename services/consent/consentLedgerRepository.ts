import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import { DocumentLock } from '../storage/documentLock';
import { ConcurrencyError } from '../workflow/errors';
import {
  EMPTY_CONSENT,
  hashLedgerEntry,
  nextConsentState,
  verifyLedger,
  type ChainBreak,
  type ConsentState,
  type LedgerDevice,
  type LedgerEntry,
} from './consentLedger';

/** Collections of the consent ledger: the entries, and one head per ledger. */
export const LEDGER_COLLECTIONS = { entries: 'consentLedger', heads: 'consentLedgerHeads' } as const;

/** The stored head of one ledger: its last entry's seq and hash, and the state the entries add up to. */
export interface LedgerHead {
  _id: string;
  subjectId: string;
  device: LedgerDevice;
  seq: number;
  hash: string;
  state: ConsentState;
  /** The entry this head already counts, written before the entry itself so a crash in between cannot lose it. */
  pending?: LedgerEntry;
  updatedAt: string;
}

/** What a caller gives to append an entry; the repository adds seq, the chain and the id if absent. */
export type LedgerDraft = Omit<LedgerEntry, '_id' | 'streamId' | 'seq' | 'prevHash' | 'hash'> & { _id?: string };

/** Filter of an auditor's export: by person, by date range (ISO, inclusive from, exclusive to), by notice version. */
export interface LedgerQuery {
  aadObjectId?: string;
  from?: string;
  to?: string;
  noticeVersion?: string;
}

/** The ledger of a person and device: `<Entra object id>:<device key>` (the request id until the device aggregate names it). */
export function ledgerStreamId(aadObjectId: string, device: Pick<LedgerDevice, 'requestId'>): string {
  return `${aadObjectId}:${device.requestId}`;
}

/** Indexes of the consent ledger (unique seq per ledger; reads by person, by time and by notice version). */
export async function ensureConsentLedgerIndexes(db: Db): Promise<void> {
  const entries = db.collection(LEDGER_COLLECTIONS.entries);
  await entries.createIndex({ streamId: 1, seq: 1 }, { unique: true, name: 'chain' });
  await entries.createIndex({ 'subject.aadObjectId': 1, at: 1 }, { name: 'by_subject' });
  await entries.createIndex({ at: 1 }, { name: 'by_time' });
  await entries.createIndex({ 'device.requestId': 1, seq: 1 }, { name: 'by_request' });
  await db.collection(LEDGER_COLLECTIONS.heads).createIndex({ subjectId: 1 }, { name: 'by_subject' });
}

/**
 * Append-only consent ledgers, one per person and device. An append reads the head, checks the entry against the
 * ledger's state (pure `nextConsentState`), then moves the head with a version check on its seq (one atomic
 * single-document write, holding the new entry as `pending`), inserts the entry, then clears `pending`. Two writers never
 * both win the same seq; a crash after the head moved is repaired by the next read or append, which inserts the
 * pending entry (idempotent by id). Entries are never updated or deleted.
 */
export class ConsentLedgerRepository {
  private readonly entries: Collection<LedgerEntry>;
  private readonly heads: Collection<LedgerHead>;
  private readonly lock: DocumentLock;

  constructor(
    db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.entries = db.collection<LedgerEntry>(LEDGER_COLLECTIONS.entries);
    this.heads = db.collection<LedgerHead>(LEDGER_COLLECTIONS.heads);
    this.lock = new DocumentLock(db);
  }

  /**
   * Appends one entry to the person's ledger for the device; throws LedgerTransitionError if it does not follow.
   * The head's seq check alone is atomic on MongoDB; FerretDB v1 applies an update as a read and a write, so the
   * append also holds the ledger's document lock (the same one requests use).
   */
  async append(draft: LedgerDraft, newId: () => string = randomUUID): Promise<{ entry: LedgerEntry; state: ConsentState }> {
    const streamId = ledgerStreamId(draft.subject.aadObjectId, draft.device);
    return this.lock.withLock(`consentLedger:${streamId}`, () => this.appendLocked(streamId, draft, newId));
  }

  private async appendLocked(streamId: string, draft: LedgerDraft, newId: () => string): Promise<{ entry: LedgerEntry; state: ConsentState }> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.head(streamId);
      const state = nextConsentState(head?.state ?? EMPTY_CONSENT, draft);
      const { _id, ...fields } = draft;
      const unsigned: Omit<LedgerEntry, 'hash'> = { _id: _id ?? newId(), ...fields, streamId, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? '' };
      const entry: LedgerEntry = { ...unsigned, hash: hashLedgerEntry(unsigned) };
      const next: LedgerHead = {
        _id: streamId,
        subjectId: draft.subject.aadObjectId,
        device: { ...(head?.device ?? {}), ...draft.device },
        seq: entry.seq,
        hash: entry.hash,
        state,
        pending: entry,
        updatedAt: this.clock().toISOString(),
      };
      try {
        if (head) {
          const { _id: id, ...set } = next;
          const moved = await this.heads.updateOne({ _id: id, seq: head.seq }, { $set: set });
          if (moved.matchedCount === 0) throw new ConcurrencyError(streamId, head.seq);
        } else {
          await this.heads.insertOne(next);
        }
      } catch (e) {
        const lost = e instanceof ConcurrencyError || (e as { code?: number }).code === 11000;
        if (lost && attempt < 5) continue;
        throw e;
      }
      await this.insertEntry(entry);
      // Once the entry is stored the head stops carrying it, so a tail deleted later is missing, not restored.
      await this.heads.updateOne({ _id: streamId, seq: entry.seq }, { $unset: { pending: '' } });
      return { entry, state };
    }
  }

  private async insertEntry(entry: LedgerEntry) {
    try {
      await this.entries.insertOne(entry);
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** The head of a ledger (its state), with an entry left pending by a crash written first. */
  async head(streamId: string): Promise<LedgerHead | null> {
    const head = await this.heads.findOne({ _id: streamId });
    if (head?.pending) {
      await this.insertEntry(head.pending);
      await this.heads.updateOne({ _id: streamId, seq: head.pending.seq }, { $unset: { pending: '' } });
    }
    return head;
  }

  /** A ledger's entries in order. */
  async list(streamId: string): Promise<LedgerEntry[]> {
    return this.entries.find({ streamId }).sort({ seq: 1 }).toArray();
  }

  /** Recomputes a ledger's chain against its stored head; null when intact, else where it breaks. */
  async verify(streamId: string): Promise<ChainBreak | null> {
    const head = await this.head(streamId);
    return verifyLedger(streamId, await this.list(streamId), head);
  }

  /** The heads of all of a person's ledgers (one per device), newest change first. */
  async headsOf(aadObjectId: string): Promise<LedgerHead[]> {
    return this.heads.find({ subjectId: aadObjectId }).sort({ updatedAt: -1 }).toArray();
  }

  /** The entries of one request's ledger, in order. */
  async forRequest(requestId: string): Promise<LedgerEntry[]> {
    return this.entries.find({ 'device.requestId': requestId }).sort({ seq: 1 }).toArray();
  }

  /** Entries matching an auditor's filter, oldest first, at most `limit`. */
  async query(q: LedgerQuery, limit = 100_000): Promise<LedgerEntry[]> {
    const filter: Filter<LedgerEntry> = {};
    if (q.aadObjectId) filter['subject.aadObjectId'] = q.aadObjectId;
    if (q.noticeVersion) filter.noticeVersion = q.noticeVersion;
    if (q.from || q.to) filter.at = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lt: q.to } : {}) };
    return this.entries.find(filter).sort({ at: 1, streamId: 1, seq: 1 }).limit(limit).toArray();
  }
}
