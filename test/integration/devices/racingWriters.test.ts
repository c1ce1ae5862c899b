import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import type { NewOutboxEntry } from '../../../services/outbox/outbox';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { RecordingMessenger } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, MEGAN, MEGAN_IPHONE, TestClock, useClockedSimulator } from './deviceHarness';

const PASSCODE = 'IosCompliancePolicy.passcodeRequired';
const DRIFT = { type: 'complianceObserved', compliant: false, failing: [PASSCODE] } as const;

describe('the keys of the outbox entries a device change owes', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  const sim = useClockedSimulator(clock);
  const store = useTestDb('devicerace');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
    clock.at = new Date('2026-03-02T09:00:00Z');
  });

  it("when two writers race for one version and the one that loses stages its entries first, then the winner's effects are carried out once and the loser's are discarded", async () => {
    const loser = deviceInstance(db, sim.url, clock, { name: 'loser', leaseMs: 1_000 });
    const winner = deviceInstance(db, sim.url, clock, { name: 'winner', leaseMs: 1_000 });
    await loser.module.ensureIndexes();
    await loser.module.service.enroll({
      intuneDeviceId: MEGAN_IPHONE,
      person: { aadObjectId: MEGAN, displayName: 'Megan Bowen' },
      requestId: 'req-1',
      platform: 'ios',
      deviceName: "Megan's iPhone",
      operatingSystem: 'iOS',
      access: { groupId: ACCESS_GROUP, memberId: MEGAN },
    });
    const enrolled = (await loser.module.service.get(MEGAN_IPHONE))!;

    // The loser reads the device and stages its entries, then waits while the winner writes the same version.
    const outbox = loser.module.outbox;
    const stage = outbox.stage.bind(outbox);
    let staged!: () => void;
    const loserStaged = new Promise<void>((resolve) => (staged = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let paused = false;
    outbox.stage = async (aggregate: Parameters<typeof stage>[0], entries: readonly NewOutboxEntry[], drain?: 'shared' | 'own') => {
      const ids = await stage(aggregate, entries, drain);
      if (!paused && aggregate.id === MEGAN_IPHONE) {
        paused = true;
        staged();
        await released;
      }
      return ids;
    };
    const losing = loser.module.service.apply(MEGAN_IPHONE, DRIFT);
    await loserStaged;
    const won = (await winner.module.service.apply(MEGAN_IPHONE, DRIFT))!;
    release();
    // The loser's write fails its version check; seen again from the winner's state, nothing is left to change.
    const after = (await losing)!;
    assert.equal(won.version, enrolled.version + 1);
    assert.equal(after.version, won.version);
    const winnerToken = won.outboxTokens.at(-1)!;

    await winner.runDue();
    await loser.runDue();

    const sent = [...(winner.messenger as RecordingMessenger).sent, ...(loser.messenger as RecordingMessenger).sent];
    assert.equal(sent.filter((s) => s.to === MEGAN).length, 1, 'Megan is told about the drift exactly once');
    assert.equal(sent.filter((s) => s.to === 'it').length, 1, 'IT gets one alert card');
    const entries = await winner.module.outbox.collection.find({ aggregateId: MEGAN_IPHONE, aggregateVersion: won.version }).toArray();
    const mine = entries.filter((e) => e.commitToken === winnerToken);
    const theirs = entries.filter((e) => e.commitToken !== winnerToken);
    assert.ok(mine.length > 0, "the winner's entries are stored under its own keys");
    assert.ok(theirs.length > 0, "the loser's entries are stored too");
    assert.deepEqual(mine.map((e) => e.state), mine.map(() => 'done'));
    assert.deepEqual(theirs.map((e) => e.state), theirs.map(() => 'discarded'));
    const alert = await winner.module.alerts.get(won.alertId!);
    assert.equal(alert?.status, 'employeeTold');
  });

  it('when an entry was stored under the key shape without a commit token, then it is still carried out once its write committed', async () => {
    const x = deviceInstance(db, sim.url, clock, { name: 'x', leaseMs: 1_000 });
    await x.module.ensureIndexes();
    await x.module.service.enroll({
      intuneDeviceId: MEGAN_IPHONE,
      person: { aadObjectId: MEGAN, displayName: 'Megan Bowen' },
      requestId: 'req-1',
      platform: 'ios',
      deviceName: "Megan's iPhone",
      operatingSystem: 'iOS',
      access: { groupId: ACCESS_GROUP, memberId: MEGAN },
    });
    // A write committed by the previous release: its token is on the device, its entry keyed `device:<id>:v<version>:<i>`.
    const device = (await x.module.service.get(MEGAN_IPHONE))!;
    const token = 'committed-before-upgrade';
    await x.module.devices.collection.updateOne({ _id: MEGAN_IPHONE }, { $set: { outboxTokens: [...device.outboxTokens, token] } });
    const oldKey = `device:${MEGAN_IPHONE}:v${String(device.version).padStart(9, '0')}:0`;
    await x.module.outbox.stage({ type: 'device', id: MEGAN_IPHONE, version: device.version, commitToken: token }, [
      { key: oldKey, kind: 'deviceMessage', payload: { aadObjectId: MEGAN, about: 'drift', alertId: null, card: '{}' } },
    ]);
    await x.runDue();
    assert.equal((await x.module.outbox.collection.findOne({ _id: oldKey }))?.state, 'done');
    assert.equal((x.messenger as RecordingMessenger).to(MEGAN).length, 1);
  });
});
