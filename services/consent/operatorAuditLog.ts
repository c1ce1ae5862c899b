/**
 * The audit trail of what operators do outside a request: publishing a notice version, starting its campaign,
 * export links and exports of consents. One append-only hash chain (the audit trail's own hash); an entry's `_id` is
 * its seq, so two operators acting at once cannot both take a place in the chain (an insert into a unique key is
 * atomic on every supported server). Its head (last seq and hash) is stored in `chainHeads` and moved before each
 * entry is written (holding it as pending, under the document lock), so a removed or altered last entry is detected
 * and a crash between the two is finished by the next append; `npm run verify` checks the chain against it.
 */
import type { Collection, Db } from 'mongodb';
import { verifyEntries, type ChainReport } from '../storage/auditRepository';
import { DocumentLock } from '../storage/documentLock';
import { COLLECTIONS } from '../storage/mongoConnection';
import type { Role } from '../workflow/transition';
import { hashLedgerEntry } from './consentLedger';

/** Who acted at a command-line door: resolved from the directory, roles from Entra groups. */
export interface Operator {
  aadObjectId: string;
  displayName: string;
  roles: readonly Role[];
}

/** An operator without the role an action needs. */
export class OperatorNotAuthorizedError extends Error {
  override readonly name = 'OperatorNotAuthorizedError';
  constructor(
    readonly operatorId: string,
    readonly action: string,
    readonly allowed: readonly Role[],
  ) {
    super(`Operator ${operatorId} may not ${action}: it needs one of the roles ${allowed.join(', ')}`);
  }
}

/** Throws OperatorNotAuthorizedError unless the operator has one of `allowed`. */
export function requireRole(operator: Operator, allowed: readonly Role[], action: string): void {
  if (!operator.roles.some((r) => allowed.includes(r))) throw new OperatorNotAuthorizedError(operator.aadObjectId, action, allowed);
}

/** One operator action. */
export interface OperatorAuditEntry {
  _id: string;
  seq: number;
  at: string;
  operator: { aadObjectId: string; displayName: string; roles: string[] };
  action: 'notice.publish' | 'notice.campaign' | 'consents.export' | 'consents.exportLink' | 'breach.export';
  /** Facts worth evidence (filters, versions, counts, hashes), never free text beyond a notice summary. */
  details: Record<string, string | number | boolean | null>;
  prevHash: string;
  hash: string;
}

/** Collection of the operator audit trail. */
export const OPERATOR_AUDIT_COLLECTION = 'operatorAudit';

const seqId = (seq: number) => `op:${String(seq).padStart(10, '0')}`;
/** The trail's head in `chainHeads` (its `collection` is not a HeadedChain's, whose entries carry a chainId). */
const HEAD_ID = `${OPERATOR_AUDIT_COLLECTION}:trail`;

interface OperatorHead {
  _id: string;
  collection: string;
  chainId: string;
  seq: number;
  hash: string;
  pending?: OperatorAuditEntry;
}

/** Append-only operator audit trail. */
export class OperatorAuditLog {
  private readonly collection: Collection<OperatorAuditEntry>;
  private readonly heads: Collection<OperatorHead>;
  private readonly lock: DocumentLock;

  constructor(
    db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<OperatorAuditEntry>(OPERATOR_AUDIT_COLLECTION);
    this.heads = db.collection<OperatorHead>(COLLECTIONS.chainHeads);
    this.lock = new DocumentLock(db);
  }

  private async insert(entry: OperatorAuditEntry): Promise<void> {
    try {
      await this.collection.insertOne(entry);
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** The stored head, with an entry a crash left pending written first. */
  private async head(): Promise<OperatorHead | null> {
    const head = await this.heads.findOne({ _id: HEAD_ID });
    if (head?.pending) {
      await this.insert(head.pending);
      await this.heads.updateOne({ _id: HEAD_ID, seq: head.pending.seq }, { $unset: { pending: '' } });
    }
    return head;
  }

  /** Records an action at the end of the chain. */
  async record(operator: Operator, action: OperatorAuditEntry['action'], details: OperatorAuditEntry['details']): Promise<OperatorAuditEntry> {
    return this.lock.withLock(HEAD_ID, () => this.recordLocked(operator, action, details));
  }

  private async recordLocked(operator: Operator, action: OperatorAuditEntry['action'], details: OperatorAuditEntry['details']): Promise<OperatorAuditEntry> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.head();
      // A trail written before heads were stored starts from its last entry.
      const [last] = head ? [{ seq: head.seq, hash: head.hash }] : await this.collection.find().sort({ seq: -1 }).limit(1).toArray();
      const seq = (last?.seq ?? 0) + 1;
      const unsigned: Omit<OperatorAuditEntry, 'hash'> = {
        _id: seqId(seq),
        seq,
        at: this.clock().toISOString(),
        operator: { aadObjectId: operator.aadObjectId, displayName: operator.displayName, roles: [...operator.roles] },
        action,
        details,
        prevHash: last?.hash ?? '',
      };
      const entry: OperatorAuditEntry = { ...unsigned, hash: hashLedgerEntry(unsigned as never) };
      // The head moves first, holding the entry, only from the head this append read.
      const moved = head
        ? await this.heads.updateOne({ _id: HEAD_ID, seq: head.seq }, { $set: { seq, hash: entry.hash, pending: entry } })
        : await this.heads.updateOne({ _id: HEAD_ID }, { $setOnInsert: { collection: OPERATOR_AUDIT_COLLECTION, chainId: 'trail', seq, hash: entry.hash, pending: entry } }, { upsert: true });
      if (!moved.modifiedCount && !moved.upsertedCount) {
        if (attempt < 10) continue;
        throw new Error('The operator audit trail head kept moving; try again');
      }
      await this.insert(entry);
      await this.heads.updateOne({ _id: HEAD_ID, seq }, { $unset: { pending: '' } });
      return entry;
    }
  }

  /** The trail in order. */
  list(): Promise<OperatorAuditEntry[]> {
    return this.collection.find().sort({ seq: 1 }).toArray();
  }

  /** Recomputes the chain against its stored head; the first broken seq, or null when intact, gap-free and ending on the head. */
  async verify(): Promise<number | null> {
    const report = await this.verifyReport();
    return report.ok ? null : (report.firstBad?.seq ?? 1);
  }

  /** The chain's verification report (as `npm run verify` prints it). */
  async verifyReport(): Promise<ChainReport> {
    const head = await this.heads.findOne({ _id: HEAD_ID });
    const entries = await this.list();
    const misnamed = entries.find((e) => e._id !== seqId(e.seq));
    const report = verifyEntries(OPERATOR_AUDIT_COLLECTION, entries, head ? { seq: head.seq, hash: head.hash } : null, head?.pending ? [head.pending] : []);
    if (report.ok && misnamed) return { ...report, ok: false, firstBad: { seq: misnamed.seq, problem: 'altered', detail: 'the entry id does not match its position' } };
    return report;
  }
}
