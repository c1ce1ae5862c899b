import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import {
  AuditRepository,
  AuditWriteError,
  HeadedChain,
  hashAuditEntry,
  type ChainedEntry,
  type ChainProblem,
} from '../../../services/storage/auditRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import { RequestRepository } from '../../../services/storage/requestRepository';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { newInstanceId } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { EffectRunner } from '../../../services/onboarding/effectRunner';
import type { AuditEntry } from '../../../services/workflow/model';
import { useTestDb } from '../../support/testDb';

const NOW = '2026-11-23T10:00:00.000Z';

/** A properly chained entry at `seq` after `prevHash`. */
function entry(requestId: string, seq: number, prevHash: string, n: number = seq): AuditEntry {
  const e: Omit<AuditEntry, 'hash'> = {
    _id: `${requestId}:${seq}`, requestId, seq, at: NOW, actor: { kind: 'system' }, event: 'x', from: null, to: 'pendingApproval',
    procedureStep: 1, controls: ['SOC 2 CC6.1'], details: { n }, prevHash,
  };
  return { ...e, hash: hashAuditEntry(e) };
}

function chain(requestId: string, n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let seq = 1; seq <= n; seq++) out.push(entry(requestId, seq, out.at(-1)?.hash ?? ''));
  return out;
}

/** Stores a five-entry trail and its request (the head), as the product commits them. */
async function seed(db: Db, requestId: string, opts: { storeLast?: boolean } = {}) {
  const entries = chain(requestId, 5);
  const last = entries[4];
  const stored = opts.storeLast === false ? entries.slice(0, 4) : entries;
  await db.collection(COLLECTIONS.audit).insertMany(stored as never[]);
  const outbox = opts.storeLast === false ? [{ id: 'e5', effect: { type: 'recordAudit', entry: last }, createdAt: NOW }] : [];
  await db.collection(COLLECTIONS.requests).insertOne({ _id: requestId, auditHead: { seq: 5, hash: last.hash }, outbox, outboxCount: outbox.length } as never);
  return entries;
}

/** What an attacker with write access to the audit collection does, entry by entry. */
async function rewrite(db: Db, requestId: string, edit: (entries: AuditEntry[]) => AuditEntry[]) {
  const audit = db.collection<AuditEntry>(COLLECTIONS.audit);
  const current = await audit.find({ requestId }).sort({ seq: 1 }).toArray();
  await audit.deleteMany({ requestId });
  const next = edit(current);
  if (next.length) await audit.insertMany(next);
}

const renumber = (e: AuditEntry, seq: number): AuditEntry => ({ ...e, seq, _id: `${e.requestId}:${seq}` });

describe('audit trail verification against the committed head', function () {
  const t = useTestDb('audit_chain');
  before(() => ensureIndexes(t.db));

  const tamper: [string, (id: string) => (entries: AuditEntry[]) => AuditEntry[], ChainProblem | null, number | null][] = [
    ['nothing was changed', () => (es) => es, null, null],
    ['an entry was altered', () => (es) => es.map((e) => (e.seq === 3 ? { ...e, details: { n: 99 } } : e)), 'altered', 3],
    [
      'an entry was altered and re-hashed, with every later entry re-chained',
      (id) => (es) => {
        const out = es.slice(0, 2);
        out.push(entry(id, 3, out[1].hash, 99));
        for (let s = 4; s <= 5; s++) out.push(entry(id, s, out.at(-1)!.hash));
        return out;
      },
      'headMismatch',
      5,
    ],
    [
      'an entry was inserted in the middle and later entries shifted',
      (id) => (es) => [es[0], es[1], entry(id, 3, es[1].hash, 42), ...es.slice(2).map((e) => renumber(e, e.seq + 1))],
      'inserted',
      3,
    ],
    ['an entry was appended after the head', (id) => (es) => [...es, entry(id, 6, es[4].hash)], 'beyondHead', 6],
    ['two entries were swapped', () => (es) => [es[0], renumber(es[2], 2), renumber(es[1], 3), es[3], es[4]], 'reordered', 2],
    ['an entry was removed from the middle', () => (es) => es.filter((e) => e.seq !== 3), 'removed', 3],
    [
      'an entry was removed from the middle and later entries renumbered',
      () => (es) => [es[0], es[1], renumber(es[3], 3), renumber(es[4], 4)],
      'removed',
      3,
    ],
    ['the tail was removed', () => (es) => es.slice(0, 4), 'removed', 5],
    ['the whole trail was removed', () => () => [], 'removed', 1],
  ];

  for (const [name, edit, problem, seq] of tamper) {
    it(`when ${name}, then verification ${problem ? `names entry ${seq} as ${problem}` : 'passes'}`, async () => {
      const id = `req-${name.replace(/\W+/g, '-')}`;
      await seed(t.db, id);
      await rewrite(t.db, id, edit(id));
      const report = await new AuditRepository(t.db).verifyRequest(id);
      assert.equal(report.firstBad?.problem ?? null, problem, JSON.stringify(report.firstBad));
      assert.equal(report.firstBad?.seq ?? null, seq);
      assert.equal(report.ok, problem === null);
      if (seq !== null) assert.ok(report.results.filter((r) => r.seq >= seq).every((r) => r.result === 'unverifiable'), 'nothing from the bad entry on is vouched for');
    });
  }

  it('when the last entry is still in the request outbox, then it counts as pending and the chain verifies', async () => {
    await seed(t.db, 'req-pending', { storeLast: false });
    const report = await new AuditRepository(t.db).verifyRequest('req-pending');
    assert.equal(report.ok, true);
    assert.deepEqual([report.stored, report.pending, report.results.at(-1)?.result], [4, 1, 'pending']);
  });

  it('when a stored entry differs from the copy committed with the request, then it is named as altered', async () => {
    const es = await seed(t.db, 'req-conflict', { storeLast: false });
    await t.db.collection(COLLECTIONS.audit).insertOne({ ...entry('req-conflict', 5, es[3].hash, 77) } as never);
    const report = await new AuditRepository(t.db).verifyRequest('req-conflict');
    assert.deepEqual([report.firstBad?.seq, report.firstBad?.problem], [5, 'altered']);
  });

  it('when a trail exists without its request, then verify-all reports it as having no head', async () => {
    await t.db.collection(COLLECTIONS.audit).insertMany(chain('req-orphan', 2) as never[]);
    const reports = await new AuditRepository(t.db).verifyAll();
    const orphan = reports.find((r) => r.chain === 'request:req-orphan');
    assert.equal(orphan?.firstBad?.problem, 'noHead');
  });

  describe('an audit write is never dropped', () => {
    it('when another entry holds the position, then the write fails with AuditWriteError', async () => {
      const es = await seed(t.db, 'req-taken', { storeLast: false });
      await t.db.collection(COLLECTIONS.audit).insertOne(entry('req-taken', 5, es[3].hash, 13) as never);
      await assert.rejects(new AuditRepository(t.db, undefined, []).record(es[4]), AuditWriteError);
    });

    it('when every write attempt fails, then the runner parks the entry as pending audit and the next write to the chain stores it', async () => {
      const requests = new RequestRepository(t.db);
      const es = chain('req-failing', 2);
      await t.db.collection(COLLECTIONS.audit).insertOne(es[0] as never);
      await t.db.collection(COLLECTIONS.requests).insertOne({
        _id: 'req-failing',
        auditHead: { seq: 2, hash: es[1].hash },
        outbox: [{ id: 'audit-2', effect: { type: 'recordAudit', entry: es[1] }, createdAt: NOW }],
        outboxCount: 1,
        cards: [],
      } as never);
      class FailingAudit extends AuditRepository {
        override async append(): Promise<void> {
          throw new Error('write concern timed out');
        }
      }
      const failing = new FailingAudit(t.db, undefined, []);
      const unused = undefined as never;
      const jobs = new JobQueue(t.db, { owner: newInstanceId('audit-test'), leaseMs: 15_000 });
      const runner = new EffectRunner(requests, failing, unused, unused, unused, unused, unused, jobs, new DeliveryLog(t.db), { accessGroupId: 'g', accessGrantTarget: 'user', maxAttempts: 1 }, silentLogger());
      runner.kick('req-failing');
      await runner.idle();

      assert.equal((await requests.get('req-failing'))?.outbox.length, 0, 'the effect left the outbox');
      assert.equal(await t.db.collection(COLLECTIONS.pendingAudit).countDocuments({ requestId: 'req-failing' }), 1, 'the entry is parked');
      const audit = new AuditRepository(t.db, undefined, []);
      const before = await audit.verifyRequest('req-failing');
      assert.deepEqual([before.ok, before.pending], [true, 1]);

      const third = entry('req-failing', 3, es[1].hash);
      await t.db.collection(COLLECTIONS.requests).updateOne({ _id: 'req-failing' as never }, { $set: { auditHead: { seq: 3, hash: third.hash } } });
      await audit.record(third);
      const after = await audit.verifyRequest('req-failing');
      assert.equal(after.firstBad, undefined, JSON.stringify(after));
      assert.deepEqual([after.ok, after.stored, after.pending], [true, 3, 0]);
      assert.equal(await t.db.collection(COLLECTIONS.pendingAudit).countDocuments({ requestId: 'req-failing' }), 0);
    });
  });

  describe('a chain headed in chainHeads (the access log)', () => {
    interface LogEntry extends ChainedEntry {
      chainId: string;
      what: string;
    }
    const cases: [string, (db: Db) => Promise<unknown>, ChainProblem | null, number | null][] = [
      ['nothing was changed', async () => undefined, null, null],
      ['an entry was altered', (db) => db.collection(COLLECTIONS.accessLog).updateOne({ chainId: 'c', seq: 2 }, { $set: { what: 'x' } }), 'altered', 2],
      ['the tail was removed', (db) => db.collection(COLLECTIONS.accessLog).deleteOne({ chainId: 'c', seq: 4 }), 'removed', 4],
      ['an entry was removed from the middle', (db) => db.collection(COLLECTIONS.accessLog).deleteOne({ chainId: 'c', seq: 2 }), 'removed', 2],
    ];
    for (const [name, edit, problem, seq] of cases) {
      it(`when ${name}, then verification ${problem ? `names entry ${seq} as ${problem}` : 'passes'}`, async () => {
        await t.db.collection(COLLECTIONS.accessLog).deleteMany({});
        await t.db.collection(COLLECTIONS.chainHeads).deleteMany({});
        const log = new HeadedChain<LogEntry>(t.db, COLLECTIONS.accessLog);
        for (let i = 1; i <= 4; i++) await log.append('c', { what: `read ${i}` });
        await edit(t.db);
        const [report] = await log.verify('c');
        assert.equal(report.firstBad?.problem ?? null, problem);
        assert.equal(report.firstBad?.seq ?? null, seq);
      });
    }

    it('when a process stopped between committing the head and writing the entry, then the entry is pending and the next append writes it', async () => {
      await t.db.collection(COLLECTIONS.accessLog).deleteMany({});
      await t.db.collection(COLLECTIONS.chainHeads).deleteMany({});
      const log = new HeadedChain<LogEntry>(t.db, COLLECTIONS.accessLog);
      await log.append('c', { what: 'one' });
      const second = await log.append('c', { what: 'two' });
      await t.db.collection(COLLECTIONS.accessLog).deleteOne({ _id: second._id as never });
      await t.db.collection(COLLECTIONS.chainHeads).updateOne({ chainId: 'c' }, { $set: { pending: second } });
      const [during] = await log.verify('c');
      assert.deepEqual([during.ok, during.pending], [true, 1]);
      await log.append('c', { what: 'three' });
      const [after] = await log.verify('c');
      assert.deepEqual([after.ok, after.stored, after.pending], [true, 3, 0]);
    });
  });
});

function silentLogger() {
  const noop = () => undefined;
  const l = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop, child: () => l };
  return l as never;
}
