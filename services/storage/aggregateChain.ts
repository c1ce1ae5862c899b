import type { Collection, Db } from 'mongodb';
import type { AuditEntry } from '../workflow/model';
import { hashAuditEntry, type AuditRepository } from './auditRepository';
import { COLLECTIONS } from './mongoConnection';

/** What a new audit entry of an aggregate says (its chain position and hashes are added here). */
export interface AggregateAuditFields {
  at: string;
  actor: AuditEntry['actor'];
  event: string;
  /** The aggregate's own states (the shared audit collection types them as request states). */
  from: string | null;
  to: string;
  procedureStep: number;
  controls: readonly string[];
  details: AuditEntry['details'];
}

/**
 * The hash chain of an aggregate other than the onboarding request (a breach, a person's breach notice, a
 * register entry), kept as the enrolled device keeps its own: the newest entry (the head) lives on the aggregate
 * document and is written with each state change; the previous head is re-appended before the next change, so a
 * crash after a write but before its audit append loses nothing; and the head is published to `chainHeads`,
 * where audit verification finds heads of chains that have no request, so a removed tail is detected.
 */
export class AggregateChain {
  private readonly heads: Collection<{ _id: string; collection: string; chainId: string; seq: number; hash: string }>;

  constructor(
    db: Db,
    private readonly audit: AuditRepository,
  ) {
    this.heads = db.collection(COLLECTIONS.chainHeads);
  }

  /** The entry after `head` in `stream`. */
  next(stream: string, head: AuditEntry | undefined, fields: AggregateAuditFields): AuditEntry {
    const seq = (head?.seq ?? 0) + 1;
    const unsigned: Omit<AuditEntry, 'hash'> = {
      _id: `${stream}:${seq}`,
      requestId: stream,
      seq,
      at: fields.at,
      actor: fields.actor,
      event: fields.event,
      from: fields.from as AuditEntry['from'],
      to: fields.to as AuditEntry['to'],
      procedureStep: fields.procedureStep,
      controls: [...fields.controls],
      details: fields.details,
      prevHash: head?.hash ?? '',
    };
    return { ...unsigned, hash: hashAuditEntry(unsigned) };
  }

  /** Before a change: makes sure the current head is written and published. */
  async settle(head: AuditEntry | undefined): Promise<void> {
    if (head) await this.written(head);
  }

  /** After a change's write: writes and publishes its entry. */
  async written(entry: AuditEntry): Promise<void> {
    await this.audit.append(entry);
    const _id = `${COLLECTIONS.audit}:${entry.requestId}`;
    try {
      await this.heads.updateOne({ _id, seq: { $lt: entry.seq } }, { $set: { collection: COLLECTIONS.audit, chainId: entry.requestId, seq: entry.seq, hash: entry.hash } }, { upsert: true });
    } catch (e) {
      // Another writer published this or a newer head first (the upsert's unique _id refused the copy).
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }
}
