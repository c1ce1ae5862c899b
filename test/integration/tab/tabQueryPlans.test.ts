/**
 * The tab's list queries, explained on the server under test with many stored requests (the rules of
 * test/integration/storage/queryPlans.test.ts): on MongoDB no COLLSCAN; on FerretDB's PostgreSQL backend the
 * filter is pushed down. Whether PostgreSQL then reads by index is measured, not asserted, and printed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db, Document } from 'mongodb';
import { AlertRepository } from '../../../services/devices/alertRepository';
import { DeviceRepository } from '../../../services/devices/deviceRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import { serverCapabilities } from '../../../services/storage/serverCapabilities';
import { createRequest } from '../../../services/workflow/transition';
import { testClient, uniqueDbName } from '../../support/testDb';

const STORED = 2000;

function pgNodes(plan: Document | undefined): string[] {
  if (!plan) return [];
  return [String(plan['Node Type']), ...((plan.Plans as Document[] | undefined) ?? []).flatMap(pgNodes)];
}

function stages(plan: Document | undefined): string[] {
  if (!plan) return [];
  return [String(plan.stage), ...stages(plan.inputStage), ...((plan.inputStages as Document[] | undefined) ?? []).flatMap(stages)];
}

describe('tab query plans', function () {
  this.timeout(120_000);
  let db: Db;

  before(async () => {
    db = (await testClient()).db(uniqueDbName('tab_plans'));
    await ensureIndexes(db);
    await new DeviceRepository(db).ensureIndexes();
    await new AlertRepository(db).ensureIndexes();
    const docs = Array.from({ length: STORED }, (_, i) => ({
      ...createRequest(
        {
          id: randomUUID(),
          reference: `DEV-${randomUUID().slice(0, 8)}`,
          tenantId: 't',
          requester: { aadObjectId: `seed-${i}`, displayName: 'Person' },
          device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'Email on the road' },
          approvers: [{ aadObjectId: `manager-${i % 50}`, displayName: 'Manager' }],
          approverSource: 'manager',
        },
        '2026-11-23T10:00:00.000Z',
      ).next,
      version: 1,
      outboxCount: 0,
    }));
    await db.collection(COLLECTIONS.requests).insertMany(docs as never[]);
  });
  after(async () => {
    await db?.dropDatabase();
  });

  // The approver and open-state lists are read from key documents by `_id` (queryPlans.test.ts fails on a scan);
  // these shapes remain filters on the collection, and are measured here.
  const queries: [string, Document, Document, string?][] = [
    ['waiting for an approver (by filter)', { 'approvers.aadObjectId': 'manager-7', state: 'pendingApproval' }, { createdAt: 1 }],
    ['requests in a closed state, next page', { state: 'granted', $or: [{ updatedAt: { $lt: '2026-11-23T10:00:00.000Z' } }, { updatedAt: '2026-11-23T10:00:00.000Z', _id: { $lt: 'x' } }] }, { updatedAt: -1, _id: -1 }],
    ['requests in a state', { state: 'pendingApproval' }, { updatedAt: -1 }],
    ['a request by reference', { reference: 'DEV-00000000' }, {}],
    ['devices in a state, next page', { state: 'inGrace', _id: { $gt: 'd' } }, { _id: 1 }, 'enrolledDevices'],
    ['open alerts, next page', { status: { $in: ['open', 'employeeTold', 'accessRemoved'] }, _id: { $gt: 'a' } }, { _id: 1 }, 'deviceAlerts'],
  ];
  for (const [name, filter, sort, collection] of queries) {
    it(`when the tab lists ${name}, then the server answers it from an index (MongoDB) or a pushed-down filter (FerretDB)`, async function () {
      const server = await serverCapabilities(db);
      const explained = await db.command({ explain: { find: collection ?? COLLECTIONS.requests, filter, sort }, verbosity: 'queryPlanner' });
      if (server.kind === 'mongodb') {
        const planStages = stages(explained.queryPlanner?.winningPlan?.queryPlan ?? explained.queryPlanner?.winningPlan);
        assert.ok(!planStages.includes('COLLSCAN'), `${name}: ${planStages.join(' < ')}`);
        return;
      }
      const plan = explained.queryPlanner?.Plan as unknown;
      // FerretDB on SQLite pushes down only a lone `_id` filter; nothing to check there.
      if (Array.isArray(plan)) this.skip();
      if (!collection) assert.equal(explained.filterPushdown, true, `${name}: not pushed down`);
      console.log(`      ${name}: pushdown ${explained.filterPushdown}, ${pgNodes(plan as Document).join(' < ') || 'no PostgreSQL plan'}`);
    });
  }
});
