/**
 * Retention of continuous-compliance data: retired devices and closed alerts after the personal period, carried-out
 * outbox entries after their own period, failed ones (evidence of an undelivered message) after the audit period,
 * and a watched device's audit chain never.
 */
import assert from 'node:assert/strict';
import { RetentionJob } from '../../../services/governance/retentionJob';
import { hashAuditEntry } from '../../../services/storage/auditRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import type { AuditEntry } from '../../../services/workflow/model';
import { useTestDb } from '../../support/testDb';

const DAY = 86_400_000;
const START = new Date('2026-01-10T10:00:00.000Z');
const days = { personal: 400, consent: 2190, audit: 2190, log: 2190, conversationState: 365 };
const at = (d: number) => new Date(START.getTime() + d * DAY);

describe('retention of enrolled devices, alerts and the outbox', function () {
  this.timeout(60_000);
  const t = useTestDb('fleet_retention');

  before(async () => {
    const db = t.db;
    await ensureIndexes(db);
    const iso = START.toISOString();
    await db.collection('enrolledDevices').insertMany([
      { _id: 'dev-retired', state: 'retired', updatedAt: iso, person: { aadObjectId: 'u-alex', displayName: 'Alex' } },
      { _id: 'dev-watched', state: 'compliant', updatedAt: iso, person: { aadObjectId: 'u-adele', displayName: 'Adele' } },
    ] as never[]);
    await db.collection('deviceAlerts').insertMany([
      { _id: 'alert-fixed', status: 'fixed', updatedAt: iso },
      { _id: 'alert-open', status: 'employeeTold', updatedAt: iso },
    ] as never[]);
    await db.collection('outbox').insertMany([
      { _id: 'done-old', state: 'done', doneAt: START },
      { _id: 'discarded-old', state: 'discarded', doneAt: START },
      { _id: 'done-recent', state: 'done', doneAt: at(395) },
      { _id: 'failed-old', state: 'failed', doneAt: START },
      { _id: 'pending', state: 'pending', dueAt: START },
    ] as never[]);
    // The watched device's audit chain, all of it older than the audit period by the end of the test.
    const e: Omit<AuditEntry, 'hash'> = { _id: 'device:dev-watched:1', requestId: 'device:dev-watched', seq: 1, at: iso, actor: { kind: 'system' }, event: 'enrolled', from: null, to: 'granted', procedureStep: 7, controls: [], details: {}, prevHash: '' };
    await db.collection(COLLECTIONS.audit).insertOne({ ...e, hash: hashAuditEntry(e) } as never);
  });

  it('when 30 days pass, then only carried-out and discarded outbox entries older than the outbox period go', async () => {
    const run = await new RetentionJob(t.db, days, () => at(31), undefined, 30).run();
    assert.deepEqual(run.removed.outbox.ids.sort(), ['discarded-old', 'done-old']);
    assert.equal(run.removed.enrolledDevices.count, 0);
    assert.equal(run.removed.deviceAlerts.count, 0);
  });

  it('when the personal period passes, then the retired device and the closed alert go; the watched device and the open alert stay', async () => {
    const run = await new RetentionJob(t.db, days, () => at(401), undefined, 30).run();
    assert.deepEqual(run.removed.enrolledDevices.ids, ['dev-retired']);
    assert.deepEqual(run.removed.deviceAlerts.ids, ['alert-fixed']);
    assert.equal(run.removed.outbox.count, 0, 'a recent carried-out entry and the failed one stay');
  });

  it('when the audit period passes, then the failed entry goes but the watched device keeps its audit chain', async () => {
    const run = await new RetentionJob(t.db, days, () => at(2191), undefined, 30).run();
    assert.deepEqual(run.removed.outbox.ids.sort(), ['done-recent', 'failed-old']);
    assert.equal(run.removed[COLLECTIONS.audit].count, 0, "a watched device's trail is kept");
    assert.ok(await t.db.collection('outbox').findOne({ _id: 'pending' as never }), 'pending entries are never removed');
  });
});
