/**
 * The auditor's and administrator's use cases, shared by every door (Teams commands, the Teams tab, the command
 * line): verify the audit trail, get the evidence for a request or a person, read the access log, review the
 * access reviews. Each checks the actor's role and records the read in the access log before answering.
 */
import type { Db } from 'mongodb';
import { NoticeVersionStore } from '../consent/noticeVersions';
import { OperatorAuditLog } from '../consent/operatorAuditLog';
import { EvidenceService, type EvidencePack } from '../evidence/evidencePack';
import type { DirectoryService, GroupService } from '../graph/graphTypes';
import { HeadedChain, type AuditRepository, type ChainReport } from '../storage/auditRepository';
import { COLLECTIONS } from '../storage/mongoConnection';
import { NotFoundError } from '../workflow/errors';
import type { Actor } from '../workflow/transition';
import type { AccessLog, AccessLogEntry, Door } from './accessLog';
import { ACCESS_REVIEW_LOG_COLLECTION, ACCESS_REVIEWS_COLLECTION, type AccessReview } from './accessReview';
import { authorize } from './authorization';

type User = Extract<Actor, { kind: 'user' }>;

/** The outcome of a verification run, for a card, a page or a console. */
export interface VerificationSummary {
  scope: { kind: 'all' } | { kind: 'request'; id: string; reference?: string };
  chains: number;
  failing: { chain: string; seq: number; problem: string; detail: string }[];
  stored: number;
  pending: number;
  elapsedMs: number;
  reports: ChainReport[];
}

/** What an evidence request names: a request (id or DEV- reference) or a person (Entra id, UPN or email). */
export type EvidenceTarget = { kind: 'request'; id: string } | { kind: 'person'; id: string };

/** Settings from configuration. */
export interface AuditDeskOptions {
  dataResidencyRegion?: string;
}

/**
 * The use cases behind "verify audit", "evidence for …", "access log" and the access review list. A target typed
 * by a person is resolved here (a DEV- reference or request id, otherwise a directory lookup), never trusted.
 */
export class AuditDesk {
  readonly evidence: EvidenceService;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepository,
    private readonly accessLog: AccessLog,
    private readonly directory: Pick<DirectoryService, 'getUser'>,
    options: AuditDeskOptions,
    groups?: GroupService,
    clock: () => Date = () => new Date(),
  ) {
    this.evidence = new EvidenceService(db, audit, accessLog, { dataResidencyRegion: options.dataResidencyRegion }, groups, clock);
  }

  /** Verifies every chain (request trails, device trails, the access log, retention runs, access reviews) or one request's. */
  async verify(actor: Actor, door: Door, requestRef?: string): Promise<VerificationSummary> {
    authorize(actor, 'verifyAudit');
    const started = Date.now();
    let reports: ChainReport[];
    let scope: VerificationSummary['scope'] = { kind: 'all' };
    if (requestRef) {
      const r = await this.findRequest(requestRef);
      const id = r?._id ?? requestRef;
      await this.accessLog.record({ actor, door, action: 'verifyAudit', subject: { kind: 'audit', id } });
      const report = await this.audit.verifyRequest(id);
      if (!r && report.stored === 0) throw new NotFoundError('request', requestRef);
      reports = [report];
      scope = { kind: 'request', id, reference: r?.reference };
    } else {
      await this.accessLog.record({ actor, door, action: 'verifyAudit', subject: { kind: 'audit', id: 'all' } });
      reports = [
        ...(await this.audit.verifyAll()),
        ...(await this.accessLog.verify()),
        ...(await new HeadedChain(this.db, COLLECTIONS.retentionRuns).verify()),
        ...(await new HeadedChain(this.db, COLLECTIONS.delegationAudit).verify()),
        await new OperatorAuditLog(this.db).verifyReport(),
        ...(await new HeadedChain(this.db, ACCESS_REVIEW_LOG_COLLECTION).verify()),
        await new NoticeVersionStore(this.db).verifyReport(),
      ];
    }
    const failing = reports.filter((r) => !r.ok).map((r) => ({ chain: r.chain, seq: r.firstBad!.seq, problem: r.firstBad!.problem, detail: r.firstBad!.detail }));
    return {
      scope,
      chains: reports.length,
      failing,
      stored: reports.reduce((n, r) => n + r.stored, 0),
      pending: reports.reduce((n, r) => n + r.pending, 0),
      elapsedMs: Date.now() - started,
      reports,
    };
  }

  /** Resolves what a person typed after "evidence for" into a target, or NotFoundError. */
  async resolveTarget(actor: Actor, typed: string): Promise<EvidenceTarget> {
    authorize(actor, 'exportEvidence');
    return this.resolve(typed);
  }

  private async resolve(typed: string): Promise<EvidenceTarget> {
    const t = typed.trim().replace(/^@/, '');
    const request = await this.findRequest(t);
    if (request) return { kind: 'request', id: request._id };
    const person = await this.directory.getUser(t);
    if (!person) throw new NotFoundError('request or person', t.slice(0, 80));
    return { kind: 'person', id: person.id };
  }

  /** The evidence pack for a resolved target (authorised and recorded in the access log by the evidence service). */
  async pack(actor: Actor, door: Door, target: EvidenceTarget): Promise<EvidencePack> {
    return target.kind === 'request' ? this.evidence.forRequest(actor, target.id, door) : this.evidence.forPerson(actor, target.id, door);
  }

  /** The latest reads of sensitive records, newest first; reading them is itself recorded. */
  async recentAccess(actor: Actor, door: Door, limit = 20): Promise<AccessLogEntry[]> {
    authorize(actor, 'readAccessLog');
    await this.accessLog.record({ actor: actor as User, door, action: 'readAccessLog', subject: { kind: 'accessLog', id: 'recent' } });
    return this.accessLog.recent(limit);
  }

  /** Who read the records of one person (and their requests) or one request, oldest first; reading them is recorded. */
  async accessAbout(actor: Actor, door: Door, typed: string): Promise<{ target: EvidenceTarget; entries: AccessLogEntry[] }> {
    authorize(actor, 'readAccessLog');
    const target = await this.resolve(typed);
    await this.accessLog.record({ actor, door, action: 'readAccessLog', subject: { kind: 'accessLog', id: target.id } });
    const ids = [target.id];
    if (target.kind === 'person') {
      const requests = await this.db.collection<{ _id: string }>(COLLECTIONS.requests).find({ 'requester.aadObjectId': target.id }, { projection: { _id: 1 } }).toArray();
      ids.push(...requests.map((r) => r._id));
    }
    return { target, entries: await this.accessLog.listForSubject(...ids) };
  }

  /** The latest access reviews, newest first (auditors and administrators). */
  async accessReviews(actor: Actor, door: Door, limit = 8): Promise<AccessReview[]> {
    authorize(actor, 'readAccessLog');
    await this.accessLog.record({ actor: actor as User, door, action: 'readAccessLog', subject: { kind: 'accessLog', id: 'accessReviews' } });
    return this.db.collection<AccessReview>(ACCESS_REVIEWS_COLLECTION).find({}).sort({ startedAt: -1 }).limit(limit).toArray();
  }

  private findRequest(idOrReference: string) {
    return this.db
      .collection<{ _id: string; reference: string }>(COLLECTIONS.requests)
      .findOne({ $or: [{ _id: idOrReference }, { reference: idOrReference.toUpperCase() }] }, { projection: { _id: 1, reference: 1 } });
  }
}
