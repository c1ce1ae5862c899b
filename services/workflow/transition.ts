/**
 * The onboarding workflow (OP-PROC-002) as a pure state machine: transition(request, event, actor, now, policy)
 * returns the next request and the effects to carry out. No I/O; every rule of who may do what, when, lives here.
 */
import { InvalidTransitionError, NotAuthorizedError, ValidationError } from './errors';
import {
  OWNERSHIPS,
  PLATFORMS,
  TERMINAL_STATES,
  type ApprovalRouting,
  type ComplianceReport,
  type DeviceDetails,
  type Effect,
  type OnboardingRequest,
  type PersonRef,
  type RequestState,
} from './model';

/** Roles a person holds, from Entra group membership. */
export type Role = 'itSecurity' | 'admin' | 'auditor';

/** Who is acting: a signed-in Teams user, or the bot's own background work. */
export type Actor =
  | { kind: 'user'; aadObjectId: string; displayName: string; roles: readonly Role[] }
  | { kind: 'system' };

/** Everything that can happen to a request. */
export type WorkflowEvent =
  | { type: 'approve'; comment?: string }
  | { type: 'deny'; reason: string; comment?: string }
  | { type: 'cancel' }
  | { type: 'consent'; consentId: string; textVersion: string; textHash: string }
  | { type: 'declineConsent'; consentId: string; textVersion: string; textHash: string }
  | { type: 'enrollmentReported' }
  | { type: 'recheckRequested' }
  | { type: 'deviceNotFound' }
  | { type: 'complianceEvaluated'; report: ComplianceReport }
  | { type: 'itConfirm' }
  | { type: 'itDeny'; reason: string }
  | { type: 'accessApplied'; groupId: string; memberId: string; graphRequestId?: string | null; clientRequestId?: string }
  | { type: 'remindApprovers' }
  | { type: 'escalateApproval'; to: PersonRef[]; source: 'skipLevelManager' | 'fallbackGroup' }
  | { type: 'expireApproval' }
  | { type: 'reassignApproval'; to: PersonRef; reason: string };

/** The event names, for tables and audit records. */
export type WorkflowEventType = WorkflowEvent['type'];

/** Tunable timings and modes the workflow reads (from configuration). */
export interface WorkflowPolicy {
  itReviewMode: 'manual' | 'auto';
  enrollmentDeadlineHours: number;
  enrollmentReminderHours: number;
  compliancePollFirstSeconds: number;
  compliancePollMaxSeconds: number;
  /** Reminders, escalation and expiry of the approval step (defaults: DEFAULT_APPROVAL_POLICY). */
  approval?: ApprovalPolicy;
}

/** When an unanswered approval is reminded, escalated and expired. */
export interface ApprovalPolicy {
  /** First reminder this long after the approvers got the request. */
  reminderAfterHours: number;
  /** Further reminders this far apart. */
  reminderEveryHours: number;
  /** At most this many reminders to the same approvers (0: none). */
  reminderMax: number;
  /** Escalate this long after the approvers got the request (0: never). */
  escalateAfterHours: number;
  /** The request expires this long after it was submitted. */
  expireAfterDays: number;
}

/** Entra-like defaults: remind daily twice, escalate after three days, expire after two weeks. */
export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  reminderAfterHours: 24,
  reminderEveryHours: 24,
  reminderMax: 2,
  escalateAfterHours: 72,
  expireAfterDays: 14,
};

/** Controls every transition evidences (OP-PROC-002 §5: steps 1–7 map to these). */
export const CONTROLS = ['SOC 2 CC6.1', 'SOC 2 CC6.3', 'HIPAA 45 CFR 164.312(a)(1)'] as const;

/** What a transition produced. */
export interface TransitionResult {
  next: OnboardingRequest;
  effects: Effect[];
  /** OP-PROC-002 step this transition belongs to. */
  procedureStep: number;
}

const MAX_REASON = 500;
const MAX_COMMENT = 500;

/** Guard: the actor is the employee who asked. */
export const isRequester = (r: OnboardingRequest, a: Actor) => a.kind === 'user' && a.aadObjectId === r.requester.aadObjectId;
/** Guard: the actor is a recorded approver, and not deciding their own request. */
export const isApprover = (r: OnboardingRequest, a: Actor) =>
  a.kind === 'user' && !isRequester(r, a) && r.approvers.some((p) => p.aadObjectId === a.aadObjectId);
/** Guard: the actor is in the IT Security group, and not reviewing their own request. */
export const isItSecurity = (r: OnboardingRequest, a: Actor) => a.kind === 'user' && a.roles.includes('itSecurity') && !isRequester(r, a);
/** Guard: the current approver or IT Security may hand a pending approval to someone else. */
export const mayReassign = (r: OnboardingRequest, a: Actor) => isApprover(r, a) || isItSecurity(r, a);
/** Guard: the bot's background work. */
export const isSystem = (_r: OnboardingRequest, a: Actor) => a.kind === 'system';

/** Whether no further event can change the request. */
export const isTerminal = (state: RequestState) => TERMINAL_STATES.includes(state);

const OPEN_FOR_CANCEL: readonly RequestState[] = [
  'pendingApproval',
  'awaitingConsent',
  'awaitingEnrollment',
  'nonCompliant',
  'complianceUndetermined',
  'pendingItReview',
];
/** States in which the device is looked up and its compliance read. */
export const CHECKING: readonly RequestState[] = ['awaitingEnrollment', 'nonCompliant', 'complianceUndetermined'];

function personOf(a: Actor): PersonRef {
  if (a.kind !== 'user') throw new Error('A person is required');
  return { aadObjectId: a.aadObjectId, displayName: a.displayName };
}

/** The manager the decider stands in for: through a delegation, or the first approver it was handed away from. */
function onBehalfOf(r: OnboardingRequest): PersonRef | undefined {
  const routing = approvalRouting(r);
  return routing.onBehalfOf ?? routing.handovers[0]?.from[0];
}

function actorId(a: Actor) {
  return a.kind === 'user' ? a.aadObjectId : 'system';
}

function trimmed(v: string | undefined, max: number, field: string, problems: string[]): string | undefined {
  const t = v?.trim();
  if (!t) return undefined;
  if (t.length > max) problems.push(`${field} must be at most ${max} characters`);
  return t;
}

/** Next poll delay: doubles from the first interval up to the maximum. */
export function pollDelaySeconds(attempts: number, policy: WorkflowPolicy): number {
  return Math.min(policy.compliancePollFirstSeconds * 2 ** Math.max(0, attempts), policy.compliancePollMaxSeconds);
}

const addSeconds = (iso: string, s: number) => new Date(Date.parse(iso) + s * 1000).toISOString();
const addHours = (iso: string, h: number) => addSeconds(iso, h * 3600);

/** The approval step's history, also for a request stored before it was recorded. */
export function approvalRouting(r: OnboardingRequest): ApprovalRouting {
  return r.approval ?? { assignedAt: r.createdAt, reminders: [], handovers: [] };
}

/** When each approval timer of a pending request falls due (null: it will not). */
export interface ApprovalSchedule {
  remindAt: string | null;
  escalateAt: string | null;
  expireAt: string;
}

/** The approval timers of a request, from its history and the policy. */
export function approvalSchedule(r: OnboardingRequest, policy: WorkflowPolicy): ApprovalSchedule {
  const p = policy.approval ?? DEFAULT_APPROVAL_POLICY;
  const routing = approvalRouting(r);
  const sent = routing.reminders.length;
  const last = routing.reminders[sent - 1]?.at;
  const remindAt = sent < p.reminderMax ? (last ? addHours(last, p.reminderEveryHours) : addHours(routing.assignedAt, p.reminderAfterHours)) : null;
  // Escalation is one step up, once: a request that already went to fallback approvers has nobody above them.
  const canEscalate = p.escalateAfterHours > 0 && !routing.escalationDone && r.approverSource !== 'fallbackGroup';
  const escalateAt = canEscalate ? addHours(routing.assignedAt, p.escalateAfterHours) : null;
  return { remindAt, escalateAt, expireAt: addHours(r.createdAt, p.expireAfterDays * 24) };
}

/** The approval timer due at `now`, most final first, or null; and when the earliest timer falls due. */
export function dueApprovalTimer(r: OnboardingRequest, now: string, policy: WorkflowPolicy): { due: 'expire' | 'escalate' | 'remind' | null; nextAt: string | null } {
  if (r.state !== 'pendingApproval') return { due: null, nextAt: null };
  const s = approvalSchedule(r, policy);
  const due = now >= s.expireAt ? 'expire' : s.escalateAt && now >= s.escalateAt ? 'escalate' : s.remindAt && now >= s.remindAt ? 'remind' : null;
  const nextAt = [s.remindAt, s.escalateAt, s.expireAt].filter((t): t is string => Boolean(t)).sort()[0] ?? null;
  return { due, nextAt };
}

/** Fingerprint of a compliance outcome: state plus the failing settings, so unchanged repeats are not re-sent. */
export function complianceFingerprint(report: ComplianceReport): string {
  const failing = report.settings
    .filter((s) => s.state !== 'compliant' && s.state !== 'notApplicable' && s.state !== 'remediated')
    .map((s) => `${s.setting}=${s.state}`)
    .sort();
  return `${report.deviceId}|${report.complianceState}|${failing.join(',')}`;
}

/** Validates what an employee typed on the request form; throws ValidationError with every problem. */
export function validateDeviceDetails(input: Partial<Record<keyof DeviceDetails, unknown>>): DeviceDetails {
  const problems: string[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const platform = str(input.platform);
  const ownership = str(input.ownership);
  const model = str(input.model);
  const justification = str(input.justification);
  if (!PLATFORMS.includes(platform as never)) problems.push('Choose the device platform.');
  if (!OWNERSHIPS.includes(ownership as never)) problems.push('Say whether the device is personal or company-owned.');
  if (model.length < 2) problems.push('Enter the device model (for example "iPhone 15").');
  if (model.length > 80) problems.push('The device model must be at most 80 characters.');
  if (justification.length < 10) problems.push('Explain in a sentence why you need this device for work (at least 10 characters).');
  if (justification.length > 500) problems.push('The business justification must be at most 500 characters.');
  if (problems.length) throw new ValidationError(problems);
  return { platform: platform as DeviceDetails['platform'], ownership: ownership as DeviceDetails['ownership'], model, justification };
}

/** Inputs for a new request. */
export interface NewRequest {
  id: string;
  reference: string;
  tenantId: string;
  requester: PersonRef;
  device: DeviceDetails;
  approvers: PersonRef[];
  approverSource: OnboardingRequest['approverSource'];
  /** The manager the approvers stand in for (a delegation). */
  onBehalfOf?: PersonRef;
}

/** Step 1: an employee submits a request; it goes to the approvers. */
export function createRequest(input: NewRequest, now: string): TransitionResult {
  if (input.approvers.length === 0) throw new ValidationError(['No approver could be found for this request.']);
  const next: OnboardingRequest = {
    _id: input.id,
    reference: input.reference,
    version: 0,
    state: 'pendingApproval',
    tenantId: input.tenantId,
    requester: input.requester,
    device: input.device,
    approvers: input.approvers,
    approverSource: input.approverSource,
    checkAttempts: 0,
    cards: [],
    outbox: [],
    approval: { assignedAt: now, reminders: [], handovers: [], onBehalfOf: input.onBehalfOf },
    auditHead: { seq: 0, hash: '' },
    openKey: input.requester.aadObjectId,
    createdAt: now,
    updatedAt: now,
  };
  return { next, effects: [{ type: 'sendApprovalRequest' }, { type: 'notifyRequester', about: 'submitted' }], procedureStep: 1 };
}

/**
 * Applies one event. Throws NotAuthorizedError when the actor may not perform it, InvalidTransitionError when the
 * state does not allow it (a stale card or a second click), ValidationError for bad input.
 */
export function transition(
  request: OnboardingRequest,
  event: WorkflowEvent,
  actor: Actor,
  now: string,
  policy: WorkflowPolicy,
): TransitionResult {
  const r = request;
  const invalid = () => new InvalidTransitionError(r._id, r.state, event.type);
  const deny = () => new NotAuthorizedError(r._id, actorId(actor), event.type);
  const require = (guard: (r: OnboardingRequest, a: Actor) => boolean) => {
    if (!guard(r, actor)) throw deny();
  };
  const base = { ...r, updatedAt: now };
  const close = (state: RequestState): OnboardingRequest => ({ ...base, state, closedAt: now, nextCheckAt: undefined, openKey: `${r.requester.aadObjectId}:${r._id}` });

  if (isTerminal(r.state)) {
    // Authorisation first, so an outsider learns nothing about a finished request beyond "not yours".
    if (event.type === 'approve' || event.type === 'deny') require(isApprover);
    throw invalid();
  }

  switch (event.type) {
    case 'approve': {
      require(isApprover);
      if (r.state !== 'pendingApproval') throw invalid();
      const problems: string[] = [];
      const comment = trimmed(event.comment, MAX_COMMENT, 'The comment', problems);
      if (problems.length) throw new ValidationError(problems);
      return {
        next: { ...base, state: 'awaitingConsent', decision: { outcome: 'approved', by: personOf(actor), at: now, comment, onBehalfOf: onBehalfOf(r) } },
        effects: [
          { type: 'refreshCards' },
          { type: 'notifyRequester', about: 'approved' },
          { type: 'postItCard' },
          { type: 'sendConsentCard' },
        ],
        procedureStep: 2,
      };
    }
    case 'deny': {
      require(isApprover);
      if (r.state !== 'pendingApproval') throw invalid();
      const problems: string[] = [];
      const reason = trimmed(event.reason, MAX_REASON, 'The reason', problems);
      const comment = trimmed(event.comment, MAX_COMMENT, 'The comment', problems);
      if (!reason) problems.push('A reason is required to deny a request.');
      if (problems.length) throw new ValidationError(problems);
      return {
        next: { ...close('denied'), decision: { outcome: 'denied', by: personOf(actor), at: now, reason, comment, onBehalfOf: onBehalfOf(r) } },
        effects: [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'denied' }],
        procedureStep: 2,
      };
    }
    case 'cancel': {
      // The requester cancels; the bot cancels for someone who left the organisation (there is no one to tell).
      require((req, a) => isRequester(req, a) || isSystem(req, a));
      if (!OPEN_FOR_CANCEL.includes(r.state)) throw invalid();
      const effects: Effect[] = [{ type: 'refreshCards' }, ...(actor.kind === 'system' ? [] : [{ type: 'notifyRequester', about: 'cancelled' } as const])];
      if (r.state === 'pendingApproval') effects.push({ type: 'notifyApprovers', about: 'cancelled' });
      return { next: close('cancelled'), effects, procedureStep: 1 };
    }
    case 'consent': {
      require(isRequester);
      if (r.state !== 'awaitingConsent') throw invalid();
      return {
        next: {
          ...base,
          state: 'awaitingEnrollment',
          consent: { outcome: 'consented', consentId: event.consentId, textVersion: event.textVersion, textHash: event.textHash, at: now },
          enrollmentDeadline: addSeconds(now, policy.enrollmentDeadlineHours * 3600),
          checkAttempts: 0,
          nextCheckAt: addSeconds(now, policy.compliancePollFirstSeconds),
        },
        effects: [{ type: 'sendEnrollmentInstructions' }, { type: 'refreshCards' }],
        procedureStep: 4,
      };
    }
    case 'declineConsent': {
      require(isRequester);
      if (r.state !== 'awaitingConsent') throw invalid();
      return {
        next: {
          ...close('consentDeclined'),
          consent: { outcome: 'declined', consentId: event.consentId, textVersion: event.textVersion, textHash: event.textHash, at: now },
        },
        effects: [
          { type: 'refreshCards' },
          { type: 'notifyRequester', about: 'consentDeclined' },
          { type: 'notifyApprovers', about: 'consentDeclined' },
          { type: 'alertIt', about: 'consentDeclined' },
        ],
        procedureStep: 4,
      };
    }
    case 'enrollmentReported': {
      require(isRequester);
      if (!CHECKING.includes(r.state)) throw invalid();
      return { next: { ...base, nextCheckAt: now }, effects: [{ type: 'checkCompliance', sync: false }], procedureStep: 5 };
    }
    case 'recheckRequested': {
      if (!isRequester(r, actor) && !isItSecurity(r, actor)) throw deny();
      if (r.state !== 'nonCompliant' && r.state !== 'complianceUndetermined') throw invalid();
      return { next: { ...base, nextCheckAt: now }, effects: [{ type: 'checkCompliance', sync: true }], procedureStep: 5 };
    }
    case 'deviceNotFound': {
      require(isSystem);
      if (!CHECKING.includes(r.state)) throw invalid();
      if (r.state === 'awaitingEnrollment' && r.enrollmentDeadline && now >= r.enrollmentDeadline) {
        return {
          next: close('expired'),
          effects: [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'expired' }],
          procedureStep: 5,
        };
      }
      const attempts = r.checkAttempts + 1;
      const effects: Effect[] = [];
      let reminderSentAt = r.reminderSentAt;
      const remindAt = r.consent ? addSeconds(r.consent.at, policy.enrollmentReminderHours * 3600) : undefined;
      if (r.state === 'awaitingEnrollment' && !reminderSentAt && remindAt && now >= remindAt) {
        effects.push({ type: 'notifyRequester', about: 'enrollmentReminder' });
        reminderSentAt = now;
      }
      // Never poll past the deadline: the last check is the one that expires the request on time.
      let nextCheckAt = addSeconds(now, pollDelaySeconds(attempts, policy));
      if (r.state === 'awaitingEnrollment' && r.enrollmentDeadline && nextCheckAt > r.enrollmentDeadline) nextCheckAt = r.enrollmentDeadline;
      return {
        next: { ...base, checkAttempts: attempts, reminderSentAt, nextCheckAt },
        effects,
        procedureStep: 5,
      };
    }
    case 'complianceEvaluated': {
      require(isSystem);
      if (!CHECKING.includes(r.state)) throw invalid();
      const report = event.report;
      const fingerprint = complianceFingerprint(report);
      const changed = fingerprint !== r.lastNotifiedFingerprint;
      const withReport = { ...base, compliance: report, managedDeviceId: report.deviceId, lastNotifiedFingerprint: fingerprint };
      if (report.complianceState === 'compliant') {
        if (policy.itReviewMode === 'manual') {
          return {
            next: { ...withReport, state: 'pendingItReview', nextCheckAt: undefined },
            effects: [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'pendingItReview' }, { type: 'alertIt', about: 'pendingItReview' }],
            procedureStep: 6,
          };
        }
        return {
          next: { ...withReport, state: 'granting', nextCheckAt: undefined },
          effects: [{ type: 'refreshCards' }, { type: 'grantAccess' }],
          procedureStep: 6,
        };
      }
      const attempts = r.checkAttempts + 1;
      const nextCheckAt = addSeconds(now, pollDelaySeconds(attempts, policy));
      if (report.complianceState === 'noncompliant' || report.complianceState === 'inGracePeriod') {
        return {
          next: { ...withReport, state: 'nonCompliant', checkAttempts: attempts, nextCheckAt },
          effects: changed ? [{ type: 'refreshCards' }, { type: 'sendRemediation' }, { type: 'alertIt', about: 'nonCompliant' }] : [],
          procedureStep: 7,
        };
      }
      return {
        next: { ...withReport, state: 'complianceUndetermined', checkAttempts: attempts, nextCheckAt },
        effects: changed ? [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'complianceUndetermined' }] : [],
        procedureStep: 5,
      };
    }
    case 'itConfirm': {
      require(isItSecurity);
      if (r.state !== 'pendingItReview') throw invalid();
      return {
        next: { ...base, state: 'granting', itReview: { by: personOf(actor), at: now, outcome: 'confirmed' } },
        effects: [{ type: 'refreshCards' }, { type: 'grantAccess' }],
        procedureStep: 6,
      };
    }
    case 'itDeny': {
      require(isItSecurity);
      if (r.state !== 'pendingItReview') throw invalid();
      const problems: string[] = [];
      const reason = trimmed(event.reason, MAX_REASON, 'The reason', problems);
      if (!reason) problems.push('A reason is required to deny access.');
      if (problems.length) throw new ValidationError(problems);
      return {
        next: { ...close('denied'), itReview: { by: personOf(actor), at: now, outcome: 'denied', reason } },
        effects: [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'itDenied' }],
        procedureStep: 6,
      };
    }
    case 'accessApplied': {
      require(isSystem);
      if (r.state !== 'granting') throw invalid();
      return {
        next: { ...close('granted'), access: { groupId: event.groupId, memberId: event.memberId, grantedAt: now } },
        effects: [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'granted' }],
        procedureStep: 6,
      };
    }
    case 'remindApprovers': {
      require(isSystem);
      if (r.state !== 'pendingApproval') throw invalid();
      const routing = approvalRouting(r);
      const { remindAt } = approvalSchedule(r, policy);
      if (!remindAt || now < remindAt) throw invalid();
      return {
        next: { ...base, approval: { ...routing, reminders: [...routing.reminders, { at: now, to: r.approvers.map((p) => p.aadObjectId) }] } },
        effects: [{ type: 'refreshCards' }, { type: 'notifyApprovers', about: 'approvalReminder' }],
        procedureStep: 2,
      };
    }
    case 'escalateApproval': {
      require(isSystem);
      if (r.state !== 'pendingApproval') throw invalid();
      const routing = approvalRouting(r);
      const { escalateAt } = approvalSchedule(r, policy);
      if (!escalateAt || now < escalateAt) throw invalid();
      // Never to the requester, and never back to the people who did not answer.
      const current = new Set(r.approvers.map((p) => p.aadObjectId));
      const to = event.to.filter((p) => p.aadObjectId !== r.requester.aadObjectId && !current.has(p.aadObjectId));
      if (!to.length) {
        // Nobody above: the current approvers keep the request until it is decided or expires.
        return { next: { ...base, approval: { ...routing, escalationDone: true } }, effects: [], procedureStep: 2 };
      }
      return {
        next: {
          ...base,
          approvers: to,
          approverSource: event.source,
          approval: {
            ...routing,
            assignedAt: now,
            reminders: [],
            escalationDone: true,
            handovers: [...routing.handovers, { kind: 'escalated', at: now, from: r.approvers, to }],
          },
        },
        effects: [{ type: 'refreshCards' }, { type: 'sendApprovalRequest' }, { type: 'notifyRequester', about: 'escalated' }],
        procedureStep: 2,
      };
    }
    case 'expireApproval': {
      require(isSystem);
      if (r.state !== 'pendingApproval') throw invalid();
      if (now < approvalSchedule(r, policy).expireAt) throw invalid();
      return {
        next: close('expired'),
        effects: [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'approvalExpired' }],
        procedureStep: 2,
      };
    }
    case 'reassignApproval': {
      require(mayReassign);
      if (r.state !== 'pendingApproval') throw invalid();
      const problems: string[] = [];
      const reason = trimmed(event.reason, MAX_REASON, 'The reason', problems);
      if (!reason) problems.push('A reason is required to reassign a request.');
      if (event.to.aadObjectId === r.requester.aadObjectId) problems.push('A request cannot be reassigned to the employee who asked.');
      if (r.approvers.length === 1 && r.approvers[0].aadObjectId === event.to.aadObjectId) problems.push(`${event.to.displayName} is already the approver.`);
      if (problems.length) throw new ValidationError(problems);
      const routing = approvalRouting(r);
      return {
        next: {
          ...base,
          approvers: [event.to],
          approverSource: 'reassigned',
          approval: {
            ...routing,
            assignedAt: now,
            reminders: [],
            handovers: [...routing.handovers, { kind: 'reassigned', at: now, from: r.approvers, to: [event.to], by: personOf(actor), reason }],
          },
        },
        effects: [{ type: 'refreshCards' }, { type: 'sendApprovalRequest' }, { type: 'notifyRequester', about: 'reassigned' }],
        procedureStep: 2,
      };
    }
    default: {
      const unreachable: never = event;
      throw new Error(`Unknown event ${(unreachable as WorkflowEvent).type}`);
    }
  }
}
