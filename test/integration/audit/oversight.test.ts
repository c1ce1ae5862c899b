import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import type { Db } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { EVIDENCE_PACK_SCHEMA } from '../../../services/evidence/evidenceSchema';
import { renderEvidenceHtml } from '../../../services/evidence/evidenceHtml';
import { AccessLog } from '../../../services/governance/accessLog';
import { ACCESS_REVIEWS_COLLECTION, AccessReviewStateError } from '../../../services/governance/accessReview';
import { ActionNotPermittedError } from '../../../services/governance/authorization';
import { createOversightModule, type OversightOptions } from '../../../services/governance/oversightModule';
import { AuditRepository, hashAuditEntry } from '../../../services/storage/auditRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import type { AuditEntry } from '../../../services/workflow/model';
import type { Actor } from '../../../services/workflow/transition';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { RecordingMessenger } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, HOUR, MEGAN, MEGAN_IPHONE, TestClock, useClockedSimulator } from '../devices/deviceHarness';

const ALEX = 'a0000000-0000-4000-8000-000000000000';
const ADELE = 'a0000000-0000-4000-8000-000000000002';
const ADELE_ANDROID = 'd0000000-0000-4000-8000-000000000002';
const PATTI = 'a0000000-0000-4000-8000-000000000004';
const LYNNE = 'a0000000-0000-4000-8000-000000000005';
const DEBRA = 'a0000000-0000-4000-8000-000000000006';
const DAY = 24 * HOUR;
const GROUPS = {
  access: ACCESS_GROUP,
  fallbackApprovers: 'b0000000-0000-4000-8000-0000000000a2',
  itSecurity: 'b0000000-0000-4000-8000-0000000000a3',
  admins: 'b0000000-0000-4000-8000-0000000000a4',
  auditors: 'b0000000-0000-4000-8000-0000000000a5',
};
const RETENTION_DAYS = { personal: 2190, consent: 2190, audit: 2190, log: 2190, conversationState: 365 };

const patti: Actor = { kind: 'user', aadObjectId: PATTI, displayName: 'Patti Fernandez', roles: ['admin'] };
const lynne: Actor = { kind: 'user', aadObjectId: LYNNE, displayName: 'Lynne Robbins', roles: ['itSecurity', 'auditor'] };

/** An audit repository whose database writes fail while `failing` is set. */
class FlakyAudit extends AuditRepository {
  failing = false;
  override async append(entry: AuditEntry): Promise<void> {
    if (this.failing) throw new Error('write concern timed out');
    return super.append(entry);
  }
}

describe('oversight: access reviews, parked audit entries and scheduled retention', function () {
  this.timeout(90_000);
  const clock = new TestClock();
  const sim = useClockedSimulator(clock);
  const store = useTestDb('oversight');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
    clock.at = new Date('2026-03-02T09:00:00Z');
  });

  function instance(options: { dryRun?: boolean } = {}) {
    const devices = deviceInstance(db, sim.url, clock, { name: 'a', leaseMs: 2_000 });
    const audit = new FlakyAudit(db, undefined, []);
    const oversightOptions: OversightOptions = {
      review: { intervalMs: 91 * DAY, dueMs: 14 * DAY, reminderMs: 3 * DAY, groups: GROUPS },
      retention: { intervalMs: DAY, dryRun: options.dryRun ?? false, days: RETENTION_DAYS },
      auditRetryMs: 5 * 60_000,
      dataResidencyRegion: 'westeurope',
    };
    const oversight = createOversightModule({
      db,
      jobs: devices.jobs,
      outbox: devices.module.outbox,
      audit,
      accessLog: new AccessLog(db, clock.now),
      graph: devices.graph,
      channel: { messenger: devices.messenger, deliveries: new DeliveryLog(db, clock.now) },
      options: oversightOptions,
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      clock: clock.now,
    });
    const handlers = { ...devices.module.handlers, ...oversight.handlers } as Record<string, (lease: never, subject: string) => Promise<void>>;
    async function runDue(max = 100) {
      for (let n = 0; n < max; n++) {
        const claim = await devices.jobs.claimDue();
        if (!claim) return;
        await handlers[claim.job.kind](claim.lease as never, claim.job.subject);
      }
    }
    const itCards = () => (devices.messenger as RecordingMessenger).to('it').map((s) => s.text);
    return { devices, oversight, audit, runDue, itCards };
  }

  /** Megan: enrolled, compliant, in the group. Adele: enrolled, compliant, missing from the group. Alex: in the group without a device. */
  async function tenantWithDiscrepancies(x: ReturnType<typeof instance>) {
    await x.devices.module.ensureIndexes();
    await x.oversight.ensureIndexes();
    await x.devices.graph.groups.addMember(ACCESS_GROUP, MEGAN);
    await x.devices.graph.groups.addMember(ACCESS_GROUP, ALEX);
    const enroll = (intuneDeviceId: string, aadObjectId: string, displayName: string) =>
      x.devices.module.service.enroll({ intuneDeviceId, person: { aadObjectId, displayName }, requestId: `req-${aadObjectId}`, platform: 'ios', deviceName: 'Phone', operatingSystem: 'iOS', access: { groupId: ACCESS_GROUP, memberId: aadObjectId } });
    await enroll(MEGAN_IPHONE, MEGAN, 'Megan Bowen');
    await enroll(ADELE_ANDROID, ADELE, 'Adele Vance');
    await new AccessLog(db, clock.now).record({ actor: { kind: 'user', aadObjectId: LYNNE, displayName: 'Lynne', roles: ['itSecurity'] }, door: 'teams', action: 'lookUpPerson', subject: { kind: 'personStatus', id: ALEX } });
  }

  describe('the access review', () => {
    it('when it runs, then it lists every role holder and the access group against the enrolled compliant devices, posts the card and chains the review', async () => {
      const x = instance();
      await tenantWithDiscrepancies(x);
      const review = await x.oversight.reviews.run();
      const roles = Object.fromEntries(review.roles.map((r) => [r.role, r.members.map((m) => m.id).sort()]));
      assert.deepEqual(roles, { admin: [PATTI], auditor: [LYNNE, DEBRA].sort(), itSecurity: [LYNNE], fallbackApprover: [PATTI] });
      assert.deepEqual(review.access.unexpected.map((m) => [m.id, m.name]), [[ALEX, 'Alex Wilber']]);
      assert.deepEqual(review.access.missing.map((m) => m.id), [ADELE]);
      assert.deepEqual([review.access.members, review.access.expected], [2, 2]);
      assert.deepEqual(review.usage.map((u) => [u.aadObjectId, u.reads]), [[LYNNE, 1]]);
      await x.runDue();
      const cards = x.itCards();
      assert.equal(cards.length, 1);
      assert.match(cards[0], /Access review/);
      assert.match(cards[0], /Alex Wilber/);
      assert.match(cards[0], /accessReview\.attest/);
      const events = await x.oversight.reviews.events(review._id);
      assert.deepEqual(events.map((e) => e.event), ['reviewed']);
      assert.equal(events[0].details.unexpected, ALEX);
    });

    it('when an auditor tries to attest or remove, then it is refused; when the administrator removes a listed member, then Graph removes it and the request-id is chained', async () => {
      const x = instance();
      await tenantWithDiscrepancies(x);
      const review = await x.oversight.reviews.run();
      await assert.rejects(x.oversight.reviews.attest(lynne, review._id), ActionNotPermittedError);
      await assert.rejects(x.oversight.reviews.revoke(lynne, review._id, ALEX), ActionNotPermittedError);
      await assert.rejects(x.oversight.reviews.revoke(patti, review._id, MEGAN), (e: unknown) => e instanceof AccessReviewStateError && e.reason === 'notListed', 'a member the review did not list is never removed');

      await x.oversight.reviews.revoke(patti, review._id, ALEX);
      await assert.rejects(x.oversight.reviews.revoke(patti, review._id, ALEX), (e: unknown) => e instanceof AccessReviewStateError && e.reason === 'alreadyRevoked');
      await x.runDue();
      assert.deepEqual(sim.controls.groupMembers(ACCESS_GROUP), [MEGAN]);
      const after = (await x.oversight.reviews.get(review._id))!;
      assert.equal(after.revocations[0].state, 'removed');
      assert.match(String(after.revocations[0].graphRequestId), /^[0-9a-f-]{36}$/);

      const attested = await x.oversight.reviews.attest(patti, review._id);
      assert.equal(attested.state, 'attested');
      await x.runDue();
      const updates = (x.devices.messenger as RecordingMessenger).updates;
      assert.ok(updates.length >= 1, 'the posted card is updated for the whole channel');
      assert.match(updates.at(-1)!.text, /Attested/);
      assert.match(updates.at(-1)!.text, /Alex Wilber \([^)]*\) · removed/);
      assert.doesNotMatch(updates.at(-1)!.text, /accessReview\.(attest|revoke)/, 'no buttons once attested');
      await assert.rejects(x.oversight.reviews.attest(patti, review._id), (e: unknown) => e instanceof AccessReviewStateError && e.reason === 'attested');
      const events = await x.oversight.reviews.events(review._id);
      assert.deepEqual(events.map((e) => e.event), ['reviewed', 'revocationRequested', 'revoked', 'attested']);
      assert.equal(events[2].details.graphRequestId, after.revocations[0].graphRequestId);
      assert.deepEqual((await x.oversight.reviews.verify(review._id)).map((r) => r.ok), [true]);

      const pack = await x.oversight.desk.pack(patti, 'cli', { kind: 'person', id: ALEX });
      const ajv = new Ajv2020({ strict: false });
      assert.ok(ajv.validate(EVIDENCE_PACK_SCHEMA, pack), JSON.stringify(ajv.errors));
      assert.equal(pack.accessReviews.length, 1);
      assert.deepEqual(pack.accessReviews[0].mentions, ['inAccessGroupWithoutDevice']);
      assert.equal(pack.accessReviews[0].verified, true);
      assert.ok(pack.accessReviews[0].controls.includes('SOC 2 CC6.2'));
      assert.match(renderEvidenceHtml(pack), /Access reviews \(SOC 2 CC6\.2, CC6\.3\)[\s\S]*revocationRequested/);
    });

    it('when the removal is asked for while the review changes underneath, then the retried request still removes the member', async () => {
      const x = instance();
      await tenantWithDiscrepancies(x);
      const review = await x.oversight.reviews.run();
      // Between staging the removal and writing the review, another change lands: the first write loses its version check.
      const outbox = x.devices.module.outbox;
      const stage = outbox.stage.bind(outbox);
      let raced = false;
      outbox.stage = async (...args: Parameters<typeof stage>) => {
        const ids = await stage(...args);
        if (!raced && args[1].some((e) => e.kind === 'accessReviewRevoke')) {
          raced = true;
          await db.collection(ACCESS_REVIEWS_COLLECTION).updateOne({ _id: review._id as never }, { $inc: { version: 1 } });
        }
        return ids;
      };
      await x.oversight.reviews.revoke(patti, review._id, ALEX);
      await x.runDue();
      assert.ok(raced);
      assert.deepEqual(sim.controls.groupMembers(ACCESS_GROUP), [MEGAN]);
      assert.equal((await x.oversight.reviews.get(review._id))!.revocations[0].state, 'removed');
    });

    it('when a review entry is altered, then verification names it', async () => {
      const x = instance();
      await tenantWithDiscrepancies(x);
      const review = await x.oversight.reviews.run();
      await x.oversight.reviews.attest(patti, review._id);
      await db.collection('accessReviewLog').updateOne({ chainId: review._id, seq: 2 }, { $set: { 'actor.aadObjectId': LYNNE } });
      const [report] = await x.oversight.reviews.verify(review._id);
      assert.deepEqual([report.ok, report.firstBad?.seq, report.firstBad?.problem], [false, 2, 'altered']);
      const summary = await x.oversight.desk.verify(patti, 'teams');
      assert.ok(summary.failing.some((f) => f.chain === `accessReviewLog:${review._id}`));
    });

    it('when the schedule comes round, then a review runs, and when it is not attested by its due date, then the administrators are reminded until it is', async () => {
      const x = instance();
      await tenantWithDiscrepancies(x);
      await x.oversight.start();
      await x.runDue();
      assert.equal(await db.collection('accessReviews').countDocuments(), 0, 'nothing before the first interval');
      clock.advance(91 * DAY);
      await x.runDue();
      const [review] = await x.oversight.reviews.list();
      assert.ok(review, 'the scheduled review ran');
      clock.advance(14 * DAY);
      await x.runDue();
      assert.match(x.itCards().at(-1)!, /Overdue/);
      clock.advance(3 * DAY);
      await x.runDue();
      assert.deepEqual((await x.oversight.reviews.events(review._id)).map((e) => e.event), ['reviewed', 'reminded', 'reminded']);
      await x.oversight.reviews.attest(patti, review._id);
      const sent = x.itCards().length;
      clock.advance(3 * DAY);
      await x.runDue();
      assert.equal(x.itCards().length, sent, 'an attested review reminds no one');
    });
  });

  describe('an audit entry that cannot be stored', () => {
    function entry(requestId: string, seq: number, prevHash: string): AuditEntry {
      const e: Omit<AuditEntry, 'hash'> = {
        _id: `${requestId}:${seq}`, requestId, seq, at: clock.now().toISOString(), actor: { kind: 'system' }, event: 'accessApplied', from: 'granting', to: 'granted',
        procedureStep: 6, controls: ['SOC 2 CC6.1'], details: {}, prevHash,
      };
      return { ...e, hash: hashAuditEntry(e) };
    }

    it('when the database write fails after retries, then IT gets an alert card and a job retries it until it is stored', async () => {
      const x = instance();
      await x.devices.module.ensureIndexes();
      const first = entry('req-parked', 1, '');
      await db.collection(COLLECTIONS.requests).insertOne({ _id: 'req-parked', auditHead: { seq: 1, hash: first.hash }, outbox: [], cards: [] } as never);
      x.audit.failing = true;
      await assert.rejects(x.audit.record(first));
      await x.audit.park(first, 'write concern timed out');

      await x.runDue();
      assert.equal(x.itCards().length, 1);
      assert.match(x.itCards()[0], /An audit entry could not be stored/);
      assert.match(x.itCards()[0], /req-parked/);
      assert.equal(await db.collection(COLLECTIONS.pendingAudit).countDocuments(), 1);

      clock.advance(5 * 60_000);
      await x.runDue();
      assert.equal(await db.collection(COLLECTIONS.pendingAudit).countDocuments(), 1, 'still failing: still parked');
      assert.ok(await db.collection('jobs').findOne({ _id: 'auditRetry:parked' as never }), 'and retried again later');

      x.audit.failing = false;
      clock.advance(5 * 60_000);
      await x.runDue();
      assert.equal(await db.collection(COLLECTIONS.pendingAudit).countDocuments(), 0);
      const report = await x.audit.verifyRequest('req-parked');
      assert.deepEqual([report.ok, report.stored, report.pending], [true, 1, 0]);
      assert.match(x.itCards().at(-1)!, /Audit entries stored/);
      assert.equal(await db.collection('jobs').findOne({ _id: 'auditRetry:parked' as never }), null, 'nothing left to retry');
    });
  });

  describe('scheduled retention', () => {
    async function oldClosedRequest() {
      const at = clock.now().toISOString();
      await db.collection(COLLECTIONS.requests).insertOne({ _id: 'req-old', state: 'granted', closedAt: at, openKey: 'x:req-old', requester: { aadObjectId: ALEX, displayName: 'Alex' } } as never);
    }

    for (const dryRun of [true, false]) {
      it(`when the clock moves six years on with ${dryRun ? 'a dry run' : 'enforcement'} configured, then the run is recorded with ids ${dryRun ? 'and nothing is removed' : 'and the request is removed'}`, async () => {
        const x = instance({ dryRun });
        await oldClosedRequest();
        await x.oversight.start();
        clock.advance(2191 * DAY);
        await x.runDue();
        const runs = await db.collection('retentionRuns').find({}).toArray();
        assert.equal(runs.length, 1);
        assert.deepEqual(runs[0].removed[COLLECTIONS.requests], { count: 1, ids: ['req-old'] });
        assert.deepEqual(runs[0].trigger, { kind: 'schedule' });
        assert.equal(Boolean(runs[0].dryRun), dryRun);
        assert.equal(Boolean(await db.collection(COLLECTIONS.requests).findOne({ _id: 'req-old' as never })), dryRun);
        const job = await db.collection('jobs').findOne({ _id: 'retention:scheduled' as never });
        assert.equal((job?.dueAt as Date).toISOString(), new Date(clock.now().getTime() + DAY).toISOString(), 'the next run is one period on');
      });
    }
  });
});
