import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { deviceAuditStream } from '../../../services/devices/deviceService';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { LeaseLostError } from '../../../services/jobs/leases';
import { RecordingMessenger, sleep } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, HOUR, MEGAN, MEGAN_IPHONE, TestClock, useClockedSimulator } from './deviceHarness';

const PASSCODE = 'IosCompliancePolicy.passcodeRequired';

describe('continuous compliance after access is granted', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  const sim = useClockedSimulator(clock);
  const store = useTestDb('devices');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
    clock.at = new Date('2026-03-02T09:00:00Z');
  });

  async function granted(instance: ReturnType<typeof deviceInstance>) {
    await instance.module.ensureIndexes();
    // What the grant effect does: Megan is in the access group and her iPhone is watched.
    await instance.graph.groups.addMember(ACCESS_GROUP, MEGAN);
    await instance.module.service.enroll({
      intuneDeviceId: MEGAN_IPHONE,
      person: { aadObjectId: MEGAN, displayName: 'Megan Bowen' },
      requestId: 'req-1',
      consentId: 'consent-1',
      platform: 'ios',
      deviceName: "Megan's iPhone",
      operatingSystem: 'iOS',
      access: { groupId: ACCESS_GROUP, memberId: MEGAN },
    });
    await instance.module.start();
  }

  const texts = (m: RecordingMessenger, to: string) => m.to(to).map((s) => s.text);
  const alertCards = (m: RecordingMessenger) => m.to('it').filter((s) => /Device out of compliance/.test(s.text)).length;
  const inGroup = () => sim.controls.groupMembers(ACCESS_GROUP).includes(MEGAN);

  it('when a device drifts and is not fixed, then reminders, removal, and once fixed, restored access follow with nobody touching it', async () => {
    const a = deviceInstance(db, sim.url, clock, { name: 'a' });
    const m = a.messenger as RecordingMessenger;
    await granted(a);

    await a.runDue();
    assert.equal((await a.module.service.get(MEGAN_IPHONE))?.state, 'compliant', 'a compliant first sweep changes nothing');
    assert.equal(m.sent.length, 0);

    // The passcode is turned off a month later.
    clock.advance(30 * 24 * HOUR);
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    await a.runDue();
    let device = await a.module.service.get(MEGAN_IPHONE);
    assert.equal(device?.state, 'inGrace');
    assert.deepEqual(device?.failing, [PASSCODE]);
    assert.equal(device?.graceEndsAt, new Date(clock.at.getTime() + 96 * HOUR).toISOString());
    const toMegan = texts(m, MEGAN);
    assert.equal(toMegan.length, 1);
    assert.match(toMegan[0], /needs attention/);
    assert.match(toMegan[0], /Set a passcode/);
    assert.match(toMegan[0], /Check again/);
    assert.match(toMegan[0], /device\.recheck/);
    assert.equal(alertCards(m), 1, 'one IT alert card');
    assert.match(m.updates.at(-1)!.text, /Employee told/, 'the alert card moved to "employee told" in place');
    assert.equal(inGroup(), true, 'access kept during grace');

    // The next sweep sees the same failing settings: nothing new is sent.
    clock.advance(6 * HOUR);
    await a.runDue();
    assert.equal(alertCards(m), 1, 'the same alert seen twice is one card');
    assert.equal(texts(m, MEGAN).length, 1);

    // 72 h and 24 h before the end of grace: reminders.
    clock.advance(19 * HOUR);
    await a.runDue();
    assert.equal(texts(m, MEGAN).length, 2);
    assert.match(texts(m, MEGAN)[1], /Reminder/);
    clock.advance(48 * HOUR);
    await a.runDue();
    assert.equal(texts(m, MEGAN).length, 3);
    assert.match(texts(m, MEGAN)[2], /Reminder/);

    // The grace period ends: access is removed and Megan is told why and how to get it back.
    clock.advance(24 * HOUR);
    await a.runDue();
    device = await a.module.service.get(MEGAN_IPHONE);
    assert.equal(device?.state, 'accessRemoved');
    assert.equal(inGroup(), false, 'removed from the access group');
    assert.match(texts(m, MEGAN)[3], /Access to work data removed/);
    assert.match(texts(m, MEGAN)[3], /Check again/);
    assert.match(m.updates.at(-1)!.text, /Access removed/);

    // She sets a passcode; the next sweep restores access and tells everyone.
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'compliant' });
    clock.advance(6 * HOUR);
    await a.runDue();
    device = await a.module.service.get(MEGAN_IPHONE);
    assert.equal(device?.state, 'compliant');
    assert.equal(inGroup(), true, 'back in the access group');
    assert.match(texts(m, MEGAN)[4], /Access restored/);
    assert.match(m.updates.at(-1)!.text, /Access restored/);
    assert.equal(alertCards(m), 1, 'still the one alert card, updated in place');

    // Every step is audited on the device's own intact chain.
    const audit = new AuditRepository(db);
    const trail = await audit.listForRequest(deviceAuditStream(MEGAN_IPHONE));
    assert.deepEqual(
      trail.map((e) => `${e.event}:${e.to}`),
      [
        'enrolled:compliant',
        'complianceObserved:inGrace',
        'graceTimer:inGrace',
        'graceTimer:inGrace',
        'graceTimer:accessRemoved',
        'membershipApplied:accessRemoved',
        'complianceObserved:compliant',
        'membershipApplied:compliant',
      ],
    );
    assert.equal(await audit.verifyChain(deviceAuditStream(MEGAN_IPHONE)), null);

    // Intune no longer has the device: it is retired and its access removed.
    sim.controls.removeDevice(MEGAN_IPHONE);
    clock.advance(6 * HOUR);
    await a.runDue();
    assert.equal((await a.module.service.get(MEGAN_IPHONE))?.state, 'retired');
    assert.equal(inGroup(), false);
  });

  it('when other settings fail during grace, then a new alert card opens and the old one says it was replaced', async () => {
    const a = deviceInstance(db, sim.url, clock, { name: 'a' });
    const m = a.messenger as RecordingMessenger;
    await granted(a);
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    await a.runDue();
    sim.controls.setCompliance(MEGAN_IPHONE, { settingStates: [{ setting: PASSCODE, state: 'compliant' }, { setting: 'IosCompliancePolicy.osMinimumVersion', state: 'nonCompliant' }] });
    clock.advance(7 * HOUR);
    await a.runDue();
    assert.equal(alertCards(m), 2, 'a second alert for the new set of failing settings');
    const first = m.to('it').find((s) => /Device out of compliance/.test(s.text))!;
    assert.ok(m.updates.some((u) => u.activityId === first.activityId && /Replaced by a newer alert/.test(u.text)));
    assert.match(texts(m, MEGAN)[1], /Update iOS/);
    const alerts = await a.module.alerts.collection.find().toArray();
    assert.deepEqual(alerts.map((x) => x.status).sort(), ['employeeTold', 'superseded']);
  });

  it("when Intune reports its own grace period, then its end date is used", async () => {
    const a = deviceInstance(db, sim.url, clock, { name: 'a' });
    await granted(a);
    const intuneEnd = new Date(clock.at.getTime() + 10 * HOUR).toISOString();
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'inGracePeriod', complianceGracePeriodExpirationDateTime: intuneEnd, settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    await a.runDue();
    assert.equal((await a.module.service.get(MEGAN_IPHONE))?.graceEndsAt, intuneEnd);
  });

  it('when two instances run due jobs at once, then the sweep runs once and each message is sent once', async () => {
    const a = deviceInstance(db, sim.url, clock, { name: 'a' });
    const b = deviceInstance(db, sim.url, clock, { name: 'b' });
    await granted(a);
    await b.module.start();
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    sim.controls.clearRequests();
    await Promise.all([a.runDue(), b.runDue()]);
    // A job finished by one instance may be claimed again by the other only once due again: run what is left.
    await Promise.all([a.runDue(), b.runDue()]);
    // An entry one instance read between the other's staging and its commit waits one lease before it is read again.
    clock.advance(5_001);
    await Promise.all([a.runDue(), b.runDue()]);
    const listings = sim.controls.requests().filter((r) => r.method === 'GET' && r.path === '/v1.0/deviceManagement/managedDevices' && !r.viaBatch);
    assert.equal(listings.length, 1, 'one sweep');
    const all = [...(a.messenger as RecordingMessenger).sent, ...(b.messenger as RecordingMessenger).sent];
    assert.equal(all.filter((s) => s.to === MEGAN).length, 1, 'one drift message');
    assert.equal(all.filter((s) => s.to === 'it' && /Device out of compliance/.test(s.text)).length, 1, 'one alert card');
  });

  it("when a sweep's lease expires mid-work, then the holder stops before its next page and the instance that took over sweeps once", async () => {
    const LEASE = 5_000;
    let stalled: (() => void) | undefined;
    // Instance a lists one device per page and stalls on its first page, as a frozen process would.
    const a = deviceInstance(db, sim.url, clock, {
      name: 'a',
      leaseMs: LEASE,
      source: (inner) => ({
        ...inner,
        forEachDevicePageOf: (ids, visit) => inner.forEachDevicePageOf(ids, visit),
        groupMemberIds: (ids) => inner.groupMemberIds(ids),
        accountStatuses: (ids) => inner.accountStatuses(ids),
        policyStates: (ids) => inner.policyStates(ids),
        forEachDevicePage: (visit) =>
          inner.forEachDevicePage(async (page) => {
            for (const one of page) {
              if (!stalled) await new Promise<void>((resume) => (stalled = resume));
              await visit([one]);
            }
          }),
      }),
    });
    const b = deviceInstance(db, sim.url, clock, { name: 'b', leaseMs: LEASE });
    await granted(a);
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    const aRun = a.runDue();
    while (!stalled) await sleep(10);
    clock.advance(LEASE + 1);
    await b.runDue();
    stalled();
    await assert.rejects(aRun, LeaseLostError);
    const all = [...(a.messenger as RecordingMessenger).sent, ...(b.messenger as RecordingMessenger).sent];
    assert.equal(all.filter((s) => s.to === MEGAN).length, 1, 'one drift message');
    assert.equal((a.messenger as RecordingMessenger).sent.length, 0, 'the stalled instance did nothing after losing its lease');
    assert.equal((await a.module.service.get(MEGAN_IPHONE))?.state, 'inGrace');
  });

  it('when the detail batch is throttled, then the throttled sub-request is retried after its Retry-After', async () => {
    const a = deviceInstance(db, sim.url, clock, { name: 'a' });
    await granted(a);
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    sim.controls.injectFault({ path: /deviceCompliancePolicyStates$/, status: 429, retryAfterSeconds: 0, count: 1 });
    sim.controls.clearRequests();
    await a.runDue();
    assert.equal((await a.module.service.get(MEGAN_IPHONE))?.state, 'inGrace');
    const items = sim.controls.requests().filter((r) => r.viaBatch && /deviceCompliancePolicyStates$/.test(r.path));
    assert.deepEqual(items.map((r) => r.status), [429, 200]);
    assert.ok(sim.controls.requests().some((r) => r.path === '/beta/deviceManagement/managedDevices' || r.query.includes('$select')), 'the listing used $select');
  });

  it('when a message to the employee keeps failing, then it is recorded as failed and IT is told', async () => {
    const messenger = new (class extends RecordingMessenger {
      override sendToUser(): never {
        throw Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
      }
    })('failing');
    const a = deviceInstance(db, sim.url, clock, { name: 'a', messenger });
    await granted(a);
    sim.controls.setCompliance(MEGAN_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    await a.runDue();
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await a.runDue();
    }
    const failed = await a.module.outbox.listFailed();
    assert.equal(failed.length, 1);
    assert.equal(failed[0].kind, 'deviceMessage');
    assert.equal(failed[0].attempts, 3);
    assert.ok(messenger.to('it').some((s) => /could not be delivered/.test(s.text)), 'IT is shown the undelivered message');
  });
});
