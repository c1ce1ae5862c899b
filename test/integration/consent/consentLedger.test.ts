import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { hashLedgerEntry, LedgerTransitionError, type LedgerEntry } from '../../../services/consent/consentLedger';
import {
  ConsentLedgerRepository,
  ensureConsentLedgerIndexes,
  LEDGER_COLLECTIONS,
  ledgerStreamId,
  type LedgerDraft,
  type LedgerHead,
} from '../../../services/consent/consentLedgerRepository';
import { dropTestDb, testDb } from '../../support/testDb';

const AT = '2026-11-23T10:00:00.000Z';
const device = { requestId: 'req-1', platform: 'android' as const, ownership: 'personal' as const };
const alex = { aadObjectId: 'u-alex', displayName: 'Alex' };
const draft = (kind: LedgerDraft['kind'], textHash = 'h1', at = AT): LedgerDraft => ({ kind, at, subject: alex, device, noticeVersion: textHash.replace('h', 'v'), textHash });
const STREAM = ledgerStreamId('u-alex', device);

describe('consent ledger on a MongoDB-compatible server', () => {
  let db: Db;
  let ledger: ConsentLedgerRepository;

  beforeEach(async () => {
    db = await testDb('ledger');
    await ensureConsentLedgerIndexes(db);
    ledger = new ConsentLedgerRepository(db);
  });
  afterEach(async () => dropTestDb(db));

  it('when a person consents, withdraws and consents again to a newer text, then the ledger verifies and the head holds the state', async () => {
    await ledger.append(draft('consented'));
    await ledger.append(draft('withdrawn'));
    const { state } = await ledger.append(draft('reconsented', 'h2'));
    assert.deepEqual([state.status, state.noticeVersion, state.seq], ['consented', 'v2', 3]);
    assert.deepEqual((await ledger.list(STREAM)).map((e) => e.kind), ['consented', 'withdrawn', 'reconsented']);
    assert.equal(await ledger.verify(STREAM), null);
    assert.equal((await ledger.headsOf('u-alex'))[0].state.status, 'consented');
  });

  it('when two withdrawals race, then exactly one is recorded and the other is refused by the state', async () => {
    await ledger.append(draft('consented'));
    const results = await Promise.allSettled([ledger.append(draft('withdrawn')), new ConsentLedgerRepository(db).append(draft('withdrawn'))]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(refused.reason instanceof LedgerTransitionError, String(refused.reason));
    assert.equal((await ledger.list(STREAM)).length, 2);
    assert.equal(await ledger.verify(STREAM), null);
  });

  it('when the process stopped after moving the head but before writing the entry, then the next read writes it and the chain holds', async () => {
    await ledger.append(draft('consented'));
    const head = (await db.collection<LedgerHead>(LEDGER_COLLECTIONS.heads).findOne({ _id: STREAM }))!;
    assert.equal(head.pending, undefined);
    const [first] = await ledger.list(STREAM);
    const unsigned = { ...first, _id: 'crashed', seq: 2, kind: 'withdrawn' as const, prevHash: head.hash };
    const { hash: _h, ...rest } = unsigned;
    void _h;
    const entry: LedgerEntry = { ...rest, hash: hashLedgerEntry(rest) };
    await db.collection<LedgerHead>(LEDGER_COLLECTIONS.heads).updateOne({ _id: STREAM }, { $set: { seq: 2, hash: entry.hash, pending: entry, 'state.status': 'withdrawn' } });
    assert.equal(await ledger.verify(STREAM), null);
    assert.deepEqual((await ledger.list(STREAM)).map((e) => e._id).slice(1), ['crashed']);
  });

  const TAMPER: [string, (db: Db) => Promise<unknown>, string][] = [
    ['an entry is altered in place', (d) => d.collection(LEDGER_COLLECTIONS.entries).updateOne({ streamId: STREAM, seq: 2 }, { $set: { at: '2020-01-01T00:00:00.000Z' } }), 'hash'],
    ['an entry in the middle is deleted', (d) => d.collection(LEDGER_COLLECTIONS.entries).deleteOne({ streamId: STREAM, seq: 2 }), 'sequence'],
    ['the last entry is deleted', (d) => d.collection(LEDGER_COLLECTIONS.entries).deleteOne({ streamId: STREAM, seq: 3 }), 'head'],
    ['two entries swap their seq', async (d) => {
      const c = d.collection(LEDGER_COLLECTIONS.entries);
      await c.updateOne({ streamId: STREAM, seq: 2 }, { $set: { seq: 20 } });
      await c.updateOne({ streamId: STREAM, seq: 3 }, { $set: { seq: 2 } });
      await c.updateOne({ streamId: STREAM, seq: 20 }, { $set: { seq: 3 } });
    }, 'link'],
  ];
  for (const [name, tamper, reason] of TAMPER) {
    it(`when ${name} in the database, then verification reports a ${reason} break`, async () => {
      await ledger.append(draft('consented'));
      await ledger.append(draft('withdrawn'));
      await ledger.append(draft('reconsented', 'h2'));
      await tamper(db);
      assert.equal((await ledger.verify(STREAM))?.reason, reason);
    });
  }

  it('when an auditor filters by person, notice version and dates, then only matching entries come back in time order', async () => {
    await ledger.append(draft('consented', 'h1', '2026-11-01T00:00:00.000Z'));
    await ledger.append(draft('withdrawn', 'h1', '2026-11-15T00:00:00.000Z'));
    await ledger.append({ ...draft('consented', 'h1', '2026-11-10T00:00:00.000Z'), subject: { aadObjectId: 'u-bea', displayName: 'Bea' } });
    assert.deepEqual((await ledger.query({ noticeVersion: 'v1', from: '2026-11-05T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' })).map((e) => `${e.subject.aadObjectId}/${e.kind}`), ['u-bea/consented', 'u-alex/withdrawn']);
    assert.equal((await ledger.query({ aadObjectId: 'u-bea' })).length, 1);
  });
});
