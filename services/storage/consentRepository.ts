import type { Collection, Db } from 'mongodb';
import { LedgerTransitionError, type LedgerEntry } from '../consent/consentLedger';
import { ConsentLedgerRepository } from '../consent/consentLedgerRepository';
import type { Ownership, PersonRef, Platform } from '../workflow/model';
import { COLLECTIONS } from './mongoConnection';

/** One consent answer on a request (SOP §1: a record of consent, easy to retrieve): a view of a ledger entry. */
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

const isAnswer = (e: LedgerEntry) => e.kind === 'consented' || e.kind === 'declined';

function toRecord(e: LedgerEntry): ConsentRecord {
  return {
    _id: e._id,
    requestId: e.device.requestId,
    subject: e.subject,
    outcome: e.kind as ConsentRecord['outcome'],
    textVersion: e.noticeVersion,
    textHash: e.textHash,
    ownership: e.device.ownership,
    platform: e.device.platform,
    cardActivityId: e.cardActivityId,
    at: e.at,
  };
}

/**
 * The request's consent answer, kept in the person's consent ledger for the device (services/consent): the first
 * answer of a ledger is the request's answer; a second one is refused by the ledger's state. Answers recorded
 * before the ledger existed stay readable from the `consents` collection.
 */
export class ConsentRepository {
  private readonly legacy: Collection<ConsentRecord>;
  readonly ledger: ConsentLedgerRepository;

  constructor(db: Db, ledger?: ConsentLedgerRepository) {
    this.legacy = db.collection<ConsentRecord>(COLLECTIONS.consents);
    this.ledger = ledger ?? new ConsentLedgerRepository(db);
  }

  /** Records an answer as the ledger's first entry; throws ConsentAlreadyRecordedError if this request has one. */
  async record(c: ConsentRecord): Promise<ConsentRecord> {
    const existing = await this.forRequest(c.requestId);
    if (existing) throw new ConsentAlreadyRecordedError(existing);
    try {
      const { entry } = await this.ledger.append({
        _id: c._id,
        kind: c.outcome,
        at: c.at,
        subject: { aadObjectId: c.subject.aadObjectId, displayName: c.subject.displayName },
        device: { requestId: c.requestId, platform: c.platform, ownership: c.ownership },
        noticeVersion: c.textVersion,
        textHash: c.textHash,
        cardActivityId: c.cardActivityId,
      });
      return toRecord(entry);
    } catch (e) {
      if (!(e instanceof LedgerTransitionError)) throw e;
      const first = await this.forRequest(c.requestId);
      if (first) throw new ConsentAlreadyRecordedError(first);
      throw e;
    }
  }

  /** The answer recorded for a request. */
  async forRequest(requestId: string): Promise<ConsentRecord | null> {
    const answer = (await this.ledger.forRequest(requestId)).find(isAnswer);
    return answer ? toRecord(answer) : this.legacy.findOne({ requestId });
  }

  /** A person's answers, newest first. */
  async forSubject(aadObjectId: string): Promise<ConsentRecord[]> {
    const fromLedger = (await this.ledger.query({ aadObjectId })).filter(isAnswer).map(toRecord);
    const legacy = await this.legacy.find({ 'subject.aadObjectId': aadObjectId }).toArray();
    return [...fromLedger, ...legacy].sort((a, b) => b.at.localeCompare(a.at));
  }
}
