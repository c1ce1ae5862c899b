/**
 * Every card the bot renders, with the viewer variants that matter, built from the fixtures: the card tests check
 * each one, and the template tests render each one twice.
 */
import { renderAccessReviewCard } from '../../../cards/accessReviewCard';
import { renderApprovalCard } from '../../../cards/approvalCard';
import { renderAccessLogCard, renderEvidenceCard, renderVerificationCard } from '../../../cards/auditDeskCard';
import { renderComplianceCard } from '../../../cards/complianceCard';
import { renderConsentCard } from '../../../cards/consentCard';
import { renderEnrollmentCard } from '../../../cards/enrollmentCard';
import { renderComplianceDigestCard } from '../../../cards/complianceDigestCard';
import { renderDeviceAlertCard } from '../../../cards/deviceAlertCard';
import { renderDeviceNoticeCard } from '../../../cards/deviceNoticeCard';
import { renderErrorCard } from '../../../cards/errorCard';
import { FIXTURE_LIST, FIXTURE_NOW, FIXTURE_PEOPLE, HOSTILE_JUSTIFICATION, HOSTILE_MODEL } from '../../../cards/fixtures';
import { renderItCard } from '../../../cards/itCard';
import { renderLookupCard } from '../../../cards/lookupCard';
import { renderNoticeCard } from '../../../cards/noticeCard';
import { renderNoticeChangeCard } from '../../../cards/noticeChangeCard';
import { renderCampaignProgressCard } from '../../../cards/campaignProgressCard';
import { renderNotificationCard, type NotificationAudience } from '../../../cards/notificationCard';
import { renderNotYoursCard } from '../../../cards/notYoursCard';
import { renderPrivacyCard } from '../../../cards/privacyCard';
import type { AdaptiveCard } from '../../../cards/renderTemplate';
import { renderRequestFormCard } from '../../../cards/requestFormCard';
import { renderRequestStatusCard } from '../../../cards/requestStatusCard';
import { Verb } from '../../../cards/verbs';
import { renderWelcomeCard } from '../../../cards/welcomeCard';
import { renderDelegationCard, renderDelegationOverviewCard } from '../../../cards/delegationCard';
import { renderBreachDeclareCard } from '../../../cards/breachDeclareCard';
import { renderIncidentCard, type IncidentView } from '../../../cards/incidentCard';
import { renderIncidentConfirmCard } from '../../../cards/incidentConfirmCard';
import { renderIncidentStatusCard } from '../../../cards/incidentStatusCard';
import { renderLostDeviceCard } from '../../../cards/lostDeviceCard';
import { INCIDENT_STATES } from '../../../services/workflow/incidentTransition';
import { FIXTURE_CONSENT_HISTORY, FIXTURE_EMPTY_HISTORY, FIXTURE_MY_DATA, FIXTURE_TRANSPARENCY } from '../../../cards/consentFixtures';
import { renderMyConsentsCard } from '../../../cards/myConsentsCard';
import { renderMyDataCard } from '../../../cards/myDataCard';
import { renderTransparencyCard } from '../../../cards/transparencyCard';
import { consentTextFor } from '../../../services/content/consentText';
import { renderBreachNoticeCard } from '../../../cards/breachNoticeCard';
import { renderBreachStatusCard } from '../../../cards/breachStatusCard';
import { renderThirdPartyListCard, renderThirdPartyReviewCard } from '../../../cards/thirdPartyCard';
import { DEFAULT_NOTICE_TEMPLATE, renderNotice } from '../../../services/breach/noticeTemplate';
import type { NotifyTopic, OnboardingRequest } from '../../../services/workflow/model';

/** Every renderer that takes a request, with the viewer variants that matter. */
export const REQUEST_RENDERERS: [string, (r: OnboardingRequest) => AdaptiveCard][] = [
  ['requestStatus', (r) => renderRequestStatusCard(r, { now: FIXTURE_NOW })],
  ['approval/approver', (r) => renderApprovalCard(r, { viewer: 'approver', refreshUserIds: ['29:approver', '29:requester'] })],
  ['approval/other', (r) => renderApprovalCard(r, { viewer: 'other', refreshUserIds: [] })],
  ['it/it', (r) => renderItCard(r, { viewer: 'it' })],
  ['it/other', (r) => renderItCard(r, { viewer: 'other' })],
  ['consent', (r) => renderConsentCard(r, consentTextFor(r.device.ownership))],
  ['consent/answered', (r) => renderConsentCard(r, consentTextFor(r.device.ownership), { answered: 'declined' })],
  ['enrollment', (r) => renderEnrollmentCard(r)],
  ['compliance', (r) => renderComplianceCard(r)],
  ['lookup', (r) => renderLookupCard({ person: r.requester, requests: [r] })],
  [
    'notice',
    (r) =>
      renderNoticeCard({
        title: 'Update',
        text: 'Something changed on **your** request.',
        tone: 'warning',
        reference: r.reference,
        detail: r.device.justification,
        actions: [{ title: 'My status', verb: Verb.RequestStatus, requestId: r._id, version: r.version }],
      }),
  ],
];

/** The regulations the declare form offers (as configured by default). */
const BREACH_REGULATIONS = [
  { id: 'HIPAA', name: 'HIPAA breach notification', hours: 1440 },
  { id: 'GDPR', name: 'GDPR, to the supervisory authority', hours: 72 },
];

/** An incident in each state, with typed text that must stay text. */
function incidentFixture(state: IncidentView['state']): IncidentView {
  const at = '2026-03-01T09:00:00.000Z';
  const megan = { aadObjectId: 'm', displayName: '[Megan](https://evil.example) Bowen' };
  return {
    _id: 'INC-2026-7K3Q2M',
    version: 4,
    state,
    cause: 'stolen',
    owner: megan,
    ownerAadObjectId: 'm',
    deviceIds: ['d1', 'd2'],
    devices: [
      { deviceId: 'd1', deviceName: HOSTILE_MODEL, platform: 'ios', ownership: 'personal' },
      { deviceId: 'd2', deviceName: 'Pixel ${secret}', platform: 'android', ownership: 'company' },
    ],
    openedAt: at,
    openedBy: 'Megan <b>Bowen</b>',
    summary: HOSTILE_JUSTIFICATION,
    lastSeen: { when: 'today {{DATE(2026-03-01T09:00:00Z, SHORT)}}', where: '<at>train</at>' },
    severity: state === 'reported' ? undefined : 'high',
    wipeAgreements: [{ deviceId: 'd1', at }],
    timeline: [{ at, by: 'Megan Bowen', text: 'Stolen device reported; work access removed' }],
    notes: state === 'reported' ? [] : [{ at, by: megan, text: 'Called **Megan**' }],
    correctiveActions: state === 'reported' ? [] : [{ id: 'c1', text: 'Lock-screen ${reminder}', owner: megan, dueDate: '2026-03-20', addedAt: at, addedBy: megan }],
    actions: [
      { id: 'a1', action: 'remoteLock', deviceId: 'd1', requestedAt: at, requestedBy: megan, status: 'accepted', attempts: 1, result: { outcome: 'accepted', httpStatus: 204, requestId: 'r-1', clientRequestId: 'c-1', verifiedBy: 'response', at } },
      { id: 'a2', action: 'retire', deviceId: 'd2', requestedAt: at, requestedBy: megan, status: 'failed', attempts: 1, result: { outcome: 'failed', httpStatus: 404, code: 'ResourceNotFound', verifiedBy: 'response', at } },
      { id: 'a3', action: 'wipe', deviceId: 'd2', requestedAt: at, requestedBy: megan, status: 'sending', attempts: 1 },
    ],
    investigationSummary: state === 'investigated' || state === 'closed' ? 'Nothing [opened](https://evil.example)' : undefined,
    resolution: state === 'closed' ? 'Returned' : undefined,
    closedAt: state === 'closed' ? at : undefined,
  };
}

const BREACH_VALUES = { name: '[Megan](https://evil.example) *Bowen*', reference: 'BR-7K3Q2M', incident: 'INC-1', discoveredOn: '2026-03-01' };
const THIRD_PARTY = {
  _id: 'TP-1',
  name: 'Acme <b>Payroll</b>',
  dataShared: 'Names, [salaries](https://evil.example)',
  owner: { aadObjectId: 'a1', displayName: 'Megan Bowen' },
  purpose: 'Payroll ${evil}',
  legalBasis: 'contract' as const,
  lastReviewOn: '2025-03-01',
  nextReviewOn: '2026-03-15',
};

/** Cards that take no request. */
export const OTHER_CARDS: [string, () => AdaptiveCard][] = [
  ['delegation', () => renderDelegationCard({ today: '2026-11-30', timeZone: 'America/Los_Angeles', suggestions: [{ title: 'Adele Vance', value: 'a0000000-0000-4000-8000-000000000002' }] })],
  [
    'delegation/errors',
    () =>
      renderDelegationCard({
        today: '2026-11-30',
        timeZone: 'UTC',
        suggestions: [],
        values: { to: 'a0000000-0000-4000-8000-000000000002', from: '2026-12-01', until: 'Friday ${x}' },
        errors: ['The last day of the delegation has already passed. <at>x</at>'],
      }),
  ],
  [
    'delegationOverview',
    () =>
      renderDelegationOverviewCard({
        summary: 'From Mon 30 Nov until Fri 4 Dec, Adele Vance decides for you.',
        hasCurrent: true,
        standingInFor: ['Patti Fernandez, until Mon 7 Dec'],
        history: [{ title: 'Mon 30 Nov 10:00', value: 'Set: Adele Vance, Mon 30 Nov to Fri 4 Dec' }],
      }),
  ],
  ['delegationOverview/none', () => renderDelegationOverviewCard({ summary: 'Nobody decides for you.', hasCurrent: false, standingInFor: [], history: [] })],
  ...INCIDENT_STATES.map((state): [string, () => AdaptiveCard] => [`incident/${state}`, () => renderIncidentCard(incidentFixture(state))]),
  ...(['remoteLock', 'retire', 'wipe'] as const).map((action): [string, () => AdaptiveCard] => [
    `incidentConfirm/${action}`,
    () => renderIncidentConfirmCard(incidentFixture('triaged'), incidentFixture('triaged').devices[0], action),
  ]),
  ['incidentStatus', () => renderIncidentStatusCard(INCIDENT_STATES.map(incidentFixture))],
  ['breachDeclare/new', () => renderBreachDeclareCard(incidentFixture('contained'), BREACH_REGULATIONS)],
  [
    'breachDeclare/problems',
    () =>
      renderBreachDeclareCard(incidentFixture('contained'), BREACH_REGULATIONS, {
        regulations: ['GDPR'],
        affectedBy: 'people',
        affected: 'meganb@contoso.example, nobody@contoso.example',
        text: 'Dear {{name}}, [click](https://evil.example) ${inputs.text}',
        problems: ['No person nobody@contoso.example in the directory.', 'Unknown placeholders: {{who}} (known: {{name}}).'],
      }),
  ],
  [
    'lostDevice',
    () =>
      renderLostDeviceCard({
        devices: [
          { deviceId: 'd1', deviceName: HOSTILE_MODEL, platform: 'ios', ownership: 'personal' },
          { deviceId: 'd2', deviceName: 'Pixel', platform: 'android', ownership: 'company' },
        ],
        cause: 'lost',
        when: '${when}',
        where: '[here](https://evil.example)',
        problems: ['Please say where you last had the device.'],
      }),
  ],
  ['welcome', () => renderWelcomeCard({ displayName: 'Megan Bowen' })],
  ['welcome/open request', () => renderWelcomeCard({ displayName: '[Megan](https://evil.example) Bowen', openRequest: { reference: 'DEV-1', stateLabel: 'Waiting for approval' } })],
  ['requestForm', () => renderRequestFormCard()],
  [
    'requestForm/errors',
    () => renderRequestFormCard({ values: { platform: 'ios', ownership: 'personal', model: HOSTILE_MODEL, justification: HOSTILE_JUSTIFICATION }, errors: ['Bad <b>input</b>'] }),
  ],
  ['error', () => renderErrorCard({ referenceId: 'ab12cd34', message: 'Something went wrong [here](https://evil.example)' })],
  ['privacy', () => renderPrivacyCard()],
  ['notYours', () => renderNotYoursCard()],
  ['lookup/all', () => renderLookupCard({ person: FIXTURE_PEOPLE.requester, requests: FIXTURE_LIST.map(([, r]) => r) })],
  ['myConsents', () => renderMyConsentsCard({ history: FIXTURE_CONSENT_HISTORY })],
  ['myConsents/none', () => renderMyConsentsCard({ history: FIXTURE_EMPTY_HISTORY })],
  ['myData', () => renderMyDataCard(FIXTURE_MY_DATA)],
  ['myData/no public address', () => renderMyDataCard({ ...FIXTURE_MY_DATA, downloadUrl: undefined })],
  ['myData/nothing stored', () => renderMyDataCard({ ...FIXTURE_MY_DATA, counts: { requests: 0, consentEntries: 0, auditEntries: 0 }, references: [] })],
  ...Object.entries(FIXTURE_TRANSPARENCY).map(([name, input]) => [`transparency/${name}`, () => renderTransparencyCard(input)] as [string, () => AdaptiveCard]),
  ...(['drift', 'reminder', 'accessRemoved', 'fixed', 'accessRestored', 'consentLapsed'] as const).map((about): [string, () => AdaptiveCard] => [
    `deviceNotice/${about}`,
    () =>
      renderDeviceNoticeCard({
        about,
        deviceId: 'd1',
        version: 3,
        platform: 'ios',
        deviceName: HOSTILE_MODEL,
        failing: about === 'fixed' || about === 'accessRestored' ? [] : ['IosCompliancePolicy.passcodeRequired', 'Unknown.setting'],
        graceEndsAt: '2026-03-05T09:00:00.000Z',
      }),
  ]),
  ...(['open', 'employeeTold', 'fixed', 'accessRemoved', 'restored', 'retired', 'superseded'] as const).map((status): [string, () => AdaptiveCard] => [
    `deviceAlert/${status}`,
    () =>
      renderDeviceAlertCard({
        status,
        personName: '[Megan](https://evil.example) Bowen',
        deviceName: HOSTILE_MODEL,
        platform: 'android',
        intuneDeviceId: 'd1',
        failing: ['AndroidCompliancePolicy.passwordRequired'],
        graceEndsAt: status === 'open' ? '2026-03-05T09:00:00.000Z' : undefined,
        openedAt: '2026-03-01T09:00:00.000Z',
        history: [{ status: 'open', at: '2026-03-01T09:00:00.000Z' }, { status, at: '2026-03-02T09:00:00.000Z' }],
      }),
  ]),
  [
    'complianceDigest',
    () =>
      renderComplianceDigestCard({
        since: '2026-03-01T09:00:00.000Z',
        until: '2026-03-02T09:00:00.000Z',
        newCount: 2,
        openCount: 3,
        fixedCount: 1,
        removedCount: 1,
        failedCount: 0,
        nearing: [{ personName: 'Megan <b>Bowen</b>', deviceName: 'iPhone', graceEndsAt: '2026-03-03T09:00:00.000Z' }],
      }),
  ],
  ...(['open', 'reminder', 'answered', 'lapsed'] as const).flatMap((status) =>
    [status !== 'reminder'].map((material): [string, () => AdaptiveCard] => [
      `noticeChange/${status}/${material ? 'material' : 'minor'}`,
      () =>
        renderNoticeChangeCard({
          recipientId: 'personal@2027-01-01|a:req-1',
          version: '2027-01-01',
          ownership: 'personal',
          material,
          deadline: '2027-02-01T09:00:00.000Z',
          summary: 'Retention [shortened](https://evil.example) to <b>three</b> years ${secret}',
          previousLines: ['**Notice**', 'Version 2026-11-01', '', '**Retention**', '• Six years.'],
          lines: ['**Notice**', 'Version 2027-01-01', '', '**Retention**', '• Three years.'],
          status,
          answeredAt: status === 'answered' ? '2027-01-10T09:00:00.000Z' : undefined,
          transparencyUrl: 'https://learn.microsoft.com/mem/intune/user-help/what-info-can-your-company-see-on-your-device',
        }),
    ]),
  ),
  ...(['sending', 'open', 'closed'] as const).map((phase): [string, () => AdaptiveCard] => [
    `campaignProgress/${phase}`,
    () =>
      renderCampaignProgressCard({
        ownership: 'personal',
        version: '2027-01-01',
        material: true,
        deadline: '2027-02-01T09:00:00.000Z',
        startedBy: 'Patti <b>Fernandez</b>',
        counts: { affected: 40, told: 38, answered: 30, pending: 8, unreachable: 2, accessRemoved: phase === 'closed' ? 7 : 0 },
        phase,
        notAnswered: phase === 'closed' ? ['[Alex](https://evil.example) Wilber', 'Adele Vance'] : [],
        notAnsweredMore: phase === 'closed' ? 5 : 0,
        updatedAt: '2027-02-01T09:00:00.000Z',
      }),
  ]),
  ['notice/publish confirm', () => renderNoticeCard({ title: 'Publish this notice version?', text: 'Replacing 2026-11-01.', tone: 'warning', detail: 'Typed summary', actions: [{ title: 'Publish and notify', verb: Verb.NoticePublishConfirm, draftId: 'draft-1' }] })],
  ...(['open', 'overdue', 'attested', 'first'] as const).map((status): [string, () => AdaptiveCard] => [
    `accessReview/${status}`,
    () =>
      renderAccessReviewCard(
        {
          _id: 'review-2026-03-02-abcd1234',
          version: 3,
          outboxTokens: [],
          startedAt: '2026-03-02T09:00:00.000Z',
          since: status === 'first' ? null : '2025-12-01T09:00:00.000Z',
          dueBy: '2026-03-16T09:00:00.000Z',
          state: status === 'attested' ? 'attested' : 'open',
          roles: [
            { role: 'admin', groupId: 'g-admins', members: [{ id: 'u-patti', name: 'Patti <b>Fernandez</b>' }] },
            { role: 'auditor', groupId: 'g-auditors', members: [] },
            { role: 'itSecurity', groupId: 'g-it', members: [{ id: 'u-lynne', name: '[Lynne](https://evil.example)' }] },
          ],
          access: {
            groupId: 'g-access',
            members: 3,
            expected: 2,
            unexpected: status === 'first' ? [] : [{ id: 'u-alex', name: 'Alex Wilber' }, { id: 'dev-object-1', name: null }],
            missing: status === 'first' ? [] : [{ id: 'u-adele', name: 'Adele Vance' }],
          },
          usage: status === 'first' ? [] : [{ aadObjectId: 'u-lynne', name: 'Lynne Robbins', reads: 4 }],
          attestation: status === 'attested' ? { by: { aadObjectId: 'u-patti', displayName: 'Patti Fernandez' }, at: '2026-03-03T09:00:00.000Z' } : null,
          revocations: status === 'open' ? [] : [{ memberId: 'u-alex', by: { aadObjectId: 'u-patti', displayName: 'Patti' }, requestedAt: '2026-03-03T08:00:00.000Z', state: 'removed' }],
          reminders: [],
        },
        new Date(status === 'overdue' ? '2026-03-20T09:00:00.000Z' : '2026-03-03T09:00:00.000Z'),
      ),
  ]),
  [
    'auditDesk/verified',
    () => renderVerificationCard({ scope: { kind: 'all' }, chains: 12, failing: [], stored: 80, pending: 1, elapsedMs: 420, reports: [] }),
  ],
  [
    'auditDesk/verificationFailed',
    () =>
      renderVerificationCard({
        scope: { kind: 'request', id: 'req-1', reference: 'DEV-7K3Q2M' },
        chains: 1,
        failing: [{ chain: 'request:req-1', seq: 3, problem: 'altered', detail: 'content does not match its hash' }],
        stored: 4,
        pending: 0,
        elapsedMs: 12,
        reports: [],
      }),
  ],
  ...([true, false] as const).map((withLinks): [string, () => AdaptiveCard] => [
    `auditDesk/evidence${withLinks ? '' : '/noLinks'}`,
    () =>
      renderEvidenceCard(
        {
          schemaVersion: '1',
          generatedAt: '2026-03-02T09:00:00.000Z',
          generatedBy: { aadObjectId: 'u-debra', roles: ['auditor'], door: 'teams' },
          scope: { kind: 'request', id: 'req-1' },
          dataResidency: { region: withLinks ? 'EU (West Europe)' : null },
          controls: {} as never,
          integrity: withLinks ? { ok: true, chains: 2, problems: [] } : { ok: false, chains: 1, problems: [{ chain: 'request:req-1', finding: { seq: 2, problem: 'removed', detail: 'x' } }] },
          person: null,
          requests: [{ request: { id: 'req-1', reference: 'DEV-7K3Q2M', state: 'granted', requester: { aadObjectId: 'u-alex', displayName: '[Alex](https://evil.example) <b>W</b>' } }, consent: null, audit: { entries: [] } } as never],
          accessReviews: [],
        },
        withLinks ? { json: 'https://bot.example/api/evidence?token=a.b', html: 'https://bot.example/api/evidence?token=c.d' } : null,
        10,
      ),
  ]),
  [
    'auditDesk/accessLog',
    () =>
      renderAccessLogCard(
        [{ _id: 'd:1', chainId: '2026-03-02', seq: 1, prevHash: '', hash: 'h', at: '2026-03-02T09:00:00.000Z', actor: { aadObjectId: 'u-lynne', roles: ['itSecurity'] }, door: 'teams', action: 'lookUpPerson', subject: { kind: 'personStatus', id: 'u-alex' } }],
        new Map([['u-lynne', 'Lynne <b>Robbins</b> [x](https://evil.example)']]),
        'alexw@contoso.example',
      ),
  ],
  ['complianceDigest/quiet', () => renderComplianceDigestCard({ since: '2026-03-01T09:00:00.000Z', until: '2026-03-02T09:00:00.000Z', newCount: 0, openCount: 0, fixedCount: 0, removedCount: 0, failedCount: 0, nearing: [] })],
  // Breach notification and the third-party register.
  ['breachNotice', () => renderBreachNoticeCard({ breachId: 'BR-7K3Q2M', text: renderNotice(`${DEFAULT_NOTICE_TEMPLATE}\n\n\${evil} {{DATE(2026-01-01T00:00:00Z)}}`, BREACH_VALUES) })],
  ['breachNotice/reminder', () => renderBreachNoticeCard({ breachId: 'BR-7K3Q2M', text: renderNotice(DEFAULT_NOTICE_TEMPLATE, BREACH_VALUES), reminder: 1 })],
  ['breachNotice/acknowledged', () => renderBreachNoticeCard({ breachId: 'BR-7K3Q2M', text: renderNotice(DEFAULT_NOTICE_TEMPLATE, BREACH_VALUES), acknowledgedAt: '2026-03-02T10:00:00.000Z' })],
  ['breachNotice/preview', () => renderBreachNoticeCard({ breachId: 'BR-7K3Q2M', text: renderNotice(DEFAULT_NOTICE_TEMPLATE, BREACH_VALUES), preview: true })],
  ...(['draft', 'notifying', 'notified', 'closed'] as const).map((state): [string, () => AdaptiveCard] => [
    `breachStatus/${state}`,
    () =>
      renderBreachStatusCard({
        breachId: 'BR-7K3Q2M',
        version: 3,
        incidentId: 'INC-7K3Q2M',
        state,
        recipientCount: 500,
        counts: { pending: state === 'notifying' ? 120 : 0, sent: 300, unreachable: 25, acknowledged: 55 },
        deadlines: [
          { regulation: 'HIPAA', notify: 'individuals', dueAt: '2026-05-01T09:00:00.000Z' },
          { regulation: 'GDPR', notify: 'authority', dueAt: '2026-03-02T09:00:00.000Z', metAt: state === 'closed' ? '2026-03-01T12:00:00.000Z' : undefined },
        ],
        unreachable: ['Megan <b>Bowen</b>', '[Adele](https://evil.example)'],
        now: '2026-03-01T09:00:00.000Z',
      }),
  ]),
  ['thirdParties', () => renderThirdPartyListCard({ entries: [THIRD_PARTY, { ...THIRD_PARTY, _id: 'TP-2', nextReviewOn: '2026-01-01' }], today: '2026-03-01' })],
  ['thirdParties/empty', () => renderThirdPartyListCard({ entries: [], today: '2026-03-01' })],
  ['thirdParties/reminder owner', () => renderThirdPartyReviewCard({ entry: THIRD_PARTY, reminder: 'dueSoon', audience: 'owner' })],
  ['thirdParties/reminder it', () => renderThirdPartyReviewCard({ entry: THIRD_PARTY, reminder: 'overdue', audience: 'it' })],
];

export const ALL_CARDS: [string, () => AdaptiveCard][] = [
  ...REQUEST_RENDERERS.flatMap(([name, render]) => FIXTURE_LIST.map(([fixture, r]) => [`${name} × ${fixture}`, () => render(r)] as [string, () => AdaptiveCard])),
  ...OTHER_CARDS,
];

/** Every notification topic. */
export const NOTIFY_TOPICS: NotifyTopic[] = [
  'submitted', 'approved', 'denied', 'cancelled', 'consentDeclined', 'enrollmentReminder',
  'nonCompliant', 'complianceUndetermined', 'pendingItReview', 'itDenied', 'granted', 'expired',
];

/** Every notification audience. */
export const NOTIFY_AUDIENCES: NotificationAudience[] = ['requester', 'approver', 'it'];

/** Every notification card: topic × audience × fixture. */
export const NOTIFICATION_CARDS: [string, () => AdaptiveCard][] = NOTIFY_TOPICS.flatMap((topic) =>
  NOTIFY_AUDIENCES.flatMap((audience) =>
    FIXTURE_LIST.map(([fixture, r]) => [`notification ${topic}/${audience} × ${fixture}`, () => renderNotificationCard(r, topic, audience)] as [string, () => AdaptiveCard]),
  ),
);
