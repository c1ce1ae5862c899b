import type { Collection, Db } from 'mongodb';
import type { Delivery } from '../messaging/proactiveMessenger';
import { DocumentLock } from '../storage/documentLock';
import type { BreachCore, NoticeCore, NoticeState } from '../workflow/breachTransition';
import { ConcurrencyError } from '../workflow/errors';
import type { AuditEntry } from '../workflow/model';

/** How the affected people were chosen. */
export type AffectedSelector =
  | { kind: 'devices'; deviceIds: string[] }
  | { kind: 'group'; groupId: string }
  | { kind: 'people'; people: string[] };

/**
 * A breach notification, declared from an incident. `_id` is its reference (BR-…). The chain head of its audit
 * trail and the commit tokens of its outbox entries live here, written with each state change.
 */
export interface Breach extends BreachCore {
  version: number;
  incidentId: string;
  declaredBy: { aadObjectId: string; displayName: string };
  declaredAt: string;
  /** When the breach was discovered (the incident's opening): deadlines run from here. */
  discoveredAt: string;
  regulations: string[];
  affected: AffectedSelector;
  /** The organisation's notice text with its placeholders, and the SHA-256 of that template. */
  notice: { template: string; sha256: string };
  recipientCount: number;
  /** SHA-256 of the sorted recipient ids, recorded in the declaration's audit entry. */
  recipientsSha256: string;
  createdAt: string;
  updatedAt: string;
  auditHead: AuditEntry;
  outboxTokens: string[];
}

/** One affected person's notice: its own small aggregate with its own hash chain. `_id` is `{breachId}:{aadObjectId}`. */
export interface BreachNotice extends NoticeCore {
  breachId: string;
  person: { aadObjectId: string; displayName: string };
  /** How the person was selected (device id, group id, or the explicit list). */
  selectedBy: string;
  version: number;
  /** Where the notice card landed, so acknowledgement updates it in place. */
  delivery?: Delivery;
  createdAt: string;
  updatedAt: string;
  auditHead?: AuditEntry;
}

export const BREACHES_COLLECTION = 'breaches';
export const BREACH_NOTICES_COLLECTION = 'breachNotices';

/** The notice id of one person in one breach. */
export const noticeId = (breachId: string, aadObjectId: string) => `${breachId}:${aadObjectId}`;

/** Breaches and their notices, written with optimistic concurrency under the per-document lock (FerretDB v1). */
export class BreachRepository {
  readonly breaches: Collection<Breach>;
  readonly notices: Collection<BreachNotice>;
  private readonly lock: DocumentLock;

  constructor(db: Db) {
    this.breaches = db.collection<Breach>(BREACHES_COLLECTION);
    this.notices = db.collection<BreachNotice>(BREACH_NOTICES_COLLECTION);
    this.lock = new DocumentLock(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.breaches.createIndex({ incidentId: 1 }, { name: 'by_incident' });
    await this.notices.createIndex({ breachId: 1, state: 1 }, { name: 'by_breach_state' });
    await this.notices.createIndex({ 'person.aadObjectId': 1 }, { name: 'by_person' });
  }

  get(id: string): Promise<Breach | null> {
    return this.breaches.findOne({ _id: id });
  }

  /** Inserts a new breach; false when its id is taken. */
  async create(b: Breach): Promise<boolean> {
    try {
      await this.breaches.insertOne(b);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 11000) return false;
      throw e;
    }
  }

  /** Replaces the breach if it is still at `expectedVersion`; throws ConcurrencyError otherwise. */
  async save(next: Breach, expectedVersion: number): Promise<void> {
    const r = await this.lock.withLock(`breach:${next._id}`, () => this.breaches.replaceOne({ _id: next._id, version: expectedVersion }, next));
    if (r.matchedCount !== 1) throw new ConcurrencyError(next._id, expectedVersion);
  }

  /** Writes the notices of a new breach (a repeated write of the same ones changes nothing). */
  async createNotices(list: BreachNotice[]): Promise<void> {
    if (!list.length) return;
    try {
      await this.notices.insertMany(list, { ordered: false });
    } catch (e) {
      const errors = (e as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
      const all = Array.isArray(errors) ? errors : errors ? [errors] : [];
      if (!all.length || all.some((w) => w.code !== 11000)) throw e;
    }
  }

  getNotice(id: string): Promise<BreachNotice | null> {
    return this.notices.findOne({ _id: id });
  }

  /** Replaces a notice if it is still at `expectedVersion`; throws ConcurrencyError otherwise. */
  async saveNotice(next: BreachNotice, expectedVersion: number): Promise<void> {
    const r = await this.lock.withLock(`breachNotice:${next._id}`, () => this.notices.replaceOne({ _id: next._id, version: expectedVersion }, next));
    if (r.matchedCount !== 1) throw new ConcurrencyError(next._id, expectedVersion);
  }

  /** A breach's notices, in person order. */
  noticesOf(breachId: string, state?: NoticeState): Promise<BreachNotice[]> {
    return this.notices.find(state ? { breachId, state } : { breachId }).sort({ _id: 1 }).toArray();
  }

  /** How many of a breach's notices are in each state. */
  async counts(breachId: string): Promise<Record<NoticeState, number>> {
    const out: Record<NoticeState, number> = { pending: 0, sent: 0, unreachable: 0, acknowledged: 0 };
    for await (const n of this.notices.find({ breachId }, { projection: { state: 1 } })) out[n.state] += 1;
    return out;
  }
}
