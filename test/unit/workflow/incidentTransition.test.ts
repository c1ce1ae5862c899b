import assert from 'node:assert/strict';
import {
  DeviceActionRefusedError,
  INCIDENT_EVENT_TYPES,
  INCIDENT_STATES,
  IncidentNotAuthorizedError,
  IncidentValidationError,
  incidentTransition,
  InvalidIncidentTransitionError,
  openIncident,
  type IncidentCore,
  type IncidentEvent,
  type IncidentEventType,
  type IncidentRole,
  type IncidentState,
} from '../../../services/workflow/incidentTransition';
import type { Actor } from '../../../services/workflow/transition';

const NOW = new Date('2026-03-01T12:00:00Z');
const OWNER = { aadObjectId: 'owner-1', displayName: 'Alex Wilber' };
const ACTORS: Record<IncidentRole, Actor> = {
  itSecurity: { kind: 'user', aadObjectId: 'it-1', displayName: 'Lynne Robbins', roles: ['itSecurity'] },
  owner: { kind: 'user', aadObjectId: OWNER.aadObjectId, displayName: OWNER.displayName, roles: [] },
  system: { kind: 'system' },
  other: { kind: 'user', aadObjectId: 'other-1', displayName: 'Adele Vance', roles: ['auditor'] },
};

function incident(state: IncidentState, patch: Partial<IncidentCore> = {}): IncidentCore {
  const { next } = openIncident(
    { id: 'INC-2026-AAAAAA', cause: 'lost', owner: OWNER, devices: [{ deviceId: 'd1', deviceName: 'iPhone', platform: 'ios', ownership: 'personal' }], summary: 'left on a train' },
    ACTORS.owner,
    NOW,
  );
  return {
    ...next,
    state,
    actions: [{ id: 'a1', action: 'remoteLock', deviceId: 'd1', requestedAt: NOW.toISOString(), requestedBy: OWNER, status: 'sending', attempts: 1 }],
    ...patch,
  };
}

/** One event per type, as used in the state × event × role sweep. */
const SAMPLE: Record<IncidentEventType, IncidentEvent> = {
  triage: { type: 'triage', severity: 'high' },
  addNote: { type: 'addNote', text: 'Called the owner' },
  addCorrectiveAction: { type: 'addCorrectiveAction', id: 'c1', text: 'Remind staff to lock screens', owner: OWNER, dueDate: '2026-03-15' },
  requestDeviceAction: { type: 'requestDeviceAction', id: 'a2', action: 'retire', deviceId: 'd1' },
  deviceActionStarted: { type: 'deviceActionStarted', actionId: 'a1' },
  deviceActionSettled: { type: 'deviceActionSettled', actionId: 'a1', outcome: 'accepted', httpStatus: 204, requestId: 'r', clientRequestId: 'c', verifiedBy: 'response', at: NOW.toISOString() },
  contain: { type: 'contain' },
  investigate: { type: 'investigate', summary: 'No data accessed' },
  close: { type: 'close', resolution: 'Device retired' },
  agreeToWipe: { type: 'agreeToWipe', deviceId: 'd1' },
  breachDeclared: { type: 'breachDeclared', breachId: 'BR-7K3Q2M' },
};

/** Who may send each event (everyone else is refused as not authorised). */
const WHO: Record<IncidentEventType, IncidentRole | IncidentRole[]> = {
  triage: 'itSecurity',
  addNote: 'itSecurity',
  addCorrectiveAction: 'itSecurity',
  requestDeviceAction: 'itSecurity',
  deviceActionStarted: 'system',
  deviceActionSettled: 'system',
  contain: 'itSecurity',
  investigate: 'itSecurity',
  close: 'itSecurity',
  agreeToWipe: 'owner',
  breachDeclared: ['itSecurity', 'system'],
};

/** state × event → next state for the allowed role ('refused': not in that state), and the effect types. */
const TABLE: Record<IncidentState, Record<IncidentEventType, [IncidentState | 'refused', string[]]>> = {
  reported: {
    triage: ['triaged', ['showIt']],
    addNote: ['reported', ['showIt']],
    addCorrectiveAction: ['refused', []],
    requestDeviceAction: ['triaged', ['deviceAction', 'showIt']],
    deviceActionStarted: ['reported', []],
    deviceActionSettled: ['contained', ['showIt', 'tellOwner']],
    contain: ['refused', []],
    investigate: ['refused', []],
    close: ['refused', []],
    agreeToWipe: ['reported', ['showIt']],
    breachDeclared: ['reported', ['showIt']],
  },
  triaged: {
    triage: ['refused', []],
    addNote: ['triaged', ['showIt']],
    addCorrectiveAction: ['triaged', ['showIt']],
    requestDeviceAction: ['triaged', ['deviceAction', 'showIt']],
    deviceActionStarted: ['triaged', []],
    deviceActionSettled: ['contained', ['showIt', 'tellOwner']],
    contain: ['contained', ['showIt']],
    investigate: ['refused', []],
    close: ['refused', []],
    agreeToWipe: ['triaged', ['showIt']],
    breachDeclared: ['triaged', ['showIt']],
  },
  contained: {
    triage: ['refused', []],
    addNote: ['contained', ['showIt']],
    addCorrectiveAction: ['contained', ['showIt']],
    requestDeviceAction: ['contained', ['deviceAction', 'showIt']],
    deviceActionStarted: ['contained', []],
    deviceActionSettled: ['contained', ['showIt', 'tellOwner']],
    contain: ['refused', []],
    investigate: ['investigated', ['showIt']],
    close: ['refused', []],
    agreeToWipe: ['contained', ['showIt']],
    breachDeclared: ['contained', ['showIt']],
  },
  investigated: {
    triage: ['refused', []],
    addNote: ['investigated', ['showIt']],
    addCorrectiveAction: ['investigated', ['showIt']],
    requestDeviceAction: ['investigated', ['deviceAction', 'showIt']],
    deviceActionStarted: ['investigated', []],
    deviceActionSettled: ['investigated', ['showIt', 'tellOwner']],
    contain: ['refused', []],
    investigate: ['refused', []],
    close: ['closed', ['releaseHold', 'showIt', 'tellOwner']],
    agreeToWipe: ['investigated', ['showIt']],
    breachDeclared: ['investigated', ['showIt']],
  },
  closed: {
    triage: ['refused', []],
    addNote: ['refused', []],
    addCorrectiveAction: ['refused', []],
    requestDeviceAction: ['refused', []],
    deviceActionStarted: ['closed', []],
    deviceActionSettled: ['closed', ['showIt', 'tellOwner']],
    contain: ['refused', []],
    investigate: ['refused', []],
    close: ['refused', []],
    agreeToWipe: ['refused', []],
    breachDeclared: ['refused', []],
  },
};

const ROLES: IncidentRole[] = ['itSecurity', 'owner', 'system', 'other'];

describe('incident transitions', () => {
  describe('every state × every event × every role', () => {
    for (const state of INCIDENT_STATES) {
      for (const type of INCIDENT_EVENT_TYPES) {
        for (const role of ROLES) {
          const [expected, effects] = TABLE[state][type];
          const allowed = ([] as IncidentRole[]).concat(WHO[type]).includes(role);
          const outcome = !allowed ? 'not authorised' : expected === 'refused' ? 'refused' : `${expected}${effects.length ? ` with ${effects.join(', ')}` : ''}`;
          it(`when ${role} sends ${type} in ${state}, then ${outcome}`, () => {
            const run = () => incidentTransition(incident(state), SAMPLE[type], ACTORS[role], NOW);
            if (!allowed) return assert.throws(run, IncidentNotAuthorizedError);
            if (expected === 'refused') return assert.throws(run, InvalidIncidentTransitionError);
            const r = run();
            assert.equal(r.next.state, expected);
            assert.deepEqual(
              r.effects.map((e) => e.type),
              effects,
            );
          });
        }
      }
    }
  });

  describe('guards and records', () => {
    it('when the owner reports a device, then access is held and IT is shown it; the owner already sees the confirmation', () => {
      const r = openIncident(
        { id: 'INC-2026-BBBBBB', cause: 'stolen', owner: OWNER, devices: [{ deviceId: 'd1', deviceName: 'iPhone', platform: 'ios', ownership: 'company' }], summary: '', lastSeen: { when: 'yesterday 18:00', where: 'Main St station' } },
        ACTORS.owner,
        NOW,
      );
      assert.deepEqual(r.effects, [{ type: 'holdAccess', deviceId: 'd1' }, { type: 'showIt' }]);
      assert.equal(r.next.state, 'reported');
      assert.equal(r.next.ownerAadObjectId, OWNER.aadObjectId);
      assert.deepEqual(r.next.deviceIds, ['d1']);
    });

    for (const by of ['system', 'itSecurity'] as const) {
      it(`when ${by} opens an incident, then the owner is told as well`, () => {
        const r = openIncident({ id: 'INC-2026-CCCCCC', cause: 'jailbreak', owner: OWNER, devices: [{ deviceId: 'd1', deviceName: 'iPhone', platform: 'ios', ownership: 'company' }], summary: 'jailBroken: True' }, ACTORS[by], NOW);
        assert.deepEqual(r.effects.map((e) => e.type), ['holdAccess', 'showIt', 'tellOwner']);
      });
    }

    const declared: [string, Actor, IncidentEvent, string | typeof IncidentValidationError][] = [
      ['IT Security declares', ACTORS.itSecurity, { type: 'breachDeclared', breachId: 'BR-7K3Q2M' }, 'Lynne Robbins: Breach BR-7K3Q2M declared'],
      ['an administrator declares (recorded by the system)', ACTORS.system, { type: 'breachDeclared', breachId: 'BR-7K3Q2M', declaredBy: 'Isaiah Langer' }, 'System: Breach BR-7K3Q2M declared by Isaiah Langer'],
      ['a malformed reference is given', ACTORS.itSecurity, { type: 'breachDeclared', breachId: 'INC-1; drop' }, IncidentValidationError],
    ];
    for (const [what, actor, event, expected] of declared) {
      it(`when ${what}, then ${typeof expected === 'string' ? `the timeline reads "${expected}"` : 'it is refused'}`, () => {
        const run = () => incidentTransition(incident('contained'), event, actor, NOW);
        if (typeof expected !== 'string') return assert.throws(run, expected);
        const last = run().next.timeline.at(-1)!;
        assert.equal(`${last.by}: ${last.text}`, expected);
      });
    }

    it('when IT Security is also the owner, then they act on their own incident only as its owner', () => {
      const itOwner: Actor = { kind: 'user', aadObjectId: OWNER.aadObjectId, displayName: OWNER.displayName, roles: ['itSecurity'] };
      assert.throws(() => incidentTransition(incident('reported'), SAMPLE.triage, itOwner, NOW), IncidentNotAuthorizedError);
    });

    const wipe: IncidentEvent = { type: 'requestDeviceAction', id: 'w1', action: 'wipe', deviceId: 'd1' };
    const table: [string, Partial<IncidentCore>, 'allowed' | 'refused'][] = [
      ['a personal device without the owner’s agreement', {}, 'refused'],
      ['a personal device with the owner’s recorded agreement', { wipeAgreements: [{ deviceId: 'd1', at: NOW.toISOString() }] }, 'allowed'],
      ['a company-owned device', { devices: [{ deviceId: 'd1', deviceName: 'iPhone', platform: 'ios', ownership: 'company' }] }, 'allowed'],
      ['a device of unknown ownership', { devices: [{ deviceId: 'd1', deviceName: 'iPhone', platform: 'ios', ownership: 'unknown' }] }, 'refused'],
    ];
    for (const [what, patch, outcome] of table) {
      it(`when IT asks to wipe ${what}, then it is ${outcome}`, () => {
        const run = () => incidentTransition(incident('triaged', patch), wipe, ACTORS.itSecurity, NOW);
        if (outcome === 'refused') assert.throws(run, (e: unknown) => e instanceof DeviceActionRefusedError && e.reason === 'wipeNeedsAgreement');
        else assert.equal(run().next.actions.at(-1)?.status, 'requested');
      });
    }

    it('when the same action is still being sent, then a second one is refused (never repeated blindly)', () => {
      const lock: IncidentEvent = { type: 'requestDeviceAction', id: 'a9', action: 'remoteLock', deviceId: 'd1' };
      assert.throws(() => incidentTransition(incident('triaged'), lock, ACTORS.itSecurity, NOW), (e: unknown) => e instanceof DeviceActionRefusedError && e.reason === 'alreadyRunning');
    });

    it('when an action is asked for a device the incident does not name, then it is refused', () => {
      assert.throws(
        () => incidentTransition(incident('triaged'), { type: 'requestDeviceAction', id: 'x', action: 'remoteLock', deviceId: 'other' }, ACTORS.itSecurity, NOW),
        (e: unknown) => e instanceof DeviceActionRefusedError && e.reason === 'unknownDevice',
      );
    });

    it('when a result arrives, then it is recorded with the Graph ids; a failure leaves the state as it was', () => {
      const ok = incidentTransition(incident('triaged'), SAMPLE.deviceActionSettled, ACTORS.system, NOW).next;
      assert.equal(ok.actions[0].status, 'accepted');
      assert.equal(ok.actions[0].result?.requestId, 'r');
      const failed = incidentTransition(incident('triaged'), { ...SAMPLE.deviceActionSettled, outcome: 'failed', httpStatus: 404, code: 'ResourceNotFound' } as IncidentEvent, ACTORS.system, NOW).next;
      assert.equal(failed.state, 'triaged');
      assert.equal(failed.actions[0].status, 'failed');
      assert.throws(() => incidentTransition(ok, SAMPLE.deviceActionSettled, ACTORS.system, NOW), InvalidIncidentTransitionError);
    });

    const invalid: [string, IncidentEvent][] = [
      ['an empty note', { type: 'addNote', text: '  ' }],
      ['a corrective action due on no date', { type: 'addCorrectiveAction', id: 'c', text: 'x', owner: OWNER, dueDate: '15/03/2026' }],
      ['a corrective action due in the past', { type: 'addCorrectiveAction', id: 'c', text: 'x', owner: OWNER, dueDate: '2026-02-01' }],
    ];
    for (const [what, event] of invalid) {
      it(`when IT sends ${what}, then it is refused with the problem named`, () => {
        assert.throws(() => incidentTransition(incident('triaged'), event, ACTORS.itSecurity, NOW), IncidentValidationError);
      });
    }
  });
});
