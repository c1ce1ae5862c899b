import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { consentTextFor } from '../../../services/content/consentText';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { RequestRepository } from '../../../services/storage/requestRepository';
import { InvalidTransitionError } from '../../../services/workflow/errors';
import { useTestDb } from '../../support/testDb';
import {
  ALEX,
  MEGAN,
  alex,
  eventually,
  form,
  gate,
  megan,
  never,
  onboardingInstance,
  RecordingMessenger,
  sleep,
  useGraphSimulator,
} from '../../support/onboardingInstance';

const LEASE_MS = 1_000;

describe('background work shared by two bot instances on one database', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('two_instances');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await sim.reset();
  });

  const instance = (name: string, extra: Partial<Parameters<typeof onboardingInstance>[2]> = {}) => onboardingInstance(db, sim.url, { name, leaseMs: LEASE_MS, ...extra });
  const all = (...xs: { messenger: unknown }[]) => xs.flatMap((x) => (x.messenger as RecordingMessenger).sent);
  const count = (xs: { to: string; text: string }[], to: string, pattern: RegExp) => xs.filter((s) => s.to === to && pattern.test(s.text)).length;

  describe('leases', () => {
    it('when two instances take one lease at once, then one gets it, and the other only after it expires', async () => {
      const a = new JobQueue(db, { owner: 'a', leaseMs: LEASE_MS });
      const b = new JobQueue(db, { owner: 'b', leaseMs: LEASE_MS });
      await a.announce('onboardingRequest', 'r1', new Date());
      const [ta, tb] = await Promise.all([a.take('onboardingRequest', 'r1'), b.take('onboardingRequest', 'r1')]);
      assert.equal([ta, tb].filter((t) => 'lease' in t).length, 1, 'exactly one holder');
      const loser = 'lease' in ta ? b : a;
      assert.equal('lease' in (await loser.take('onboardingRequest', 'r1')), false, 'still held');
      await sleep(LEASE_MS + 100);
      assert.equal('lease' in (await loser.take('onboardingRequest', 'r1')), true, 'taken over once expired');
    });

    it('when an earlier acquisition by the same instance ends after a newer one began, then the newer lease stays held', async () => {
      const q = new JobQueue(db, { owner: 'same-instance', leaseMs: 5_000 });
      const other = new JobQueue(db, { owner: 'other-instance', leaseMs: 5_000 });
      await q.announce('onboardingRequest', 'r2', new Date());
      const first = await q.take('onboardingRequest', 'r2');
      assert.ok('lease' in first);
      // The first holder's lease ends and a follow-up drain in the same process takes a new one...
      await q.leases.release(first.lease);
      const second = await q.take('onboardingRequest', 'r2');
      assert.ok('lease' in second);
      // ...then the first holder's cleanup runs late: it must not free the follow-up's lease.
      assert.equal(await q.leases.release(first.lease), false);
      await q.finish(first.lease, first.job.rev, null);
      assert.equal(await q.leases.holds(second.lease), true);
      assert.equal('lease' in (await other.take('onboardingRequest', 'r2')), false, 'another instance cannot take it');
    });

    it('when a holder finishes between another instance announcing work and writing it, then the job waits for that write', async () => {
      const committer = new JobQueue(db, { owner: 'committer', leaseMs: LEASE_MS });
      const holder = new JobQueue(db, { owner: 'holder', leaseMs: LEASE_MS });
      await committer.announce('onboardingRequest', 'r4', new Date());
      // The holder reads the request before the committer's write lands, finds nothing to do and finishes.
      const held = await holder.take('onboardingRequest', 'r4');
      assert.ok('lease' in held);
      await holder.finish(held.lease, held.job.rev, null);
      const kept = await holder.collection.findOne({ _id: JobQueue.id('onboardingRequest', 'r4') });
      assert.ok(kept, 'the job is kept');
      assert.ok(kept.dueAt > new Date(), 'and runs again once the write has had time to land');
      await sleep(LEASE_MS + 50);
      const again = await holder.claimDue();
      assert.ok(again);
      await holder.finish(again.lease, again.job.rev, null);
      assert.equal(await holder.collection.countDocuments({ _id: JobQueue.id('onboardingRequest', 'r4') }), 0, 'then it is done');
    });

    // Who announced the work a holder finishes with, and whether its write has landed: the job ends at once only
    // when every announcement came from the holder's own instance and none is still on its way.
    const announcers: { name: string; announce: (own: JobQueue, other: JobQueue, subject: string) => Promise<void>; ends: boolean }[] = [
      { name: 'this instance, its write landed', ends: true, announce: async (own, _o, subject) => (await own.announceWrite('onboardingRequest', subject, new Date()))() },
      { name: 'this instance, its write still on its way', ends: false, announce: async (own, _o, subject) => void (await own.announceWrite('onboardingRequest', subject, new Date())) },
      {
        name: 'this instance twice, one write landed and one on its way',
        ends: false,
        announce: async (own, _o, subject) => {
          const first = await own.announceWrite('onboardingRequest', subject, new Date());
          await own.announceWrite('onboardingRequest', subject, new Date());
          first();
        },
      },
      {
        name: 'this instance (landed) and another instance',
        ends: false,
        announce: async (own, other, subject) => {
          (await own.announceWrite('onboardingRequest', subject, new Date()))();
          (await other.announceWrite('onboardingRequest', subject, new Date()))();
        },
      },
      { name: 'an announcer that does not follow its write', ends: false, announce: (own, _o, subject) => own.announce('onboardingRequest', subject, new Date()) },
    ];
    for (const [i, c] of announcers.entries()) {
      it(`when the work was announced by ${c.name} and the holder saw it, then the job ${c.ends ? 'ends at once' : 'waits a lease for the write'}`, async () => {
        const own = new JobQueue(db, { owner: 'own', leaseMs: LEASE_MS });
        const other = new JobQueue(db, { owner: 'other', leaseMs: LEASE_MS });
        const subject = `announced-${i}`;
        await c.announce(own, other, subject);
        const held = await own.take('onboardingRequest', subject);
        assert.ok('lease' in held);
        await own.finish(held.lease, held.job.rev, null);
        const kept = await own.collection.findOne({ _id: JobQueue.id('onboardingRequest', subject) });
        assert.equal(Boolean(kept), !c.ends);
        if (kept) assert.ok(kept.dueAt > new Date(), 'kept until the write has had time to land');
      });
    }

    it('when work is announced after the holder read the job, then finishing leaves it due now', async () => {
      const own = new JobQueue(db, { owner: 'own', leaseMs: LEASE_MS });
      (await own.announceWrite('onboardingRequest', 'late', new Date()))();
      const held = await own.take('onboardingRequest', 'late');
      assert.ok('lease' in held);
      (await own.announceWrite('onboardingRequest', 'late', new Date()))();
      await own.finish(held.lease, held.job.rev, null);
      const kept = await own.collection.findOne({ _id: JobQueue.id('onboardingRequest', 'late') });
      assert.ok(kept && kept.dueAt <= new Date() && !kept.leaseToken, 'due now and free');
    });

    it('when the holder keeps renewing, then nobody takes over however long the work runs; when renewals stop, another instance does', async () => {
      const a = new JobQueue(db, { owner: 'a', leaseMs: LEASE_MS });
      const b = new JobQueue(db, { owner: 'b', leaseMs: LEASE_MS });
      await a.announce('onboardingRequest', 'r3', new Date());
      const held = await a.take('onboardingRequest', 'r3');
      assert.ok('lease' in held);
      const stop = a.leases.keepAlive(held.lease);
      for (let i = 0; i < 6; i++) {
        await sleep(LEASE_MS / 2);
        assert.equal('lease' in (await b.take('onboardingRequest', 'r3')), false, `still held after ${(i + 1) * (LEASE_MS / 2)} ms`);
      }
      stop();
      await eventually(async () => 'lease' in (await b.take('onboardingRequest', 'r3')), 5_000, 'takeover');
      assert.equal(await a.leases.renew(held.lease), false, 'the old holder learns it lost the lease');
      assert.equal(held.lease.lost, true);
    });
  });

  describe('onboarding requests', () => {
    it('when both instances poll for due work at once, then every message is sent once', async () => {
      const crashed = instance('first');
      crashed.runner.kick = () => undefined; // its effects never run: the other two find them through their jobs
      const ids = [];
      for (const who of [ALEX, 'a0000000-0000-4000-8000-000000000002']) ids.push((await crashed.service.submit({ aadObjectId: who, displayName: who }, form))._id);
      await sleep(LEASE_MS + 100);
      const a = instance('a');
      const b = instance('b');
      await Promise.all([a.worker.runOnce(), b.worker.runOnce(), a.worker.runOnce(), b.worker.runOnce()]);
      await Promise.all([a.runner.idle(), b.runner.idle()]);
      const sent = all(a, b);
      assert.equal(count(sent, MEGAN, /iPhone 15/), 2, 'one approval card per request');
      assert.equal(sent.length, 4, 'and one "request sent" notice each, nothing twice');
      for (const id of ids) assert.equal(await a.pendingEffects(id), 0);
    });

    it('when a drain outlasts its lease time (Teams answers slowly), then the lease is renewed and the other instance repeats nothing', async () => {
      const slow = new RecordingMessenger('slow');
      slow.beforeReturn = async () => void (await sleep(LEASE_MS * 2));
      const a = instance('a', { messenger: slow });
      const b = instance('b');
      b.worker.start();
      try {
        const r = await a.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
        await a.runner.idle();
        await b.runner.idle();
        assert.equal(await a.pendingEffects(r._id), 0);
      } finally {
        await b.worker.stop();
      }
      assert.equal((b.messenger as RecordingMessenger).sent.length, 0, 'the other instance sent nothing');
      assert.equal(slow.to(MEGAN).length, 1);
      assert.equal(slow.to(ALEX).length, 1);
    });

    it('when a holder stalls past its lease, then the other instance takes over and the stalled drain stops before its next effect', async () => {
      const stall = gate();
      let stalled = false;
      // The holder stalls (its database unreachable) right after recording its first message as delivered.
      const deliveries = new DeliveryLog(db);
      const confirm = deliveries.confirm.bind(deliveries);
      deliveries.confirm = async (key, delivery) => {
        await confirm(key, delivery);
        if (!stalled && key.includes(':approver:')) {
          stalled = true;
          await stall.passed();
        }
      };
      const a = instance('a', { deliveries });
      a.jobs.leases.renew = async () => {
        throw new Error('database unreachable');
      };
      const r = await a.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
      await eventually(() => stalled, 10_000, 'the stall');
      // The other instance takes over; while it sends its first message, the stalled holder wakes up.
      const bMessenger = new RecordingMessenger('b');
      bMessenger.beforeReturn = async () => {
        stall.open();
        await sleep(300);
      };
      const b = instance('b', { messenger: bMessenger });
      await sleep(LEASE_MS + 100);
      await b.worker.runOnce();
      await Promise.all([a.runner.idle(), b.runner.idle()]);
      const sent = all(a, b);
      assert.equal(count(sent, MEGAN, /iPhone 15/), 1, 'the approval card once (recorded as delivered before the stall)');
      assert.equal(sent.filter((s) => s.to === ALEX).length, 1, 'the "request sent" notice once');
      assert.equal((a.messenger as RecordingMessenger).to(ALEX).length, 0, 'the stalled instance sent nothing after losing its lease');
      assert.equal(await a.pendingEffects(r._id), 0);
    });

    it("when a worker's compliance check adds effects, then its lease is not given away under the follow-up drain", async () => {
      const setup = instance('setup');
      let r = await setup.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
      r = await setup.service.apply(r._id, { type: 'approve' }, megan, r.version);
      await setup.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
      await setup.runner.idle();
      // The compliance check comes due now.
      await db.collection('requests').updateOne({ _id: r._id as never }, { $set: { nextCheckAt: new Date(Date.now() - 1000).toISOString() } });
      await setup.jobs.announce('enrollmentCheck', r._id, new Date(Date.now() - 1000));

      const slow = new RecordingMessenger('a');
      slow.beforeReturn = async () => void (await sleep(150));
      const a = instance('a', { messenger: slow });
      const b = instance('b');
      // A holds the job before B's worker starts polling, so the race under test is B against a held lease.
      let aFinished = false;
      const aRan = a.worker.runOnce().finally(() => (aFinished = true));
      // A holds the lease, or has already run the check and given the lease back (then B cannot take it from A either).
      await eventually(async () => aFinished || Boolean((await db.collection('jobs').findOne({ _id: `enrollmentCheck:${r._id}` as never }))?.leaseOwner), 10_000, "a's lease");
      b.worker.start();
      try {
        assert.ok((await aRan) >= 1, 'a ran the check (and, the check having scheduled the next one, may run its job again)');
        await a.runner.idle();
        await sleep(LEASE_MS);
      } finally {
        await b.worker.stop();
      }
      const after = await a.service.get(r._id);
      assert.equal(after.state, 'nonCompliant', 'the check ran (the demo iPhone has no passcode)');
      assert.equal(await a.pendingEffects(r._id), 0);
      assert.ok(slow.sent.length >= 2, 'the follow-up messages went out from the instance that ran the check');
      assert.equal((b.messenger as RecordingMessenger).sent.length, 0, 'the other instance repeated nothing');
    });
  });

  describe('onboarding requests on the shared outbox', () => {
    it('when two instances decide one request at once, then one decision stands and the losing write leaves no effect behind', async () => {
      const a = instance('a');
      let r = await a.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
      await a.runner.idle();
      // B stages its denial's effects, then waits to write the request until A's approval is written.
      const held = gate();
      const staged = gate();
      const bRequests = new RequestRepository(db);
      const save = bRequests.save.bind(bRequests);
      bRequests.save = async (request, effects) => {
        staged.open();
        await held.passed();
        return save(request, effects);
      };
      const b = instance('b', { requests: bRequests });
      const denial = b.service.apply(r._id, { type: 'deny', reason: 'Use the shared tablet' }, megan, r.version);
      await staged.passed();
      r = await a.service.apply(r._id, { type: 'approve' }, megan, r.version);
      held.open();
      await assert.rejects(denial, InvalidTransitionError, 'the denial lost: the request is decided already');
      await Promise.all([a.runner.idle(), b.runner.idle()]);
      await sleep(LEASE_MS * 2 + 100);
      await Promise.all([a.worker.runOnce(), b.worker.runOnce()]);
      await Promise.all([a.runner.idle(), b.runner.idle()]);

      assert.equal((await a.service.get(r._id)).state, 'awaitingConsent');
      const sent = all(a, b);
      assert.equal(count(sent, ALEX, /"text":"Approved"/), 1, 'the approval told once');
      assert.equal(count(sent, ALEX, /Consent and terms/), 1, 'one consent card');
      assert.equal(count(sent, ALEX, /"text":"Not approved"/), 0, 'nothing of the losing denial');
      assert.equal(sent.filter((s) => s.to === ALEX).length, 3, 'request sent, approved, consent: nothing else');
      assert.equal(await a.pendingEffects(r._id), 0);
      const discarded = await db.collection('outbox').countDocuments({ aggregateId: r._id, state: 'discarded' });
      assert.ok(discarded >= 1, "the denial's staged effects were discarded");
    });

    it('when a request written before the shared outbox still has effects in its document, then the new version carries them out once, and its next change goes through the shared outbox', async () => {
      const before = instance('before', { documentOutbox: true });
      before.runner.kick = () => undefined; // it stops before carrying its effects out
      let r = await before.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
      assert.ok(r.outbox.length > 0, 'the effects wait in the request document');
      assert.equal(await db.collection('outbox').countDocuments({}), 0);

      await sleep(LEASE_MS + 100);
      const a = instance('a');
      const b = instance('b');
      await Promise.all([a.worker.runOnce(), b.worker.runOnce(), a.worker.runOnce(), b.worker.runOnce()]);
      await Promise.all([a.runner.idle(), b.runner.idle()]);
      let sent = all(a, b);
      assert.equal(count(sent, MEGAN, /iPhone 15/), 1, 'one approval card');
      assert.equal(sent.filter((s) => s.to === ALEX).length, 1, 'one "request sent" notice');
      assert.equal((await a.service.get(r._id)).outbox.length, 0, 'the document queue is empty');
      assert.equal((await a.audit.verifyRequest(r._id)).ok, true);

      r = await a.service.apply(r._id, { type: 'approve' }, megan, (await a.service.get(r._id)).version);
      await a.runner.idle();
      sent = all(a, b);
      assert.equal(count(sent, ALEX, /Consent and terms/), 1);
      assert.ok((await db.collection('outbox').countDocuments({ aggregateId: r._id, state: 'done' })) >= 4, "the approval's effects went through the shared outbox");
      assert.equal((await a.audit.verifyRequest(r._id)).ok, true);
    });
  });

  describe('crash recovery', () => {
    it('when an instance crashes right after sending the approval card, then after the approve on a new instance the consent card arrives within seconds', async () => {
      const crashing = new RecordingMessenger('old');
      const old = instance('old', { messenger: crashing, leaseMs: 1_000 });
      crashing.beforeReturn = async (s) => {
        if (s.to === MEGAN) {
          old.crash();
          await never();
        }
      };
      const r = await old.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
      await eventually(() => crashing.to(MEGAN).length === 1, 10_000, 'the approval card');

      const fresh = instance('new', { leaseMs: 1_000 });
      fresh.worker.start();
      try {
        const current = await fresh.service.get(r._id);
        const approved = await fresh.service.apply(r._id, { type: 'approve' }, megan, current.version);
        assert.equal(approved.state, 'awaitingConsent', 'the answer is recorded at once');
        await eventually(() => (fresh.messenger as RecordingMessenger).to(ALEX).some((s) => /Consent and terms/.test(s.text)), 10_000, 'the consent card');
      } finally {
        await fresh.worker.stop();
      }
    });

    it('when an instance crashes right after an approve is answered, then a new instance sends the next step within seconds', async () => {
      const first = instance('first', { leaseMs: 1_000 });
      let r = await first.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
      await first.runner.idle();
      // The approve is saved and answered; the process dies before any of its effects run.
      first.runner.kick = () => first.crash();
      r = await first.service.apply(r._id, { type: 'approve' }, megan, r.version);
      first.crash();

      const fresh = instance('second', { leaseMs: 1_000 });
      fresh.worker.start();
      try {
        await eventually(() => (fresh.messenger as RecordingMessenger).to(ALEX).length >= 2, 10_000, 'the approved notice and the consent card');
      } finally {
        await fresh.worker.stop();
      }
      await eventually(async () => (await fresh.pendingEffects(r._id)) === 0, 10_000, 'every effect carried out');
    });
  });
});
