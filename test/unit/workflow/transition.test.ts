import assert from 'node:assert/strict';
import { InvalidTransitionError, NotAuthorizedError, ValidationError } from '../../../services/workflow/errors';
import type { ComplianceReport, OnboardingRequest, RequestState } from '../../../services/workflow/model';
import {
  approvalSchedule,
  createRequest,
  dueApprovalTimer,
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
  remindApprovers: { type: 'remindApprovers' },
  escalateApproval: { type: 'escalateApproval', to: [{ aadObjectId: 'u-patti', displayName: 'Patti Fernandez' }], source: 'skipLevelManager' },
  expireApproval: { type: 'expireApproval' },
  reassignApproval: { type: 'reassignApproval', to: { aadObjectId: 'u-dana', displayName: 'Dana Ito' }, reason: 'On leave until January' },
};

/** Timer events are sent when their time has come: the table sends them 15 days after submission. */
const LATE = '2026-12-08T10:00:00.000Z';
const TIMER_EVENTS: readonly WorkflowEventType[] = ['remindApprovers', 'escalateApproval', 'expireApproval'];

/** Which roles may perform each event at all. */
const permitted: Record<WorkflowEventType, string[]> = {
  approve: ['approver'],
  deny: ['approver'],
  cancel: ['requester', 'system'],
  consent: ['requester'],
  declineConsent: ['requester'],
  enrollmentReported: ['requester'],
  recheckRequested: ['requester', 'itSecurity'],
  deviceNotFound: ['system'],
  complianceEvaluated: ['system'],
  itConfirm: ['itSecurity'],
  itDeny: ['itSecurity'],
  accessApplied: ['system'],
  remindApprovers: ['system'],
  escalateApproval: ['system'],
  expireApproval: ['system'],
  reassignApproval: ['approver', 'itSecurity'],
};

/** The state machine: state × event → next state, for a permitted role. Anything absent is invalid. */
const allowed: Record<RequestState, Partial<Record<WorkflowEventType, RequestState>>> = {
  pendingApproval: {
    approve: 'awaitingConsent',
    deny: 'denied',
    cancel: 'cancelled',
    remindApprovers: 'pendingApproval',
    escalateApproval: 'pendingApproval',
    expireApproval: 'expired',
    reassignApproval: 'pendingApproval',
  },
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
          const at = TIMER_EVENTS.includes(eventType) ? LATE : NOW;
          const run = () => transition(requestIn(state), events[eventType], actors[role], at, policy);
          if (outcome === 'NotAuthorizedError') assert.throws(run, NotAuthorizedError);
          else if (outcome === 'InvalidTransitionError') assert.throws(run, InvalidTransitionError);
          else assert.equal(run().next.state, outcome);
        });
      }
    }
  }
});

describe('workflow rules', () => {
  it('when the bot cancels for someone who left, then approvers are told and nobody messages the person who left', () => {
    const { next, effects } = transition(requestIn('pendingApproval'), events.cancel, actors.system, NOW, policy);
    assert.equal(next.state, 'cancelled');
    assert.deepEqual(effects.map((e) => e.type), ['refreshCards', 'notifyApprovers']);
  });

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

describe('the approval step over time: reminders, escalation, reassignment, expiry', () => {
  const hours = (h: number) => new Date(Date.parse(NOW) + h * 3600_000).toISOString();
  const patti = { aadObjectId: 'u-patti', displayName: 'Patti Fernandez' };
  const dana = { aadObjectId: 'u-dana', displayName: 'Dana Ito' };
  const escalate: WorkflowEvent = { type: 'escalateApproval', to: [patti], source: 'skipLevelManager' };

  const dueTable: [string, number, Partial<OnboardingRequest>, ReturnType<typeof dueApprovalTimer>['due']][] = [
    ['an hour', 1, {}, null],
    ['a day', 24, {}, 'remind'],
    ['a day after one reminder', 47, { approval: { assignedAt: NOW, reminders: [{ at: hours(24), to: ['u-megan'] }], handovers: [] } }, null],
    ['two days after one reminder', 48, { approval: { assignedAt: NOW, reminders: [{ at: hours(24), to: ['u-megan'] }], handovers: [] } }, 'remind'],
    [
      'three days after both reminders',
      72,
      { approval: { assignedAt: NOW, reminders: [{ at: hours(24), to: ['u-megan'] }, { at: hours(48), to: ['u-megan'] }], handovers: [] } },
      'escalate',
    ],
    ['three days with fallback approvers', 73, { approverSource: 'fallbackGroup', approval: { assignedAt: NOW, reminders: [{ at: hours(24), to: [] }, { at: hours(48), to: [] }], handovers: [] } }, null],
    ['fourteen days', 14 * 24, {}, 'expire'],
    ['fourteen days but is already approved', 14 * 24, { state: 'awaitingConsent' }, null],
  ];
  for (const [name, h, extra, due] of dueTable) {
    it(`when the approval has waited ${name} (${h} h after submission), then the due approval timer is ${due ?? 'none'}`, () => {
      assert.equal(dueApprovalTimer(requestIn('pendingApproval', extra), hours(h), policy).due, due);
    });
  }

  it('when the manager never answers, then two reminders, one escalation to the skip level, and the new approver decides on behalf', () => {
    let r = requestIn('pendingApproval');
    const first = transition(r, { type: 'remindApprovers' }, actors.system, hours(24), policy);
    assert.deepEqual(first.effects, [{ type: 'refreshCards' }, { type: 'notifyApprovers', about: 'approvalReminder' }]);
    r = first.next;
    assert.throws(() => transition(r, { type: 'remindApprovers' }, actors.system, hours(30), policy), InvalidTransitionError);
    r = transition(r, { type: 'remindApprovers' }, actors.system, hours(48), policy).next;
    assert.equal(approvalSchedule(r, policy).remindAt, null);
    assert.throws(() => transition(r, escalate, actors.system, hours(71), policy), InvalidTransitionError);
    const up = transition(r, escalate, actors.system, hours(72), policy);
    assert.deepEqual(up.next.approvers, [patti]);
    assert.equal(up.next.approverSource, 'skipLevelManager');
    assert.deepEqual(up.effects.map((e) => e.type), ['refreshCards', 'sendApprovalRequest', 'notifyRequester']);
    r = up.next;
    // The reminder clock starts again for the new approver; escalation never chains.
    assert.equal(approvalSchedule(r, policy).remindAt, hours(96));
    assert.equal(approvalSchedule(r, policy).escalateAt, null);
    assert.throws(() => transition(r, events.approve, actors.approver, hours(73), policy), NotAuthorizedError);
    const pattiActor: Actor = { kind: 'user', ...patti, roles: [] };
    const decided = transition(r, events.approve, pattiActor, hours(73), policy).next;
    assert.equal(decided.decision?.by.aadObjectId, 'u-patti');
    assert.equal(decided.decision?.onBehalfOf?.aadObjectId, 'u-megan');
  });

  const escalationTargets: [string, { aadObjectId: string; displayName: string }[], string[]][] = [
    ['nobody', [], ['u-megan']],
    ['only the requester', [alex], ['u-megan']],
    ['the same manager again', [megan], ['u-megan']],
    ['the requester and a group member', [alex, patti], ['u-patti']],
  ];
  for (const [name, to, approvers] of escalationTargets) {
    it(`when the escalation finds ${name}, then the approvers are ${approvers.join(', ')} and it is not tried again`, () => {
      const { next } = transition(requestIn('pendingApproval'), { type: 'escalateApproval', to, source: 'fallbackGroup' }, actors.system, hours(72), policy);
      assert.deepEqual(next.approvers.map((p) => p.aadObjectId), approvers);
      assert.equal(approvalSchedule(next, policy).escalateAt, null);
    });
  }

  const reassignTable: [string, Actor, WorkflowEvent, string][] = [
    ['the manager hands it to Dana with a reason', actors.approver, { type: 'reassignApproval', to: dana, reason: 'On leave' }, 'u-dana'],
    ['IT Security hands it to Dana', actors.itSecurity, { type: 'reassignApproval', to: dana, reason: 'Manager left' }, 'u-dana'],
    ['the manager gives no reason', actors.approver, { type: 'reassignApproval', to: dana, reason: ' ' }, 'ValidationError'],
    ['the manager hands it to the requester', actors.approver, { type: 'reassignApproval', to: alex, reason: 'Self service' }, 'ValidationError'],
    ['the manager hands it to themself', actors.approver, { type: 'reassignApproval', to: megan, reason: 'Again' }, 'ValidationError'],
    ['the requester hands it to a friend', actors.requester, { type: 'reassignApproval', to: dana, reason: 'Faster' }, 'NotAuthorizedError'],
    ['a colleague hands it to Dana', actors.other, { type: 'reassignApproval', to: dana, reason: 'Helping' }, 'NotAuthorizedError'],
  ];
  for (const [name, actor, ev, expected] of reassignTable) {
    it(`when ${name}, then ${expected}`, () => {
      const run = () => transition(requestIn('pendingApproval'), ev, actor, NOW, policy);
      if (expected === 'ValidationError') assert.throws(run, ValidationError);
      else if (expected === 'NotAuthorizedError') assert.throws(run, NotAuthorizedError);
      else {
        const { next, effects } = run();
        assert.deepEqual(next.approvers.map((p) => p.aadObjectId), [expected]);
        assert.equal(next.approval?.handovers[0].kind, 'reassigned');
        assert.deepEqual(effects.map((e) => e.type), ['refreshCards', 'sendApprovalRequest', 'notifyRequester']);
      }
    });
  }

  // A request that arrived while Megan's approvals went to Dana: Dana decides on Megan's behalf.
  const delegated = (extra: Partial<OnboardingRequest> = {}) =>
    requestIn('pendingApproval', { approvers: [dana], approverSource: 'delegate', approval: { assignedAt: NOW, reminders: [], handovers: [], onBehalfOf: megan }, ...extra });
  const asDana: Actor = { kind: 'user', ...dana, roles: [] };
  const delegateTable: [string, () => OnboardingRequest, Actor, WorkflowEvent, string][] = [
    ['the delegate approves', delegated, asDana, events.approve, 'awaitingConsent on behalf of u-megan'],
    ['the delegate denies', delegated, asDana, events.deny, 'denied on behalf of u-megan'],
    ['the manager who delegated approves', delegated, actors.approver, events.approve, 'NotAuthorizedError'],
    ['the manager who delegated reassigns', delegated, actors.approver, { type: 'reassignApproval', to: patti, reason: 'Back early' }, 'NotAuthorizedError'],
    ['the delegate hands it back to the manager', delegated, asDana, { type: 'reassignApproval', to: megan, reason: 'Megan is back' }, 'approvers u-megan'],
    ['the delegate hands it to the employee who asked', delegated, asDana, { type: 'reassignApproval', to: alex, reason: 'Self service' }, 'ValidationError'],
    // Routing never sends a request to its own requester; should one ever name them, the guards still refuse.
    ['a delegate approves a request she is the subject of', () => delegated({ requester: dana, openKey: dana.aadObjectId }), asDana, events.approve, 'NotAuthorizedError'],
    ['a delegate denies a request she is the subject of', () => delegated({ requester: dana, openKey: dana.aadObjectId }), asDana, events.deny, 'NotAuthorizedError'],
    ['a delegate reassigns a request she is the subject of', () => delegated({ requester: dana, openKey: dana.aadObjectId }), asDana, { type: 'reassignApproval', to: patti, reason: 'x' }, 'NotAuthorizedError'],
    ['a colleague approves the delegated request', delegated, actors.other, events.approve, 'NotAuthorizedError'],
  ];
  for (const [name, request, actor, ev, expected] of delegateTable) {
    it(`when ${name}, then ${expected}`, () => {
      const run = () => transition(request(), ev, actor, NOW, policy);
      if (expected === 'ValidationError') assert.throws(run, ValidationError);
      else if (expected === 'NotAuthorizedError') assert.throws(run, NotAuthorizedError);
      else if (expected.startsWith('approvers ')) assert.deepEqual(run().next.approvers.map((p) => p.aadObjectId), [expected.slice('approvers '.length)]);
      else {
        const { next } = run();
        assert.equal(`${next.state} on behalf of ${next.decision?.onBehalfOf?.aadObjectId}`, expected);
        assert.equal(next.decision?.by.aadObjectId, 'u-dana');
      }
    });
  }

  it('when a delegated request escalates past the silent delegate, then the skip-level manager decides on behalf of the manager, not the delegate', () => {
    const up = transition(delegated(), escalate, actors.system, hours(72), policy).next;
    assert.deepEqual(up.approvers.map((p) => p.aadObjectId), ['u-patti']);
    assert.throws(() => transition(up, events.approve, asDana, hours(73), policy), NotAuthorizedError, 'the delegate no longer decides');
    const { next } = transition(up, events.approve, { kind: 'user', ...patti, roles: [] }, hours(73), policy);
    assert.equal(next.decision?.onBehalfOf?.aadObjectId, 'u-megan');
  });

  it('when fourteen days pass unanswered, then the request expires, every card updates and the employee is told', () => {
    assert.throws(() => transition(requestIn('pendingApproval'), { type: 'expireApproval' }, actors.system, hours(14 * 24 - 1), policy), InvalidTransitionError);
    const { next, effects } = transition(requestIn('pendingApproval'), { type: 'expireApproval' }, actors.system, hours(14 * 24), policy);
    assert.equal(next.state, 'expired');
    assert.ok(next.closedAt);
    assert.notEqual(next.openKey, 'u-alex');
    assert.deepEqual(effects, [{ type: 'refreshCards' }, { type: 'notifyRequester', about: 'approvalExpired' }]);
  });
});
