import assert from 'node:assert/strict';
import { consentViews, deviceView, failingSettingBars, noticeViews, requestStateBars, requestView } from '../../../bot/tabViews';
import type { PublishedNotice } from '../../../services/content/notices/noticeRegistry';
import type { EnrolledDevice } from '../../../services/devices/deviceRepository';
import type { DeviceState } from '../../../services/workflow/deviceTransition';
import type { RequestState } from '../../../services/workflow/model';
import { createRequest, type Actor } from '../../../services/workflow/transition';

const alex = { aadObjectId: 'a-alex', displayName: 'Alex Wilber' };
const lynne: Actor = { kind: 'user', aadObjectId: 'a-lynne', displayName: 'Lynne Robbins', roles: ['itSecurity'] };
const asAlex: Actor = { kind: 'user', ...alex, roles: [] };
const PASSCODE = 'IosCompliancePolicy.passcodeRequired';

function device(state: DeviceState, patch: Partial<EnrolledDevice> = {}): EnrolledDevice {
  return {
    _id: 'dev-1',
    version: 2,
    person: alex,
    requestId: 'r1',
    platform: 'ios',
    state,
    failing: state === 'compliant' ? [] : [PASSCODE],
    graceEndsAt: state === 'inGrace' ? '2026-12-03T09:00:00.000Z' : undefined,
    remindersSent: [],
    deviceName: "Alex's iPhone",
    operatingSystem: 'iOS',
    access: { groupId: 'g', memberId: 'm' },
    createdAt: '2026-11-30T09:00:00.000Z',
    updatedAt: '2026-11-30T10:00:00.000Z',
    auditHead: {} as EnrolledDevice['auditHead'],
    outboxTokens: [],
    ...patch,
  };
}

describe('tab view models of devices, consents, notices and charts', () => {
  const table: [string, DeviceState, Actor, { canCheckAgain: boolean; grace: boolean; failing: number }][] = [
    ['the owner of a device in grace', 'inGrace', asAlex, { canCheckAgain: true, grace: true, failing: 1 }],
    ['IT Security looking at it', 'inGrace', lynne, { canCheckAgain: false, grace: true, failing: 1 }],
    ['the owner after access was removed', 'accessRemoved', asAlex, { canCheckAgain: true, grace: false, failing: 1 }],
    ['the owner of a compliant device', 'compliant', asAlex, { canCheckAgain: true, grace: false, failing: 0 }],
    ['the owner of a retired device', 'retired', asAlex, { canCheckAgain: false, grace: false, failing: 0 }],
  ];
  for (const [who, state, viewer, expected] of table) {
    it(`when ${who} sees it, then Check again is ${expected.canCheckAgain ? 'offered' : 'not offered'} and the fixes are listed`, () => {
      const v = deviceView(device(state, state === 'retired' ? { failing: [] } : {}), viewer);
      assert.equal(v.canCheckAgain, expected.canCheckAgain);
      assert.equal(Boolean(v.graceEndsAt), expected.grace);
      assert.equal(v.failing.length, expected.failing);
      if (expected.failing) assert.ok(v.failing[0].steps.length > 0 && v.failing[0].helpUrl.startsWith('https://'));
    });
  }

  it('when a failing setting is on several devices, then the chart counts it once per device, most frequent first', () => {
    const bars = failingSettingBars([
      { platform: 'ios', failing: [PASSCODE, PASSCODE] },
      { platform: 'ios', failing: [PASSCODE, 'IosCompliancePolicy.osMinimumVersion'] },
      { platform: 'ios', failing: [] },
    ]);
    assert.deepEqual(
      bars.map((b) => b.value),
      [2, 1],
    );
  });

  it('when states have no open requests, then the chart leaves them out and keeps the workflow order', () => {
    const order: RequestState[] = ['pendingItReview', 'pendingApproval', 'awaitingConsent'];
    const bars = requestStateBars(new Map<RequestState, number>([['awaitingConsent', 3], ['pendingItReview', 1], ['pendingApproval', 0]]), order);
    assert.deepEqual(bars.map((b) => [b.key, b.value]), [['pendingItReview', 1], ['awaitingConsent', 3]]);
  });

  it('when notices are listed, then the newest comes first and only the version in force per ownership is marked', () => {
    const n = (ownership: 'personal' | 'company', version: string, publishedAt: string): PublishedNotice => ({ ownership, version, publishedAt, summary: '', material: false, sha256: `${ownership}-${version}`, lines: [] });
    const views = noticeViews([n('personal', 'v1', '2026-01-01T00:00:00Z'), n('company', 'v1', '2026-01-01T00:00:00Z'), n('personal', 'v2', '2026-06-01T00:00:00Z'), n('personal', 'v3', '2027-01-01T00:00:00Z')], new Date('2026-11-30T00:00:00Z'));
    assert.deepEqual(views.map((v) => `${v.ownership} ${v.version} ${v.inForce}`), ['Personal v3 false', 'Personal v2 true', 'Company v1 true', 'Personal v1 false']);
  });

  it('when consents are shown, then only a standing consent can be withdrawn, and only on the person\'s own page', () => {
    const history = {
      texts: [],
      devices: [
        { requestId: 'r1', platform: 'ios' as const, ownership: 'personal' as const, status: 'consented' as const, entries: [] },
        { requestId: 'r2', platform: 'android' as const, ownership: 'company' as const, status: 'withdrawn' as const, entries: [] },
      ],
    };
    assert.deepEqual(consentViews(history, true).map((c) => c.canWithdraw), [true, false]);
    assert.deepEqual(consentViews(history, false).map((c) => c.canWithdraw), [false, false]);
  });

  it('when a delegate decides for a manager, then the request says on whose behalf', () => {
    const { next } = createRequest(
      {
        id: 'r1',
        reference: 'DEV-ABCDE',
        tenantId: 't',
        requester: alex,
        device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'Email' },
        approvers: [{ aadObjectId: 'a-dana', displayName: 'Dana' }],
        approverSource: 'delegate',
        onBehalfOf: { aadObjectId: 'a-megan', displayName: 'Megan Bowen' },
      },
      '2026-11-30T09:00:00.000Z',
    );
    const v = requestView(next, { kind: 'user', aadObjectId: 'a-dana', displayName: 'Dana', roles: [] });
    assert.equal(v.onBehalfOf, 'Megan Bowen');
    assert.equal(v.canDecide, true);
  });
});
