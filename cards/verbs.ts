/**
 * Every card verb, in one place. The bot routes on the exact string (a verb→handler table), never on a prefix.
 * The same verb travels in `Action.Execute.verb` and in `data.verb`, so the Action.Submit fallback (which arrives as
 * a message whose `value` is `data` plus the inputs) routes to the same handler.
 */

/** The verbs cards send. */
export const Verb = {
  /** Open the request form. */
  RequestStart: 'request.start',
  /** Submit the request form (inputs: platform, ownership, model, justification). */
  RequestSubmit: 'request.submit',
  /** With a requestId: cancel that request. Without one: discard the request form. */
  RequestCancel: 'request.cancel',
  /** Show the employee's status card (for one request when requestId is given, else their latest). */
  RequestStatus: 'request.status',
  /** Approver approves (input: comment). */
  ApprovalApprove: 'approval.approve',
  /** Approver denies (inputs: reason, comment). */
  ApprovalDeny: 'approval.deny',
  /** Approver (or IT Security) hands the approval to someone else (inputs: reassignTo, reassignReason). */
  ApprovalReassign: 'approval.reassign',
  /** Refresh of the approval card: returns the view for whoever is looking. */
  ApprovalRefresh: 'approval.refresh',
  /** Employee consents to the text whose SHA-256 is data.textHash. */
  ConsentAccept: 'consent.accept',
  /** Employee declines the text whose SHA-256 is data.textHash. */
  ConsentDecline: 'consent.decline',
  /** Employee says the device is enrolled: check compliance now. */
  EnrollmentDone: 'enrollment.done',
  /** Employee or IT asks for a fresh compliance evaluation. */
  ComplianceRecheck: 'compliance.recheck',
  /** IT Security confirms access after reviewing the compliance report. */
  ItConfirm: 'it.confirm',
  /** IT Security denies access (input: reason). */
  ItDeny: 'it.deny',
  /** Refresh of the IT channel card. */
  ItRefresh: 'it.refresh',
  /** Show the privacy notice. */
  PrivacyShow: 'privacy.show',
  /** Show what IT can see on the employee's kind of device. */
  TransparencyShow: 'transparency.show',
  /** Show the employee's consent history. */
  ConsentHistory: 'consent.history',
  /** Show what the bot stores about the employee, with a download link. */
  MyDataShow: 'mydata.show',
  /** The employee asks for a fresh compliance check of an enrolled device (data.deviceId) after fixing it. */
  DeviceRecheck: 'device.recheck',
  /** A manager opens the delegation card (people picker and dates), filled in from a running delegation. */
  DelegationOpen: 'delegation.open',
  /** A manager sets or changes their delegation (inputs: delegateTo, delegateFrom, delegateUntil). */
  DelegationSet: 'delegation.set',
  /** A manager ends their delegation now. */
  DelegationEnd: 'delegation.end',
  /** Show the person's delegation, whom they stand in for, and its history. */
  DelegationShow: 'delegation.show',
  /** The employee reports a device lost or stolen (inputs: reportDeviceId, reportCause, lastSeenWhen, lastSeenWhere, wipeAgreed). */
  IncidentReport: 'incident.report',
  /** The employee's incident status card. */
  IncidentStatus: 'incident.status',
  /** IT Security's incident card, current (also "Back" from a confirmation). */
  IncidentRefresh: 'incident.refresh',
  /** IT Security triages the incident (input: severity). */
  IncidentTriage: 'incident.triage',
  /** IT Security adds an investigation note (input: noteText). */
  IncidentNote: 'incident.note',
  /** IT Security adds a corrective action (inputs: correctiveText, correctiveOwner, correctiveDue). */
  IncidentCorrective: 'incident.corrective',
  /** IT Security marks the incident contained without a device action. */
  IncidentContain: 'incident.contain',
  /** IT Security records the investigation (input: investigationSummary). */
  IncidentInvestigate: 'incident.investigate',
  /** IT Security closes the incident (input: resolution). */
  IncidentClose: 'incident.close',
  /** IT Security asks for a device action (data.deviceAction, data.deviceId): the confirmation naming device and owner. */
  IncidentActionPrepare: 'incident.deviceAction.prepare',
  /** IT Security confirms the device action named in the confirmation. */
  IncidentActionConfirm: 'incident.deviceAction.confirm',
  /** IT Security opens the form to declare a breach from the incident (data.incidentId, data.version). */
  IncidentBreachForm: 'incident.breach.form',
  /** IT Security declares the breach (inputs: breachRegulations, breachAffectedBy, breachAffected, breachNoticeText). */
  IncidentBreachDeclare: 'incident.breach.declare',
  /** An affected person acknowledges a breach notice (data.breachId; the person comes from Teams). */
  BreachAcknowledge: 'breach.acknowledge',
  /** IT sends a previewed breach notice to every affected person (data.breachId, data.version). */
  BreachSend: 'breach.send',
  /** IT closes a breach notification, or drops a draft (data.breachId). */
  BreachClose: 'breach.close',
  /** The owner or IT records the review of a third-party integration (data.thirdPartyId). */
  ThirdPartyReview: 'thirdParty.review',
  /** The employee accepts (material) or acknowledges (minor) a changed notice (data.recipientId names their part in the campaign). */
  NoticeAnswer: 'notice.answer',
  /** An administrator confirms publishing a drafted notice version and starting its campaign (data.draftId). */
  NoticePublishConfirm: 'notice.publishConfirm',
  /** An administrator attests the access review data.reviewId. */
  AccessReviewAttest: 'accessReview.attest',
  /** An administrator removes data.memberId, listed by the access review data.reviewId, from the access group. */
  AccessReviewRevoke: 'accessReview.revoke',
} as const;

/** Verbs answered by the delegation commands (handlers supplied to the action router by the composition root). */
export const DELEGATION_VERBS = [Verb.DelegationOpen, Verb.DelegationSet, Verb.DelegationEnd, Verb.DelegationShow] as const;

/** One of the delegation verbs. */
export type DelegationVerb = (typeof DELEGATION_VERBS)[number];

/**
 * The dataset the delegation card's people picker asks for (`Input.ChoiceSet` `choices.data`): Teams sends the
 * typed text to the bot as an `application/search` invoke naming it, and the bot answers from the directory.
 */
export const PEOPLE_DATASET = 'graph.people';

/** Verbs answered by the incident handlers (supplied to the action router by the composition root). */
export const INCIDENT_VERBS = [
  Verb.IncidentReport,
  Verb.IncidentStatus,
  Verb.IncidentRefresh,
  Verb.IncidentTriage,
  Verb.IncidentNote,
  Verb.IncidentCorrective,
  Verb.IncidentContain,
  Verb.IncidentInvestigate,
  Verb.IncidentClose,
  Verb.IncidentActionPrepare,
  Verb.IncidentActionConfirm,
  Verb.IncidentBreachForm,
  Verb.IncidentBreachDeclare,
] as const;

/** One of the incident verbs. */
export type IncidentVerb = (typeof INCIDENT_VERBS)[number];

/** Verbs answered by the breach and third-party register handlers (supplied to the action router by the composition root). */
export const GOVERNANCE_VERBS = [Verb.BreachAcknowledge, Verb.BreachSend, Verb.BreachClose, Verb.ThirdPartyReview] as const;

/** One of the breach or register verbs. */
export type GovernanceVerb = (typeof GOVERNANCE_VERBS)[number];
/** Verbs answered by the notice campaign and operator commands (handlers supplied by the composition root). */
export const NOTICE_COMMAND_VERBS = [Verb.NoticeAnswer, Verb.NoticePublishConfirm] as const;

/** One of the notice command verbs. */
export type NoticeCommandVerb = (typeof NOTICE_COMMAND_VERBS)[number];

/** Verbs answered by the consent commands (handlers supplied to the action router by the composition root). */
export const CONSENT_COMMAND_VERBS = [Verb.TransparencyShow, Verb.ConsentHistory, Verb.MyDataShow] as const;

/** Verbs answered by the oversight module (handlers supplied to the action router by the composition root). */
export const OVERSIGHT_VERBS = [Verb.AccessReviewAttest, Verb.AccessReviewRevoke] as const;

/** One of the oversight verbs. */
export type OversightVerb = (typeof OVERSIGHT_VERBS)[number];

/** One of the consent command verbs. */
export type ConsentCommandVerb = (typeof CONSENT_COMMAND_VERBS)[number];

/** One of the card verbs. */
export type Verb = (typeof Verb)[keyof typeof Verb];

/** Every verb, for route tables and tests. */
export const ALL_VERBS: readonly Verb[] = Object.values(Verb);

/** Whether a string is one of our verbs (exact match). */
export function isVerb(value: unknown): value is Verb {
  return typeof value === 'string' && (ALL_VERBS as readonly string[]).includes(value);
}

/**
 * What a card action carries: ids and the request version it was rendered from, never state. Handlers reload the
 * request and refuse a stale version with a card showing the current state.
 */
export interface CardActionData {
  verb: Verb;
  requestId?: string;
  version?: number;
  /** SHA-256 of the consent text the employee saw (consent verbs only). */
  textHash?: string;
  /** The enrolled device (Intune managed device id) a device card is about. */
  deviceId?: string;
  /** The incident an incident card is about (its reference, e.g. INC-2026-7K3Q2M). */
  incidentId?: string;
  /** The device action a button asks for: remoteLock, retire or wipe (an id of the action, not state). */
  deviceAction?: string;
  /** The breach (BR-…) a breach card is about. */
  breachId?: string;
  /** The third-party register entry a register card is about. */
  thirdPartyId?: string;
  /** A person's part in a notice campaign (notice verbs only). */
  recipientId?: string;
  /** A drafted notice publication awaiting the administrator's confirmation. */
  draftId?: string;
  /** The access review an access review card is about. */
  reviewId?: string;
  /** A member the access review listed (checked against the stored review). */
  memberId?: string;
}

/** The keys CardActionData may have; anything else in an action's data is a bug (tests check this). */
export const CARD_ACTION_DATA_KEYS: readonly (keyof CardActionData)[] = ['verb', 'requestId', 'version', 'textHash', 'deviceId', 'incidentId', 'deviceAction', 'breachId', 'thirdPartyId', 'recipientId', 'draftId', 'reviewId', 'memberId'];

/** Ids of the inputs cards send back with their action (merged into data / activity.value by Teams). */
export const InputId = {
  Platform: 'platform',
  Ownership: 'ownership',
  Model: 'model',
  Justification: 'justification',
  /** Optional comment on the approval card; sent with both Approve and Deny. */
  Comment: 'comment',
  /** Required reason for a manager's or IT Security's denial. */
  Reason: 'reason',
  /** Email or user principal name of the person a pending approval is handed to. */
  ReassignTo: 'reassignTo',
  /** Required reason for handing a pending approval to someone else. */
  ReassignReason: 'reassignReason',
  /** The delegate picked in the people picker (their Entra object id). */
  DelegateTo: 'delegateTo',
  /** First and last day of a delegation (YYYY-MM-DD, the manager's own days). */
  DelegateFrom: 'delegateFrom',
  DelegateUntil: 'delegateUntil',
  /** Incident report: which of the employee's devices, lost or stolen, when and where last seen, wipe agreement. */
  ReportDevice: 'reportDeviceId',
  ReportCause: 'reportCause',
  LastSeenWhen: 'lastSeenWhen',
  LastSeenWhere: 'lastSeenWhere',
  WipeAgreed: 'wipeAgreed',
  /** Incident card: severity, note, corrective action (text, owner's email, due date), investigation, resolution. */
  Severity: 'severity',
  NoteText: 'noteText',
  CorrectiveText: 'correctiveText',
  CorrectiveOwner: 'correctiveOwner',
  CorrectiveDue: 'correctiveDue',
  InvestigationSummary: 'investigationSummary',
  Resolution: 'resolution',
  /** Declaring a breach: regulations (comma-separated ids), who is affected (devices, group, people) and by what, the notice text. */
  BreachRegulations: 'breachRegulations',
  BreachAffectedBy: 'breachAffectedBy',
  BreachAffected: 'breachAffected',
  BreachNoticeText: 'breachNoticeText',
} as const;

/** One of the input ids. */
export type InputId = (typeof InputId)[keyof typeof InputId];
