/**
 * Every query the product makes on a turn is answered without reading the whole collection: by an index on
 * MongoDB, by a filter pushed down to the backend on FerretDB. The queries are not listed by hand: the
 * repositories run a turn's worth of calls on a monitored client, and every filter they send to a growing
 * collection is explained on the server under test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db, type Document } from 'mongodb';
import pino from 'pino';
import { CARD_RENDERS_COLLECTION, DELIVERIES_COLLECTION, DeliveryLog } from '../../../services/messaging/deliveryLog';
import type { Delivery } from '../../../services/messaging/proactiveMessenger';
import { ALERT_LISTS_COLLECTION, ALERTS_COLLECTION, AlertRepository } from '../../../services/devices/alertRepository';
import { DEVICE_LISTS_COLLECTION, DEVICES_COLLECTION, DeviceRepository } from '../../../services/devices/deviceRepository';
import { INCIDENT_LISTS_COLLECTION, IncidentRepository } from '../../../services/incidents/incidentRepository';
import type { JobQueue } from '../../../services/jobs/jobQueue';
import { OUTBOX_COLLECTION, Outbox } from '../../../services/outbox/outbox';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import { MongoStorage } from '../../../services/storage/mongoStorage';
import { RequestRepository } from '../../../services/storage/requestRepository';
import { serverCapabilities } from '../../../services/storage/serverCapabilities';
import type { OnboardingRequest } from '../../../services/workflow/model';
import { createRequest } from '../../../services/workflow/transition';
import { testClient, uniqueDbName } from '../../support/testDb';

const NOW = '2026-11-23T10:00:00.000Z';
/** Enough documents that a full scan and an index read differ in any planner's eyes. */
const STORED = 2000;
/** Collections that grow with the company; `locks` holds only the locks held right now. */
const GROWING: readonly string[] = [
  COLLECTIONS.requests,
  COLLECTIONS.openRequestKeys,
  COLLECTIONS.requestListKeys,
  DEVICE_LISTS_COLLECTION,
  ALERT_LISTS_COLLECTION,
  INCIDENT_LISTS_COLLECTION,
  DEVICES_COLLECTION,
  ALERTS_COLLECTION,
  COLLECTIONS.botState,
  COLLECTIONS.conversationReferences,
  COLLECTIONS.channels,
  COLLECTIONS.consents,
  DELIVERIES_COLLECTION,
  CARD_RENDERS_COLLECTION,
  OUTBOX_COLLECTION,
];

function newRequest(requester: string): OnboardingRequest {
  return createRequest(
    {
      id: randomUUID(),
      reference: `DEV-${randomUUID()}`,
      tenantId: 't',
      requester: { aadObjectId: requester, displayName: 'Person' },
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'Email on the road' },
      approvers: [{ aadObjectId: 'u-manager', displayName: 'Manager' }],
      approverSource: 'manager',
    },
    NOW,
  ).next;
}

interface SentQuery {
  collection: string;
  command: string;
  filter: Document;
}

/** The filters a command carries, by command name. */
function filtersOf(command: Document): SentQuery[] {
  const name = Object.keys(command)[0];
  const collection = String(command[name]);
  if (name === 'find') return [{ collection, command: name, filter: command.filter ?? {} }];
  if (name === 'findAndModify') return [{ collection, command: name, filter: command.query ?? {} }];
  if (name === 'count') return [{ collection, command: name, filter: command.query ?? {} }];
  if (name === 'update') return (command.updates as Document[]).map((u) => ({ collection, command: name, filter: u.q }));
  if (name === 'delete') return (command.deletes as Document[]).map((d) => ({ collection, command: name, filter: d.q }));
  return [];
}

/** Runs a turn's worth of repository calls on a monitored client; returns the distinct filters they sent. */
async function productQueries(uri: string, dbName: string): Promise<SentQuery[]> {
  const client = await MongoClient.connect(uri, { ignoreUndefined: true, monitorCommands: true });
  const sent = new Map<string, SentQuery>();
  client.on('commandStarted', (event) => {
    for (const q of filtersOf(event.command)) {
      const shape = `${q.collection} ${q.command} ${JSON.stringify(q.filter, (_k, v: unknown) => (typeof v === 'string' ? 's' : v))}`;
      sent.set(shape, q);
    }
  });
  try {
    const db = client.db(dbName);
    const requests = new RequestRepository(db);
    const storage = new MongoStorage(db);
    const refs = new ConversationReferenceRepository(db);
    const deliveries = new DeliveryLog(db);
    const me = `u-${randomUUID()}`;

    // A message turn: dialog state, the reference, the open request.
    const state = await storage.read([`msteams/conversations/a:${me}/`, `msteams/users/${me}`]);
    await refs.saveUser(me, { conversation: { id: `a:${me}` } as never }, 'turn');
    await refs.findUser(me);
    await refs.saveChannel({ teamId: 'team', channelId: 'channel', reference: { conversation: { id: 'channel' } as never } });
    await refs.findChannel('team', 'channel');
    await requests.findOpenByRequester(me);
    // Opening a request, a duplicate, and the turns that act on it.
    const opened = await requests.insert(newRequest(me));
    await assert.rejects(requests.insert(newRequest(me)));
    const r = (await requests.get(opened._id))!;
    const saved = await requests.save({ ...r, checkAttempts: 1 }, [{ id: 'e1', effect: { type: 'postItCard' }, createdAt: NOW }]);
    await requests.addCard(saved._id, { role: 'it', kind: 'it', conversationId: 'c', activityId: 'a' });
    await requests.deferEffect(saved._id, 'e1', 1, NOW);
    await requests.completeEffect(saved._id, (await requests.get(saved._id))!.outbox[0]);
    const twice = await requests.save((await requests.get(saved._id))!, [
      { id: 'e2', effect: { type: 'postItCard' }, createdAt: NOW },
      { id: 'e3', effect: { type: 'refreshCards' }, createdAt: NOW },
    ]);
    await requests.completeEffects(saved._id, twice.outbox, [{ role: 'it', kind: 'it', conversationId: 'c', activityId: 'b' }]);
    // The request's job reads its pending effects from the shared outbox.
    const outbox = new Outbox(db, {} as JobQueue, { maxAttempts: 1, baseDelayMs: 1 }, pino({ level: 'silent' }));
    await outbox.pendingOf('request', saved._id);
    await outbox.markDone('request', saved._id, [`request:${saved._id}:v000000001:t:000`]);
    // A message sent for it, once, and a card rendered.
    const delivery: Delivery = { conversationId: `a:${me}`, activityId: `act-${me}`, serviceUrl: 'https://smba.example/' };
    await deliveries.begin(`e1:${me}`);
    await deliveries.confirm(`e1:${me}`, delivery);
    await deliveries.begin(`e1:${me}`);
    await deliveries.begin(`e2:${me}`);
    await deliveries.refused(`e2:${me}`);
    await deliveries.shows(delivery, { type: 'AdaptiveCard' });
    await deliveries.rendered(delivery, { type: 'AdaptiveCard' });
    // The tab's lists of open requests: what waits for an approver, and IT's open states, a page at a time.
    const waiting = await requests.pageWaitingFor('u-manager', undefined, 5);
    await requests.pageWaitingFor('u-manager', waiting.next, 5);
    const inState = await requests.pageByState('pendingApproval', undefined, 5);
    await requests.pageByState('pendingApproval', inState.next, 5);
    await requests.openCounts();
    // IT's lists in the tab: devices in grace and open alerts, a page at a time.
    const devices = new DeviceRepository(db);
    const alerts = new AlertRepository(db);
    const inGrace = await devices.pageByState('inGrace', undefined, 5);
    await devices.pageByState('inGrace', inGrace.next, 5);
    const open = await alerts.pageOpen(undefined, 5);
    await alerts.pageOpen(open.next, 5);
    // IT's incident lists: open first, then closed.
    const incidents = new IncidentRepository(db);
    const openIncidents = await incidents.pageOpen(undefined, 5);
    await incidents.pageOpen(openIncidents.next, 5);
    await incidents.pageClosed(undefined, 5);
    // Closing it frees the employee's key.
    const current = (await requests.get(saved._id))!;
    await requests.save({ ...current, state: 'cancelled', closedAt: NOW, openKey: `${me}:${current._id}` });
    // Dialog state written unconditionally, then with its eTag, then removed.
    await storage.write({ [`msteams/conversations/a:${me}/`]: { dialogStack: [] } });
    const written = await storage.read([`msteams/conversations/a:${me}/`]);
    await storage.write({ [`msteams/conversations/a:${me}/`]: { ...written[`msteams/conversations/a:${me}/`], dialogStack: [1] } });
    await storage.write({ [`msteams/conversations/b:${me}/`]: { ...state, eTag: 'stale' } }).catch(() => undefined);
    await storage.delete([`msteams/conversations/a:${me}/`]);
  } finally {
    await client.close();
  }
  return [...sent.values()].filter((q) => GROWING.includes(q.collection));
}

/** Seeds every growing collection with STORED documents shaped like the product's. */
async function seed(db: Db): Promise<void> {
  for (let start = 0; start < STORED; start += 500) {
    const people = Array.from({ length: 500 }, (_, i) => `seed-${start + i}`);
    // As in a company after a while: most requests closed (granted), one in twenty still waiting for approval.
    const requests = people.map((p, i) => {
      const r = newRequest(p);
      return (start + i) % 20 === 0 ? { ...r, version: 1, outboxCount: 0 } : { ...r, state: 'granted', openKey: `closed:${r._id}`, version: 1, outboxCount: 0 };
    });
    await db.collection(COLLECTIONS.requests).insertMany(requests as never[]);
    await db.collection(DEVICES_COLLECTION).insertMany(people.map((p) => ({ _id: `dev-${p}`, state: 'inGrace', person: { aadObjectId: p } })) as never[]);
    await db.collection(ALERTS_COLLECTION).insertMany(people.map((p) => ({ _id: `alert-${p}`, status: 'open', deviceId: `dev-${p}` })) as never[]);
    if (start === 0) {
      await db.collection(DEVICE_LISTS_COLLECTION).insertOne({ _id: 'state:inGrace', ids: Array.from({ length: STORED }, (_, i) => `dev-seed-${i}`) } as never);
      await db.collection(ALERT_LISTS_COLLECTION).insertOne({ _id: 'open', ids: Array.from({ length: STORED }, (_, i) => `alert-seed-${i}`) } as never);
      await db.collection(INCIDENT_LISTS_COLLECTION).insertMany([{ _id: 'open', ids: ['INC-2026-SEED01'] }, ...Array.from({ length: STORED }, (_, i) => ({ _id: `seed-${i}`, ids: [] }))] as never[]);
    }
    await db.collection(COLLECTIONS.requestListKeys).insertMany(people.map((p) => ({ _id: `approver:${p}`, ids: [`r-${p}`] })) as never[]);
    await db.collection(COLLECTIONS.openRequestKeys).insertMany(requests.map((r) => ({ _id: r.requester.aadObjectId, requestId: r._id })) as never[]);
    await db.collection(COLLECTIONS.botState).insertMany(people.map((p) => ({ _id: `msteams/conversations/a:${p}/`, eTag: randomUUID(), json: '{}', updatedAt: new Date() })) as never[]);
    await db.collection(COLLECTIONS.conversationReferences).insertMany(people.map((p) => ({ _id: p, reference: { conversation: { id: `a:${p}` } }, source: 'turn', updatedAt: new Date() })) as never[]);
    await db.collection(COLLECTIONS.channels).insertMany(people.map((p) => ({ _id: `team|${p}`, teamId: 'team', channelId: p, reference: {}, updatedAt: new Date() })) as never[]);
    await db.collection(DELIVERIES_COLLECTION).insertMany(people.map((p) => ({ _id: `seed:${p}`, startedAt: new Date(), attempts: 1 })) as never[]);
    await db.collection(CARD_RENDERS_COLLECTION).insertMany(people.map((p) => ({ _id: `render:${p}`, hash: 'h', at: new Date() })) as never[]);
    await db.collection(OUTBOX_COLLECTION).insertMany(
      requests.flatMap((r) =>
        [0, 1, 2].map((i) => ({ _id: `request:${r._id}:v000000001:t:00${i}`, aggregateType: 'request', aggregateId: r._id, aggregateVersion: 1, commitToken: 't', kind: 'requestEffect', payload: {}, dueAt: new Date(), attempts: 1, state: 'done', createdAt: new Date() })),
      ) as never[],
    );
    await db.collection(COLLECTIONS.consents).insertMany(
      requests.map((r) => ({ _id: randomUUID(), requestId: r._id, subject: r.requester, at: NOW, decision: 'accepted' })) as never[],
    );
  }
}

/** Every stage name in a MongoDB plan tree. */
function stages(plan: Document | undefined): string[] {
  if (!plan) return [];
  return [String(plan.stage), ...stages(plan.inputStage), ...((plan.inputStages as Document[] | undefined) ?? []).flatMap(stages)];
}

/** Every PostgreSQL plan node type in a FerretDB explain of the PostgreSQL backend. */
function pgNodes(plan: Document | undefined): string[] {
  if (!plan) return [];
  return [String(plan['Node Type']), ...((plan.Plans as Document[] | undefined) ?? []).flatMap(pgNodes)];
}

describe('query plans: every query of a turn is answered without a full scan of a growing collection', function () {
  this.timeout(120_000);
  let db: Db;
  let queries: SentQuery[];

  before(async () => {
    const uri = process.env.MONGODB_URI;
    if (!uri) throw new Error('MONGODB_URI is not set (the root hook starts the embedded database)');
    db = (await testClient()).db(uniqueDbName('plans'));
    await ensureIndexes(db);
    await seed(db);
    queries = await productQueries(uri, db.databaseName);
  });
  after(async () => {
    await db?.dropDatabase();
  });

  it('when a turn runs, then its queries reach every growing collection the product reads', () => {
    const touched = new Set(queries.map((q) => q.collection));
    for (const collection of GROWING.filter((c) => c !== COLLECTIONS.consents)) {
      assert.ok(touched.has(collection), `no query on ${collection} was seen`);
    }
  });

  it('when each query is explained, then none scans the whole collection', async () => {
    const server = await serverCapabilities(db);
    const failures: string[] = [];
    for (const q of queries) {
      const explained = await db.command({ explain: { find: q.collection, filter: q.filter }, verbosity: 'queryPlanner' });
      const label = `${q.command} ${q.collection} ${JSON.stringify(q.filter)}`;
      if (server.kind === 'mongodb') {
        const planStages = stages(explained.queryPlanner?.winningPlan?.queryPlan ?? explained.queryPlanner?.winningPlan);
        if (planStages.includes('COLLSCAN')) failures.push(`${label}: COLLSCAN (${planStages.join(' < ')})`);
        continue;
      }
      const plan = explained.queryPlanner?.Plan as unknown;
      if (Array.isArray(plan)) {
        // FerretDB on SQLite (EMBEDDED_DB_BACKEND=sqlite) pushes down only a filter that is a lone `_id`, and
        // SQLite then scans the table itself ("SCAN" in every plan); anything else is decoded in FerretDB.
        const loneId = Object.keys(q.filter).length === 1 && typeof q.filter._id === 'string';
        if (loneId && explained.filterPushdown !== true) failures.push(`${label}: filterPushdown ${explained.filterPushdown}`);
        continue;
      }
      if (explained.filterPushdown !== true) failures.push(`${label}: filterPushdown ${explained.filterPushdown}`);
      const nodes = pgNodes(plan as Document);
      // A pushed-down filter still reads every row unless an index answers it (the cluster indexes `_id`).
      if (nodes.includes('Seq Scan')) failures.push(`${label}: ${nodes.join(' < ')}`);
    }
    assert.deepEqual(failures, [], `queries that read the whole collection on ${server.kind} ${server.version}:\n${failures.join('\n')}`);
  });
});
