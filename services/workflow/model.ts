/**
 * The onboarding request (OP-PROC-002) as data. Pure types: nothing here imports botbuilder, mongodb or Graph.
 */
import type { DeviceComplianceState, ComplianceStatus } from '../graph/graphTypes';

/** Device platforms the procedure supports. */
export type Platform = 'ios' | 'android' | 'windows' | 'macos';
/** Who owns the device: BYOD or company-issued. */
export type Ownership = 'personal' | 'company';

export const PLATFORMS: readonly Platform[] = ['ios', 'android', 'windows', 'macos'];
export const OWNERSHIPS: readonly Ownership[] = ['personal', 'company'];

/** Display names for platforms, as employees know them. */
export const PLATFORM_LABELS: Record<Platform, string> = {
  ios: 'iOS / iPadOS',
  android: 'Android',
  windows: 'Windows',
  macos: 'macOS',
};

/** Where a request stands. */
export type RequestState =
  | 'pendingApproval'
  | 'denied'
  | 'cancelled'
  | 'awaitingConsent'
  | 'consentDeclined'
  | 'awaitingEnrollment'
  | 'nonCompliant'
  | 'complianceUndetermined'
  | 'pendingItReview'
  | 'granting'
  | 'granted'
  | 'expired';

/** States from which nothing more happens. */
export const TERMINAL_STATES: readonly RequestState[] = ['denied', 'cancelled', 'consentDeclined', 'granted', 'expired'];

/** A person as the workflow records them (Entra object id + display name). */
export interface PersonRef {
  aadObjectId: string;
  displayName: string;
  userPrincipalName?: string;
}

/** What the employee asked for. */
export interface DeviceDetails {
  platform: Platform;
  ownership: Ownership;
  model: string;
  justification: string;
}

/** The manager's (or fallback approver's) decision. */
export interface Decision {
  outcome: 'approved' | 'denied';
  by: PersonRef;
  at: string;
  reason?: string;
  comment?: string;
  /** The approver the decider stood in for (an escalation or reassignment away from them). */
  onBehalfOf?: PersonRef;
}

/** Who the current approvers are and why: the manager, the fallback group, or a hand-over from earlier approvers. */
export type ApproverSource = 'manager' | 'fallbackGroup' | 'skipLevelManager' | 'reassigned' | 'delegate';

/** One hand-over of a pending approval to other people. */
export interface ApprovalHandover {
  kind: 'escalated' | 'reassigned';
  at: string;
  from: PersonRef[];
  to: PersonRef[];
  /** Who handed it over (absent: the bot, for an escalation). */
  by?: PersonRef;
  /** Why, as the person typed it (reassignment only). */
  reason?: string;
}

/**
 * The approval step's clock and history: reminders to the current approvers, at most one escalation, and every
 * hand-over. The reminder and escalation clocks start again when the request reaches new approvers.
 */
export interface ApprovalRouting {
  /** When the current approvers got the request. */
  assignedAt: string;
  /** Reminders sent to the current approvers. */
  reminders: { at: string; to: string[] }[];
  /** The manager whose delegate got the request (the delegate decides on their behalf). */
  onBehalfOf?: PersonRef;
  /** The escalation already happened (or found nobody to go to), so it never happens twice. */
  escalationDone?: boolean;
  handovers: ApprovalHandover[];
}

/** The employee's answer on the consent card; the ledger record lives in its own collection. */
export interface ConsentSummary {
  outcome: 'consented' | 'declined';
  consentId: string;
  textVersion: string;
  textHash: string;
  at: string;
}

/** One setting's outcome in a compliance verification report. */
export interface SettingResult {
  policy: string;
  setting: string;
  /** Product-level name of the check: passcode, encryption, osVersion, or other. */
  check: 'passcode' | 'encryption' | 'osVersion' | 'jailbreak' | 'other';
  label: string;
  state: ComplianceStatus;
  currentValue?: string | null;
}

/** The compliance verification report the procedure requires (artifact of step 5). */
export interface ComplianceReport {
  deviceId: string;
  deviceName: string;
  operatingSystem: string;
  osVersion: string;
  complianceState: DeviceComplianceState;
  evaluatedAt: string;
  lastSyncDateTime?: string | null;
  gracePeriodEndsAt?: string | null;
  policies: { id: string; displayName: string; state: ComplianceStatus }[];
  settings: SettingResult[];
}

/** A card the bot posted for this request, so every copy can be updated in place. */
export interface PostedCard {
  role: 'requester' | 'approver' | 'it';
  /** Which card it is, so a refresh re-renders the same view from the current request. */
  kind: 'status' | 'approval' | 'it' | 'consent' | 'enrollment' | 'compliance';
  conversationId: string;
  activityId: string;
  /** The person the card was sent to (absent for the IT channel). */
  recipientAadObjectId?: string;
}

/** A side effect the workflow asks for; carried out after the state is saved. */
export type Effect =
  | { type: 'sendApprovalRequest' }
  | { type: 'notifyRequester'; about: NotifyTopic }
  | { type: 'notifyApprovers'; about: NotifyTopic }
  | { type: 'postItCard' }
  | { type: 'alertIt'; about: NotifyTopic }
  | { type: 'sendConsentCard' }
  | { type: 'sendEnrollmentInstructions' }
  | { type: 'sendRemediation' }
  | { type: 'checkCompliance'; sync: boolean }
  | { type: 'grantAccess' }
  | { type: 'refreshCards' }
  | { type: 'recordAudit'; entry: AuditEntry };

/** One append-only, hash-chained audit record of a transition (stream = one request). */
export interface AuditEntry {
  _id: string;
  requestId: string;
  seq: number;
  at: string;
  actor: { kind: 'user' | 'system'; aadObjectId?: string; displayName?: string };
  event: string;
  from: RequestState | null;
  to: RequestState;
  procedureStep: number;
  controls: string[];
  /** Facts worth evidence, never free text a user typed. */
  details: Record<string, string | number | boolean | null>;
  prevHash: string;
  hash: string;
}

/** What a notification is about. */
export type NotifyTopic =
  | 'submitted'
  | 'approved'
  | 'denied'
  | 'cancelled'
  | 'consentDeclined'
  | 'enrollmentReminder'
  | 'nonCompliant'
  | 'complianceUndetermined'
  | 'pendingItReview'
  | 'itDenied'
  | 'granted'
  | 'expired'
  | 'approvalReminder'
  | 'escalated'
  | 'reassigned'
  | 'approvalExpired';

/** An effect waiting to be carried out (in the shared outbox; requests written before it kept them in the document). */
export interface PendingEffect {
  id: string;
  effect: Effect;
  createdAt: string;
}

/** The onboarding request document. */
export interface OnboardingRequest {
  _id: string;
  /** Short human reference, e.g. "DEV-7K3Q2". */
  reference: string;
  version: number;
  state: RequestState;
  tenantId: string;
  requester: PersonRef;
  device: DeviceDetails;
  /** Who may decide: the manager, or the fallback approver group's members when there is no manager. */
  approvers: PersonRef[];
  approverSource: ApproverSource;
  /** Reminders, escalation and hand-overs of the approval step (absent on requests from before they existed). */
  approval?: ApprovalRouting;
  decision?: Decision;
  consent?: ConsentSummary;
  /** Intune device bound to this request once found. */
  managedDeviceId?: string;
  compliance?: ComplianceReport;
  itReview?: { by: PersonRef; at: string; outcome: 'confirmed' | 'denied'; reason?: string };
  access?: { groupId: string; memberId: string; grantedAt?: string };
  enrollmentDeadline?: string;
  /** When the background worker next reads the device from Intune (absent: no check scheduled). */
  nextCheckAt?: string;
  checkAttempts: number;
  reminderSentAt?: string;
  /** Fingerprint of the last compliance outcome the employee and IT were told about, so repeats are not re-sent. */
  lastNotifiedFingerprint?: string;
  cards: PostedCard[];
  outbox: PendingEffect[];
  /** The queue is paused until then after a failed effect (retry with backoff). */
  outboxNotBefore?: string;
  /** Failed attempts per pending effect id. */
  outboxAttempts?: Record<string, number>;
  /**
   * Commit tokens of the request's recent writes (newest last): its effects wait in the shared outbox, each with the
   * token of the write that owes it, and only an effect whose token is here is carried out.
   */
  outboxTokens?: string[];
  /** Last audit record of this request's hash chain. */
  auditHead: { seq: number; hash: string };
  /** Equals the requester's id while the request is open, so a unique index allows one open request each. */
  openKey: string;
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
}
