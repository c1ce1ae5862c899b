import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { ComplianceSnapshots } from '../../../services/devices/complianceSnapshots';
import { DEVICES_COLLECTION } from '../../../services/devices/deviceRepository';
import { Outbox } from '../../../services/outbox/outbox';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { NotAuthorizedError } from '../../../services/workflow/errors';
import { RecordingMessenger } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, HOUR, MEGAN, MEGAN_IPHONE, TestClock, useClockedSimulator } from './deviceHarness';

const PASSCODE = 'IosCompliancePolicy.passcodeRequired';

describe('the shared outbox, Check again and the digest', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  const sim = useClockedSimulator(clock);
  const store = useTestDb('outbox');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
    clock.at = new Date('2026-03-02T09:00:00Z');
  });

  async function watched(name = 'a', options = {}) {
    const x = deviceInstance(db, sim.url, clock, { name, leaseMs: 1_000, options });
    await x.module.ensureIndexes();
    await x.graph.groups.addMember(ACCESS_GROUP, MEGAN);
    await x.module.service.enroll({
      intuneDeviceId: MEGAN_IPHONE,
      person: { aadObjectId: MEGAN, displayName: 'Megan Bowen' },
      requestId: 'req-1',
      platform: 'ios',
      deviceName: "Megan's iPhone",
      operatingSystem: 'iOS',
      access: { groupId: ACCESS_GROUP, memberId: MEGAN },
    });
    return x;
  }

  it('when entries are staged for a write that never lands, then they are discarded, never carried out', async () => {
    const a = await watched();
    const device = (await a.module.service.get(MEGAN_IPHONE))!;
    // A change that lost its version race: staged with the version it expected to write, token never recorded.
    await a.module.outbox.stage({ type: 'device', id: MEGAN_IPHONE, version: device.version, commitToken: Outbox.newCommitToken() }, [
      { key: 'lost-write:0', kind: 'deviceMessage', payload: { aadObjectId: MEGAN, about: 'drift', alertId: null, card: '{}' } },
    ]);
    await a.runDue();
    const entry = await a.module.outbox.collection.findOne({ _id: 'lost-write:0' });
    assert.equal(entry?.state, 'discarded');
    assert.equal((a.messenger as RecordingMessenger).sent.length, 0);
  });

  it('when the drain reads an entry before the write that creates its aggregate lands, then it waits for that write and carries the entry out after it', async () => {
    const a = await watched();
    const token = Outbox.newCommitToken();
    // A new aggregate's first change: entries staged, the aggregate's first save not yet landed.
    await a.module.outbox.stage({ type: 'device', id: 'not-saved-yet', version: 1, commitToken: token }, [
      { key: 'first-write:0', kind: 'deviceMessage', payload: { aadObjectId: MEGAN, about: 'drift', alertId: null, card: '{}' } },
    ]);
    await a.runDue();
    assert.equal((await a.module.outbox.collection.findOne({ _id: 'first-write:0' }))?.state, 'pending');
    const device = (await a.module.service.get(MEGAN_IPHONE))!;
    await db.collection(DEVICES_COLLECTION).insertOne({ ...device, _id: 'not-saved-yet', version: 1, outboxTokens: [token] } as never);
    clock.advance(2_000);
    await a.runDue();
    assert.equal((await a.module.outbox.collection.findOne({ _id: 'first-write:0' }))?.state, 'done');
    assert.equal((a.messenger as RecordingMessenger).to(MEGAN).length, 1);
  });

  it('when the write that would create the aggregate never lands, then its entries are discarded once two leases have passed', async () => {
    const a = await watched();
    await a.module.outbox.stage({ type: 'device', id: 'never-saved', version: 1, commitToken: Outbox.newCommitToken() }, [
      { key: 'never-saved:0', kind: 'deviceMessage', payload: { aadObjectId: MEGAN, about: 'drift', alertId: null, card: '{}' } },
    ]);
    await a.runDue();
    assert.equal((await a.module.outbox.collection.findOne({ _id: 'never-saved:0' }))?.state, 'pending');
    clock.advance(10 * 60_000);
    await a.runDue();
    assert.equal((await a.module.outbox.collection.findOne({ _id: 'never-saved:0' }))?.state, 'discarded');
    assert.equal((a.messenger as RecordingMessenger).sent.length, 0);
  });

  it('when the same change is staged twice (a retry), then its entries exist and are carried out once', async () => {
    const a = await watched();
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    await a.module.start();
    await a.runDue();
    const entries = await a.module.outbox.collection.find({ aggregateId: MEGAN_IPHONE }).toArray();
    const again = entries.map((e) => ({ key: e._id, kind: e.kind, payload: e.payload }));
    const first = entries[0];
    await a.module.outbox.stage({ type: 'device', id: MEGAN_IPHONE, version: first.aggregateVersion, commitToken: first.commitToken }, again);
    await a.runDue();
    assert.equal((await a.module.outbox.collection.countDocuments({ aggregateId: MEGAN_IPHONE })), entries.length);
    assert.equal((a.messenger as RecordingMessenger).to(MEGAN).length, 1);
  });

  it("when someone else presses Check again on Megan's device notice, then it is refused; when Megan does after fixing it, then access comes back", async () => {
    const a = await watched();
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    await a.module.start();
    await a.runDue();
    clock.advance(100 * HOUR);
    await a.runDue();
    assert.equal((await a.module.service.get(MEGAN_IPHONE))?.state, 'accessRemoved');

    await assert.rejects(a.module.recheck(MEGAN_IPHONE, { aadObjectId: 'a0000000-0000-4000-8000-000000000000', displayName: 'Alex Wilber' }), NotAuthorizedError);

    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'compliant' });
    const card = JSON.stringify(await a.module.recheck(MEGAN_IPHONE, { aadObjectId: MEGAN, displayName: 'Megan Bowen' }));
    assert.match(card, /Access restored/);
    await a.runDue();
    assert.ok(sim.controls.groupMembers(ACCESS_GROUP).includes(MEGAN));
    const trail = await db.collection('auditEvents').find({ requestId: `device:${MEGAN_IPHONE}`, event: 'complianceObserved', to: 'compliant' }).toArray();
    assert.equal(trail[0]?.actor.aadObjectId, MEGAN, 'the recheck is audited as Megan’s');
  });

  it('when a day has passed, then one digest card counts the alerts and lists devices nearing the end of grace', async () => {
    const a = await watched('a', { digestNearingMs: 96 * HOUR });
    const b = deviceInstance(db, sim.url, clock, { name: 'b', leaseMs: 1_000, options: { digestNearingMs: 96 * HOUR } });
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    await a.module.start();
    await b.module.start();
    await a.runDue();
    clock.advance(24 * HOUR);
    await Promise.all([a.runDue(), b.runDue()]);
    await Promise.all([a.runDue(), b.runDue()]);
    const digests = [...(a.messenger as RecordingMessenger).to('it'), ...(b.messenger as RecordingMessenger).to('it')].filter((s) => /daily digest/.test(s.text));
    assert.equal(digests.length, 1, 'one digest for two instances');
    assert.match(digests[0].text, /"title":"New alerts","value":"1"/);
    assert.match(digests[0].text, /Grace period ending soon/);
    assert.match(digests[0].text, /Megan Bowen/);
    // The digest also keeps the day's counts by state for the compliance-over-time chart.
    const days = await new ComplianceSnapshots(db).lastDays(clock.now(), 3);
    assert.deepEqual(days.map((d) => [d._id, d.counts]), [[clock.now().toISOString().slice(0, 10), { inGrace: 1 }]]);
  });
});
