import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { AuditEntry } from '../workflow/model';
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

/** Hash of an entry chained to its predecessor: sha256(prevHash + canonical(entry without hash)). */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const { prevHash, ...body } = entry;
  return createHash('sha256').update(prevHash).update(canonical(body)).digest('hex');
}

/** Append-only audit trail, one hash chain per request. */
export class AuditRepository {
  private readonly collection: Collection<AuditEntry>;

  constructor(db: Db) {
    this.collection = db.collection<AuditEntry>(COLLECTIONS.audit);
  }

  /** Writes an entry once; writing the same entry again (a retried effect) is a no-op. */
  async append(entry: AuditEntry): Promise<void> {
    try {
      await this.collection.insertOne(entry);
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** A request's trail in order. */
  async listForRequest(requestId: string): Promise<AuditEntry[]> {
    return this.collection.find({ requestId }).sort({ seq: 1 }).toArray();
  }

  /** Recomputes a request's chain; returns the first broken seq, or null when intact and gap-free. */
  async verifyChain(requestId: string): Promise<number | null> {
    let prev = '';
    let seq = 0;
    for (const e of await this.listForRequest(requestId)) {
      seq += 1;
      const { hash, ...rest } = e;
      if (e.seq !== seq || e.prevHash !== prev || hashAuditEntry(rest) !== hash) return e.seq;
      prev = hash;
    }
    return null;
  }
}
