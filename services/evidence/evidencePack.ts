import type { Db } from 'mongodb';
import { notices } from '../content/notices/noticeRegistry';
import type { AccessLogEntry, AccessRecorder, Door } from '../governance/accessLog';
import { ACCESS_REVIEW_LOG_COLLECTION, ACCESS_REVIEWS_COLLECTION, type AccessReview, type AccessReviewEvent } from '../governance/accessReview';
import { HeadedChain } from '../storage/auditRepository';
import { authorize } from '../governance/authorization';
import type { GroupService } from '../graph/graphTypes';
import type { AuditRepository, ChainFinding, EntryResult } from '../storage/auditRepository';
import { ConsentRepository, type ConsentRecord } from '../storage/consentRepository';
import { COLLECTIONS } from '../storage/mongoConnection';
import { NotFoundError } from '../workflow/errors';
import type { AuditEntry, ComplianceReport, OnboardingRequest } from '../workflow/model';
import type { Actor } from '../workflow/transition';

/** The controls an evidence pack maps its sections to. */
export const CONTROL_CATALOG = {
  'SOC 2 CC6.1': 'Logical access security: access to information assets is restricted to authorised, managed and compliant devices.',
  'SOC 2 CC6.2': 'Access is reviewed: who holds which role and who is in the access group is listed against who should be, attested by an administrator.',
  'SOC 2 CC6.3': 'Access is authorised (manager approval, IT review), granted and removed according to roles.',
  'HIPAA 45 CFR 164.312(a)(1)': 'Access control: only authorised persons and devices reach electronic protected health information.',
  'HIPAA 45 CFR 164.312(b)': 'Audit controls: activity is recorded and examinable (hash-chained, verified).',
} as const;

/** A control reference. */
export type Control = keyof typeof CONTROL_CATALOG;

const C = {
  approval: ['SOC 2 CC6.3', 'HIPAA 45 CFR 164.312(a)(1)'],
  consent: ['SOC 2 CC6.1'],
  compliance: ['SOC 2 CC6.1', 'HIPAA 45 CFR 164.312(a)(1)'],
  access: ['SOC 2 CC6.1', 'SOC 2 CC6.3', 'HIPAA 45 CFR 164.312(a)(1)'],
  audit: ['HIPAA 45 CFR 164.312(b)'],
  review: ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'HIPAA 45 CFR 164.312(b)'],
} satisfies Record<string, Control[]>;

/** One audit entry with its verification result. */
export type EvidenceAuditEntry = AuditEntry & { verification: EntryResult; evidences: string[] };

/** Everything an auditor needs about one request. */
export interface RequestEvidence {
  request: {
    id: string;
    reference: string;
    state: OnboardingRequest['state'];
    requester: OnboardingRequest['requester'];
    device: Pick<OnboardingRequest['device'], 'platform' | 'ownership' | 'model'>;
    approverSource: OnboardingRequest['approverSource'];
    createdAt: string;
    closedAt: string | null;
  };
  decision: { outcome: string; approver: { aadObjectId: string; displayName: string }; at: string; auditSeq: number | null; controls: Control[] } | null;
  consent: {
    record: Pick<ConsentRecord, 'outcome' | 'textVersion' | 'textHash' | 'at'> & { id: string };
    /** The exact text the hash covers, when this build holds that version. */
    text: string | null;
    textMatchesHash: boolean;
    controls: Control[];
  } | null;
  itReview: { outcome: string; by: { aadObjectId: string; displayName: string }; at: string; controls: Control[] } | null;
  /** The compliance verification report last recorded (for a granted request: the one access was granted on). */
  complianceReport: (ComplianceReport & { atGrant: boolean; controls: Control[] }) | null;
  accessChange: {
    groupId: string;
    memberId: string;
    grantedAt: string | null;
    auditSeq: number | null;
    /** Graph's answer when the pack was made: is the member still in the access group? */
    graphMembership: { checkedAt: string; isMember: boolean | null; error?: string } | null;
    controls: Control[];
  } | null;
  /** Audit entries after access was granted (later checks, changes). */
  afterGrant: number[];
  audit: {
    ok: boolean;
    stored: number;
    pending: number;
    head: { seq: number; hash: string } | null;
    firstBad: ChainFinding | null;
    entries: EvidenceAuditEntry[];
    controls: Control[];
  };
  /** Who read this request's or its requester's records, and when (the access log; ids and roles only). */
  reads: Pick<AccessLogEntry, 'at' | 'actor' | 'door' | 'action' | 'subject'>[];
}

/** How many of the latest access reviews a pack looks through. */
const REVIEWS_READ = 60;

/** An access review that concerns the pack's person or requests, with its chain verified. */
export interface ReviewEvidence {
  id: string;
  startedAt: string;
  dueBy: string;
  state: AccessReview['state'];
  /** Why it is in this pack: the subject held a role, was in the access group without a device, was missing, used a role or was removed. */
  mentions: string[];
  attestation: AccessReview['attestation'];
  revocations: AccessReview['revocations'];
  events: Pick<AccessReviewEvent, 'seq' | 'at' | 'event' | 'actor' | 'details' | 'hash'>[];
  verified: boolean;
  firstBad: ChainFinding | null;
  controls: Control[];
}

/** The evidence pack: one JSON document (and an HTML rendering of it). */
export interface EvidencePack {
  schemaVersion: '1';
  generatedAt: string;
  generatedBy: { aadObjectId: string; roles: string[]; door: Door };
  scope: { kind: 'request' | 'person'; id: string };
  dataResidency: { region: string | null };
  controls: typeof CONTROL_CATALOG;
  integrity: { ok: boolean; chains: number; problems: { chain: string; finding: ChainFinding }[] };
  person: { aadObjectId: string; consents: (Pick<ConsentRecord, 'requestId' | 'outcome' | 'textVersion' | 'textHash' | 'at'> & { id: string })[] } | null;
  requests: RequestEvidence[];
  /** Access reviews (SOC 2 CC6.2/CC6.3) that list the person or the requests' access-group members. */
  accessReviews: ReviewEvidence[];
}

/** Settings the pack reads from configuration. */
export interface EvidenceOptions {
  dataResidencyRegion?: string;
}


/** The exact consent text whose SHA-256 is `hash`, if this build holds it. */
export function consentTextByHash(hash: string): string | null {
  // Any published version, not only the one in force: a consent given to an earlier text keeps that text.
  return notices.byHash(hash)?.lines.join('\n') ?? null;
}

/**
 * Builds evidence packs for an auditor or administrator (SOP §1 "record of user consent ... easily accessible",
 * §3 audits; OP-PROC-002 §5 controls and §6 artifact). Every pack is authorised by role and its making is
 * recorded in the access log before it is returned.
 */
export class EvidenceService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepository,
    private readonly accessLog: AccessRecorder & { listForSubject?(...ids: string[]): Promise<AccessLogEntry[]> },
    private readonly options: EvidenceOptions = {},
    private readonly groups?: GroupService,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.consents = new ConsentRepository(db);
  }

  /** Consent answers live in the consent ledger (and, from before it, in `consents`). */
  private readonly consents: ConsentRepository;

  private get requests() {
    return this.db.collection<OnboardingRequest>(COLLECTIONS.requests);
  }

  /** The pack for one request, by id or reference ("DEV-7K3Q2M"). */
  async forRequest(actor: Actor, idOrReference: string, door: Door): Promise<EvidencePack> {
    authorize(actor, 'exportEvidence');
    const request = await this.requests.findOne({ $or: [{ _id: idOrReference }, { reference: idOrReference.toUpperCase() }] });
    if (!request) throw new NotFoundError('request', idOrReference);
    await this.accessLog.record({ actor, door, action: 'exportEvidence', subject: { kind: 'evidence', id: request._id } });
    return this.pack(actor, door, { kind: 'request', id: request._id }, [request], null);
  }

  /** The pack for one person: every request they made and every consent answer they gave. */
  async forPerson(actor: Actor, aadObjectId: string, door: Door): Promise<EvidencePack> {
    authorize(actor, 'exportEvidence');
    await this.accessLog.record({ actor, door, action: 'exportEvidence', subject: { kind: 'evidence', id: aadObjectId } });
    const requests = await this.requests.find({ 'requester.aadObjectId': aadObjectId }).sort({ createdAt: 1 }).toArray();
    const consents = (await this.consents.forSubject(aadObjectId)).sort((a, b) => a.at.localeCompare(b.at));
    return this.pack(actor, door, { kind: 'person', id: aadObjectId }, requests, {
      aadObjectId,
      consents: consents.map((c) => ({ id: c._id, requestId: c.requestId, outcome: c.outcome, textVersion: c.textVersion, textHash: c.textHash, at: c.at })),
    });
  }

  private async pack(actor: Extract<Actor, { kind: 'user' }>, door: Door, scope: EvidencePack['scope'], requests: OnboardingRequest[], person: EvidencePack['person']): Promise<EvidencePack> {
    const items = await Promise.all(requests.map((r) => this.requestEvidence(r)));
    const ids = new Set([...(person ? [person.aadObjectId] : []), ...requests.flatMap((r) => [r.requester.aadObjectId, ...(r.access ? [r.access.memberId] : [])])]);
    const reviews = await this.reviewEvidence(ids);
    const problems = [
      ...items.filter((i) => i.audit.firstBad).map((i) => ({ chain: `request:${i.request.id}`, finding: i.audit.firstBad! })),
      ...reviews.filter((r) => r.firstBad).map((r) => ({ chain: `${ACCESS_REVIEW_LOG_COLLECTION}:${r.id}`, finding: r.firstBad! })),
    ];
    return {
      schemaVersion: '1',
      generatedAt: this.clock().toISOString(),
      generatedBy: { aadObjectId: actor.aadObjectId, roles: [...actor.roles], door },
      scope,
      dataResidency: { region: this.options.dataResidencyRegion ?? null },
      controls: CONTROL_CATALOG,
      integrity: { ok: problems.length === 0, chains: items.length + reviews.length, problems },
      person,
      requests: items,
      accessReviews: reviews,
    };
  }

  /** Reviews that name any of these ids, newest first, each with its chain verified. */
  private async reviewEvidence(ids: Set<string>): Promise<ReviewEvidence[]> {
    if (!ids.size) return [];
    // Reviews are few (quarterly: 24 cover six years); filtering here avoids queries through nested arrays that
    // not every supported server answers alike.
    const recent = await this.db.collection<AccessReview>(ACCESS_REVIEWS_COLLECTION).find({}).sort({ startedAt: -1 }).limit(REVIEWS_READ).toArray();
    const reviews = recent.filter(
      (r) =>
        r.roles.some((x) => x.members.some((m) => ids.has(m.id))) ||
        [...r.access.unexpected, ...r.access.missing].some((m) => ids.has(m.id)) ||
        r.usage.some((u) => ids.has(u.aadObjectId)),
    );
    const chain = new HeadedChain<AccessReviewEvent>(this.db, ACCESS_REVIEW_LOG_COLLECTION);
    return Promise.all(
      reviews.map(async (r) => {
        const [report] = await chain.verify(r._id);
        const events = await chain.list(r._id);
        const mentions = [
          ...r.roles.filter((x) => x.members.some((m) => ids.has(m.id))).map((x) => `role:${x.role}`),
          ...(r.access.unexpected.some((m) => ids.has(m.id)) ? ['inAccessGroupWithoutDevice'] : []),
          ...(r.access.missing.some((m) => ids.has(m.id)) ? ['missingFromAccessGroup'] : []),
          ...(r.usage.some((u) => ids.has(u.aadObjectId)) ? ['usedRole'] : []),
        ];
        return {
          id: r._id,
          startedAt: r.startedAt,
          dueBy: r.dueBy,
          state: r.state,
          mentions,
          attestation: r.attestation,
          revocations: r.revocations,
          events: events.map(({ seq, at, event, actor, details, hash }) => ({ seq, at, event, actor, details, hash })),
          verified: Boolean(report?.ok),
          firstBad: report?.firstBad ?? (report ? null : { seq: 1, problem: 'noHead' as const, detail: 'the review has no chain' }),
          controls: C.review,
        };
      }),
    );
  }

  private async requestEvidence(r: OnboardingRequest): Promise<RequestEvidence> {
    const [{ report, entries }, consent, reads] = await Promise.all([
      this.audit.readAndVerify(r._id),
      this.consents.forRequest(r._id),
      this.accessLog.listForSubject ? this.accessLog.listForSubject(r._id, r.requester.aadObjectId) : Promise.resolve([]),
    ]);
    const resultOf = new Map(report.results.map((x) => [x.seq, x.result]));
    const seqOf = (event: string) => entries.find((e) => e.event === event)?.seq ?? null;
    const grantSeq = seqOf('accessApplied');
    const text = consent ? consentTextByHash(consent.textHash) : null;
    return {
      request: {
        id: r._id,
        reference: r.reference,
        state: r.state,
        requester: r.requester,
        device: { platform: r.device.platform, ownership: r.device.ownership, model: r.device.model },
        approverSource: r.approverSource,
        createdAt: r.createdAt,
        closedAt: r.closedAt ?? null,
      },
      decision: r.decision
        ? {
            outcome: r.decision.outcome,
            approver: { aadObjectId: r.decision.by.aadObjectId, displayName: r.decision.by.displayName },
            at: r.decision.at,
            auditSeq: seqOf(r.decision.outcome === 'approved' ? 'approve' : 'deny'),
            controls: C.approval,
          }
        : null,
      consent: consent
        ? {
            record: { id: consent._id, outcome: consent.outcome, textVersion: consent.textVersion, textHash: consent.textHash, at: consent.at },
            text,
            textMatchesHash: text !== null,
            controls: C.consent,
          }
        : null,
      itReview: r.itReview ? { outcome: r.itReview.outcome, by: { aadObjectId: r.itReview.by.aadObjectId, displayName: r.itReview.by.displayName }, at: r.itReview.at, controls: C.approval } : null,
      complianceReport: r.compliance ? { ...r.compliance, atGrant: Boolean(r.access?.grantedAt) || r.state === 'granted', controls: C.compliance } : null,
      accessChange: r.access
        ? {
            groupId: r.access.groupId,
            memberId: r.access.memberId,
            grantedAt: r.access.grantedAt ?? null,
            auditSeq: grantSeq,
            graphMembership: await this.membership(r.access.groupId, r.access.memberId),
            controls: C.access,
          }
        : null,
      afterGrant: grantSeq === null ? [] : entries.filter((e) => e.seq > grantSeq).map((e) => e.seq),
      audit: {
        ok: report.ok,
        stored: report.stored,
        pending: report.pending,
        head: report.head,
        firstBad: report.firstBad ?? null,
        entries: entries.map((e) => ({ ...e, verification: resultOf.get(e.seq) ?? 'unverifiable', evidences: [...new Set([...e.controls, ...C.audit])] })),
        controls: C.audit,
      },
      reads: reads.map(({ at, actor, door, action, subject }) => ({ at, actor, door, action, subject })),
    };
  }

  private async membership(groupId: string, memberId: string): Promise<NonNullable<RequestEvidence['accessChange']>['graphMembership']> {
    if (!this.groups) return null;
    const checkedAt = this.clock().toISOString();
    try {
      return { checkedAt, isMember: await this.groups.isMember(groupId, memberId) };
    } catch (e) {
      return { checkedAt, isMember: null, error: e instanceof Error ? e.name : 'error' };
    }
  }
}
