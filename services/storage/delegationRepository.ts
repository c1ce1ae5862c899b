import type { Collection, Db } from 'mongodb';
import type { ApprovalDelegation } from '../workflow/delegation';
import { HeadedChain, type ChainedEntry, type ChainReport } from './auditRepository';
import { COLLECTIONS } from './mongoConnection';

/** Approval delegations, one small document per delegator (keyed by their Entra object id). */
export class DelegationRepository {
  private readonly collection: Collection<ApprovalDelegation>;

  constructor(db: Db) {
    this.collection = db.collection<ApprovalDelegation>(COLLECTIONS.delegations);
  }

  /** The person's delegation, current or past, if any. */
  find(delegatorId: string): Promise<ApprovalDelegation | null> {
    return this.collection.findOne({ _id: delegatorId });
  }

  /** Delegations not yet over that name this person as the delegate. */
  findByDelegate(delegateId: string, now: string): Promise<ApprovalDelegation[]> {
    return this.collection.find({ 'delegate.aadObjectId': delegateId, endedAt: { $exists: false }, until: { $gt: now } }).limit(20).toArray();
  }

  /** Sets the person's delegation, replacing any earlier one (a single-document write). */
  async set(delegation: ApprovalDelegation): Promise<void> {
    await this.collection.replaceOne({ _id: delegation._id }, delegation, { upsert: true });
  }

  /** Ends the person's delegation now and returns it as it was; null when none was set and not yet over. */
  async end(delegatorId: string, at: string): Promise<ApprovalDelegation | null> {
    return this.collection.findOneAndUpdate({ _id: delegatorId, endedAt: { $exists: false }, until: { $gt: at } }, { $set: { endedAt: at } });
  }

  /** Marks this setting of the delegation as run out (once); the delegation as it was, or null if not due or done already. */
  async markExpired(delegatorId: string, id: string | undefined, at: string): Promise<ApprovalDelegation | null> {
    return this.collection.findOneAndUpdate(
      { _id: delegatorId, ...(id ? { id } : {}), endedAt: { $exists: false }, expiredAt: { $exists: false }, until: { $lte: at } },
      { $set: { expiredAt: at } },
    );
  }
}

/** What happened to a delegation. */
export type DelegationChange = 'set' | 'changed' | 'ended' | 'expired';

/** One change to a manager's delegation: who did it, and the delegation's delegate and range (ids and dates only). */
export interface DelegationAuditEntry extends ChainedEntry {
  /** The delegator's Entra object id: one chain per manager. */
  chainId: string;
  at: string;
  change: DelegationChange;
  /** The manager, or the system when the delegation ran out. */
  actor: { kind: 'user'; aadObjectId: string } | { kind: 'system' };
  delegationId: string | null;
  delegateId: string;
  from: string;
  until: string;
  fromDate: string | null;
  untilDate: string | null;
  timeZone: string | null;
}

/**
 * The audit trail of managers' delegations: append-only and hash-chained with the chain code of the request audit
 * trail (HeadedChain), one chain per manager whose head is stored in `chainHeads`, so `npm run verify` finds an
 * entry altered, removed or inserted.
 */
export class DelegationAuditLog {
  private readonly chain: HeadedChain<DelegationAuditEntry>;

  constructor(db: Db) {
    this.chain = new HeadedChain<DelegationAuditEntry>(db, COLLECTIONS.delegationAudit);
  }

  /** Records a change at the end of the manager's chain. */
  record(change: DelegationChange, d: ApprovalDelegation, actor: DelegationAuditEntry['actor'], at: string): Promise<DelegationAuditEntry> {
    return this.chain.append(d._id, {
      at,
      change,
      actor,
      delegationId: d.id ?? null,
      delegateId: d.delegate.aadObjectId,
      from: d.from,
      until: change === 'ended' && d.endedAt ? d.endedAt : d.until,
      fromDate: d.fromDate ?? null,
      untilDate: d.untilDate ?? null,
      timeZone: d.timeZone ?? null,
    } as Omit<DelegationAuditEntry, '_id' | 'chainId' | 'seq' | 'prevHash' | 'hash'>);
  }

  /** One manager's changes, oldest first. */
  list(delegatorId: string): Promise<DelegationAuditEntry[]> {
    return this.chain.list(delegatorId);
  }

  /** Verifies one manager's chain, or every manager's. */
  verify(delegatorId?: string): Promise<ChainReport[]> {
    return this.chain.verify(delegatorId);
  }
}
