import assert from 'node:assert/strict';
import { AccessLog } from '../../../services/governance/accessLog';
import { RetentionJob } from '../../../services/governance/retentionJob';
import { AuditRepository, HeadedChain, hashAuditEntry } from '../../../services/storage/auditRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import type { AuditEntry } from '../../../services/workflow/model';
import { useTestDb } from '../../support/testDb';

const DAY = 86_400_000;
const START = new Date('2026-11-23T10:00:00.000Z');
const days = { personal: 2190, consent: 2190, audit: 2190, log: 2190, conversationState: 365 };
const later = (d: number) => () => new Date(START.getTime() + d * DAY);

function trail(requestId: string, n: number, at: string): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const e: Omit<AuditEntry, 'hash'> = {
      _id: `${requestId}:${seq}`, requestId, seq, at, actor: { kind: 'system' }, event: 'x', from: null, to: 'granted',
      procedureStep: 6, controls: ['SOC 2 CC6.1'], details: { n: seq }, prevHash: out.at(-1)?.hash ?? '',
    };
    out.push({ ...e, hash: hashAuditEntry(e) });
  }
  return out;
}

describe('retention job with the clock moved forward', function () {
  this.timeout(60_000);
  const t = useTestDb('retention');

  before(async () => {
    const db = t.db;
    await ensureIndexes(db);
    const at = START.toISOString();
    const closed = trail('req-closed', 3, at);
    const open = trail('req-open', 2, at);
    await db.collection(COLLECTIONS.audit).insertMany([...closed, ...open] as never[]);
    await db.collection(COLLECTIONS.requests).insertMany([
      { _id: 'req-closed', state: 'granted', closedAt: at, openKey: 'x:req-closed', auditHead: { seq: 3, hash: closed[2].hash }, requester: { aadObjectId: 'u-alex', displayName: 'Alex Wilber' } },
      { _id: 'req-open', state: 'pendingApproval', openKey: 'u-adele', auditHead: { seq: 2, hash: open[1].hash }, requester: { aadObjectId: 'u-adele', displayName: 'Adele Vance' } },
    ] as never[]);
    await db.collection(COLLECTIONS.consents).insertOne({ _id: 'consent-1', requestId: 'req-closed', subject: { aadObjectId: 'u-alex', displayName: 'Alex Wilber' }, at } as never);
    await db.collection(COLLECTIONS.conversationReferences).insertOne({ _id: 'user:u-alex', updatedAt: START } as never);
    await db.collection(COLLECTIONS.delegations).insertOne({ _id: 'u-megan', delegate: { aadObjectId: 'u-adele', displayName: 'Adele Vance' }, from: at, until: at } as never);
    await new AccessLog(db, () => START).record({ actor: { kind: 'user', aadObjectId: 'u-lynne', displayName: 'Lynne', roles: ['itSecurity'] }, door: 'teams', action: 'lookUpPerson', subject: { kind: 'personStatus', id: 'u-alex' } });
  });

  it('when a year passes, then only conversation state is removed and the run is recorded with ids', async () => {
    const run = await new RetentionJob(t.db, days, later(400)).run();
    assert.deepEqual(run.removed[COLLECTIONS.conversationReferences], { count: 1, ids: ['user:u-alex'] });
    for (const c of [COLLECTIONS.requests, COLLECTIONS.consents, COLLECTIONS.audit, COLLECTIONS.accessLog, COLLECTIONS.delegations]) assert.equal(run.removed[c].count, 0, c);
  });

  it('when six years and a day pass, then the closed request, its consent, its audit trail and the old access log are removed; the open request stays', async () => {
    const run = await new RetentionJob(t.db, days, later(2191)).run();
    assert.deepEqual(run.removed[COLLECTIONS.requests], { count: 1, ids: ['req-closed'] });
    assert.deepEqual(run.removed[COLLECTIONS.consents], { count: 1, ids: ['consent-1'] });
    assert.deepEqual(run.removed[COLLECTIONS.delegations], { count: 1, ids: ['u-megan'] }, 'an approval delegation six years past its end');
    assert.deepEqual(run.removed[COLLECTIONS.audit].ids.sort(), ['req-closed:1', 'req-closed:2', 'req-closed:3']);
    assert.equal(run.removed[COLLECTIONS.accessLog].count, 1);
    assert.ok(await t.db.collection(COLLECTIONS.requests).findOne({ _id: 'req-open' as never }), 'open requests are never removed');
    assert.equal(await t.db.collection(COLLECTIONS.audit).countDocuments({ requestId: 'req-open' }), 2, 'a live request keeps its trail');
    const record = JSON.stringify(run);
    assert.ok(!record.includes('Alex') && !record.includes('u-alex'), 'the run records ids of what it removed, never content');
  });

  it('when the runs are verified, then their own chain is intact and everything left verifies', async () => {
    const [runs] = await new HeadedChain(t.db, COLLECTIONS.retentionRuns).verify();
    assert.deepEqual([runs.ok, runs.stored], [true, 2]);
    const reports = await new AuditRepository(t.db).verifyAll();
    assert.ok(reports.every((r) => r.ok), JSON.stringify(reports.filter((r) => !r.ok)));
  });

  it('when a closed request passes personal retention before its audit does, then its trail still verifies against the kept head', async () => {
    const db = t.db;
    const entries = trail('req-short', 2, new Date(START.getTime() + 2191 * DAY).toISOString());
    await db.collection(COLLECTIONS.audit).insertMany(entries as never[]);
    await db.collection(COLLECTIONS.requests).insertOne({ _id: 'req-short', state: 'denied', closedAt: entries[0].at, openKey: 'x:req-short', auditHead: { seq: 2, hash: entries[1].hash } } as never);
    await new RetentionJob(db, { ...days, personal: 30 }, later(2191 + 31)).run();
    assert.equal(await db.collection(COLLECTIONS.requests).countDocuments({ _id: 'req-short' as never }), 0);
    const report = await new AuditRepository(db).verifyRequest('req-short');
    assert.deepEqual([report.ok, report.stored], [true, 2]);
    await db.collection(COLLECTIONS.audit).deleteOne({ _id: 'req-short:2' as never });
    assert.equal((await new AuditRepository(db).verifyRequest('req-short')).firstBad?.problem, 'removed', 'the kept head still catches a removed tail');
  });
});
