import assert from 'node:assert/strict';
import {
  DEVICE_EVENT_TYPES,
  DEVICE_STATES,
  deviceTransition,
  InvalidDeviceTransitionError,
  type DeviceCore,
  type DeviceEvent,
  type DeviceEventType,
  type DeviceState,
} from '../../../services/workflow/deviceTransition';

const NOW = new Date('2026-03-01T12:00:00Z');
const H = 3600 * 1000;
const at = (hours: number) => new Date(NOW.getTime() + hours * H).toISOString();
const policy = { graceHours: 96, reminderHoursBefore: [72, 24] };

function device(state: DeviceState, patch: Partial<DeviceCore> = {}): DeviceCore {
  const base: DeviceCore = { _id: 'd1', platform: 'ios', state, failing: [], remindersSent: [] };
  if (state === 'inGrace') Object.assign(base, { failing: ['IosCompliancePolicy.passcodeRequired'], graceEndsAt: at(96), timerAt: at(24) });
  if (state === 'accessRemoved') Object.assign(base, { failing: ['IosCompliancePolicy.passcodeRequired'] });
  return { ...base, ...patch };
}

const drift: DeviceEvent = { type: 'complianceObserved', compliant: false, failing: ['IosCompliancePolicy.passcodeRequired'] };
const otherDrift: DeviceEvent = { type: 'complianceObserved', compliant: false, failing: ['IosCompliancePolicy.osMinimumVersion'] };
const ok: DeviceEvent = { type: 'complianceObserved', compliant: true, failing: [] };

/** One event per event type, the one used for the every-state × every-event sweep. */
const SAMPLE: Record<DeviceEventType, DeviceEvent> = {
  complianceObserved: drift,
  graceTimer: { type: 'graceTimer' },
  membershipApplied: { type: 'membershipApplied', op: 'remove', groupId: 'g', memberId: 'm', graphRequestId: 'r' },
  deviceGone: { type: 'deviceGone' },
  personLeft: { type: 'personLeft' },
  incidentOpened: { type: 'incidentOpened', incidentId: 'INC-2026-AAAAAA' },
  incidentClosed: { type: 'incidentClosed', incidentId: 'INC-2026-AAAAAA' },
  consentWithdrawn: { type: 'consentWithdrawn' },
  consentLapsed: { type: 'consentLapsed', noticeVersion: '2027-01-01' },
  consentRenewed: { type: 'consentRenewed', noticeVersion: '2027-01-01' },
};

/** state × event → next state (or 'refused'), effect types; every pair appears. */
const TABLE: Record<DeviceState, Record<DeviceEventType, [DeviceState | 'refused', string[]]>> = {
  compliant: {
    complianceObserved: ['inGrace', ['notifyEmployee:drift', 'alertIt:open']],
    graceTimer: ['compliant', []],
    membershipApplied: ['compliant', []],
    deviceGone: ['retired', ['removeAccess']],
    personLeft: ['retired', ['removeAccess']],
    incidentOpened: ['accessRemoved', ['removeAccess']],
    incidentClosed: ['compliant', []],
    consentWithdrawn: ['consentWithdrawn', ['removeAccess', 'tellIt']],
    consentLapsed: ['consentLapsed', ['removeAccess', 'notifyEmployee:consentLapsed']],
    consentRenewed: ['compliant', []],
  },
  inGrace: {
    complianceObserved: ['inGrace', []],
    graceTimer: ['inGrace', []],
    membershipApplied: ['inGrace', []],
    deviceGone: ['retired', ['removeAccess', 'alertIt:retired']],
    personLeft: ['retired', ['removeAccess', 'alertIt:retired']],
    incidentOpened: ['accessRemoved', ['removeAccess', 'alertIt:accessRemoved']],
    incidentClosed: ['inGrace', []],
    consentWithdrawn: ['consentWithdrawn', ['removeAccess', 'alertIt:retired', 'tellIt']],
    consentLapsed: ['consentLapsed', ['removeAccess', 'notifyEmployee:consentLapsed', 'alertIt:accessRemoved']],
    consentRenewed: ['inGrace', []],
  },
  accessRemoved: {
    complianceObserved: ['accessRemoved', []],
    graceTimer: ['accessRemoved', []],
    membershipApplied: ['accessRemoved', []],
    deviceGone: ['retired', []],
    personLeft: ['retired', []],
    incidentOpened: ['accessRemoved', []],
    incidentClosed: ['accessRemoved', []],
    consentWithdrawn: ['consentWithdrawn', ['tellIt']],
    consentLapsed: ['consentLapsed', ['notifyEmployee:consentLapsed']],
    consentRenewed: ['accessRemoved', []],
  },
  consentWithdrawn: {
    complianceObserved: ['consentWithdrawn', []],
    graceTimer: ['consentWithdrawn', []],
    membershipApplied: ['consentWithdrawn', []],
    deviceGone: ['retired', []],
    personLeft: ['retired', []],
    consentWithdrawn: ['consentWithdrawn', []],
    consentLapsed: ['consentWithdrawn', []],
    consentRenewed: ['consentWithdrawn', []],
    incidentOpened: ['consentWithdrawn', []],
    incidentClosed: ['consentWithdrawn', []],
  },
  consentLapsed: {
    complianceObserved: ['consentLapsed', []],
    graceTimer: ['consentLapsed', []],
    membershipApplied: ['consentLapsed', []],
    deviceGone: ['retired', []],
    personLeft: ['retired', []],
    consentWithdrawn: ['consentWithdrawn', ['tellIt']],
    consentLapsed: ['consentLapsed', []],
    consentRenewed: ['compliant', ['restoreAccess', 'notifyEmployee:accessRestored']],
    incidentOpened: ['consentLapsed', []],
    incidentClosed: ['consentLapsed', []],
  },
  retired: {
    complianceObserved: ['refused', []],
    graceTimer: ['refused', []],
    membershipApplied: ['retired', []],
    deviceGone: ['refused', []],
    personLeft: ['refused', []],
    incidentOpened: ['refused', []],
    incidentClosed: ['refused', []],
    consentWithdrawn: ['refused', []],
    consentLapsed: ['refused', []],
    consentRenewed: ['refused', []],
  },
};

const effectNames = (r: ReturnType<typeof deviceTransition>) =>
  r.effects.map((e) => (e.type === 'notifyEmployee' ? `${e.type}:${e.about}` : e.type === 'alertIt' ? `${e.type}:${e.status}` : e.type));

describe('enrolled device transitions', () => {
  describe('incident holds', () => {
    const held = device('accessRemoved', { failing: [], incidentHolds: ['INC-2026-AAAAAA'] });
    it('when a device held by an open incident is seen compliant, then access stays removed', () => {
      const r = deviceTransition(held, ok, policy, NOW);
      assert.equal(r.next.state, 'accessRemoved');
      assert.deepEqual(r.effects, []);
    });
    it('when the incident closes, then the hold goes but access waits for the next compliant observation', () => {
      const released = deviceTransition(held, { type: 'incidentClosed', incidentId: 'INC-2026-AAAAAA' }, policy, NOW);
      assert.equal(released.next.state, 'accessRemoved');
      assert.deepEqual(released.next.incidentHolds, []);
      assert.deepEqual(effectNames(deviceTransition(released.next, ok, policy, NOW)), ['restoreAccess', 'notifyEmployee:accessRestored', 'alertIt:restored']);
    });
    it('when the same incident is opened twice, then nothing changes the second time', () => {
      assert.equal(deviceTransition(held, { type: 'incidentOpened', incidentId: 'INC-2026-AAAAAA' }, policy, NOW).changed, false);
    });
  });

  describe('every state × every event', () => {
    for (const state of DEVICE_STATES) {
      for (const type of DEVICE_EVENT_TYPES) {
        const [expected, effects] = TABLE[state][type];
        it(`when ${state} gets ${type}, then ${expected}${effects.length ? ` with ${effects.join(', ')}` : ''}`, () => {
          if (expected === 'refused') {
            assert.throws(() => deviceTransition(device(state), SAMPLE[type], policy, NOW), InvalidDeviceTransitionError);
            return;
          }
          const r = deviceTransition(device(state), SAMPLE[type], policy, NOW);
          assert.equal(r.next.state, expected);
          assert.deepEqual(effectNames(r), effects);
        });
      }
    }
  });

  const cases: { name: string; from: DeviceCore; event: DeviceEvent; now?: Date; state: DeviceState; effects: string[]; check?: (d: DeviceCore) => void }[] = [
    {
      name: 'consent renewed while an incident is open keeps access off until the incident closes and the device complies',
      from: device('consentLapsed', { incidentHolds: ['INC-2026-AAAAAA'] }),
      event: { type: 'consentRenewed', noticeVersion: '2027-01-01' },
      state: 'accessRemoved',
      effects: [],
    },
    {
      name: 'consent renewed while settings still fail keeps access off: the device waits for compliance, not for consent',
      from: device('consentLapsed', { failing: ['IosCompliancePolicy.passcodeRequired'] }),
      event: { type: 'consentRenewed', noticeVersion: '2027-01-01' },
      state: 'accessRemoved',
      effects: [],
    },
    {
      name: 'a lapsed consent remembers settings that fail meanwhile, without any message',
      from: device('consentLapsed'),
      event: drift,
      state: 'consentLapsed',
      effects: [],
      check: (d) => assert.deepEqual(d.failing, ['IosCompliancePolicy.passcodeRequired']),
    },
    {
      name: 'a drift without an Intune grace date starts the configured grace period and schedules the first reminder',
      from: device('compliant'),
      event: drift,
      state: 'inGrace',
      effects: ['notifyEmployee:drift', 'alertIt:open'],
      check: (d) => {
        assert.equal(d.graceEndsAt, at(96));
        assert.equal(d.timerAt, at(24));
      },
    },
    {
      name: "a drift with Intune's grace date uses it",
      from: device('compliant'),
      event: { ...drift, intuneGraceEndsAt: at(10) } as DeviceEvent,
      state: 'inGrace',
      effects: ['notifyEmployee:drift', 'alertIt:open'],
      check: (d) => {
        assert.equal(d.graceEndsAt, at(10));
        assert.equal(d.timerAt, at(10), 'both reminders already passed: the timer fires at the end');
      },
    },
    {
      name: "Intune's 9999 'no grace period' sentinel is ignored",
      from: device('compliant'),
      event: { ...drift, intuneGraceEndsAt: '9999-12-31T23:59:59Z' } as DeviceEvent,
      state: 'inGrace',
      effects: ['notifyEmployee:drift', 'alertIt:open'],
      check: (d) => assert.equal(d.graceEndsAt, at(96)),
    },
    { name: 'in grace, other failing settings tell the employee and open a new alert', from: device('inGrace'), event: otherDrift, state: 'inGrace', effects: ['notifyEmployee:drift', 'alertIt:open'] },
    { name: 'in grace, compliant again is fixed', from: device('inGrace'), event: ok, state: 'compliant', effects: ['notifyEmployee:fixed', 'alertIt:fixed'] },
    {
      name: 'in grace, the timer at 72 h before the end sends the first reminder',
      from: device('inGrace'),
      event: { type: 'graceTimer' },
      now: new Date(NOW.getTime() + 24 * H),
      state: 'inGrace',
      effects: ['notifyEmployee:reminder'],
      check: (d) => {
        assert.deepEqual(d.remindersSent, [72]);
        assert.equal(d.timerAt, at(72));
      },
    },
    {
      name: 'a late timer sends one reminder for both passed reminder times',
      from: device('inGrace'),
      event: { type: 'graceTimer' },
      now: new Date(NOW.getTime() + 80 * H),
      state: 'inGrace',
      effects: ['notifyEmployee:reminder'],
      check: (d) => assert.deepEqual(d.remindersSent, [72, 24]),
    },
    {
      name: 'at the end of grace access is removed and everyone is told',
      from: device('inGrace'),
      event: { type: 'graceTimer' },
      now: new Date(NOW.getTime() + 96 * H),
      state: 'accessRemoved',
      effects: ['removeAccess', 'notifyEmployee:accessRemoved', 'alertIt:accessRemoved'],
    },
    { name: 'access removed, compliant again restores access', from: device('accessRemoved'), event: ok, state: 'compliant', effects: ['restoreAccess', 'notifyEmployee:accessRestored', 'alertIt:restored'] },
    { name: 'compliant and compliant again changes nothing', from: device('compliant'), event: ok, state: 'compliant', effects: [] },
  ];
  for (const c of cases) {
    it(`when ${c.name}`, () => {
      const r = deviceTransition(c.from, c.event, policy, c.now ?? NOW);
      assert.equal(r.next.state, c.state);
      assert.deepEqual(effectNames(r), c.effects);
      c.check?.(r.next);
    });
  }

  it('when nothing changes, then the result says so (nothing is saved or audited)', () => {
    assert.equal(deviceTransition(device('compliant'), ok, policy, NOW).changed, false);
    assert.equal(deviceTransition(device('inGrace'), drift, policy, NOW).changed, false);
  });
});
