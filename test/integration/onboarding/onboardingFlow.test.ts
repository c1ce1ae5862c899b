import assert from 'node:assert/strict';
import path from 'node:path';
import type { Activity } from 'botbuilder';
import { MongoClient, type Db } from 'mongodb';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { createGraphServices } from '../../../services/graph/graphServices';
import type { Delivery, Messenger } from '../../../services/messaging/proactiveMessenger';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { Outbox } from '../../../services/outbox/outbox';
import { newInstanceId } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { EffectRunner } from '../../../services/onboarding/effectRunner';
import { OnboardingService, StaleCardError } from '../../../services/onboarding/onboardingService';
import { BackgroundWorker } from '../../../services/onboarding/worker';
import { consentTextFor } from '../../../services/content/consentText';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { DuplicateOpenRequestError, RequestRepository } from '../../../services/storage/requestRepository';
import { InvalidTransitionError, NotAuthorizedError, ValidationError } from '../../../services/workflow/errors';
import type { OnboardingRequest } from '../../../services/workflow/model';
import type { Actor, WorkflowPolicy } from '../../../services/workflow/transition';

const ALEX = 'a0000000-0000-4000-8000-000000000000';
const MEGAN = 'a0000000-0000-4000-8000-000000000001';
const ADELE = 'a0000000-0000-4000-8000-000000000002';
const ISAIAH = 'a0000000-0000-4000-8000-000000000003';
const PATTI = 'a0000000-0000-4000-8000-000000000004';
const LYNNE = 'a0000000-0000-4000-8000-000000000005';
const ACCESS_GROUP = 'b0000000-0000-4000-8000-0000000000a1';
const FALLBACK_GROUP = 'b0000000-0000-4000-8000-0000000000a2';

const user = (aadObjectId: string, displayName: string, roles: ('itSecurity' | 'admin' | 'auditor')[] = []): Extract<Actor, { kind: 'user' }> => ({
  kind: 'user',
  aadObjectId,
  displayName,
  roles,
});
const alex = user(ALEX, 'Alex Wilber');
const megan = user(MEGAN, 'Megan Bowen');
const adele = user(ADELE, 'Adele Vance');
const lynne = user(LYNNE, 'Lynne Robbins', ['itSecurity']);

/** Records what the bot would send to Teams; the Teams side is covered by the end-to-end tests. */
class RecordingMessenger implements Messenger {
  readonly hasItChannel = true;
  readonly sent: { to: string; text: string; activityId: string }[] = [];
  readonly updates: { activityId: string; text: string }[] = [];
  private n = 0;

  private text(a: Partial<Activity>) {
    return JSON.stringify(a.attachments?.[0]?.content ?? a.text ?? '');
  }
  async sendToUser(aad: string, a: Partial<Activity>): Promise<Delivery> {
    const activityId = `act-${++this.n}`;
    this.sent.push({ to: aad, text: this.text(a), activityId });
    return { conversationId: `conv-${aad}`, activityId, serviceUrl: 'http://connector' };
  }
  async sendToItChannel(a: Partial<Activity>, _via?: unknown, thread?: string): Promise<Delivery> {
    const activityId = `act-${++this.n}`;
    this.sent.push({ to: thread ? `it-thread:${thread}` : 'it', text: this.text(a), activityId });
    return { conversationId: 'it-channel', activityId, serviceUrl: 'http://connector' };
  }
  async update(target: { activityId: string }, a: Partial<Activity>) {
    this.updates.push({ activityId: target.activityId, text: this.text(a) });
  }
  to(who: string) {
    return this.sent.filter((s) => s.to === who);
  }
}

const form = { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email and Teams while visiting stores' };

describe('onboarding flow on the embedded database and the Graph simulator', function () {
  this.timeout(60_000);
  let client: MongoClient;
  let db: Db;
  let sim: Awaited<ReturnType<typeof startGraphSimulator>>;
  let clock: Date;

  const policy: WorkflowPolicy = { itReviewMode: 'manual', enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 };

  function build(p: WorkflowPolicy = policy) {
    const logger = createLogger('silent');
    const graph = createGraphServices({ baseUrl: sim.url, logger, retry: { maxDelayMs: 50 } });
    const requests = new RequestRepository(db);
    const messenger = new RecordingMessenger();
    const service = new OnboardingService(requests, new ConsentRepository(db), graph, { tenantId: 't', fallbackApproverGroupId: FALLBACK_GROUP, policy: p }, logger, () => clock);
    const jobs = new JobQueue(db, { owner: newInstanceId('test'), leaseMs: 15_000 }, () => clock);
    const runner = new EffectRunner(
      requests,
      new AuditRepository(db),
      new ConversationReferenceRepository(db),
      messenger,
      botCards,
      graph,
      service,
      jobs,
      new DeliveryLog(db, () => clock),
      { accessGroupId: ACCESS_GROUP, accessGrantTarget: 'user' },
      logger,
      () => clock,
    );
    const outbox = new Outbox(db, jobs, { maxAttempts: 6, baseDelayMs: 1_000 }, logger, () => clock);
    service.setOutbox(outbox);
    runner.useOutbox(outbox);
    service.setDrain(runner);
    const worker = new BackgroundWorker(jobs, requests, runner, logger, { intervalMs: 60_000, idleMaxMs: 60_000 }, () => clock);
    const pendingEffects = async (id: string) => (await outbox.pendingOf('request', id)).length + ((await requests.get(id))?.outbox.length ?? 0);
    return { service, runner, messenger, graph, requests, worker, jobs, pendingEffects };
  }

  async function settle(app: ReturnType<typeof build>) {
    await app.runner.idle();
  }

  before(async () => {
    client = await MongoClient.connect(process.env.MONGODB_URI!, { ignoreUndefined: true });
    const tenant = loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json'));
    sim = await startGraphSimulator({ port: 0, tenant });
  });
  after(async () => {
    await sim.close();
    await client.close();
  });
  beforeEach(async () => {
    clock = new Date('2026-11-23T10:00:00.000Z');
    db = client.db(`test_flow_${process.pid}_${Date.now()}`);
    await ensureIndexes(db);
    await sim.controls.reset();
  });
  afterEach(async () => {
    await db.dropDatabase();
  });

  it('when the whole happy path runs, then the employee ends compliant with access and every step is evidenced', async () => {
    const app = build();
    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await settle(app);
    assert.equal(r.state, 'pendingApproval');
    assert.deepEqual(r.approvers.map((a) => a.aadObjectId), [MEGAN], 'the manager comes from Graph');
    assert.equal(app.messenger.to(MEGAN).length, 1, 'the approval card goes to the manager');
    assert.match(app.messenger.to(MEGAN)[0].text, /iPhone 15/);

    r = await app.service.get(r._id);
    r = await app.service.apply(r._id, { type: 'approve', comment: 'Fine' }, megan, r.version);
    await settle(app);
    assert.equal(r.state, 'awaitingConsent');
    assert.equal(app.messenger.to('it').length, 1, 'IT Security is told in its channel');
    assert.ok(app.messenger.updates.length >= 1, 'the approval card is updated in place');

    const text = consentTextFor('personal');
    r = await app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: text.sha256, cardActivityId: 'card-1' });
    await settle(app);
    assert.equal(r.state, 'awaitingEnrollment');

    r = await app.service.apply(r._id, { type: 'enrollmentReported' }, alex);
    await settle(app);
    r = await app.service.get(r._id);
    assert.equal(r.state, 'nonCompliant', 'the demo iPhone enrolls without a passcode');
    assert.ok(r.compliance?.settings.some((s) => s.setting === 'IosCompliancePolicy.passcodeRequired' && s.state === 'nonCompliant'));
    assert.ok(app.messenger.sent.some((s) => s.to.startsWith('it-thread:')), 'IT gets an alert in the request thread');

    r = await app.service.apply(r._id, { type: 'recheckRequested' }, alex);
    await settle(app);
    r = await app.service.get(r._id);
    assert.equal(r.state, 'pendingItReview', 'after sync the device reports compliant');

    r = await app.service.apply(r._id, { type: 'itConfirm' }, lynne, r.version);
    await settle(app);
    r = await app.service.get(r._id);
    assert.equal(r.state, 'granted');
    assert.equal(await app.graph.groups.isMember(ACCESS_GROUP, ALEX), true, 'the employee is in the access group');
    assert.equal(await app.pendingEffects(r._id), 0, 'every effect was carried out');

    const audit = new AuditRepository(db);
    const trail = await audit.listForRequest(r._id);
    assert.deepEqual(
      trail.map((e) => e.event),
      ['submit', 'approve', 'consent', 'enrollmentReported', 'complianceEvaluated', 'recheckRequested', 'complianceEvaluated', 'itConfirm', 'accessApplied'],
    );
    assert.equal(await audit.verifyChain(r._id), null, 'the audit chain verifies');
    assert.ok(trail.every((e) => e.controls.includes('SOC 2 CC6.1') && e.controls.includes('HIPAA 45 CFR 164.312(a)(1)')));
    const consent = await new ConsentRepository(db).forRequest(r._id);
    assert.equal(consent?.textHash, text.sha256);
    assert.equal(consent?.cardActivityId, 'card-1');
  });

  it('when the manager denies with a reason, then the request closes and the employee is told', async () => {
    const app = build();
    const r = await app.service.submit({ aadObjectId: ADELE, displayName: 'Adele' }, { ...form, platform: 'android' });
    await settle(app);
    const denied = await app.service.apply(r._id, { type: 'deny', reason: 'Use the shared tablet instead' }, megan, r.version);
    await settle(app);
    assert.equal(denied.state, 'denied');
    assert.equal(denied.decision?.reason, 'Use the shared tablet instead');
    assert.ok(app.messenger.to(ADELE).length >= 2, 'submitted + denied notices');
    assert.equal(await app.graph.groups.isMember(ACCESS_GROUP, ADELE), false);
  });

  const refusals: [string, () => Promise<unknown>, new (...a: never[]) => Error][] = [];
  it('when someone other than the manager, a second click or a stale card tries to decide, then nothing is decided twice', async () => {
    const app = build();
    const r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    refusals.push(
      ['another employee approves', () => app.service.apply(r._id, { type: 'approve' }, adele, r.version), NotAuthorizedError],
      ['the requester approves', () => app.service.apply(r._id, { type: 'approve' }, alex, r.version), NotAuthorizedError],
      ['IT approves', () => app.service.apply(r._id, { type: 'approve' }, lynne, r.version), NotAuthorizedError],
      ['a card from an older version', () => app.service.apply(r._id, { type: 'approve' }, megan, r.version - 1), StaleCardError],
    );
    for (const [, run, error] of refusals) await assert.rejects(run(), error);
    const results = await Promise.allSettled([
      app.service.apply(r._id, { type: 'approve' }, megan, r.version),
      app.service.apply(r._id, { type: 'approve' }, megan, r.version),
    ]);
    assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1, 'a double click decides once');
    const failure = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
    assert.ok(failure.reason instanceof InvalidTransitionError || failure.reason instanceof StaleCardError);
    await settle(app);
    const trail = await new AuditRepository(db).listForRequest(r._id);
    assert.equal(trail.filter((e) => e.event === 'approve').length, 1);
  });

  it('when the employee has no manager, then the fallback approver group decides', async () => {
    const app = build();
    const r = await app.service.submit({ aadObjectId: ISAIAH, displayName: 'Isaiah' }, { ...form, platform: 'android' });
    await settle(app);
    assert.equal(r.approverSource, 'fallbackGroup');
    assert.deepEqual(r.approvers.map((a) => a.aadObjectId), [PATTI]);
    assert.equal(app.messenger.to(PATTI).length, 1);
  });

  it('when the employee already has an open request, then it is returned instead of a duplicate', async () => {
    const app = build();
    const first = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await assert.rejects(app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form), (e: unknown) => e instanceof DuplicateOpenRequestError && e.existing._id === first._id);
  });

  it('when the form is invalid, then every problem is reported and nothing is stored', async () => {
    const app = build();
    await assert.rejects(app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, { platform: 'ios' }), (e: unknown) => e instanceof ValidationError && e.problems.length === 3);
    assert.equal(await app.service.openRequestOf(ALEX), null);
  });

  it('when consent is declined, then the request ends and the manager and IT are told', async () => {
    const app = build();
    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);
    await settle(app);
    const before = app.messenger.to(MEGAN).length;
    r = await app.service.answerConsent(r._id, alex, { outcome: 'declined', textHash: consentTextFor('personal').sha256 });
    await settle(app);
    assert.equal(r.state, 'consentDeclined');
    assert.equal(app.messenger.to(MEGAN).length, before + 1);
    assert.ok(app.messenger.sent.some((s) => s.to.startsWith('it')) );
    assert.equal((await new ConsentRepository(db).forRequest(r._id))?.outcome, 'declined');
  });

  it('when the consent card shows an outdated text, then the answer is refused and nothing is recorded', async () => {
    const app = build();
    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);
    await assert.rejects(app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: 'not-the-current-text' }), StaleCardError);
    assert.equal(await new ConsentRepository(db).forRequest(r._id), null);
  });

  it('when the process restarts with effects pending, then a new instance carries them out once', async () => {
    const first = build();
    first.service.setDrain({ announce: (id) => first.runner.announce(id), kick: () => undefined }); // the first instance "crashes" before running effects
    const r = await first.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    assert.ok((await first.pendingEffects(r._id)) > 0);

    const second = build();
    clock = new Date(clock.getTime() + 16_000); // the job comes due once the crashed instance's lease time has passed
    await second.worker.runOnce();
    await settle(second);
    assert.equal(await second.pendingEffects(r._id), 0);
    assert.equal(second.messenger.to(MEGAN).length, 1, 'the approval card is sent exactly once');
    await second.worker.runOnce();
    assert.equal(second.messenger.to(MEGAN).length, 1);
  });

  it('when two instances and a kick drain the same request at once, then every message is sent exactly once', async () => {
    const first = build();
    first.service.setDrain({ announce: (id) => first.runner.announce(id), kick: () => undefined });
    const r = await first.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    const a = build();
    const b = build();
    clock = new Date(clock.getTime() + 16_000);
    a.runner.kick(r._id);
    await Promise.all([a.worker.runOnce(), b.worker.runOnce(), b.runner.kick(r._id)]);
    await Promise.all([settle(a), settle(b)]);
    await a.worker.runOnce();
    await settle(a);
    assert.equal(a.messenger.to(MEGAN).length + b.messenger.to(MEGAN).length, 1, 'one approval card');
    assert.equal(a.messenger.to(ALEX).length + b.messenger.to(ALEX).length, 1, 'one "request sent" notice');
    assert.equal(await first.pendingEffects(r._id), 0);
  });

  it('when no device appears, then polling backs off, reminds once and expires at the deadline', async () => {
    const app = build({ ...policy, enrollmentDeadlineHours: 2, enrollmentReminderHours: 1 });
    let r: OnboardingRequest = await app.service.submit({ aadObjectId: ADELE, displayName: 'Adele' }, { ...form, platform: 'macos' });
    r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);
    r = await app.service.answerConsent(r._id, adele, { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await settle(app);
    for (let minutes = 0; minutes <= 130; minutes += 10) {
      clock = new Date(Date.parse('2026-11-23T10:00:00.000Z') + minutes * 60_000);
      await app.worker.runOnce();
      await settle(app);
    }
    r = await app.service.get(r._id);
    assert.equal(r.state, 'expired');
    assert.ok(r.reminderSentAt, 'one reminder was sent');
  });
});
