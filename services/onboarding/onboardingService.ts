import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import { consentTextFor, consentTextFromLines } from '../content/consentText';
import type { PublishedNotice } from '../content/notices/noticeRegistry';
import type { GraphServices } from '../graph/graphTypes';
import { KEPT_COMMIT_TOKENS, Outbox } from '../outbox/outbox';
import { hashAuditEntry } from '../storage/auditRepository';
import { ConsentAlreadyRecordedError, type ConsentRepository } from '../storage/consentRepository';
import type { DelegationRepository } from '../storage/delegationRepository';
import { DuplicateOpenRequestError, ReferenceTakenError, type RequestRepository } from '../storage/requestRepository';
import { routeThroughDelegation } from '../workflow/delegation';
import { ConcurrencyError, NotFoundError, ValidationError } from '../workflow/errors';
import type { AuditEntry, Effect, OnboardingRequest, Ownership, PendingEffect, PersonRef } from '../workflow/model';
import {
  CHECKING,
  CONTROLS,
  createRequest,
  transition,
  validateDeviceDetails,
  type Actor,
  type TransitionResult,
  type WorkflowEvent,
  type WorkflowPolicy,
} from '../workflow/transition';

/** The aggregate type of onboarding requests in the shared outbox. */
export const REQUEST_AGGREGATE = 'request';
/** The outbox kind of a request's effects (carried out in order by the request's own job, see EffectRunner). */
export const REQUEST_EFFECT = 'requestEffect';

/**
 * The idempotency key of a request's effect: the request, the version and token of the write that owes it, and
 * its place among that write's effects. Sorting keys sorts a request's effects in the order they are owed; the
 * token keeps two writers racing for one version from sharing keys.
 */
export function requestEffectKey(requestId: string, version: number, commitToken: string, index: number): string {
  return `${REQUEST_AGGREGATE}:${requestId}:v${String(version).padStart(9, '0')}:${commitToken}:${String(index).padStart(3, '0')}`;
}

/** A card the answer came from was rendered from an older version of the request. */
export class StaleCardError extends Error {
  constructor(readonly request: OnboardingRequest) {
    super(`Card for request ${request._id} is stale (now version ${request.version})`);
    this.name = 'StaleCardError';
  }
}

/** Options the service reads from configuration. */
export interface OnboardingOptions {
  tenantId: string;
  fallbackApproverGroupId?: string;
  policy: WorkflowPolicy;
  /** Managers' approval delegations (absent: requests always go to the manager). */
  delegations?: DelegationRepository;
  /** Draws a request's short reference (default {@link newReference}; tests draw a taken one). */
  newReference?: () => string;
  /** The published notice versions shared by every instance (absent: the versions shipped with this build). */
  noticeVersions?: { current(ownership: Ownership): Promise<PublishedNotice>; isPublished(sha256: string): Promise<boolean> };
}

/** The consent text in force here is not a stored published version (a text that was never published, or altered). */
export class UnpublishedNoticeError extends Error {
  override readonly name = 'UnpublishedNoticeError';
  constructor(readonly sha256: string) {
    super(`The consent text ${sha256.slice(0, 12)}… is not a published notice version`);
  }
}

/** Runs a request's pending effects in the background. */
export interface EffectDrain {
  /**
   * Records that the request is about to get new effects; called before the write, so a crash cannot lose them.
   * May return a function to call once that write has landed or failed.
   */
  announce(requestId: string): Promise<(() => void) | void>;
  /** Starts carrying out the request's effects now. */
  kick(requestId: string): void;
  /** Makes sure the request's enrollment check runs at `at` (called before the write that schedules it). */
  scheduleCheck?(requestId: string, at: string): Promise<void>;
}

/** Draws of a short reference before a submit gives up (a second collision in a row means something else is wrong). */
const MAX_REFERENCE_DRAWS = 5;

const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A short reference employees can read out on a call, e.g. "DEV-7K3Q2M". */
export function newReference(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += REFERENCE_ALPHABET[Math.floor(Math.random() * REFERENCE_ALPHABET.length)];
  return `DEV-${s}`;
}

/** Events whose card must match the stored version: a decision taken on an outdated card is refused. */
const VERSIONED_EVENTS = new Set<WorkflowEvent['type']>(['approve', 'deny', 'consent', 'declineConsent', 'itConfirm', 'itDeny', 'reassignApproval']);

/** Schedules a pending approval's reminder, escalation and expiry (see ApprovalTimers). */
export interface ApprovalClock {
  /** Called before the write that starts or changes the approval timers, so a crash cannot lose them. */
  announce(request: OnboardingRequest): Promise<void>;
}

/** Facts about an event worth keeping as evidence (never text a user typed). */
function auditDetails(event: WorkflowEvent | { type: 'submit' }, next: OnboardingRequest): AuditEntry['details'] {
  const d: AuditEntry['details'] = { platform: next.device.platform, ownership: next.device.ownership };
  switch (event.type) {
    case 'submit':
      return {
        ...d,
        approverSource: next.approverSource,
        approvers: next.approvers.map((a) => a.aadObjectId).join(','),
        onBehalfOf: next.approval?.onBehalfOf?.aadObjectId ?? null,
      };
    case 'approve':
    case 'deny':
      return { ...d, outcome: next.decision?.outcome ?? null, hasComment: Boolean(next.decision?.comment) };
    case 'consent':
    case 'declineConsent':
      return { ...d, consentId: event.consentId, textVersion: event.textVersion, textHash: event.textHash };
    case 'complianceEvaluated':
      return {
        ...d,
        deviceId: event.report.deviceId,
        complianceState: event.report.complianceState,
        failingSettings: event.report.settings.filter((s) => s.state === 'nonCompliant').map((s) => s.setting).join(','),
      };
    case 'accessApplied':
      return { ...d, groupId: event.groupId, memberId: event.memberId, graphRequestId: event.graphRequestId ?? null, clientRequestId: event.clientRequestId ?? null };
    case 'itConfirm':
    case 'itDeny':
      return { ...d, outcome: next.itReview?.outcome ?? null };
    case 'remindApprovers':
      return { ...d, reminder: next.approval?.reminders.length ?? 0, approvers: next.approvers.map((a) => a.aadObjectId).join(',') };
    case 'escalateApproval':
    case 'reassignApproval': {
      const last = next.approval?.handovers.at(-1);
      return {
        ...d,
        approverSource: next.approverSource,
        from: last?.from.map((a) => a.aadObjectId).join(',') ?? null,
        approvers: next.approvers.map((a) => a.aadObjectId).join(','),
        hasReason: Boolean(last?.reason),
      };
    }
    default:
      return d;
  }
}

/**
 * The onboarding use cases (OP-PROC-002): each loads the request, applies the pure transition, saves it with a
 * version check together with its effects and audit record (one atomic document write), then lets the effect
 * drain carry the effects out in the background.
 */
export class OnboardingService {
  private drain: EffectDrain = { announce: async () => undefined, kick: () => undefined };
  private outbox?: Outbox;
  private approvalClock: ApprovalClock = { announce: async () => undefined };

  constructor(
    private readonly requests: RequestRepository,
    private readonly consents: ConsentRepository,
    private readonly graph: GraphServices,
    private readonly options: OnboardingOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Connects the background effect runner (set once in the composition root). */
  setDrain(drain: EffectDrain) {
    this.drain = drain;
  }

  /** Connects the shared outbox the request's effects are written to (set once in the composition root). */
  setOutbox(outbox: Outbox) {
    this.outbox = outbox;
  }

  /** Connects the approval step's timers (set once in the composition root). */
  setApprovalClock(clock: ApprovalClock) {
    this.approvalClock = clock;
  }

  private now() {
    return this.clock().toISOString();
  }

  /** The workflow policy in force. */
  get policy(): WorkflowPolicy {
    return this.options.policy;
  }

  /** The employee's open request, if any. */
  openRequestOf(aadObjectId: string) {
    return this.requests.findOpenByRequester(aadObjectId);
  }

  /** A request by id, or NotFoundError. */
  async get(requestId: string): Promise<OnboardingRequest> {
    const r = await this.requests.get(requestId);
    if (!r) throw new NotFoundError('request', requestId);
    return r;
  }

  /** A request by its short reference, or null. */
  findByReference(reference: string) {
    return this.requests.findByReference(reference);
  }

  /** A person's requests, newest first. */
  listFor(aadObjectId: string) {
    return this.requests.listByRequester(aadObjectId);
  }

  /**
   * Step 1: validates the form, finds the approver (manager, else the fallback approver group) and opens the
   * request. An existing open request is thrown back as DuplicateOpenRequestError.
   */
  async submit(requester: PersonRef, form: Record<string, unknown>, tenantId?: string): Promise<OnboardingRequest> {
    const device = validateDeviceDetails(form);
    const existing = await this.requests.findOpenByRequester(requester.aadObjectId);
    if (existing) throw new DuplicateOpenRequestError(existing);
    const { approvers, approverSource, onBehalfOf } = await this.findApprovers(requester);
    const user = await this.graph.directory.getUser(requester.aadObjectId);
    const who: PersonRef = { ...requester, displayName: user?.displayName ?? requester.displayName, userPrincipalName: user?.userPrincipalName };
    const now = this.now();
    const id = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const result = createRequest(
        { id, reference: (this.options.newReference ?? newReference)(), tenantId: tenantId || this.options.tenantId, requester: who, device, approvers, approverSource, onBehalfOf },
        now,
      );
      try {
        return await this.commit(null, result, { kind: 'user', aadObjectId: who.aadObjectId, displayName: who.displayName, roles: [] }, { type: 'submit' }, true);
      } catch (e) {
        // The entries staged for the refused write carry a token no request records: the drain discards them.
        if (!(e instanceof ReferenceTakenError) || attempt >= MAX_REFERENCE_DRAWS) throw e;
        this.logger.info({ requestId: id, attempt }, 'request reference taken; drawing another');
      }
    }
  }

  private async findApprovers(
    requester: PersonRef,
  ): Promise<{ approvers: PersonRef[]; approverSource: OnboardingRequest['approverSource']; onBehalfOf?: PersonRef }> {
    const userId = requester.aadObjectId;
    const manager = await this.graph.directory.getManager(userId);
    if (manager) {
      const ref: PersonRef = { aadObjectId: manager.id, displayName: manager.displayName, userPrincipalName: manager.userPrincipalName };
      const delegation = (await this.options.delegations?.find(manager.id)) ?? null;
      const routed = routeThroughDelegation(ref, delegation, requester, this.now());
      return { approvers: routed.approvers, approverSource: routed.onBehalfOf ? 'delegate' : 'manager', onBehalfOf: routed.onBehalfOf };
    }
    const group = this.options.fallbackApproverGroupId;
    const members = group ? await this.graph.directory.listGroupMembers(group) : [];
    const approvers = members
      .filter((m) => m.id !== userId)
      .slice(0, 50)
      .map((m) => ({ aadObjectId: m.id, displayName: m.displayName, userPrincipalName: m.userPrincipalName }));
    if (!approvers.length) {
      throw new ValidationError([
        'You have no manager in the directory and no fallback approver is configured, so this request cannot be routed. Please contact IT.',
      ]);
    }
    return { approvers, approverSource: 'fallbackGroup' };
  }

  /**
   * Applies an event. `cardVersion` is the version the card was rendered from; decisions on an outdated card are
   * refused with StaleCardError. Lost races are retried on the fresh document, whose guards decide again.
   */
  async apply(requestId: string, event: WorkflowEvent, actor: Actor, cardVersion?: number): Promise<OnboardingRequest> {
    for (let attempt = 1; ; attempt++) {
      const request = await this.get(requestId);
      if (cardVersion !== undefined && VERSIONED_EVENTS.has(event.type) && cardVersion !== request.version) {
        // Run the transition first so a non-approver gets "not yours" and a decided request "already decided".
        transition(request, event, actor, this.now(), this.options.policy);
        throw new StaleCardError(request);
      }
      const result = transition(request, event, actor, this.now(), this.options.policy);
      try {
        return await this.commit(request, result, actor, event, false);
      } catch (e) {
        if (e instanceof ConcurrencyError && attempt < 4) continue;
        throw e;
      }
    }
  }

  /**
   * Step 2: the current approver (or IT Security) hands the pending approval to the person with this email or
   * user principal name, looked up in the directory; the workflow's guards decide whether they may.
   */
  async reassign(requestId: string, actor: Actor, to: { emailOrUpn: string; reason: string }, cardVersion?: number): Promise<OnboardingRequest> {
    const address = to.emailOrUpn.trim();
    if (!/^[^@\s/?#']+@[^@\s/?#']+$/.test(address) || address.length > 254) {
      throw new ValidationError(['Enter the work email address of the person who should decide instead.']);
    }
    // Authorisation and state first, so nobody outside the request can probe the directory through it.
    const probe = await this.get(requestId);
    transition(probe, { type: 'reassignApproval', to: { aadObjectId: '\u0000', displayName: '' }, reason: to.reason }, actor, this.now(), this.options.policy);
    const user = await this.graph.directory.getUser(address);
    if (!user) throw new ValidationError([`Nobody with the address ${address} was found in the directory.`]);
    const person: PersonRef = { aadObjectId: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName };
    return this.apply(requestId, { type: 'reassignApproval', to: person, reason: to.reason }, actor, cardVersion);
  }

  /**
   * Step 4: records the consent answer in the append-only ledger (once per request), then moves the request on.
   * A repeated answer (double click, retried invoke) reuses the recorded one.
   */
  async answerConsent(
    requestId: string,
    actor: Actor,
    answer: { outcome: 'consented' | 'declined'; textHash: string; cardActivityId?: string },
  ): Promise<OnboardingRequest> {
    const request = await this.get(requestId);
    // The version and hash recorded are the server's own; the card's hash only proves which text was on screen.
    const inForce = await this.options.noticeVersions?.current(request.device.ownership);
    const text = inForce ? consentTextFromLines(inForce.version, request.device.ownership, inForce.lines) : consentTextFor(request.device.ownership);
    const probe: WorkflowEvent = { type: answer.outcome === 'consented' ? 'consent' : 'declineConsent', consentId: 'probe', textVersion: text.version, textHash: text.sha256 };
    transition(request, probe, actor, this.now(), this.options.policy);
    if (actor.kind !== 'user') throw new ValidationError(['Only the employee can answer the consent request.']);
    // The text changed since this card was sent: the employee must see, and answer, the current text.
    if (answer.textHash !== text.sha256) throw new StaleCardError(request);
    if (this.options.noticeVersions && !(await this.options.noticeVersions.isPublished(text.sha256))) throw new UnpublishedNoticeError(text.sha256);
    let record;
    try {
      record = await this.consents.record({
        _id: randomUUID(),
        requestId,
        subject: { aadObjectId: actor.aadObjectId, displayName: actor.displayName },
        outcome: answer.outcome,
        textVersion: text.version,
        textHash: text.sha256,
        ownership: request.device.ownership,
        platform: request.device.platform,
        cardActivityId: answer.cardActivityId,
        at: this.now(),
      });
    } catch (e) {
      if (!(e instanceof ConsentAlreadyRecordedError)) throw e;
      record = e.existing;
    }
    const event: WorkflowEvent =
      record.outcome === 'consented'
        ? { type: 'consent', consentId: record._id, textVersion: record.textVersion, textHash: record.textHash }
        : { type: 'declineConsent', consentId: record._id, textVersion: record.textVersion, textHash: record.textHash };
    return this.apply(requestId, event, actor);
  }

  /** Saves the transition with its effects and audit record in one document write, then starts the effects. */
  private async commit(
    before: OnboardingRequest | null,
    result: TransitionResult,
    actor: Actor,
    event: WorkflowEvent | { type: 'submit' },
    isNew: boolean,
  ): Promise<OnboardingRequest> {
    const now = this.now();
    const next = result.next;
    const seq = next.auditHead.seq + 1;
    const unsigned: Omit<AuditEntry, 'hash'> = {
      _id: `${next._id}:${seq}`,
      requestId: next._id,
      seq,
      at: now,
      actor: actor.kind === 'user' ? { kind: 'user', aadObjectId: actor.aadObjectId, displayName: actor.displayName } : { kind: 'system' },
      event: event.type,
      from: before?.state ?? null,
      to: next.state,
      procedureStep: result.procedureStep,
      controls: [...CONTROLS],
      details: auditDetails(event, next),
      prevHash: next.auditHead.hash,
    };
    const entry: AuditEntry = { ...unsigned, hash: hashAuditEntry(unsigned) };
    const effects: Effect[] = [{ type: 'recordAudit', entry }, ...result.effects];
    const version = isNew || !before ? 1 : before.version + 1;
    const commitToken = Outbox.newCommitToken();
    const toSave: OnboardingRequest = {
      ...next,
      auditHead: { seq, hash: entry.hash },
      outboxTokens: [...(before?.outboxTokens ?? []), commitToken].slice(-KEPT_COMMIT_TOKENS),
    };
    // The request's job first, then its effects (staged with this write's token), then the write that commits them.
    const landed = await this.drain.announce(next._id);
    let saved: OnboardingRequest;
    try {
      if (next.state === 'pendingApproval') await this.approvalClock.announce(toSave);
      if (toSave.nextCheckAt && CHECKING.includes(toSave.state) && toSave.nextCheckAt !== before?.nextCheckAt) await this.drain.scheduleCheck?.(next._id, toSave.nextCheckAt);
      if (this.outbox) {
        const entries = effects.map((effect, i) => ({ key: requestEffectKey(next._id, version, commitToken, i), kind: REQUEST_EFFECT, payload: { effect } }));
        await this.outbox.stage({ type: REQUEST_AGGREGATE, id: next._id, version, commitToken }, entries, 'own');
      }
      const pending: PendingEffect[] = this.outbox ? [] : effects.map((effect) => ({ id: randomUUID(), effect, createdAt: now }));
      saved = isNew ? await this.requests.insert({ ...toSave, outbox: pending }) : await this.requests.save(toSave, pending);
    } finally {
      landed?.();
    }
    this.logger.info(
      { requestId: saved._id, event: event.type, from: before?.state ?? null, to: saved.state, version: saved.version, effects: result.effects.map((e) => e.type) },
      'request transition',
    );
    this.drain.kick(saved._id);
    return saved;
  }
}
