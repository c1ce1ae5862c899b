import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { AuditRepository, hashAuditEntry } from '../../../services/storage/auditRepository';
import { ConsentAlreadyRecordedError, ConsentRepository } from '../../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import { MongoStorage, StorageETagConflictError } from '../../../services/storage/mongoStorage';
import { DuplicateOpenRequestError, RequestRepository } from '../../../services/storage/requestRepository';
import { ConcurrencyError } from '../../../services/workflow/errors';
import type { AuditEntry, OnboardingRequest } from '../../../services/workflow/model';
import { createRequest } from '../../../services/workflow/transition';

const NOW = '2026-11-23T10:00:00.000Z';

function newRequest(requester = 'u-alex'): OnboardingRequest {
  return createRequest(
    {
      id: randomUUID(),
      reference: `DEV-${randomUUID().slice(0, 6)}`,
      tenantId: 't',
      requester: { aadObjectId: requester, displayName: 'Alex' },
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'Email on the road' },
      approvers: [{ aadObjectId: 'u-megan', displayName: 'Megan' }],
      approverSource: 'manager',
    },
    NOW,
  ).next;
}

describe('storage on a MongoDB-compatible server', function () {
  let client: MongoClient;
  let db: Db;

  before(async () => {
    const uri = process.env.MONGODB_URI;
    if (!uri) throw new Error('MONGODB_URI is not set (the root hook starts the embedded database)');
    client = await MongoClient.connect(uri, { ignoreUndefined: true });
    db = client.db(`test_storage_${process.pid}_${Date.now()}`);
    await ensureIndexes(db);
  });
  after(async () => {
    await db.dropDatabase();
    await client.close();
  });

  describe('MongoStorage (bot state)', () => {
    it('when state is written and read back, then keys with $ and dots survive and an eTag is assigned', async () => {
      const s = new MongoStorage(db);
      await s.write({ 'conv/1': { dialogState: { 'a.b': 1, $c: { d: [1, 2] } } } });
      const read = await s.read(['conv/1', 'missing']);
      assert.deepEqual(Object.keys(read), ['conv/1']);
      assert.deepEqual(read['conv/1'].dialogState, { 'a.b': 1, $c: { d: [1, 2] } });
      assert.ok(read['conv/1'].eTag);
    });

    it('when two writers save from the same eTag, then the second gets a conflict', async () => {
      const s = new MongoStorage(db);
      await s.write({ k: { n: 1 } });
      const first = (await s.read(['k'])).k;
      await s.write({ k: { ...first, n: 2 } });
      await assert.rejects(s.write({ k: { ...first, n: 3 } }), StorageETagConflictError);
      assert.equal((await s.read(['k'])).k.n, 2);
    });

    it("when the eTag is '*', then the write is unconditional; delete removes the key", async () => {
      const s = new MongoStorage(db);
      await s.write({ w: { n: 1 } });
      await s.write({ w: { n: 5, eTag: '*' } });
      assert.equal((await s.read(['w'])).w.n, 5);
      await s.delete(['w']);
      assert.deepEqual(await s.read(['w']), {});
    });
  });

  describe('RequestRepository', () => {
    it('when a requester already has an open request, then a second insert returns the existing one', async () => {
      const repo = new RequestRepository(db);
      const first = await repo.insert(newRequest('u-dup'));
      await assert.rejects(repo.insert(newRequest('u-dup')), (e: unknown) => e instanceof DuplicateOpenRequestError && e.existing._id === first._id);
    });

    describe('the open-request key (found by _id, crash-safe)', () => {
      const close = (r: OnboardingRequest): OnboardingRequest => ({ ...r, state: 'cancelled', closedAt: NOW, openKey: `${r.requester.aadObjectId}:${r._id}` });
      const keys = () => db.collection<{ _id: string; requestId: string }>(COLLECTIONS.openRequestKeys);
      const cases: [string, (repo: RequestRepository, first: OnboardingRequest) => Promise<void>][] = [
        ['the request was closed', async (repo, first) => void (await repo.save(close(first)))],
        [
          'a crash left the key on a request closed meanwhile',
          async (_repo, first) => {
            await db.collection<OnboardingRequest>(COLLECTIONS.requests).updateOne({ _id: first._id }, { $set: { state: 'cancelled', openKey: `${first.requester.aadObjectId}:${first._id}` } });
          },
        ],
        [
          'a crash left the key on a request that was never written',
          async (_repo, first) => {
            await db.collection(COLLECTIONS.requests).deleteOne({ _id: first._id as never });
          },
        ],
      ];
      for (const [name, leaveStaleKey] of cases) {
        it(`when ${name}, then the employee has no open request and can open a new one`, async () => {
          const repo = new RequestRepository(db);
          const who = `u-key-${randomUUID()}`;
          const first = await repo.insert(newRequest(who));
          assert.equal((await repo.findOpenByRequester(who))?._id, first._id);
          await leaveStaleKey(repo, first);
          assert.equal(await repo.findOpenByRequester(who), null);
          const second = await repo.insert(newRequest(who));
          assert.equal((await repo.findOpenByRequester(who))?._id, second._id);
          assert.equal((await keys().findOne({ _id: who }))?.requestId, second._id);
        });
      }

      it('when a crash came between the request and its key, then a second insert still returns the open one and restores the key', async () => {
        const repo = new RequestRepository(db);
        const who = `u-key-${randomUUID()}`;
        const first = await repo.insert(newRequest(who));
        await keys().deleteOne({ _id: who });
        await assert.rejects(repo.insert(newRequest(who)), (e: unknown) => e instanceof DuplicateOpenRequestError && e.existing._id === first._id);
        assert.equal((await repo.findOpenByRequester(who))?._id, first._id);
      });

      it('when many inserts for one employee race, then exactly one opens and the key names it', async () => {
        const repo = new RequestRepository(db);
        const who = `u-key-${randomUUID()}`;
        const results = await Promise.allSettled(Array.from({ length: 8 }, () => repo.insert(newRequest(who))));
        const opened = results.filter((r) => r.status === 'fulfilled');
        assert.equal(opened.length, 1);
        assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof DuplicateOpenRequestError));
        assert.equal((await repo.findOpenByRequester(who))?._id, (opened[0] as PromiseFulfilledResult<OnboardingRequest>).value._id);
      });
    });

    it('when two saves start from the same version, then the second throws ConcurrencyError', async () => {
      const repo = new RequestRepository(db);
      const r = await repo.insert(newRequest('u-race'));
      await repo.save({ ...r, state: 'awaitingConsent' });
      await assert.rejects(repo.save({ ...r, state: 'denied' }), ConcurrencyError);
      assert.equal((await repo.get(r._id))?.state, 'awaitingConsent');
    });

    it('when a field becomes undefined, then it is removed from the document', async () => {
      const repo = new RequestRepository(db);
      const r = await repo.insert({ ...newRequest('u-unset'), nextCheckAt: NOW });
      const saved = await repo.save({ ...r, nextCheckAt: undefined });
      assert.equal('nextCheckAt' in ((await repo.get(saved._id)) ?? {}), false);
    });

    it('when a card is recorded and an effect completed during a transition, then neither is lost', async () => {
      const repo = new RequestRepository(db);
      const r = await repo.insert({ ...newRequest('u-outbox'), outbox: [{ id: 'e1', effect: { type: 'postItCard' }, createdAt: NOW }] });
      await repo.addCard(r._id, { role: 'it', kind: 'it', conversationId: 'c', activityId: 'a' });
      await repo.completeEffect(r._id, (await repo.get(r._id))!.outbox[0]);
      const saved = await repo.save({ ...r, state: 'awaitingConsent' }, [{ id: 'e2', effect: { type: 'sendConsentCard' }, createdAt: NOW }]);
      assert.deepEqual(saved.cards.map((c) => c.activityId), ['a']);
      assert.deepEqual(saved.outbox.map((e) => e.id), ['e2']);
    });

    it('when many writers record cards at once, then none is lost (the server may not isolate updates)', async () => {
      const repo = new RequestRepository(db);
      const r = await repo.insert(newRequest('u-many'));
      await Promise.all(Array.from({ length: 20 }, (_, i) => repo.addCard(r._id, { role: 'it', kind: 'it', conversationId: 'c', activityId: `a${i}` })));
      assert.equal((await repo.get(r._id))?.cards.length, 20);
    });

    it('when requests have pending work, then the start-up scan names them with when each is due', async () => {
      const repo = new RequestRepository(db);
      await db.collection(COLLECTIONS.requests).deleteMany({});
      const checked = await repo.insert({ ...newRequest('u-check'), outbox: [], nextCheckAt: NOW });
      await repo.insert({ ...newRequest('u-idle'), outbox: [] });
      const withEffects = await repo.insert({ ...newRequest('u-effects'), outbox: [{ id: 'e1', effect: { type: 'refreshCards' }, createdAt: NOW }] });
      const found = await repo.listWithPendingWork();
      assert.deepEqual(
        found.map((f) => f._id).sort(),
        [checked._id, withEffects._id].sort(),
      );
      assert.equal(found.find((f) => f._id === checked._id)?.dueAt, NOW);
    });
  });

  describe('AuditRepository', () => {
    function chain(requestId: string, n: number): AuditEntry[] {
      const out: AuditEntry[] = [];
      let prev = '';
      for (let seq = 1; seq <= n; seq++) {
        const e: Omit<AuditEntry, 'hash'> = {
          _id: `${requestId}:${seq}`, requestId, seq, at: NOW, actor: { kind: 'system' }, event: 'x', from: null, to: 'pendingApproval',
          procedureStep: 1, controls: ['SOC 2 CC6.1'], details: { n: seq }, prevHash: prev,
        };
        const full = { ...e, hash: hashAuditEntry(e) };
        out.push(full);
        prev = full.hash;
      }
      return out;
    }

    it('when entries are appended twice (retried effect), then the chain stays intact and verifies', async () => {
      const repo = new AuditRepository(db);
      const entries = chain('req-a', 3);
      await db.collection(COLLECTIONS.requests).insertOne({ _id: 'req-a', auditHead: { seq: 3, hash: entries[2].hash }, outbox: [] } as never);
      for (const e of [...entries, ...chain('req-a', 3)]) await repo.append(e);
      assert.equal((await repo.listForRequest('req-a')).length, 3);
      assert.equal(await repo.verifyChain('req-a'), null);
    });

    it('when a stored entry is altered, then verification names the broken entry', async () => {
      const repo = new AuditRepository(db);
      for (const e of chain('req-b', 3)) await repo.append(e);
      await db.collection(COLLECTIONS.audit).updateOne({ _id: 'req-b:2' as never }, { $set: { 'details.n': 99 } });
      assert.equal(await repo.verifyChain('req-b'), 2);
    });
  });

  describe('ConsentRepository', () => {
    it('when an answer is recorded twice for a request, then the first stands', async () => {
      const repo = new ConsentRepository(db);
      const base = { requestId: 'req-c', subject: { aadObjectId: 'u-alex', displayName: 'Alex' }, textVersion: 'v1', textHash: 'h', ownership: 'personal' as const, platform: 'ios' as const, at: NOW };
      await repo.record({ ...base, _id: 'c1', outcome: 'consented' });
      await assert.rejects(repo.record({ ...base, _id: 'c2', outcome: 'declined' }), (e: unknown) => e instanceof ConsentAlreadyRecordedError && e.existing._id === 'c1');
      assert.equal((await repo.forSubject('u-alex'))[0].outcome, 'consented');
    });
  });

  describe('ConversationReferenceRepository', () => {
    it('when a reference is saved for a user, then it is found by AAD object id without the activity id', async () => {
      const repo = new ConversationReferenceRepository(db);
      await repo.saveUser('u-alex', { activityId: 'act', conversation: { id: 'conv' } as never, serviceUrl: 'http://x' }, 'turn', '29:alex', 't');
      const found = await repo.findUser('u-alex');
      assert.equal(found?.teamsUserId, '29:alex');
      assert.equal(found?.reference.activityId, undefined);
      await repo.forgetUser('u-alex');
      assert.equal(await repo.findUser('u-alex'), null);
    });
  });
});
