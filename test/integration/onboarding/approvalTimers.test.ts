import assert from 'node:assert/strict';
import path from 'node:path';
import type { Db } from 'mongodb';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { createGraphServices } from '../../../services/graph/graphServices';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { Outbox } from '../../../services/outbox/outbox';
import { newInstanceId } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { APPROVAL_TIMER, ApprovalTimers } from '../../../services/onboarding/approvalTimers';
import { EffectRunner } from '../../../services/onboarding/effectRunner';
import { OnboardingService } from '../../../services/onboarding/onboardingService';
import { BackgroundWorker } from '../../../services/onboarding/worker';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import { DelegationAuditLog, DelegationRepository } from '../../../services/storage/delegationRepository';
import { DelegationService } from '../../../services/onboarding/delegationService';
import { RequestRepository } from '../../../services/storage/requestRepository';
import { InvalidTransitionError, NotAuthorizedError, ValidationError } from '../../../services/workflow/errors';
import type { Actor, WorkflowPolicy } from '../../../services/workflow/transition';
import { ACCESS_GROUP, ALEX, FALLBACK_GROUP, MEGAN, RecordingMessenger, alex, form, megan } from '../../support/onboardingInstance';
import { dropTestDb, testDb } from '../../support/testDb';

const ADELE = 'a0000000-0000-4000-8000-000000000002';
const ISAIAH = 'a0000000-0000-4000-8000-000000000003';
const PATTI = 'a0000000-0000-4000-8000-000000000004';
const LYNNE = 'a0000000-0000-4000-8000-000000000005';
const person = (aadObjectId: string, displayName: string, roles: ('itSecurity' | 'admin' | 'auditor')[] = []): Actor => ({ kind: 'user', aadObjectId, displayName, roles });
const patti = person(PATTI, 'Patti Fernandez');
const adele = person(ADELE, 'Adele Vance');
const isaiah = person(ISAIAH, 'Isaiah Langer');
const lynne = person(LYNNE, 'Lynne Robbins', ['itSecurity']);

const policy: WorkflowPolicy = { itReviewMode: 'manual', enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 };
const HOUR = 3600_000;

describe('the approval step over time (clock moved forward, embedded database, Graph simulator)', function () {
  this.timeout(60_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startGraphSimulator>>;
  let clock: Date;

  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')) });
  });
  after(async () => sim.close());
  beforeEach(async () => {
    db = await testDb('approval_timers');
    await ensureIndexes(db);
    await sim.controls.reset();
  });
  afterEach(async () => dropTestDb(db));

  function build() {
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    const now = () => clock;
    const graph = createGraphServices({ baseUrl: sim.url, logger, retry: { maxDelayMs: 50 } });
    const requests = new RequestRepository(db);
    const messenger = new RecordingMessenger('timers');
    const service = new OnboardingService(
      requests,
      new ConsentRepository(db),
      graph,
      { tenantId: 't', fallbackApproverGroupId: FALLBACK_GROUP, policy, delegations: new DelegationRepository(db) },
      logger,
      now,
    );
    const jobs = new JobQueue(db, { owner: newInstanceId('timers'), leaseMs: 15_000 }, now);
    const runner = new EffectRunner(
      requests,
      new AuditRepository(db),
      new ConversationReferenceRepository(db),
      messenger,
      botCards,
      graph,
      service,
      jobs,
      new DeliveryLog(db, now),
      { accessGroupId: ACCESS_GROUP, accessGrantTarget: 'user' },
      logger,
      now,
    );
    const outbox = new Outbox(db, jobs, { maxAttempts: 6, baseDelayMs: 1_000 }, logger, now);
    service.setOutbox(outbox);
    runner.useOutbox(outbox);
    service.setDrain(runner);
    const timers = new ApprovalTimers(
      requests,
      service,
      graph,
      jobs,
      { defaultWorkingHours: { timeZone: 'UTC', days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 1020 }, fallbackApproverGroupId: FALLBACK_GROUP },
      logger,
      now,
    );
    service.setApprovalClock(timers);
    const delegations = new DelegationService(new DelegationRepository(db), new DelegationAuditLog(db), graph.directory, jobs, { defaultTimeZone: 'UTC', searchMax: 8 }, logger, now);
    const worker = new BackgroundWorker(jobs, requests, runner, logger, { intervalMs: 60_000, idleMaxMs: 60_000 }, now)
      .on(APPROVAL_TIMER, (id, lease) => timers.runClaimed(id, lease))
      .on('delegationExpiry', (id, lease) => delegations.runClaimed(id, lease));
    /** Moves the clock and lets every due job run, as the background worker would. */
    async function at(iso: string) {
      clock = new Date(iso);
      for (let i = 0; i < 5 && (await worker.runOnce()) > 0; i++) await runner.idle();
      await runner.idle();
    }
    const timerDue = async (id: string) => (await jobs.collection.findOne({ _id: JobQueue.id(APPROVAL_TIMER, id) }))?.dueAt?.toISOString();
    return { service, requests, messenger, runner, at, timerDue, timers, jobs, delegations };
  }

  it('when the manager never answers, then reminder, reminder, escalation to the skip-level manager, who decides on behalf', async () => {
    // Monday 09:00 in Los Angeles, where Megan works (her mailbox says Pacific Standard Time, 08:00-17:00).
    clock = new Date('2026-11-23T17:00:00.000Z');
    const app = build();
    const r0 = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await app.runner.idle();
    const [meganCard] = app.messenger.to(MEGAN);
    assert.ok(meganCard, 'Megan has the approval card');
    assert.equal(await app.timerDue(r0._id), '2026-11-24T17:00:00.000Z', 'the first reminder is scheduled a day later');

    await app.at('2026-11-24T12:00:00.000Z');
    assert.equal((await app.requests.get(r0._id))?.approval?.reminders.length, 0, 'nothing before the time');

    await app.at('2026-11-24T17:00:00.000Z');
    let r = (await app.requests.get(r0._id))!;
    assert.equal(r.approval?.reminders.length, 1);
    assert.equal(app.messenger.to(MEGAN).filter((s) => s.text.includes('"Approve device access?"')).length, 1, 'never a second copy of the card');
    assert.ok(app.messenger.to(MEGAN).some((s) => s.text.includes('Reminder 1: a request waits for you')), 'a short reminder message');
    assert.ok(app.messenger.updates.some((u) => u.activityId === meganCard.activityId && u.text.includes('Reminder 1')), 'the card says a reminder was sent');

    await app.at('2026-11-25T17:00:00.000Z');
    assert.equal((await app.requests.get(r0._id))?.approval?.reminders.length, 2);

    await app.at('2026-11-26T17:00:00.000Z');
    r = (await app.requests.get(r0._id))!;
    assert.deepEqual(r.approvers.map((p) => p.aadObjectId), [PATTI], "Megan's manager from Graph");
    assert.equal(r.approverSource, 'skipLevelManager');
    assert.ok(app.messenger.to(PATTI).some((s) => s.text.includes('"Approve device access?"')), 'Patti gets the approval card');
    assert.ok(app.messenger.to(ALEX).some((s) => s.text.includes('Your request moved up')), 'the employee is told');
    const meganView = app.messenger.updates.filter((u) => u.activityId === meganCard.activityId).at(-1)!;
    assert.ok(meganView.text.includes('Escalated to Patti Fernandez'), "Megan's card shows the escalation and to whom");
    assert.ok(!meganView.text.includes('"approval.approve"'), 'and no longer offers a decision');
    await assert.rejects(app.service.apply(r0._id, { type: 'approve' }, megan), NotAuthorizedError);

    const decided = await app.service.apply(r0._id, { type: 'approve', comment: 'Fine' }, patti);
    assert.equal(decided.state, 'awaitingConsent');
    assert.equal(decided.decision?.onBehalfOf?.aadObjectId, MEGAN);
    await app.at('2026-11-26T18:00:00.000Z');
    assert.equal(await app.timerDue(r0._id), undefined, 'no approval timer is left once decided');
    await app.at('2026-12-20T17:00:00.000Z');
    assert.equal((await app.requests.get(r0._id))?.state, 'awaitingConsent', 'a decided request never expires as unanswered');
    const audit = new AuditRepository(db);
    const trail = await audit.listForRequest(r0._id);
    assert.deepEqual(trail.map((e) => e.event).slice(0, 5), ['submit', 'remindApprovers', 'remindApprovers', 'escalateApproval', 'approve']);
    assert.equal(trail[3].details.approvers, PATTI, 'the escalation is evidenced with whom it went to');
    assert.equal(await audit.verifyChain(r0._id), null, 'the audit chain verifies');
  });

  it("when a reminder falls due at night in the manager's time zone, then it waits for the start of her working day", async () => {
    // Monday 19:00 UTC = 11:00 in Los Angeles; a day later it is 11:00 again, but at 03:00 UTC it is 19:00 there.
    clock = new Date('2026-11-23T03:00:00.000Z');
    const app = build();
    const r0 = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await app.runner.idle();
    await app.at('2026-11-24T03:00:00.000Z');
    assert.equal((await app.requests.get(r0._id))?.approval?.reminders.length, 0, 'not at 19:00 her time');
    assert.equal(await app.timerDue(r0._id), '2026-11-24T16:00:00.000Z', '08:00 in Los Angeles');
    await app.at('2026-11-24T16:00:00.000Z');
    assert.equal((await app.requests.get(r0._id))?.approval?.reminders.length, 1);
  });

  it('when nobody answers for fourteen days, then the request expires, every card updates in place and the employee is told how to ask again', async () => {
    clock = new Date('2026-11-23T17:00:00.000Z');
    const app = build();
    const r0 = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await app.runner.idle();
    for (let day = 1; day <= 14; day++) await app.at(new Date(Date.parse('2026-11-23T17:00:00.000Z') + day * 24 * HOUR).toISOString());
    const r = (await app.requests.get(r0._id))!;
    assert.equal(r.state, 'expired');
    assert.equal(await app.service.openRequestOf(ALEX), null, 'the employee may ask again');
    assert.ok(app.messenger.to(ALEX).some((s) => s.text.includes('To ask again')));
    for (const card of r.cards) {
      const last = app.messenger.updates.filter((u) => u.activityId === card.activityId).at(-1);
      assert.ok(last && last.text.includes('Expired'), `the ${card.kind} card of ${card.recipientAadObjectId} shows the expiry`);
    }
    await assert.rejects(app.service.apply(r0._id, { type: 'approve' }, patti), InvalidTransitionError);
  });

  it('when the manager reassigns by email with a reason, then the new approver gets the card and the old card says reassigned; guards hold', async () => {
    clock = new Date('2026-11-23T17:00:00.000Z');
    const app = build();
    const r0 = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await app.runner.idle();
    const [meganCard] = app.messenger.to(MEGAN);
    await assert.rejects(app.service.reassign(r0._id, megan, { emailOrUpn: 'alexw@contoso.example', reason: 'Self' }), ValidationError);
    await assert.rejects(app.service.reassign(r0._id, megan, { emailOrUpn: 'nobody@contoso.example', reason: 'Away' }), ValidationError);
    await assert.rejects(app.service.reassign(r0._id, isaiah, { emailOrUpn: 'adelev@contoso.example', reason: 'Helping' }), NotAuthorizedError);
    await assert.rejects(app.service.reassign(r0._id, alex, { emailOrUpn: 'adelev@contoso.example', reason: 'Faster' }), NotAuthorizedError);

    clock = new Date('2026-11-24T10:00:00.000Z');
    const moved = await app.service.reassign(r0._id, megan, { emailOrUpn: 'adelev@contoso.example', reason: 'On leave until January' });
    await app.runner.idle();
    assert.deepEqual(moved.approvers.map((p) => p.aadObjectId), [ADELE]);
    assert.ok(app.messenger.to(ADELE).some((s) => s.text.includes('"Approve device access?"')));
    const meganView = app.messenger.updates.filter((u) => u.activityId === meganCard.activityId).at(-1)!;
    assert.ok(meganView.text.includes('Reassigned to Adele Vance'));
    assert.ok(meganView.text.includes('On leave until January'));

    // IT Security can reassign any pending approval; the reminder clock starts again for the new approver.
    const again = await app.service.reassign(r0._id, lynne, { emailOrUpn: 'pattif@contoso.example', reason: 'Adele is not a manager' });
    assert.deepEqual(again.approvers.map((p) => p.aadObjectId), [PATTI]);
    assert.equal(await app.timerDue(r0._id), '2026-11-24T17:00:00.000Z', 'still the first timer already due; it reschedules itself');
    await app.at('2026-11-24T17:00:00.000Z');
    assert.equal((await app.requests.get(r0._id))?.approval?.reminders.length, 0, "Patti's first reminder comes a day after she got it");
    assert.equal(await app.timerDue(r0._id), '2026-11-25T10:00:00.000Z');
    await assert.rejects(app.service.apply(r0._id, { type: 'approve' }, adele), NotAuthorizedError);
  });

  it('when the manager delegates for a date range, then requests arriving inside it go to the delegate, who decides on her behalf, and later ones to her again; every change is in the chain', async () => {
    clock = new Date('2026-11-23T17:00:00.000Z');
    const app = build();
    await assert.rejects(app.delegations.set(megan, { delegateId: MEGAN, fromDate: '2026-11-23', untilDate: '2026-11-27' }), ValidationError);
    await assert.rejects(app.delegations.set(megan, { delegateId: 'nobody@contoso.example', fromDate: '2026-11-23', untilDate: '2026-11-27' }), ValidationError);
    const plan = await app.delegations.plan(megan, { to: 'Adele', when: 'until Friday' });
    assert.equal(plan.question, 'Delegate to Adele Vance from Mon 23 Nov to Fri 27 Nov? New requests for your approval in that time go to them, and they decide on your behalf.');
    const d = await app.delegations.set(megan, { delegateId: plan.delegateId, fromDate: plan.fromDate, untilDate: plan.untilDate });
    assert.equal(d.delegate.aadObjectId, ADELE);
    assert.equal(d.until, '2026-11-28T08:00:00.000Z', 'the whole of Friday in Los Angeles, where Megan works');

    const inside = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await app.runner.idle();
    assert.deepEqual(inside.approvers.map((p) => p.aadObjectId), [ADELE]);
    assert.equal(inside.approverSource, 'delegate');
    assert.ok(app.messenger.to(ADELE).some((s) => s.text.includes('On behalf of')), "the delegate's card says on whose behalf");
    await assert.rejects(app.service.apply(inside._id, { type: 'approve' }, megan), NotAuthorizedError, 'the delegation hands the decision over');

    // Adele hands her own approvals on meanwhile: Megan's delegation to her is not followed on (no chain).
    await app.delegations.set(adele, { delegateId: ISAIAH, fromDate: '2026-11-23', untilDate: '2026-11-25' });
    await assert.rejects(app.delegations.set(megan, { delegateId: ADELE, fromDate: '2026-11-23', untilDate: '2026-11-27' }), ValidationError, 'no delegation to someone who is away');

    // Unanswered, it escalates past the delegate to the manager's own manager.
    await app.at('2026-11-26T17:00:00.000Z');
    const up = (await app.requests.get(inside._id))!;
    assert.deepEqual(up.approvers.map((p) => p.aadObjectId), [PATTI]);
    const decided = await app.service.apply(inside._id, { type: 'deny', reason: 'Not for this role' }, patti);
    assert.equal(decided.decision?.onBehalfOf?.aadObjectId, MEGAN);

    // Adele asks for herself while she is Megan's delegate: it goes to Megan, never to Adele.
    const own = await app.service.submit({ aadObjectId: ADELE, displayName: 'Adele' }, form);
    assert.deepEqual(own.approvers.map((p) => p.aadObjectId), [MEGAN]);
    await app.service.apply(own._id, { type: 'cancel' }, adele);

    // The delegation runs out at the end of Friday in Los Angeles; the worker records it.
    await app.at('2026-11-28T09:00:00.000Z');
    const after = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    assert.deepEqual(after.approvers.map((p) => p.aadObjectId), [MEGAN], 'after the last day, requests go to the manager again');
    assert.equal(after.approverSource, 'manager');
    await app.runner.idle();

    await app.delegations.set(megan, { delegateId: ADELE, fromDate: '2026-11-30', untilDate: '2026-12-10' });
    await app.delegations.set(megan, { delegateId: 'lynner@contoso.example', fromDate: '2026-11-30', untilDate: '2026-12-04' });
    assert.ok(await app.delegations.end(megan));
    assert.equal(await app.delegations.end(megan), null);

    const overview = await app.delegations.overview(megan);
    assert.equal(overview.current, null);
    assert.deepEqual(overview.history.map((e) => `${e.change}:${e.delegateId === ADELE ? 'adele' : e.delegateId === LYNNE ? 'lynne' : e.delegateId}`), ['set:adele', 'expired:adele', 'set:adele', 'changed:lynne', 'ended:lynne']);
    assert.deepEqual(overview.history.map((e) => e.actor.kind), ['user', 'system', 'user', 'user', 'user']);
    const reports = await new DelegationAuditLog(db).verify();
    assert.ok(reports.length >= 2 && reports.every((r) => r.ok), 'every manager\'s delegation chain verifies against its head');
    await db.collection(COLLECTIONS.delegationAudit).updateOne({ chainId: MEGAN, seq: 2 } as never, { $set: { until: '2027-01-01T00:00:00.000Z' } });
    const [tampered] = await new DelegationAuditLog(db).verify(MEGAN);
    assert.equal(tampered.ok, false);
    assert.equal(tampered.firstBad?.seq, 2);
  });

  it('when the process stops between saving a delegation and auditing it, then the chain catches up the next time it is read', async () => {
    clock = new Date('2026-11-23T17:00:00.000Z');
    const app = build();
    const d = await app.delegations.set(megan, { delegateId: ADELE, fromDate: '2026-11-23', untilDate: '2026-11-27' });
    // What a crash after the document write leaves: a changed, then ended delegation with no entries for either.
    const changed = { ...d, id: 'after-crash', delegate: { aadObjectId: LYNNE, displayName: 'Lynne Robbins' }, createdAt: '2026-11-23T18:00:00.000Z', endedAt: '2026-11-23T19:00:00.000Z' };
    await new DelegationRepository(db).set(changed);
    clock = new Date('2026-11-23T20:00:00.000Z');
    const { history } = await app.delegations.overview(megan);
    assert.deepEqual(history.map((e) => `${e.change}@${e.at}`), ['set@2026-11-23T17:00:00.000Z', 'set@2026-11-23T18:00:00.000Z', 'ended@2026-11-23T19:00:00.000Z']);
    assert.equal((await app.delegations.overview(megan)).history.length, 3, 'recorded once');
    const [report] = await new DelegationAuditLog(db).verify(MEGAN);
    assert.ok(report.ok);
  });

  it('when a request from before approval timers waits for approval, then start-up gives it a timer counted from its submission', async () => {
    clock = new Date('2026-11-23T17:00:00.000Z');
    const app = build();
    const r0 = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await app.runner.idle();
    // What an earlier version left: no approval history on the request, no timer job.
    await db.collection('requests').updateOne({ _id: r0._id as never }, { $unset: { approval: '' } });
    await app.jobs.collection.deleteOne({ _id: JobQueue.id(APPROVAL_TIMER, r0._id) });
    assert.equal(await app.timers.adoptPending(), 1);
    assert.equal(await app.timerDue(r0._id), '2026-11-24T17:00:00.000Z');
    assert.equal(await app.timers.adoptPending(), 0, 'adopted once');
    await app.at('2026-11-24T17:00:00.000Z');
    assert.equal((await app.requests.get(r0._id))?.approval?.reminders.length, 1);
  });
});
