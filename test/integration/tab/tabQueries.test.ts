import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AlertRepository } from '../../../services/devices/alertRepository';
import { DeviceRepository } from '../../../services/devices/deviceRepository';
import { IncidentRepository } from '../../../services/incidents/incidentRepository';
import { incidentFixture } from '../../support/incidentFixture';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import type { AlertStatus } from '../../../services/workflow/deviceTransition';
import { RequestRepository } from '../../../services/storage/requestRepository';
import type { OnboardingRequest, RequestState } from '../../../services/workflow/model';
import { createRequest } from '../../../services/workflow/transition';
import { useTestDb } from '../../support/testDb';

const megan = { aadObjectId: 'u-megan', displayName: 'Megan' };
const patti = { aadObjectId: 'u-patti', displayName: 'Patti' };

function request(requester: string, approvers: (typeof megan)[], createdAt: string, state: RequestState = 'pendingApproval'): OnboardingRequest {
  const { next } = createRequest(
    {
      id: randomUUID(),
      reference: `DEV-${randomUUID().slice(0, 5).toUpperCase()}`,
      tenantId: 't',
      requester: { aadObjectId: requester, displayName: requester },
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'Email on the road' },
      approvers,
      approverSource: approvers.length > 1 ? 'fallbackGroup' : 'manager',
    },
    createdAt,
  );
  return { ...next, state, updatedAt: createdAt, openKey: state === 'pendingApproval' ? requester : `closed:${next._id}` };
}

describe('tab queries on a MongoDB-compatible server', () => {
  const ctx = useTestDb('tab_queries');
  let repo: RequestRepository;
  const stored: OnboardingRequest[] = [];

  before(async () => {
    await ensureIndexes(ctx.db);
    repo = new RequestRepository(ctx.db);
    for (const r of [
      request('u-alex', [megan], '2026-11-30T09:00:00.000Z'),
      request('u-adele', [megan, patti], '2026-11-30T08:00:00.000Z'),
      request('u-isaiah', [patti], '2026-11-30T07:00:00.000Z'),
      request('u-lee', [megan], '2026-11-29T07:00:00.000Z', 'denied'),
    ]) {
      stored.push(await repo.insert(r));
    }
  });

  it('when an approver asks what waits for them, then only their pending requests come back, oldest first', async () => {
    assert.deepEqual((await repo.listByApprover('u-megan', 'pendingApproval')).map((r) => r.requester.aadObjectId), ['u-adele', 'u-alex']);
    assert.deepEqual((await repo.listByApprover('u-patti', 'pendingApproval')).map((r) => r.requester.aadObjectId), ['u-isaiah', 'u-adele']);
    assert.deepEqual(await repo.listByApprover('u-alex', 'pendingApproval'), []);
  });

  it('when IT lists a state, then only requests in that state come back, most recently changed first', async () => {
    assert.deepEqual((await repo.listByState('pendingApproval')).map((r) => r.requester.aadObjectId), ['u-alex', 'u-adele', 'u-isaiah']);
    assert.deepEqual((await repo.listByState('denied')).map((r) => r.requester.aadObjectId), ['u-lee']);
  });

  it('when the tab pages what waits for an approver, then it reads the key document in joining order, a page at a time', async () => {
    // Inserted alex, adele, isaiah: Megan's list holds alex then adele.
    const first = await repo.pageWaitingFor('u-megan', undefined, 1);
    assert.deepEqual(first.items.map((r) => r.requester.aadObjectId), ['u-alex']);
    assert.ok(first.next);
    const second = await repo.pageWaitingFor('u-megan', first.next, 1);
    assert.deepEqual(second.items.map((r) => r.requester.aadObjectId), ['u-adele']);
    assert.equal(second.next, undefined);
    assert.deepEqual((await repo.pageWaitingFor('u-alex', undefined)).items, []);
  });

  it('when a request moves on, then it leaves the approver list (removed from the key document when read) and is counted and paged under its new state', async () => {
    const adele = (await repo.get(stored[1]._id))!;
    await repo.save({ ...adele, state: 'awaitingConsent' });
    assert.deepEqual((await repo.pageWaitingFor('u-patti', undefined)).items.map((r) => r.requester.aadObjectId), ['u-isaiah']);
    const key = await ctx.db.collection('requestListKeys').findOne({ _id: 'approver:u-patti' as never });
    assert.deepEqual((key as { ids?: string[] } | null)?.ids, [stored[2]._id], 'the stale id is gone from the key');
    // States keep no key document: no write rewrites a company-wide list, and counts and pages come from `by_state`.
    assert.equal(await ctx.db.collection('requestListKeys').countDocuments({ _id: { $regex: '^state:' } } as never), 0);
    const counts = await repo.openCounts();
    assert.equal(counts.get('pendingApproval'), 2);
    assert.equal(counts.get('awaitingConsent'), 1);
    assert.deepEqual((await repo.pageByState('awaitingConsent', undefined)).items.map((r) => r.requester.aadObjectId), ['u-adele']);
    assert.deepEqual((await repo.pageByState('pendingApproval', undefined)).items.map((r) => r.requester.aadObjectId), ['u-alex', 'u-isaiah']);
    const first = await repo.pageByState('pendingApproval', undefined, 1);
    assert.deepEqual([...first.items, ...(await repo.pageByState('pendingApproval', first.next, 1)).items].map((r) => r.requester.aadObjectId), ['u-alex', 'u-isaiah']);
    // Closed states are paged the same way, through the `by_state` index with an (updatedAt, _id) cursor.
    assert.deepEqual((await repo.pageByState('denied', undefined)).items.map((r) => r.requester.aadObjectId), ['u-lee']);
  });

  it('when the digest asks what was granted since a time, then only requests granted since then come back, with when they were submitted', async () => {
    const granted = request('u-grace', [megan], '2026-11-28T07:00:00.000Z', 'granted');
    await repo.insert({ ...granted, access: { groupId: 'g', memberId: 'm', grantedAt: '2026-11-30T07:30:00.000Z' } });
    const earlier = request('u-early', [megan], '2026-11-20T07:00:00.000Z', 'granted');
    await repo.insert({ ...earlier, access: { groupId: 'g', memberId: 'm', grantedAt: '2026-11-21T07:30:00.000Z' } });
    assert.deepEqual(await repo.grantedSince('2026-11-29T09:00:00.000Z'), [{ createdAt: '2026-11-28T07:00:00.000Z', grantedAt: '2026-11-30T07:30:00.000Z' }]);
  });

  it('when a request is looked up by its reference, then it is found', async () => {
    assert.equal((await repo.findByReference(stored[0].reference))?._id, stored[0]._id);
    assert.equal(await repo.findByReference('DEV-NONE0'), null);
  });

  it('the approver and state queries have their indexes', async () => {
    const names = (await ctx.db.collection('requests').listIndexes().toArray()).map((i) => i.name);
    assert.ok(names.includes('by_approver') && names.includes('by_state'), names.join(', '));
  });
});

describe("IT's device and alert lists on a MongoDB-compatible server", () => {
  const ctx = useTestDb('tab_device_lists');
  const person = { aadObjectId: 'u-alex', displayName: 'Alex' };
  const alert = (id: string, status: AlertStatus) => ({ _id: id, deviceId: `d-${id}`, person, deviceName: 'iPhone', platform: 'ios' as const, failing: ['x'], status });

  it('when alerts open and close, then the open list pages the open ones, newest first, and drops the closed', async () => {
    const alerts = new AlertRepository(ctx.db);
    for (const id of ['a1', 'a2', 'a3']) await alerts.moveTo(alert(id, 'open'), '2026-11-30T09:00:00.000Z');
    await alerts.moveTo(alert('a2', 'fixed'), '2026-11-30T10:00:00.000Z');
    const first = await alerts.pageOpen(undefined, 1);
    assert.deepEqual(first.items.map((a) => a._id), ['a3']);
    const second = await alerts.pageOpen(first.next, 1);
    assert.deepEqual(second.items.map((a) => a._id), ['a1'], 'the fixed alert is skipped');
    assert.equal(second.next, undefined);
  });

  it('when a device changes state, then it is listed under its new state only', async () => {
    const devices = new DeviceRepository(ctx.db);
    const base = {
      _id: 'dev-1',
      version: 1,
      person,
      requestId: 'r1',
      platform: 'ios' as const,
      state: 'compliant' as const,
      failing: [],
      remindersSent: [],
      deviceName: 'iPhone',
      operatingSystem: 'iOS',
      access: { groupId: 'g', memberId: 'm' },
      createdAt: '2026-11-30T09:00:00.000Z',
      updatedAt: '2026-11-30T09:00:00.000Z',
      auditHead: {} as never,
      outboxTokens: [],
    };
    assert.ok(await devices.create(base));
    assert.deepEqual((await devices.pageByState('compliant', undefined, 10)).items.map((d) => d._id), ['dev-1']);
    await devices.save({ ...base, version: 2, state: 'inGrace', failing: ['x'], graceEndsAt: '2026-12-03T09:00:00.000Z' }, 1);
    assert.deepEqual((await devices.pageByState('inGrace', undefined, 10)).items.map((d) => d._id), ['dev-1']);
    assert.deepEqual((await devices.pageByState('compliant', undefined, 10)).items, []);
  });
});

describe("IT's incident lists on a MongoDB-compatible server", () => {
  const ctx = useTestDb('tab_incident_lists');
  const owner = { aadObjectId: 'u-alex', displayName: 'Alex' };
  const it_ = { aadObjectId: 'u-lynne', displayName: 'Lynne' };
  const at = new Date('2026-11-30T09:00:00.000Z');
  const fixture = (id: string) => incidentFixture({ id, owner, by: it_, deviceId: `d-${id}`, deviceName: 'iPhone', at });

  it('when incidents open and one closes, then the open list pages the open ones newest first and the closed list has the closed one', async () => {
    const incidents = new IncidentRepository(ctx.db);
    for (const id of ['INC-2026-AAAAA1', 'INC-2026-AAAAA2', 'INC-2026-AAAAA3']) assert.ok(await incidents.create(fixture(id)));
    const two = (await incidents.get('INC-2026-AAAAA2'))!;
    await incidents.save({ ...two, version: 2, state: 'closed', closedAt: at.toISOString(), resolution: 'Found' }, 1);
    const first = await incidents.pageOpen(undefined, 1);
    assert.deepEqual(first.items.map((i) => i._id), ['INC-2026-AAAAA3']);
    const second = await incidents.pageOpen(first.next, 1);
    assert.deepEqual(second.items.map((i) => i._id), ['INC-2026-AAAAA1'], 'the closed incident is skipped');
    assert.equal(second.next, undefined);
    assert.deepEqual((await incidents.pageClosed(undefined, 10)).items.map((i) => i._id), ['INC-2026-AAAAA2']);
  });
});
