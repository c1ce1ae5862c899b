/**
 * A compliance sweep holds at most a page of devices at a time, whatever the tenant's size: Intune's listing is
 * recorded as sightings and merged by id with the watched devices, both read by cursor (embedded database, Graph
 * simulator for the access changes).
 */
import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { ComplianceSweep } from '../../../services/devices/complianceSweep';
import { DEVICES_COLLECTION, DeviceRepository, type EnrolledDevice, SWEEP_SIGHTINGS_COLLECTION } from '../../../services/devices/deviceRepository';
import type { ComplianceSweepSource, SweptDevice } from '../../../services/graph/intuneSweep';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, HOUR, MEGAN, TestClock, useClockedSimulator } from './deviceHarness';

const PAGE = 5;
const idOf = (i: number) => `d${i.toString(16).padStart(7, '0')}-0000-4000-8000-000000000000`;

function watched(id: string, at: string): EnrolledDevice {
  return {
    _id: id,
    version: 1,
    person: { aadObjectId: MEGAN, displayName: 'Megan Bowen' },
    requestId: `req-${id}`,
    platform: 'ios',
    deviceName: 'Phone',
    operatingSystem: 'iOS',
    access: { groupId: ACCESS_GROUP, memberId: MEGAN },
    state: 'compliant',
    failing: [],
    remindersSent: [],
    createdAt: at,
    updatedAt: at,
    auditHead: { _id: `device:${id}:1`, requestId: `device:${id}`, seq: 1, at, actor: { kind: 'system' }, event: 'enrolled', from: null, to: 'granted', procedureStep: 7, controls: [], details: {}, prevHash: '', hash: 'seed' },
    outboxTokens: [],
  };
}

describe('a compliance sweep in pages', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  const sim = useClockedSimulator(clock);
  const store = useTestDb('sweep_pages');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
  });

  it('when Intune lists devices in no particular order, then the sweep observes the watched ones a page at a time, retires those Intune no longer has, and keeps no list of all devices', async () => {
    const before = new Date(clock.now().getTime() - HOUR).toISOString();
    // 23 watched devices; Intune lists 20 of them (0, 1 and 22 are gone) and 7 it manages but the product does not watch.
    await db.collection<EnrolledDevice>(DEVICES_COLLECTION).insertMany(Array.from({ length: 23 }, (_, i) => watched(idOf(i), before)));
    const listed: SweptDevice[] = [...Array.from({ length: 20 }, (_, i) => i + 2), ...Array.from({ length: 7 }, (_, i) => 100 + i)]
      .map((i) => ({ id: idOf(i), userId: MEGAN, operatingSystem: 'iOS', complianceState: i % 5 === 0 ? ('noncompliant' as const) : ('compliant' as const), isEncrypted: true }))
      .sort((a, b) => (a.id.slice(-14) + a.id).localeCompare(b.id.slice(-14) + b.id) || (parseInt(a.id.slice(1, 8), 16) % 3) - (parseInt(b.id.slice(1, 8), 16) % 3))
      .reverse();
    const enrolledMidSweep = idOf(50);
    const detailAsked: number[] = [];
    const source: ComplianceSweepSource = {
      forEachDevicePage: async (visit) => {
        for (let i = 0; i < listed.length; i += PAGE) {
          // A device enrolled while the sweep reads Intune is not in this listing; it waits for the next sweep.
          if (i === PAGE) clock.advance(1000);
          if (i === PAGE) await db.collection<EnrolledDevice>(DEVICES_COLLECTION).insertOne(watched(enrolledMidSweep, clock.now().toISOString()));
          await visit(listed.slice(i, i + PAGE));
        }
      },
      forEachDevicePageOf: async () => assert.fail('the tenant scope lists every device'),
      groupMemberIds: async () => new Set(),
      policyStates: async (ids) => {
        detailAsked.push(ids.length);
        return new Map(ids.map((id) => [id, [{ id: 'p-ios', displayName: 'iOS baseline', state: 'nonCompliant' as const, settingStates: [{ setting: 'IosCompliancePolicy.passcodeRequired', state: 'nonCompliant' as const }] }]]));
      },
      accountStatuses: async () => new Map(),
    };
    const instance = deviceInstance(db, sim.url, clock, { name: 'a' });
    await instance.module.ensureIndexes();
    const devices = new DeviceRepository(db);
    devices.watchedStates = () => assert.fail('a sweep never loads every watched device at once');
    const sweep = new ComplianceSweep(source, devices, instance.module.service, instance.jobs, { intervalMs: 6 * HOUR, pageSize: PAGE }, createLogger('silent'), clock.now);

    const stats = await sweep.sweep();

    assert.deepEqual(
      { pages: stats.pages, listed: stats.devicesListed, watched: stats.watched, detail: stats.detailRequested, transitions: stats.transitions, retired: stats.retired },
      { pages: 6, listed: 27, watched: 20, detail: 4, transitions: 4, retired: 3 },
    );
    assert.ok(detailAsked.every((n) => n <= PAGE), `detail is asked a page at a time: ${detailAsked.join(', ')}`);
    const states = new Map((await db.collection<EnrolledDevice>(DEVICES_COLLECTION).find().toArray()).map((d) => [d._id, d.state]));
    assert.deepEqual([0, 1, 22].map((i) => states.get(idOf(i))), ['retired', 'retired', 'retired'], 'gone from Intune');
    assert.deepEqual([5, 10, 15, 20].map((i) => states.get(idOf(i))), ['inGrace', 'inGrace', 'inGrace', 'inGrace'], 'not compliant');
    assert.equal(states.get(idOf(2)), 'compliant');
    assert.equal(states.get(enrolledMidSweep), 'compliant', 'enrolled during the sweep: not retired');
    assert.equal(await db.collection(SWEEP_SIGHTINGS_COLLECTION).countDocuments(), 0, 'sightings end with the sweep');
  });
});
