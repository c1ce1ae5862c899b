import type { Collection, Db } from 'mongodb';
import type { ApprovalDelegation } from '../workflow/delegation';
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

  /** Sets the person's delegation, replacing any earlier one (a single-document write). */
  async set(delegation: ApprovalDelegation): Promise<void> {
    await this.collection.replaceOne({ _id: delegation._id }, delegation, { upsert: true });
  }

  /** Ends the person's delegation now; false when none was running. */
  async end(delegatorId: string, at: string): Promise<boolean> {
    const r = await this.collection.updateOne({ _id: delegatorId, endedAt: { $exists: false }, until: { $gt: at } }, { $set: { endedAt: at } });
    return r.modifiedCount > 0;
  }
}
