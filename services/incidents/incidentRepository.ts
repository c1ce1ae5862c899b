import { randomInt } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { DocumentLock } from '../storage/documentLock';
import { KeyLists } from '../storage/keyLists';
import { COLLECTIONS } from '../storage/mongoConnection';
import { ConcurrencyError } from '../workflow/errors';
import type { IncidentCause, IncidentCore } from '../workflow/incidentTransition';
import type { AuditEntry } from '../workflow/model';

/**
 * A device incident as stored. `_id` is its reference, `INC-<year>-<six characters>` (e.g. `INC-2026-7K3Q2M`):
 * short enough to read out on the phone, random so that no counter document is needed (FerretDB v1 does not
 * isolate the read-modify-write a counter would take). The chain head of its audit trail and the commit tokens
 * of its outbox entries live here, written in the same document write as each state change.
 */
export interface Incident extends IncidentCore {
  version: number;
  updatedAt: string;
  auditHead: AuditEntry;
  outboxTokens: string[];
}

/** Which incident is open for a device and cause: one document per pair, removed when the incident closes. */
interface OpenIncidentKey {
  _id: string;
  incidentId: string;
  at: string;
}

export const INCIDENTS_COLLECTION = 'incidents';
export const INCIDENT_OPEN_KEYS_COLLECTION = 'incidentOpenKeys';
/** Ids of the open (`open`) and closed (`closed`) incidents, as key documents read by `_id` (see KeyLists). */
export const INCIDENT_LISTS_COLLECTION = 'incidentLists';

/** Crockford's base32 without I, L, O, U: nothing to misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A fresh incident reference for the year of `now`. */
export function newIncidentId(now: Date): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `INC-${now.getUTCFullYear()}-${s}`;
}

/** Lost and stolen are one cause for de-duplication: a phone is reported once, whichever word was used. */
export function openKeyOf(deviceId: string, cause: IncidentCause): string {
  return `${deviceId}:${cause === 'stolen' ? 'lost' : cause}`;
}

/** Incidents, written with optimistic concurrency, and the open-incident keys that de-duplicate them. */
export class IncidentRepository {
  readonly collection: Collection<Incident>;
  readonly openKeys: Collection<OpenIncidentKey>;
  private readonly lock: DocumentLock;
  private readonly heads: Collection<{ _id: string; collection: string; chainId: string; seq: number; hash: string }>;
  private readonly lists: KeyLists;

  constructor(db: Db) {
    this.lists = new KeyLists(db, INCIDENT_LISTS_COLLECTION);
    this.collection = db.collection<Incident>(INCIDENTS_COLLECTION);
    this.openKeys = db.collection<OpenIncidentKey>(INCIDENT_OPEN_KEYS_COLLECTION);
    this.lock = new DocumentLock(db);
    this.heads = db.collection(COLLECTIONS.chainHeads);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ ownerAadObjectId: 1, openedAt: -1 }, { name: 'by_owner' });
    await this.collection.createIndex({ state: 1, openedAt: -1 }, { name: 'by_state' });
  }

  async get(id: string): Promise<Incident | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Inserts a new incident; false when the id is taken. */
  async create(incident: Incident): Promise<boolean> {
    // The id joins IT's list before the incident is written, so a reader never misses it (see KeyLists).
    await this.lists.join([incident.state === 'closed' ? 'closed' : 'open'], incident._id);
    try {
      await this.collection.insertOne(incident);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 11000) return false;
      throw e;
    }
  }

  /** Replaces the incident if it is still at `expectedVersion` (under the per-document lock; see DeviceRepository.save). */
  async save(next: Incident, expectedVersion: number): Promise<void> {
    if (next.state === 'closed') await this.lists.join(['closed'], next._id);
    const r = await this.lock.withLock(`incident:${next._id}`, () => this.collection.replaceOne({ _id: next._id, version: expectedVersion }, next));
    if (r.matchedCount !== 1) throw new ConcurrencyError(next._id, expectedVersion);
  }

  /**
   * Claims the open-incident key of a device and cause for `incidentId`. When another incident holds it, that
   * incident's id comes back, unless it is closed or was never written (a crash between the claim and the
   * insert), in which case the key is taken over.
   */
  async claimOpenKey(key: string, incidentId: string, at: string): Promise<string | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.openKeys.insertOne({ _id: key, incidentId, at });
        return null;
      } catch (e) {
        if ((e as { code?: number }).code !== 11000) throw e;
      }
      const held = await this.openKeys.findOne({ _id: key });
      if (!held) continue;
      if (held.incidentId === incidentId) return null;
      const other = await this.get(held.incidentId);
      // A key younger than a minute with no incident yet belongs to an open still being written.
      const abandoned = !other && Date.parse(at) - Date.parse(held.at) > 60_000;
      if (other && other.state !== 'closed') return other._id;
      if (!other && !abandoned) return held.incidentId;
      await this.openKeys.deleteOne({ _id: key, incidentId: held.incidentId });
    }
    throw new ConcurrencyError(key, 0);
  }

  /** Frees the open-incident keys an incident holds (when it closes). */
  async releaseOpenKeys(incidentId: string): Promise<void> {
    await this.openKeys.deleteMany({ incidentId });
  }

  /** A person's incidents, newest first. */
  async listForOwner(aadObjectId: string, limit = 10): Promise<Incident[]> {
    return this.collection.find({ ownerAadObjectId: aadObjectId }).sort({ openedAt: -1 }).limit(limit).toArray();
  }

  /** One page of the open incidents, the latest opened first, after the incident id `after` (a key document). */
  pageOpen(after: string | undefined, limit: number): Promise<{ items: Incident[]; next?: string }> {
    return this.lists.page('open', { after, limit, oldestFirst: false, read: (id) => this.get(id), belongs: (i) => i.state !== 'closed' });
  }

  /** One page of the closed incidents, the latest closed first. */
  pageClosed(after: string | undefined, limit: number): Promise<{ items: Incident[]; next?: string }> {
    return this.lists.page('closed', { after, limit, oldestFirst: false, read: (id) => this.get(id), belongs: (i) => i.state === 'closed' });
  }

  /** Publishes the audit chain head where verification finds chains that have no request (see DeviceRepository.publishHead). */
  async publishHead(entry: AuditEntry): Promise<void> {
    const _id = `${COLLECTIONS.audit}:${entry.requestId}`;
    try {
      await this.heads.updateOne({ _id, seq: { $lt: entry.seq } }, { $set: { collection: COLLECTIONS.audit, chainId: entry.requestId, seq: entry.seq, hash: entry.hash } }, { upsert: true });
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }
}
