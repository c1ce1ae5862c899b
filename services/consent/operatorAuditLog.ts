/**
 * The audit trail of what operators do outside a request: publishing a notice version, exporting consents. One
 * append-only hash chain (the audit trail's own hash); an entry's `_id` is its seq, so two operators acting at
 * once cannot both take a place in the chain (an insert into a unique key is atomic on every supported server).
 */
import type { Collection, Db } from 'mongodb';
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

/** Append-only operator audit trail. */
export class OperatorAuditLog {
  private readonly collection: Collection<OperatorAuditEntry>;

  constructor(
    db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<OperatorAuditEntry>(OPERATOR_AUDIT_COLLECTION);
  }

  /** Records an action at the end of the chain. */
  async record(operator: Operator, action: OperatorAuditEntry['action'], details: OperatorAuditEntry['details']): Promise<OperatorAuditEntry> {
    for (let attempt = 1; ; attempt++) {
      const [last] = await this.collection.find().sort({ seq: -1 }).limit(1).toArray();
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
      try {
        await this.collection.insertOne(entry);
        return entry;
      } catch (e) {
        if ((e as { code?: number }).code === 11000 && attempt < 10) continue;
        throw e;
      }
    }
  }

  /** The trail in order. */
  list(): Promise<OperatorAuditEntry[]> {
    return this.collection.find().sort({ seq: 1 }).toArray();
  }

  /** Recomputes the chain; the first broken seq, or null when intact and gap-free. */
  async verify(): Promise<number | null> {
    let prev = '';
    let seq = 0;
    for (const e of await this.list()) {
      seq += 1;
      const { hash, ...rest } = e;
      if (e.seq !== seq || e._id !== seqId(seq) || e.prevHash !== prev || hashLedgerEntry(rest as never) !== hash) return seq;
      prev = hash;
    }
    return null;
  }
}
