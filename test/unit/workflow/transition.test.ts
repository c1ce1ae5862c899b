import assert from 'node:assert/strict';
import { InvalidTransitionError, NotAuthorizedError, ValidationError } from '../../../services/workflow/errors';
import type { ComplianceReport, OnboardingRequest, RequestState } from '../../../services/workflow/model';
import {
  createRequest,
  transition,
  validateDeviceDetails,
  type Actor,
  type WorkflowEvent,
  type WorkflowEventType,
  type WorkflowPolicy,
} from '../../../services/workflow/transition';

const NOW = '2026-11-23T10:00:00.000Z';
const policy: WorkflowPolicy = {
  itReviewMode: 'manual',
  enrollmentDeadlineHours: 72,
  enrollmentReminderHours: 24,
  compliancePollFirstSeconds: 60,
  compliancePollMaxSeconds: 3600,
};

const alex = { aadObjectId: 'u-alex', displayName: 'Alex Wilber' };
const megan = { aadObjectId: 'u-megan', displayName: 'Megan Bowen' };
const actors: Record<string, Actor> = {
  requester: { kind: 'user', ...alex, roles: [] },
  approver: { kind: 'user', ...megan, roles: [] },
  itSecurity: { kind: 'user', aadObjectId: 'u-lynne', displayName: 'Lynne Robbins', roles: ['itSecurity'] },
  other: { kind: 'user', aadObjectId: 'u-adele', displayName: 'Adele Vance', roles: [] },
  system: { kind: 'system' },
};

function report(state: ComplianceReport['complianceState'], failing: string[] = []): ComplianceReport {
  return {
    deviceId: 'dev-1',
    deviceName: "Alex's iPhone",
    operatingSystem: 'iOS',
    osVersion: '18.1',
    complianceState: state,
    evaluatedAt: NOW,
    policies: [{ id: 'p1', displayName: 'iOS baseline', state: failing.length ? 'nonCompliant' : 'compliant' }],
    settings: failing.map((s) => ({ policy: 'p1', setting: s, check: 'passcode' as const, label: s, state: 'nonCompliant' as const })),
  };
}

const events: Record<WorkflowEventType, WorkflowEvent> = {
  approve: { type: 'approve', comment: 'ok' },
  deny: { type: 'deny', reason: 'Not needed for the role' },
  cancel: { type: 'cancel' },
  consent: { type: 'consent', consentId: 'c1', textVersion: 'v1', textHash: 'h' },
  declineConsent: { type: 'declineConsent', consentId: 'c1', textVersion: 'v1', textHash: 'h' },
  enrollmentReported: { type: 'enrollmentReported' },
  recheckRequested: { type: 'recheckRequested' },
  deviceNotFound: { type: 'deviceNotFound' },
  complianceEvaluated: { type: 'complianceEvaluated', report: report('compliant') },
  itConfirm: { type: 'itConfirm' },
  itDeny: { type: 'itDeny', reason: 'Device model not supported' },
  accessApplied: { type: 'accessApplied', groupId: 'g', memberId: 'u-alex' },
};

/** Which roles may perform each event at all. */
const permitted: Record<WorkflowEventType, string[]> = {
  approve: ['approver'],
  deny: ['approver'],
  cancel: ['requester'],
  consent: ['requester'],
  declineConsent: ['requester'],
  enrollmentReported: ['requester'],
  recheckRequested: ['requester', 'itSecurity'],
  deviceNotFound: ['system'],
  complianceEvaluated: ['system'],
  itConfirm: ['itSecurity'],
  itDeny: ['itSecurity'],
  accessApplied: ['system'],
};

/** The state machine: state × event → next state, for a permitted role. Anything absent is invalid. */
const allowed: Record<RequestState, Partial<Record<WorkflowEventType, RequestState>>> = {
  pendingApproval: { approve: 'awaitingConsent', deny: 'denied', cancel: 'cancelled' },
  awaitingConsent: { consent: 'awaitingEnrollment', declineConsent: 'consentDeclined', cancel: 'cancelled' },
  awaitingEnrollment: {
    enrollmentReported: 'awaitingEnrollment',
    deviceNotFound: 'awaitingEnrollment',
    complianceEvaluated: 'pendingItReview',
    cancel: 'cancelled',
  },
  nonCompliant: {
    enrollmentReported: 'nonCompliant',
    recheckRequested: 'nonCompliant',
    deviceNotFound: 'nonCompliant',
    complianceEvaluated: 'pendingItReview',
    cancel: 'cancelled',
  },
  complianceUndetermined: {
    enrollmentReported: 'complianceUndetermined',
    recheckRequested: 'complianceUndetermined',
    deviceNotFound: 'complianceUndetermined',
    complianceEvaluated: 'pendingItReview',
    cancel: 'cancelled',
  },
  pendingItReview: { itConfirm: 'granting', itDeny: 'denied', cancel: 'cancelled' },
  granting: { accessApplied: 'granted' },
  denied: {},
  cancelled: {},
  consentDeclined: {},
  granted: {},
  expired: {},
};

function requestIn(state: RequestState, extra: Partial<OnboardingRequest> = {}): OnboardingRequest {
  const { next } = createRequest(
    {
      id: 'r1',
      reference: 'DEV-1',
      tenantId: 't',
      requester: alex,
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email and Teams on the road' },
      approvers: [megan],
      approverSource: 'manager',
    },
    NOW,
  );
  return { ...next, state, consent: { outcome: 'consented', consentId: 'c', textVersion: 'v', textHash: 'h', at: NOW }, ...extra };
}

describe('workflow transition table (state × event × role)', () => {
  const terminal: RequestState[] = ['denied', 'cancelled', 'consentDeclined', 'granted', 'expired'];
  for (const state of Object.keys(allowed) as RequestState[]) {
    for (const eventType of Object.keys(events) as WorkflowEventType[]) {
      for (const role of Object.keys(actors)) {
        const expected = allowed[state][eventType];
        const mayAct = permitted[eventType].includes(role);
        const outcome = terminal.includes(state)
          ? (eventType === 'approve' || eventType === 'deny') && !mayAct
            ? 'NotAuthorizedError'
            : 'InvalidTransitionError'
          : !mayAct
            ? 'NotAuthorizedError'
            : expected ?? 'InvalidTransitionError';
        it(`when ${role} sends ${eventType} in ${state}, then ${outcome}`, () => {
          const run = () => transition(requestIn(state), events[eventType], actors[role], NOW, policy);
          if (outcome === 'NotAuthorizedError') assert.throws(run, NotAuthorizedError);
          else if (outcome === 'InvalidTransitionError') assert.throws(run, InvalidTransitionError);
          else assert.equal(run().next.state, outcome);
        });
      }
    }
  }
});

describe('workflow rules', () => {
  it('when a request is created, then it waits for approval and the approval card is sent', () => {
    const r = requestIn('pendingApproval');
    assert.equal(r.version, 0);
    const { effects } = createRequest({ ...r, id: 'x', reference: 'R', device: r.device }, NOW);
    assert.deepEqual(effects.map((e) => e.type), ['sendApprovalRequest', 'notifyRequester']);
  });

  it('when there is no approver, then the request cannot be created', () => {
    const r = requestIn('pendingApproval');
    assert.throws(() => createRequest({ ...r, id: 'x', approvers: [] }, NOW), ValidationError);
  });

  it('when the approver is also the requester (fallback group member), then they cannot decide', () => {
    const r = requestIn('pendingApproval', { approvers: [alex, megan] });
    assert.throws(() => transition(r, events.approve, actors.requester, NOW, policy), NotAuthorizedError);
  });

  it('when the manager approves, then IT is told, consent is asked and the decision is recorded', () => {
    const { next, effects } = transition(requestIn('pendingApproval'), events.approve, actors.approver, NOW, policy);
    assert.equal(next.decision?.outcome, 'approved');
    assert.equal(next.decision?.by.aadObjectId, 'u-megan');
    assert.deepEqual(effects.map((e) => e.type).sort(), ['notifyRequester', 'postItCard', 'refreshCards', 'sendConsentCard']);
  });

  const denyTable: [string, WorkflowEvent][] = [
    ['no reason', { type: 'deny', reason: '  ' }],
    ['a reason over 500 characters', { type: 'deny', reason: 'x'.repeat(501) }],
    ['a comment over 500 characters', { type: 'deny', reason: 'no', comment: 'x'.repeat(501) }],
  ];
  for (const [name, ev] of denyTable) {
    it(`when the manager denies with ${name}, then it is refused as invalid input`, () => {
      assert.throws(() => transition(requestIn('pendingApproval'), ev, actors.approver, NOW, policy), ValidationError);
    });
  }

  it('when consent is given, then an enrollment deadline and the first check are scheduled', () => {
    const { next, effects } = transition(requestIn('awaitingConsent'), events.consent, actors.requester, NOW, policy);
    assert.equal(next.enrollmentDeadline, '2026-11-26T10:00:00.000Z');
    assert.equal(next.nextCheckAt, '2026-11-23T10:01:00.000Z');
    assert.deepEqual(effects.map((e) => e.type), ['sendEnrollmentInstructions', 'refreshCards']);
  });

  it('when consent is declined, then the request ends and manager and IT are told', () => {
    const { next, effects } = transition(requestIn('awaitingConsent'), events.declineConsent, actors.requester, NOW, policy);
    assert.equal(next.state, 'consentDeclined');
    assert.ok(next.closedAt);
    assert.ok(effects.some((e) => e.type === 'notifyApprovers'));
    assert.ok(effects.some((e) => e.type === 'alertIt'));
  });

  const complianceTable: [ComplianceReport['complianceState'], 'manual' | 'auto', RequestState, string[]][] = [
    ['compliant', 'manual', 'pendingItReview', ['refreshCards', 'notifyRequester', 'alertIt']],
    ['compliant', 'auto', 'granting', ['refreshCards', 'grantAccess']],
    ['noncompliant', 'manual', 'nonCompliant', ['refreshCards', 'sendRemediation', 'alertIt']],
    ['inGracePeriod', 'manual', 'nonCompliant', ['refreshCards', 'sendRemediation', 'alertIt']],
    ['unknown', 'manual', 'complianceUndetermined', ['refreshCards', 'notifyRequester']],
    ['error', 'manual', 'complianceUndetermined', ['refreshCards', 'notifyRequester']],
    ['conflict', 'manual', 'complianceUndetermined', ['refreshCards', 'notifyRequester']],
    ['configManager', 'manual', 'complianceUndetermined', ['refreshCards', 'notifyRequester']],
  ];
  for (const [state, mode, expected, effectTypes] of complianceTable) {
    it(`when Intune reports ${state} with IT review ${mode}, then the request is ${expected}`, () => {
      const ev: WorkflowEvent = { type: 'complianceEvaluated', report: report(state, state === 'compliant' ? [] : ['IosCompliancePolicy.passcodeRequired']) };
      const { next, effects } = transition(requestIn('awaitingEnrollment'), ev, actors.system, NOW, { ...policy, itReviewMode: mode });
      assert.equal(next.state, expected);
      assert.deepEqual(effects.map((e) => e.type), effectTypes);
      assert.equal(next.compliance?.complianceState, state);
    });
  }

  it('when the same noncompliance is reported again, then nobody is re-notified but polling continues', () => {
    const ev: WorkflowEvent = { type: 'complianceEvaluated', report: report('noncompliant', ['IosCompliancePolicy.passcodeRequired']) };
    const first = transition(requestIn('awaitingEnrollment'), ev, actors.system, NOW, policy).next;
    const second = transition(first, ev, actors.system, NOW, policy);
    assert.deepEqual(second.effects, []);
    assert.ok(second.next.nextCheckAt && second.next.nextCheckAt > NOW);
  });

  it('when the device is not found repeatedly, then the poll interval backs off up to the maximum', () => {
    let r = requestIn('awaitingEnrollment', { enrollmentDeadline: '2026-12-31T00:00:00.000Z' });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      r = transition(r, events.deviceNotFound, actors.system, NOW, policy).next;
      delays.push((Date.parse(r.nextCheckAt!) - Date.parse(NOW)) / 1000);
    }
    assert.deepEqual(delays, [120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  });

  it('when the reminder time has passed without a device, then one reminder is sent', () => {
    const later = '2026-11-24T10:30:00.000Z';
    let r = requestIn('awaitingEnrollment', { enrollmentDeadline: '2026-11-26T10:00:00.000Z' });
    const first = transition(r, events.deviceNotFound, actors.system, later, policy);
    assert.deepEqual(first.effects, [{ type: 'notifyRequester', about: 'enrollmentReminder' }]);
    r = first.next;
    assert.deepEqual(transition(r, events.deviceNotFound, actors.system, later, policy).effects, []);
  });

  it('when the enrollment deadline passes without a device, then the request expires', () => {
    const r = requestIn('awaitingEnrollment', { enrollmentDeadline: '2026-11-23T09:00:00.000Z' });
    const { next } = transition(r, events.deviceNotFound, actors.system, NOW, policy);
    assert.equal(next.state, 'expired');
    assert.equal(next.nextCheckAt, undefined);
  });

  it('when IT security staff file their own request, then they cannot confirm it', () => {
    const lynneRequest = requestIn('pendingItReview', { requester: { aadObjectId: 'u-lynne', displayName: 'Lynne Robbins' } });
    assert.throws(() => transition(lynneRequest, events.itConfirm, actors.itSecurity, NOW, policy), NotAuthorizedError);
  });
});

describe('request form validation', () => {
  const table: [string, Record<string, unknown>, number][] = [
    ['a complete form', { platform: 'android', ownership: 'company', model: 'Pixel 9', justification: 'On-call rota for the warehouse' }, 0],
    ['an unknown platform', { platform: 'symbian', ownership: 'company', model: 'Nokia', justification: 'On-call rota for the warehouse' }, 1],
    ['everything missing', {}, 4],
    ['a justification too short', { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'work' }, 1],
    ['a model too long', { platform: 'ios', ownership: 'personal', model: 'x'.repeat(81), justification: 'Email and calendar' }, 1],
  ];
  for (const [name, input, problemCount] of table) {
    it(`when the employee submits ${name}, then ${problemCount} problem(s) are reported`, () => {
      if (problemCount === 0) assert.equal(validateDeviceDetails(input).platform, input.platform);
      else
        assert.throws(
          () => validateDeviceDetails(input),
          (e: unknown) => e instanceof ValidationError && e.problems.length === problemCount,
        );
    });
  }
});
