import type { Db } from 'mongodb';
import { HeadedChain, type ChainedEntry, type ChainReport } from '../storage/auditRepository';
import { COLLECTIONS } from '../storage/mongoConnection';
import type { Actor } from '../workflow/transition';
import type { PrivilegedAction } from './authorization';

/** Through which door a record was read: a Teams command or card, the command line, or the Teams tab. */
export type Door = 'teams' | 'cli' | 'tab';

/** Kinds of sensitive records whose reads are logged. */
export type SensitiveRecordKind = 'personStatus' | 'request' | 'audit' | 'evidence' | 'consent' | 'accessLog' | 'breach' | 'thirdPartyRegister' | 'incident';

/** One read of a sensitive record: who, what, when, through which door. */
export interface AccessLogEntry extends ChainedEntry {
  /** One chain per UTC day, so retention removes whole, verifiable days. */
  chainId: string;
  at: string;
  actor: { aadObjectId: string; roles: string[] };
  door: Door;
  action: PrivilegedAction;
  subject: { kind: SensitiveRecordKind; id: string };
}

/** A read to record. */
export interface AccessRecord {
  actor: Extract<Actor, { kind: 'user' }>;
  door: Door;
  action: PrivilegedAction;
  subject: AccessLogEntry['subject'];
}

/** Records reads of sensitive records (privacy SOP §3 "access logs"); callers need only `record`. */
export interface AccessRecorder {
  record(access: AccessRecord): Promise<void>;
}

/**
 * The access log: append-only and hash-chained like the audit trail (the same chain code), one chain per day
 * with its head in `chainHeads`. Only ids and roles are kept, never names or record content.
 */
export class AccessLog implements AccessRecorder {
  private readonly chain: HeadedChain<AccessLogEntry>;

  constructor(
    db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.chain = new HeadedChain<AccessLogEntry>(db, COLLECTIONS.accessLog);
  }

  /** Appends one read; the read's caller waits for it, so an unlogged read is not served. */
  async record(access: AccessRecord): Promise<void> {
    const at = this.clock().toISOString();
    await this.chain.append(at.slice(0, 10), {
      at,
      actor: { aadObjectId: access.actor.aadObjectId, roles: [...access.actor.roles] },
      door: access.door,
      action: access.action,
      subject: access.subject,
    });
  }

  /** One day's entries (YYYY-MM-DD), in order. */
  listDay(day: string): Promise<AccessLogEntry[]> {
    return this.chain.list(day);
  }

  /** Reads of the records of any of these people or requests, oldest first. */
  listForSubject(...ids: string[]): Promise<AccessLogEntry[]> {
    return this.chain.find({ 'subject.id': { $in: ids } });
  }

  /** The latest reads across days, newest first. */
  async recent(limit: number): Promise<AccessLogEntry[]> {
    return this.chain.latest(limit);
  }

  /** Verifies one day's chain or every day's. */
  verify(day?: string): Promise<ChainReport[]> {
    return this.chain.verify(day);
  }
}
