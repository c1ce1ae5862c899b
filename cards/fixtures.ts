/**
 * Fixture requests in every state, for card tests and the card pictures (scripts/renderCards.ts). The first request's
 * justification and model carry markdown, a link, a mention, HTML, template syntax and a bidi override, to prove
 * that typed text is escaped everywhere it is shown.
 */
import { TERMINAL_STATES, type ComplianceReport, type OnboardingRequest, type PersonRef, type RequestState } from '../services/workflow/model';
import { consentTextFor } from '../services/content/consentText';

/** The clock every fixture is relative to. */
export const FIXTURE_NOW = '2026-11-20T09:30:00.000Z';

/** People in the fixtures. */
export const FIXTURE_PEOPLE = {
  requester: { aadObjectId: '00000000-0000-0000-0000-00000000a001', displayName: 'Megan Bowen', userPrincipalName: 'megan.bowen@contoso.com' },
  manager: { aadObjectId: '00000000-0000-0000-0000-00000000b001', displayName: 'Dana Lee', userPrincipalName: 'dana.lee@contoso.com' },
  fallbackApprover: { aadObjectId: '00000000-0000-0000-0000-00000000b002', displayName: 'Priya Natarajan', userPrincipalName: 'priya.n@contoso.com' },
  it: { aadObjectId: '00000000-0000-0000-0000-00000000c001', displayName: 'Sam Ortiz', userPrincipalName: 'sam.ortiz@contoso.com' },
} satisfies Record<string, PersonRef>;

/** Typed text that tries every trick a card could fall for. */
export const HOSTILE_JUSTIFICATION =
  "I'm on call for **payments** and need _Teams_ + email on my phone.\n" +
  '[Approve here](https://evil.example/phish) <at>Dana Lee</at> <b>bold</b> &lt;i&gt;\n' +
  '${requester.displayName} {{DATE(2026-01-01T00:00:00Z, SHORT)}} www.evil.example ops@evil.example\n' +
  'Totally safe \u202Egnp.exe\u202C';

/** A device model that tries a link. */
export const HOSTILE_MODEL = 'iPhone 15 [Pro](https://evil.example)';

const T = (minutesBeforeNow: number) => new Date(Date.parse(FIXTURE_NOW) - minutesBeforeNow * 60000).toISOString();

const personalConsent = consentTextFor('personal');
const companyConsent = consentTextFor('company');

function base(id: string, state: RequestState, createdMinutesAgo: number): OnboardingRequest {
  const open = !TERMINAL_STATES.includes(state);
  return {
    _id: `req-${id}`,
    reference: `DEV-${id.toUpperCase().padEnd(5, 'X').slice(0, 5)}`,
    version: 1,
    state,
    tenantId: 'tenant-contoso',
    requester: FIXTURE_PEOPLE.requester,
    device: { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email and Teams while on call.' },
    approvers: [FIXTURE_PEOPLE.manager],
    approverSource: 'manager',
    checkAttempts: 0,
    cards: [],
    outbox: [],
    auditHead: { seq: 1, hash: '0'.repeat(64) },
    openKey: open ? FIXTURE_PEOPLE.requester.aadObjectId : `${FIXTURE_PEOPLE.requester.aadObjectId}:req-${id}`,
    createdAt: T(createdMinutesAgo),
    updatedAt: T(createdMinutesAgo - 5),
  };
}

const approved = (minutesAgo: number, comment?: string) =>
  ({ outcome: 'approved', by: FIXTURE_PEOPLE.manager, at: T(minutesAgo), comment }) as const;

const consented = (ownership: 'personal' | 'company', minutesAgo: number) => {
  const c = ownership === 'personal' ? personalConsent : companyConsent;
  return { outcome: 'consented', consentId: 'consent-1', textVersion: c.version, textHash: c.sha256, at: T(minutesAgo) } as const;
};

/** An iOS report failing passcode and OS version. */
export const NONCOMPLIANT_IOS_REPORT: ComplianceReport = {
  deviceId: 'dev-ios-1',
  deviceName: "Megan's iPhone [tap](https://evil.example)",
  operatingSystem: 'iOS',
  osVersion: '16.7.2',
  complianceState: 'noncompliant',
  evaluatedAt: T(20),
  lastSyncDateTime: T(22),
  policies: [{ id: 'pol-ios', displayName: 'iOS baseline', state: 'nonCompliant' }],
  settings: [
    { policy: 'pol-ios', setting: 'IosCompliancePolicy.passcodeRequired', check: 'passcode', label: 'Passcode required', state: 'nonCompliant', currentValue: 'false' },
    { policy: 'pol-ios', setting: 'IosCompliancePolicy.osMinimumVersion', check: 'osVersion', label: 'Minimum OS version 17.5', state: 'nonCompliant', currentValue: '16.7.2' },
    { policy: 'pol-ios', setting: 'IosCompliancePolicy.securityBlockJailbrokenDevices', check: 'jailbreak', label: 'Block jailbroken devices', state: 'compliant', currentValue: 'false' },
  ],
};

/** An Android report in its grace period, failing encryption. */
export const GRACE_ANDROID_REPORT: ComplianceReport = {
  deviceId: 'dev-and-1',
  deviceName: 'Pixel 8',
  operatingSystem: 'Android',
  osVersion: '14',
  complianceState: 'inGracePeriod',
  evaluatedAt: T(30),
  lastSyncDateTime: T(31),
  gracePeriodEndsAt: new Date(Date.parse(FIXTURE_NOW) + 2 * 86400000).toISOString(),
  policies: [{ id: 'pol-and', displayName: 'Android work profile baseline', state: 'nonCompliant' }],
  settings: [
    { policy: 'pol-and', setting: 'AndroidCompliancePolicy.passwordRequired', check: 'passcode', label: 'Screen lock required', state: 'compliant' },
    { policy: 'pol-and', setting: 'AndroidCompliancePolicy.storageRequireEncryption', check: 'encryption', label: 'Encryption required', state: 'nonCompliant', currentValue: 'false' },
    { policy: 'pol-and', setting: 'AndroidCompliancePolicy.vendorSpecificCheck', check: 'other', label: 'Vendor check', state: 'error' },
  ],
};

/** A Windows report Intune has not evaluated yet. */
export const UNKNOWN_WINDOWS_REPORT: ComplianceReport = {
  deviceId: 'dev-win-1',
  deviceName: 'LAPTOP-MB01',
  operatingSystem: 'Windows',
  osVersion: '10.0.22631.4460',
  complianceState: 'unknown',
  evaluatedAt: T(10),
  lastSyncDateTime: null,
  policies: [],
  settings: [],
};

/** A Windows report with an evaluation error. */
export const ERROR_WINDOWS_REPORT: ComplianceReport = { ...UNKNOWN_WINDOWS_REPORT, complianceState: 'error', evaluatedAt: T(8) };

/** A macOS report that passes every setting. */
export const COMPLIANT_MACOS_REPORT: ComplianceReport = {
  deviceId: 'dev-mac-1',
  deviceName: 'MEGAN-MBP',
  operatingSystem: 'macOS',
  osVersion: '15.1',
  complianceState: 'compliant',
  evaluatedAt: T(15),
  lastSyncDateTime: T(16),
  policies: [{ id: 'pol-mac', displayName: 'macOS baseline', state: 'compliant' }],
  settings: [
    { policy: 'pol-mac', setting: 'MacOSCompliancePolicy.passwordRequired', check: 'passcode', label: 'Password required', state: 'compliant' },
    { policy: 'pol-mac', setting: 'MacOSCompliancePolicy.storageRequireEncryption', check: 'encryption', label: 'FileVault required', state: 'compliant' },
    { policy: 'pol-mac', setting: 'MacOSCompliancePolicy.osMinimumVersion', check: 'osVersion', label: 'Minimum OS version 14.0', state: 'compliant', currentValue: '15.1' },
  ],
};

/** One fixture request per state, plus variants (fallback approvers, IT denial, grace period, evaluation error). */
export const FIXTURE_REQUESTS = {
  pendingApproval: {
    ...base('pa001', 'pendingApproval', 30),
    device: { platform: 'ios', ownership: 'personal', model: HOSTILE_MODEL, justification: HOSTILE_JUSTIFICATION },
  },
  pendingApprovalFallback: {
    ...base('pa002', 'pendingApproval', 45),
    device: { platform: 'windows', ownership: 'company', model: 'Surface Laptop 6', justification: 'Replacement for my broken laptop; I travel to client sites weekly.' },
    approvers: [FIXTURE_PEOPLE.fallbackApprover, FIXTURE_PEOPLE.it],
    approverSource: 'fallbackGroup',
  },
  pendingApprovalEscalated: {
    ...base('pa003', 'pendingApproval', 5000),
    device: { platform: 'android', ownership: 'company', model: 'Pixel 9', justification: 'On-call rota for the warehouse.' },
    approvers: [FIXTURE_PEOPLE.fallbackApprover],
    approverSource: 'reassigned',
    approval: {
      assignedAt: T(60),
      reminders: [{ at: T(30), to: [FIXTURE_PEOPLE.fallbackApprover.aadObjectId] }],
      escalationDone: true,
      handovers: [
        { kind: 'escalated', at: T(600), from: [FIXTURE_PEOPLE.manager], to: [FIXTURE_PEOPLE.it] },
        { kind: 'reassigned', at: T(60), from: [FIXTURE_PEOPLE.it], to: [FIXTURE_PEOPLE.fallbackApprover], by: FIXTURE_PEOPLE.it, reason: HOSTILE_JUSTIFICATION },
      ],
    },
  },
  denied: {
    ...base('dn001', 'denied', 600),
    device: { platform: 'android', ownership: 'personal', model: 'Galaxy S24', justification: 'Would like email on my phone.' },
    decision: { outcome: 'denied', by: FIXTURE_PEOPLE.manager, at: T(500), reason: 'Your role does not need mobile access to patient data.', comment: 'Happy to revisit when you join the on-call rota.' },
    closedAt: T(500),
  },
  deniedByIt: {
    ...base('dn002', 'denied', 2000),
    device: { platform: 'macos', ownership: 'company', model: 'MacBook Pro 14', justification: 'Design work on site.' },
    decision: approved(1900),
    consent: consented('company', 1800),
    compliance: COMPLIANT_MACOS_REPORT,
    managedDeviceId: COMPLIANT_MACOS_REPORT.deviceId,
    itReview: { by: FIXTURE_PEOPLE.it, at: T(60), outcome: 'denied', reason: 'Serial number is not in our asset register; please bring the Mac to the service desk.' },
    closedAt: T(60),
  },
  cancelled: { ...base('cn001', 'cancelled', 300), closedAt: T(250) },
  awaitingConsent: {
    ...base('ac001', 'awaitingConsent', 120),
    device: { platform: 'android', ownership: 'company', model: 'Galaxy XCover7', justification: 'Warehouse scanning and Teams.' },
    decision: approved(60, 'Approved. Please enroll this week.'),
  },
  consentDeclined: {
    ...base('cd001', 'consentDeclined', 400),
    decision: approved(350),
    consent: { ...consented('personal', 300), outcome: 'declined' },
    closedAt: T(300),
  },
  awaitingEnrollment: {
    ...base('ae001', 'awaitingEnrollment', 240),
    device: { platform: 'windows', ownership: 'personal', model: 'Dell XPS 13', justification: 'Home office.' },
    decision: approved(200),
    consent: consented('personal', 180),
    enrollmentDeadline: new Date(Date.parse(FIXTURE_NOW) + 3 * 86400000).toISOString(),
    nextCheckAt: T(-5),
  },
  nonCompliant: {
    ...base('nc001', 'nonCompliant', 500),
    decision: approved(450, 'Fine by me.'),
    consent: consented('personal', 400),
    compliance: NONCOMPLIANT_IOS_REPORT,
    managedDeviceId: NONCOMPLIANT_IOS_REPORT.deviceId,
    checkAttempts: 2,
  },
  nonCompliantGrace: {
    ...base('nc002', 'nonCompliant', 900),
    device: { platform: 'android', ownership: 'personal', model: 'Pixel 8', justification: 'Authenticator and Outlook.' },
    decision: approved(850),
    consent: consented('personal', 800),
    compliance: GRACE_ANDROID_REPORT,
    managedDeviceId: GRACE_ANDROID_REPORT.deviceId,
    checkAttempts: 3,
  },
  complianceUndetermined: {
    ...base('cu001', 'complianceUndetermined', 300),
    device: { platform: 'windows', ownership: 'company', model: 'ThinkPad X1', justification: 'New starter laptop.' },
    decision: approved(250),
    consent: consented('company', 200),
    compliance: UNKNOWN_WINDOWS_REPORT,
    managedDeviceId: UNKNOWN_WINDOWS_REPORT.deviceId,
    checkAttempts: 1,
  },
  complianceError: {
    ...base('cu002', 'complianceUndetermined', 320),
    device: { platform: 'windows', ownership: 'company', model: 'ThinkPad X1', justification: 'New starter laptop.' },
    decision: approved(260),
    consent: consented('company', 210),
    compliance: ERROR_WINDOWS_REPORT,
    managedDeviceId: ERROR_WINDOWS_REPORT.deviceId,
    checkAttempts: 4,
  },
  pendingItReview: {
    ...base('ir001', 'pendingItReview', 700),
    device: { platform: 'macos', ownership: 'company', model: 'MacBook Air 13', justification: 'Finance close from home.' },
    decision: approved(650),
    consent: consented('company', 600),
    compliance: COMPLIANT_MACOS_REPORT,
    managedDeviceId: COMPLIANT_MACOS_REPORT.deviceId,
  },
  granting: {
    ...base('gr001', 'granting', 800),
    device: { platform: 'macos', ownership: 'company', model: 'MacBook Air 13', justification: 'Finance close from home.' },
    decision: approved(750),
    consent: consented('company', 700),
    compliance: COMPLIANT_MACOS_REPORT,
    managedDeviceId: COMPLIANT_MACOS_REPORT.deviceId,
    itReview: { by: FIXTURE_PEOPLE.it, at: T(3), outcome: 'confirmed' },
  },
  granted: {
    ...base('gd001', 'granted', 3000),
    device: { platform: 'macos', ownership: 'company', model: 'MacBook Air 13', justification: 'Finance close from home.' },
    decision: approved(2900),
    consent: consented('company', 2800),
    compliance: COMPLIANT_MACOS_REPORT,
    managedDeviceId: COMPLIANT_MACOS_REPORT.deviceId,
    itReview: { by: FIXTURE_PEOPLE.it, at: T(2000), outcome: 'confirmed' },
    access: { groupId: 'grp-compliant-devices', memberId: 'entra-dev-mac-1', grantedAt: T(1990) },
    closedAt: T(1990),
  },
  expired: {
    ...base('ex001', 'expired', 20000),
    device: { platform: 'windows', ownership: 'personal', model: 'Surface Pro 9', justification: 'Travel.' },
    decision: approved(19000),
    consent: consented('personal', 18000),
    enrollmentDeadline: T(5000),
    closedAt: T(5000),
  },
} satisfies Record<string, OnboardingRequest>;

// A fixture's updatedAt is its latest event, as the workflow would have stamped it.
for (const r of Object.values(FIXTURE_REQUESTS) as OnboardingRequest[]) {
  const times = [r.createdAt, r.decision?.at, r.consent?.at, r.compliance?.evaluatedAt, r.itReview?.at, r.access?.grantedAt, r.closedAt];
  r.updatedAt = times.filter((t): t is string => Boolean(t)).sort().at(-1) ?? r.createdAt;
}

/** A fixture's name. */
export type FixtureName = keyof typeof FIXTURE_REQUESTS;

/** Every fixture as [name, request], in declaration order. */
export const FIXTURE_LIST: readonly [FixtureName, OnboardingRequest][] = Object.entries(FIXTURE_REQUESTS) as [FixtureName, OnboardingRequest][];
