import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { consentTextFor } from '../../../services/content/consentText';
import { LedgerTransitionError } from '../../../services/consent/consentLedger';
import { ensureConsentLedgerIndexes, ledgerStreamId } from '../../../services/consent/consentLedgerRepository';
import { createCampaignModule } from '../../../services/consent/campaignModule';
import { ConsentWithdrawal, type WithdrawalDevices } from '../../../services/consent/consentWithdrawal';
import { deviceAuditStream } from '../../../services/devices/deviceService';
import type { Lease } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { deviceInstance, TestClock } from '../devices/deviceHarness';
import { createGraphServices } from '../../../services/graph/graphServices';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import type { OnboardingRequest } from '../../../services/workflow/model';
import type { Actor } from '../../../services/workflow/transition';
import { ACCESS_GROUP, ALEX, alex, form, megan, onboardingInstance, RecordingMessenger, useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';

const lynne: Actor = { kind: 'user', aadObjectId: 'a0000000-0000-4000-8000-000000000005', displayName: 'Lynne Robbins', roles: ['itSecurity'] };
const alexUser = alex as Extract<Actor, { kind: 'user' }>;

describe('withdrawing consent, on a real database and the Graph simulator', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('withdrawal');
  let db: Db;
  let app: ReturnType<typeof onboardingInstance>;
  let withdrawal: ConsentWithdrawal;
  let told: string[];
  let graph: ReturnType<typeof createGraphServices>;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await ensureConsentLedgerIndexes(db);
    await sim.reset();
    app = onboardingInstance(db, sim.url, { name: 'withdrawal', leaseMs: 15_000 });
    told = [];
    graph = createGraphServices({ baseUrl: sim.url, logger: createLogger('silent'), retry: { maxDelayMs: 50 } });
    withdrawal = new ConsentWithdrawal(new ConsentRepository(db).ledger, app.service, graph.groups, async (r, removed) => {
      told.push(`${r.reference}:${removed}`);
      return true;
    }, createLogger('silent'));
  });
  afterEach(async () => app.runner.idle());

  async function toConsented(): Promise<OnboardingRequest> {
    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
    r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);
    r = await app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await app.runner.idle();
    return r;
  }

  async function toGranted(): Promise<OnboardingRequest> {
    let r = await toConsented();
    r = await app.service.apply(r._id, { type: 'enrollmentReported' }, alex);
    await app.runner.idle();
    r = await app.service.apply(r._id, { type: 'recheckRequested' }, alex);
    await app.runner.idle();
    r = await app.service.get(r._id);
    r = await app.service.apply(r._id, { type: 'itConfirm' }, lynne, r.version);
    await app.runner.idle();
    return app.service.get(r._id);
  }

  it('when Alex withdraws while enrolling, then the ledger says withdrawn, the request is cancelled through the workflow and IT is told', async () => {
    const r = await toConsented();
    assert.deepEqual(await withdrawal.withdrawable(ALEX), { requestId: r._id, reference: r.reference, platform: 'ios', ownership: 'personal' });
    const o = await withdrawal.withdraw(alexUser, r._id);
    await app.runner.idle();
    assert.equal(o.entry.kind, 'withdrawn');
    assert.equal((await app.service.get(r._id)).state, 'cancelled');
    assert.deepEqual(told, [`${r.reference}:false`]);
    const ledger = new ConsentRepository(db).ledger;
    assert.equal((await ledger.head(ledgerStreamId(ALEX, { requestId: r._id })))?.state.status, 'withdrawn');
    assert.equal(await ledger.verify(ledgerStreamId(ALEX, { requestId: r._id })), null);
    assert.ok((await new AuditRepository(db).listForRequest(r._id)).some((e) => e.event === 'cancel'), 'the cancellation is in the request audit trail');
    assert.equal(await withdrawal.withdrawable(ALEX), null);
  });

  it('when Alex withdraws after access was granted, then he leaves the access group and IT is told', async () => {
    const r = await toGranted();
    assert.equal(r.state, 'granted');
    assert.equal(await graph.groups.isMember(ACCESS_GROUP, ALEX), true);
    const o = await withdrawal.withdraw(alexUser, r._id);
    assert.equal(o.accessRemoved, true);
    assert.equal(await graph.groups.isMember(ACCESS_GROUP, ALEX), false);
    assert.deepEqual(told, [`${r.reference}:true`]);
  });

  it('when Alex withdraws twice, or Megan withdraws Alex\'s consent, then it is refused and nothing more happens', async () => {
    const r = await toConsented();
    await assert.rejects(withdrawal.withdraw(megan as Extract<Actor, { kind: 'user' }>, r._id), LedgerTransitionError);
    assert.equal((await app.service.get(r._id)).state, 'awaitingEnrollment');
    await withdrawal.withdraw(alexUser, r._id);
    await assert.rejects(withdrawal.withdraw(alexUser, r._id), LedgerTransitionError);
    assert.equal(told.length, 1);
  });
});

describe('withdrawing consent for an enrolled device goes through the device and the shared outbox', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('withdrawal_device');
  class Crash extends Error {}

  it('when the instance stops between the ledger write and the device, then the follow-up job removes access and tells IT once', async () => {
    const db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await ensureConsentLedgerIndexes(db);
    await sim.reset();
    const clock = new TestClock(new Date());
    const app = onboardingInstance(db, sim.url, { name: 'w', leaseMs: 15_000 });
    const devices = deviceInstance(db, sim.url, clock, { name: 'w-devices', leaseMs: 2_000 });
    await devices.module.ensureIndexes();
    app.runner.setGrantListener((request, access) => devices.module.enrollFromGrant(request, access));
    const ledger = new ConsentRepository(db).ledger;
    const campaigns = createCampaignModule({
      db,
      jobs: devices.jobs,
      devices: devices.module,
      ledger,
      messenger: devices.messenger,
      deliveries: new DeliveryLog(db, clock.now),
      refs: new ConversationReferenceRepository(db),
      options: { sendsPerSecond: 10, reminderDaysBefore: [7], progressIntervalMs: 30_000, transparencyUrl: 'https://example.com' },
      logger: createLogger('silent'),
      clock: clock.now,
    });
    let crashes = 1;
    const crashing: WithdrawalDevices = {
      deviceFor: campaigns.withdrawalDevices.deviceFor,
      async withdraw(deviceId, actor) {
        if (crashes-- > 0) throw new Crash('the instance stopped after the ledger write');
        return campaigns.withdrawalDevices.withdraw(deviceId, actor);
      },
    };
    const graph = createGraphServices({ baseUrl: sim.url, logger: createLogger('silent'), retry: { maxDelayMs: 50 } });
    const legacyTold: string[] = [];
    const withdrawal = new ConsentWithdrawal(ledger, app.service, graph.groups, async (r) => legacyTold.push(r._id) > 0, createLogger('silent'), clock.now, crashing, devices.jobs);

    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
    r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);
    r = await app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await app.runner.idle();
    await app.service.apply(r._id, { type: 'enrollmentReported' }, alex);
    await app.runner.idle();
    await app.service.apply(r._id, { type: 'recheckRequested' }, alex);
    await app.runner.idle();
    r = await app.service.get(r._id);
    await app.service.apply(r._id, { type: 'itConfirm' }, lynne, r.version);
    await app.runner.idle();
    r = await app.service.get(r._id);
    assert.equal(r.state, 'granted');
    assert.equal(await graph.groups.isMember(ACCESS_GROUP, ALEX), true);

    await assert.rejects(withdrawal.withdraw(alexUser, r._id), Crash);
    assert.equal((await ledger.head(ledgerStreamId(ALEX, { requestId: r._id })))?.state.status, 'withdrawn', 'the withdrawal is recorded first');
    assert.equal(await graph.groups.isMember(ACCESS_GROUP, ALEX), true, 'the stop came before the device');

    const handlers = { ...devices.module.handlers, consentWithdrawal: (lease: Lease, subject: string) => withdrawal.followUp(lease, subject) };
    const runDue = async () => {
      for (let i = 0; i < 50; i++) {
        const claim = await devices.jobs.claimDue();
        if (!claim) return;
        const run = handlers[claim.job.kind as keyof typeof handlers];
        // The request's own jobs belong to the onboarding instance, which has finished its work.
        if (!run) await devices.jobs.finish(claim.lease, claim.job.rev, new Date(clock.now().getTime() + 3_600_000));
        else await run(claim.lease, claim.job.subject);
      }
    };
    clock.advance(61_000);
    await runDue();
    await runDue();
    assert.equal(await graph.groups.isMember(ACCESS_GROUP, ALEX), false, 'access removed by the device outbox effect');
    assert.equal((await devices.module.service.get(r.managedDeviceId!))?.state, 'consentWithdrawn');
    const itNotices = (devices.messenger as RecordingMessenger).to('it').filter((m) => m.text.includes('Consent withdrawn'));
    assert.equal(itNotices.length, 1, 'IT is told once, through the outbox');
    assert.deepEqual(legacyTold, [], 'not through the direct path');
    const trail = await new AuditRepository(db).listForRequest(deviceAuditStream(r.managedDeviceId!));
    assert.ok(trail.some((e) => e.event === 'consentWithdrawn' && e.actor.kind === 'user'), "the device's audit chain records the withdrawal");

    // The follow-up running again (a second instance) changes nothing more.
    clock.advance(61_000);
    await devices.jobs.announce('consentWithdrawal', ledgerStreamId(ALEX, { requestId: r._id }), clock.now());
    await runDue();
    assert.equal((devices.messenger as RecordingMessenger).to('it').filter((m) => m.text.includes('Consent withdrawn')).length, 1);
    await app.runner.idle();
  });
});
