/**
 * People who leave lose device access and open requests, and sweeps read only the configured scope (embedded
 * database, Graph simulator).
 */
import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { SweepScopeError } from '../../../services/devices/complianceSweep';
import { deviceAuditStream } from '../../../services/devices/deviceService';
import type { OpenRequests } from '../../../services/devices/peopleCheck';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { RecordingMessenger } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, MEGAN, MEGAN_IPHONE, TestClock, useClockedSimulator } from './deviceHarness';

const ADELE = 'a0000000-0000-4000-8000-000000000002';
const LYNNE = 'a0000000-0000-4000-8000-000000000005';
const IT_SECURITY_GROUP = 'b0000000-0000-4000-8000-0000000000a3';

describe('people who leave and sweep scope', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  const sim = useClockedSimulator(clock);
  const store = useTestDb('people');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
  });

  /** Open requests as the people check sees them: a recorder of what it cancels. */
  function requestsOf(open: Record<string, string>): OpenRequests & { cancelled: string[] } {
    const cancelled: string[] = [];
    return {
      cancelled,
      requesters: async () => Object.keys(open),
      cancelFor: async (id) => {
        const ref = open[id];
        if (!ref) return [];
        cancelled.push(id);
        delete open[id];
        return [ref];
      },
    };
  }

  async function megansPhoneWatched(instance: ReturnType<typeof deviceInstance>) {
    await instance.module.ensureIndexes();
    await instance.graph.groups.addMember(ACCESS_GROUP, MEGAN);
    await instance.module.service.enroll({
      intuneDeviceId: MEGAN_IPHONE,
      person: { aadObjectId: MEGAN, displayName: 'Megan Bowen' },
      requestId: 'req-1',
      platform: 'ios',
      deviceName: "Megan's iPhone",
      operatingSystem: 'iOS',
      access: { groupId: ACCESS_GROUP, memberId: MEGAN },
    });
  }

  const leaves: { how: string; act: (s: typeof sim) => void }[] = [
    { how: 'her sign-in is disabled (accountEnabled false)', act: (s) => s.controls.setAccountEnabled(MEGAN, false) },
    { how: 'she is deleted from Entra', act: (s) => s.controls.deleteUser(MEGAN) },
  ];
  for (const { how, act } of leaves) {
    it(`when ${how}, then her device is retired and out of the access group, her open request cancelled, IT told once, and the retirement audited`, async () => {
      const requests = requestsOf({ [MEGAN]: 'DEV-MEG01', [ADELE]: 'DEV-ADE01' });
      const a = deviceInstance(db, sim.url, clock, { name: 'a', openRequests: requests });
      const m = a.messenger as RecordingMessenger;
      await megansPhoneWatched(a);
      act(sim);

      const stats = await a.module.people!.check();
      assert.deepEqual(stats, { checked: 2, left: 1, devicesRetired: 1, requestsCancelled: 1 });
      await a.module.outbox.runClaimed((await a.jobs.claimDue())!.lease);
      await a.runDue();

      assert.equal((await a.module.service.get(MEGAN_IPHONE))?.state, 'retired');
      assert.equal(sim.controls.groupMembers(ACCESS_GROUP).includes(MEGAN), false, 'access removed through the access-group path');
      assert.deepEqual(requests.cancelled, [MEGAN], "only Megan's request is cancelled");
      const itNotices = m.to('it').filter((s) => /with device access left/.test(s.text));
      assert.equal(itNotices.length, 1);
      assert.match(itNotices[0].text, /DEV-MEG01/);
      const trail = await new AuditRepository(db).listForRequest(deviceAuditStream(MEGAN_IPHONE));
      assert.equal(trail.at(-1)?.event, 'membershipApplied');
      assert.ok(trail.some((e) => e.event === 'personLeft'));

      // Checking again finds nobody left to act on.
      assert.deepEqual(await a.module.people!.check(), { checked: 1, left: 0, devicesRetired: 0, requestsCancelled: 0 });
    });
  }

  it('when the sweep is scoped to a group that does not exist, then the start-up check names it; an existing group passes', async () => {
    const missing = '0fffffff-0000-4000-8000-000000000000';
    const bad = deviceInstance(db, sim.url, clock, { name: 'bad', options: { sweepScope: { kind: 'groups', groupIds: [IT_SECURITY_GROUP, missing] } } });
    await assert.rejects(bad.module.checkSweepScope(), (e: unknown) => e instanceof SweepScopeError && e.groupId === missing);
    const good = deviceInstance(db, sim.url, clock, { name: 'good', options: { sweepScope: { kind: 'groups', groupIds: [IT_SECURITY_GROUP] } } });
    await good.module.checkSweepScope();
  });

  it('when the sweep is scoped to a group Megan is not in, then her device is neither swept nor retired; in scope of the enrolled people it is swept per person', async () => {
    const outside = deviceInstance(db, sim.url, clock, { name: 'groups', options: { sweepScope: { kind: 'groups', groupIds: [IT_SECURITY_GROUP] } } });
    await megansPhoneWatched(outside);
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: 'IosCompliancePolicy.passcodeRequired', state: 'nonCompliant' }] });
    sim.controls.clearRequests();
    const stats = await outside.module.sweep!.sweep();
    assert.equal(stats.watched, 0);
    assert.equal(stats.retired, 0);
    assert.equal((await outside.module.service.get(MEGAN_IPHONE))?.state, 'compliant');
    const paths = sim.controls.requests().map((r) => r.path);
    assert.ok(paths.includes(`/v1.0/groups/${IT_SECURITY_GROUP}/transitiveMembers`));
    assert.ok(paths.some((p) => p === `/v1.0/users/${LYNNE}/managedDevices`), 'members of the group are listed person by person');
    assert.ok(!paths.includes('/v1.0/deviceManagement/managedDevices'), 'the tenant-wide list is not read');

    const enrolled = deviceInstance(db, sim.url, clock, { name: 'enrolled', options: { sweepScope: { kind: 'enrolled' } } });
    sim.controls.clearRequests();
    const swept = await enrolled.module.sweep!.sweep();
    assert.equal(swept.watched, 1);
    assert.equal((await enrolled.module.service.get(MEGAN_IPHONE))?.state, 'inGrace');
    assert.deepEqual([...new Set(sim.controls.requests().filter((r) => r.viaBatch && /managedDevices$/.test(r.path)).map((r) => r.path))], [`/v1.0/users/${MEGAN}/managedDevices`]);
  });
});
