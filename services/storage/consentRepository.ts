import type { Collection, Db } from 'mongodb';
import type { Ownership, PersonRef, Platform } from '../workflow/model';
import { COLLECTIONS } from './mongoConnection';

/** One consent answer, written once and never changed (SOP §1: a record of consent, easy to retrieve). */
export interface ConsentRecord {
  _id: string;
  requestId: string;
  subject: PersonRef;
  outcome: 'consented' | 'declined';
  textVersion: string;
  textHash: string;
  ownership: Ownership;
  platform: Platform;
  /** Activity id of the consent card the answer came from. */
  cardActivityId?: string;
  at: string;
}

/** The answer for this request was already recorded (a double click or a retried invoke). */
export class ConsentAlreadyRecordedError extends Error {
  constructor(readonly existing: ConsentRecord) {
    super(`Consent for request ${existing.requestId} already recorded`);
    this.name = 'ConsentAlreadyRecordedError';
  }
}

/** Append-only consent ledger: inserts only, one answer per request (unique index). */
export class ConsentRepository {
  private readonly collection: Collection<ConsentRecord>;

  constructor(db: Db) {
    this.collection = db.collection<ConsentRecord>(COLLECTIONS.consents);
  }

  /** Records an answer; throws ConsentAlreadyRecordedError if this request already has one. */
  async record(c: ConsentRecord): Promise<ConsentRecord> {
    try {
      await this.collection.insertOne(c);
      return c;
    } catch (e) {
      if ((e as { code?: number }).code === 11000) {
        const existing = await this.collection.findOne({ requestId: c.requestId });
        if (existing) throw new ConsentAlreadyRecordedError(existing);
      }
      throw e;
    }
  }

  /** The answer recorded for a request. */
  async forRequest(requestId: string): Promise<ConsentRecord | null> {
    return this.collection.findOne({ requestId });
  }

  /** A person's consent history, newest first. */
  async forSubject(aadObjectId: string): Promise<ConsentRecord[]> {
    return this.collection.find({ 'subject.aadObjectId': aadObjectId }).sort({ at: -1 }).toArray();
  }
}
