import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { createIncidentModule } from '../../../services/incidents/incidentModule';
import { incidentAuditStream } from '../../../services/incidents/incidentService';
import type { IntuneDeviceActions } from '../../../services/graph/graphTypes';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import type { DeviceActionName } from '../../../services/workflow/incidentTransition';
import type { Ownership } from '../../../services/workflow/model';
import type { Actor } from '../../../services/workflow/transition';
import { RecordingMessenger } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, HOUR, MEGAN, MEGAN_IPHONE, TestClock, useClockedSimulator } from '../devices/deviceHarness';
import { createLogger } from '../../../bot/logger';

const LYNNE: Actor = { kind: 'user', aadObjectId: 'a0000000-0000-4000-8000-000000000005', displayName: 'Lynne Robbins', roles: ['itSecurity'] };
const MEGAN_ACTOR: Extract<Actor, { kind: 'user' }> = { kind: 'user', aadObjectId: MEGAN, displayName: 'Megan Bowen', roles: [] };

describe('incidents: reporting a lost device and acting on it in Intune', function () {
  this.timeout(90_000);
  const clock = new TestClock();
  const sim = useClockedSimulator(clock);
  const store = useTestDb('incidents');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
    clock.at = new Date('2026-03-02T09:00:00Z');
  });

  /** One instance: the device module with Megan's company iPhone watched, and the incident module on top. */
  async function instance(name = 'a', o: { ownership?: Ownership; actions?: (real: IntuneDeviceActions) => IntuneDeviceActions; enroll?: boolean; messenger?: RecordingMessenger } = {}) {
    const x = deviceInstance(db, sim.url, clock, { name, leaseMs: 1_000, messenger: o.messenger });
    await x.module.ensureIndexes();
    if (o.enroll !== false) {
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
    }
    const graph = o.actions ? { ...x.graph, deviceActions: o.actions(x.graph.deviceActions!) } : x.graph;
    const incidents = createIncidentModule({
      db,
      jobs: x.jobs,
      audit: new AuditRepository(db),
      devices: x.module,
      messenger: x.messenger,
      deliveries: new DeliveryLog(db, clock.now),
      refs: new ConversationReferenceRepository(db),
      graph,
      ownershipOf: async () => o.ownership ?? 'company',
      options: { maxAttempts: 3 },
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      clock: clock.now,
    });
    await incidents.ensureIndexes();
    return { ...x, incidents };
  }

  const posts = (action: DeviceActionName) => sim.controls.requests().filter((r) => r.method === 'POST' && r.path.endsWith(`/managedDevices/${MEGAN_IPHONE}/${action}`));

  async function reported(x: Awaited<ReturnType<typeof instance>>, wipeAgreed = false) {
    const { incident } = await x.incidents.service.report(MEGAN_ACTOR, { deviceId: MEGAN_IPHONE, cause: 'stolen', when: 'today 08:30', where: 'the 8:10 train', wipeAgreed });
    return incident;
  }

  async function act(x: Awaited<ReturnType<typeof instance>>, incidentId: string, action: DeviceActionName) {
    const current = (await x.incidents.service.get(incidentId))!;
    await x.incidents.service.apply(incidentId, { type: 'requestDeviceAction', id: `${action}-1`, action, deviceId: MEGAN_IPHONE }, LYNNE, current.version);
    await x.runDue();
    return (await x.incidents.service.get(incidentId))!;
  }

  it('when Megan reports her phone stolen, then access is removed at once, IT gets the incident card and she is told what happens next', async () => {
    const x = await instance();
    const incident = await reported(x);
    assert.match(incident._id, /^INC-2026-[0-9A-HJKMNP-TV-Z]{6}$/);
    assert.equal(incident.state, 'reported');
    assert.deepEqual(incident.deviceIds, [MEGAN_IPHONE]);
    assert.equal(incident.ownerAadObjectId, MEGAN);
    assert.ok(!sim.controls.groupMembers(ACCESS_GROUP).includes(MEGAN), 'removed from the access group without waiting for the worker');
    const device = await x.module.service.get(MEGAN_IPHONE);
    assert.equal(device?.state, 'accessRemoved');
    assert.deepEqual(device?.incidentHolds, [incident._id]);
    const messenger = x.messenger as RecordingMessenger;
    assert.ok(messenger.to('it').some((m) => m.text.includes(incident._id)), 'incident card in the IT channel');
    assert.equal(messenger.to(MEGAN).length, 0, 'Megan sees the confirmation in the card she submitted; no second message');

    const again = await x.incidents.service.report(MEGAN_ACTOR, { deviceId: MEGAN_IPHONE, cause: 'lost', when: 'today', where: 'train', wipeAgreed: false });
    assert.equal(again.created, false, 'the open report comes back instead of a second one');
    assert.equal(again.incident._id, incident._id);
  });

  it('when someone reports a device that is not theirs, then it is refused', async () => {
    const x = await instance();
    await assert.rejects(
      x.incidents.service.report({ ...MEGAN_ACTOR, aadObjectId: 'a0000000-0000-4000-8000-000000000002' }, { deviceId: MEGAN_IPHONE, cause: 'lost', when: 'now', where: 'here', wipeAgreed: false }),
      { name: 'NotYourDeviceError' },
    );
  });

  for (const action of ['remoteLock', 'retire', 'wipe'] as const) {
    it(`when IT confirms ${action}, then Graph answers 204, the request ids are on the incident and Intune lists the action pending, then done`, async () => {
      const x = await instance();
      const incident = await reported(x);
      const after = await act(x, incident._id, action);
      const record = after.actions[0];
      assert.equal(record.status, 'accepted');
      assert.equal(record.result?.httpStatus, 204);
      assert.ok(record.result?.requestId, 'Graph request-id recorded');
      assert.ok(record.result?.clientRequestId, 'client-request-id recorded');
      assert.equal(after.state, 'contained');
      assert.equal(posts(action).length, 1);
      const results = await x.graph.deviceActions!.actionResults(MEGAN_IPHONE);
      assert.deepEqual(results?.map((r) => [r.actionName, r.actionState]), [[action, 'pending']]);
      clock.advance(2 * 60_000);
      assert.deepEqual((await x.graph.deviceActions!.actionResults(MEGAN_IPHONE))?.map((r) => r.actionState), ['done']);
      assert.equal(await new AuditRepository(db).verifyChain(incidentAuditStream(incident._id)), null, 'the incident chain is intact');
    });
  }

  it('when Graph answers 500 after it accepted the lock, then the retry reads the action results and never POSTs again', async () => {
    const x = await instance();
    const incident = await reported(x);
    sim.controls.injectFault({ method: 'POST', path: `/deviceManagement/managedDevices/${MEGAN_IPHONE}/remoteLock`, status: 500, afterAccept: true });
    let after = await act(x, incident._id, 'remoteLock');
    assert.equal(after.actions[0].status, 'sending', 'no answer recorded yet: the 500 leaves it open');
    clock.advance(HOUR);
    await x.runDue();
    after = (await x.incidents.service.get(incident._id))!;
    assert.equal(after.actions[0].status, 'accepted');
    assert.equal(after.actions[0].result?.verifiedBy, 'deviceActionResults');
    assert.equal(posts('remoteLock').length, 1, 'one POST only');
    assert.equal((await x.graph.deviceActions!.actionResults(MEGAN_IPHONE))?.length, 1);
  });

  it('when Graph keeps failing without accepting, then each new POST follows a read of the action results, and the action ends failed', async () => {
    const x = await instance();
    const incident = await reported(x);
    sim.controls.injectFault({ method: 'POST', path: `/deviceManagement/managedDevices/${MEGAN_IPHONE}/remoteLock`, status: 500, count: 10 });
    await act(x, incident._id, 'remoteLock');
    for (let i = 0; i < 4; i++) {
      clock.advance(HOUR);
      await x.runDue();
    }
    const after = (await x.incidents.service.get(incident._id))!;
    assert.equal(after.actions[0].status, 'failed');
    assert.equal(after.actions[0].result?.httpStatus, 500);
    const calls = sim.controls.requests().filter((r) => r.path.includes(MEGAN_IPHONE) && (r.method === 'POST' || r.query.includes('deviceActionResults')));
    const order = calls.map((r) => (r.method === 'POST' ? 'POST' : 'read'));
    assert.deepEqual(order, ['POST', 'read', 'POST', 'read', 'POST', 'read'], 'never two POSTs without a read between them');
  });

  it('when the instance stops right after the POST, then another instance resumes from the outbox without a second POST', async () => {
    const crashing = await instance('a', {
      actions: (real) => ({
        actionResults: (id) => real.actionResults(id),
        perform: async (id, action) => {
          await real.perform(id, action);
          throw new Error('process stopped before the answer was recorded');
        },
      }),
    });
    const incident = await reported(crashing);
    await act(crashing, incident._id, 'retire');
    assert.equal((await crashing.incidents.service.get(incident._id))!.actions[0].status, 'sending');
    clock.advance(HOUR);
    const b = await instance('b', { enroll: false });
    await b.runDue();
    const after = (await b.incidents.service.get(incident._id))!;
    assert.equal(after.actions[0].status, 'accepted');
    assert.equal(after.actions[0].result?.verifiedBy, 'deviceActionResults');
    assert.equal(posts('retire').length, 1, 'the resumed entry read the results instead of sending again');
  });

  it('when Graph throttles the lock with Retry-After, then it is sent again after the wait and accepted once', async () => {
    const x = await instance();
    const incident = await reported(x);
    sim.controls.injectFault({ method: 'POST', path: `/deviceManagement/managedDevices/${MEGAN_IPHONE}/remoteLock`, status: 429, retryAfterSeconds: 1 });
    const after = await act(x, incident._id, 'remoteLock');
    assert.equal(after.actions[0].status, 'accepted');
    assert.deepEqual(posts('remoteLock').map((r) => r.status), [429, 204]);
    assert.equal((await x.graph.deviceActions!.actionResults(MEGAN_IPHONE))?.length, 1, 'Intune lists the lock once');
  });

  it('when the device is gone from Intune, then the action is recorded as failed with 404', async () => {
    const x = await instance();
    const incident = await reported(x);
    sim.controls.removeDevice(MEGAN_IPHONE);
    const after = await act(x, incident._id, 'remoteLock');
    assert.equal(after.actions[0].status, 'failed');
    assert.equal(after.actions[0].result?.httpStatus, 404);
    assert.equal(after.state, 'triaged', 'not contained');
  });

  it('when Intune refuses the wipe (400), then it is recorded as failed and never retried', async () => {
    const x = await instance();
    const incident = await reported(x);
    sim.controls.injectFault({ method: 'POST', path: `/deviceManagement/managedDevices/${MEGAN_IPHONE}/wipe`, status: 400 });
    const after = await act(x, incident._id, 'wipe');
    assert.equal(after.actions[0].status, 'failed');
    assert.equal(after.actions[0].result?.httpStatus, 400);
    clock.advance(HOUR);
    await x.runDue();
    assert.equal(posts('wipe').length, 1);
  });

  it('when the device is personal and its owner did not agree in writing, then a wipe is refused before Graph is called', async () => {
    const x = await instance('a', { ownership: 'personal' });
    const incident = await reported(x);
    await assert.rejects(
      x.incidents.service.apply(incident._id, { type: 'requestDeviceAction', id: 'w', action: 'wipe', deviceId: MEGAN_IPHONE }, LYNNE, incident.version),
      { name: 'DeviceActionRefusedError' },
    );
    const agreed = await reported(await instance('b', { ownership: 'personal', enroll: false }), true);
    assert.equal(agreed._id, incident._id, 'the open report is the same');
    assert.equal(posts('wipe').length, 0);
  });

  const risks: [string, Parameters<typeof sim.controls.setCompliance>[1], 'jailbreak' | 'threat'][] = [
    ['jailbroken', { jailBroken: 'True' }, 'jailbreak'],
    ['at a high threat level', { partnerReportedThreatState: 'highSeverity' }, 'threat'],
  ];
  for (const [what, change, cause] of risks) {
    it(`when Intune reports the device ${what}, then the sweep opens one incident for it and holds its access`, async () => {
      const x = await instance();
      sim.controls.setCompliance(MEGAN_IPHONE, change);
      await x.module.start();
      await x.runDue();
      clock.advance(7 * HOUR);
      await x.runDue();
      const all = await x.incidents.incidents.collection.find({}).toArray();
      assert.equal(all.length, 1, 'one incident over two sweeps');
      assert.equal(all[0].cause, cause);
      assert.equal(all[0].openedBy, 'System');
      assert.deepEqual(all[0].deviceIds, [MEGAN_IPHONE]);
      assert.equal((await x.module.service.get(MEGAN_IPHONE))?.state, 'accessRemoved');
      assert.ok(!sim.controls.groupMembers(ACCESS_GROUP).includes(MEGAN));
      assert.ok((x.messenger as RecordingMessenger).to('it').some((m) => m.text.includes(all[0]._id)), 'IT gets the incident card');
      assert.ok((x.messenger as RecordingMessenger).to(MEGAN).some((m) => m.text.includes(all[0]._id)), 'Megan is told about an incident she did not report');
    });
  }

  it('when the owner of an automatic incident cannot be reached, then IT is shown that the message was not delivered', async () => {
    const messenger = new (class extends RecordingMessenger {
      override sendToUser(): never {
        throw Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
      }
    })('failing');
    const x = await instance('a', { messenger });
    const { incident } = (await x.incidents.service.openAutomatic(MEGAN_IPHONE, 'jailbreak', 'jailBroken: True'))!;
    for (let i = 0; i < 6; i++) {
      clock.advance(60_000);
      await x.runDue();
    }
    const failed = await x.module.outbox.listFailed();
    assert.deepEqual(failed.map((f) => f.kind), ['incidentOwnerMessage']);
    assert.ok(messenger.to('it').some((m) => /could not be delivered/.test(m.text) && m.text.includes(incident._id)), 'IT is told, naming the incident');
  });

  it('when IT walks the incident to closed, then every step is audited and the device may regain access on its next compliant sweep', async () => {
    const x = await instance();
    let i = await reported(x);
    const step = async (event: Parameters<typeof x.incidents.service.apply>[1]) => (i = await x.incidents.service.apply(i._id, event, LYNNE, i.version));
    await step({ type: 'triage', severity: 'medium' });
    await step({ type: 'addNote', text: 'Phone found at the station lost property office' });
    await step({ type: 'contain' });
    await step({ type: 'addCorrectiveAction', id: 'c1', text: 'Lock-screen reminder in the next newsletter', owner: { aadObjectId: LYNNE.kind === 'user' ? LYNNE.aadObjectId : '', displayName: 'Lynne Robbins' }, dueDate: '2026-03-20' });
    await step({ type: 'investigate', summary: 'No sign that work data was opened' });
    await step({ type: 'close', resolution: 'Returned to Megan' });
    await x.runDue();
    assert.equal(i.state, 'closed');
    const entries = await new AuditRepository(db).listForRequest(incidentAuditStream(i._id));
    assert.deepEqual(entries.map((e) => e.event), ['opened', 'triage', 'addNote', 'contain', 'addCorrectiveAction', 'investigate', 'close']);
    assert.ok(!JSON.stringify(entries).includes('lost property'), 'typed text stays out of the audit trail (hashes only)');
    const chain = `request:${incidentAuditStream(i._id)}`;
    assert.equal((await new AuditRepository(db).verifyAll()).find((r) => r.chain === chain)?.ok, true, 'npm run verify finds the chain intact');
    await db.collection('auditEvents').deleteOne({ _id: entries.at(-1)!._id } as never);
    assert.equal((await new AuditRepository(db).verifyAll()).find((r) => r.chain === chain)?.ok, false, 'a removed tail is detected against the head');
    assert.deepEqual((await x.module.service.get(MEGAN_IPHONE))?.incidentHolds, []);
    await x.module.start();
    await x.runDue();
    assert.equal((await x.module.service.get(MEGAN_IPHONE))?.state, 'compliant');
    assert.ok(sim.controls.groupMembers(ACCESS_GROUP).includes(MEGAN));
  });
});
