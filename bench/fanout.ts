/**
 * `npm run bench:fanout`: FANOUT_MESSAGES proactive messages (default 10,000, one per person) staged in the shared
 * outbox and delivered by a worker process through the real ProactiveMessenger and CloudAdapter to the Bot
 * Connector stand-in enforcing Teams' limits (per conversation, and 50 per second per app and tenant). Halfway
 * the worker is killed (SIGKILL) and a new one started; it takes the outbox over when the lease expires.
 *
 * Reports the wall time against the rate-limit floor (messages ÷ the app's per-second limit), the messages lost
 * and duplicated (counted by the stand-in per conversation), 429s, and the database's CPU time (FerretDB and its
 * PostgreSQL). FANOUT_LIMIT_SCALE scales Teams' limits (0.2 = 10 per second) to run shorter; the ratio stays
 * meaningful because the floor scales with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { MongoClient, type Db } from 'mongodb';
import { createLogger } from '../bot/logger';
import { startEmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { createDeviceModule } from '../services/devices/deviceModule';
import { DeviceOutboxKind } from '../services/devices/deviceService';
import { createGraphServices } from '../services/graph/graphServices';
import { JobQueue } from '../services/jobs/jobQueue';
import { DeliveryLog } from '../services/messaging/deliveryLog';
import { ProactiveMessenger } from '../services/messaging/proactiveMessenger';
import { SharedRatePacer } from '../services/messaging/teamsRatePacer';
import { OUTBOX_COLLECTION, UNCONDITIONAL } from '../services/outbox/outbox';
import { AuditRepository } from '../services/storage/auditRepository';
import { ConversationReferenceRepository } from '../services/storage/conversationReferenceRepository';
import { COLLECTIONS, ensureIndexes } from '../services/storage/mongoConnection';
import { treeUsage } from './procStats';
import { startStubConnector, teamsLimits } from './stubConnector';

const MESSAGES = Number(process.env.FANOUT_MESSAGES ?? 10_000);
const SCALE = Number(process.env.FANOUT_LIMIT_SCALE ?? 1);
const APP_PER_SECOND = Math.max(1, Math.round(50 * SCALE));
/** What the bot is configured to send (TEAMS_APP_SENDS_PER_SECOND): a margin under the limit absorbs network jitter. */
const PACED_PER_SECOND = Math.max(1, Math.floor(APP_PER_SECOND * 0.9));
const LEASE_MS = 5_000;
const DB_NAME = 'bench_fanout';
const TENANT = '00000000-0000-0000-0000-000000000001';
const person = (i: number) => `f${i.toString(16).padStart(7, '0')}-0000-4000-8000-000000000000`;

/** The worker: drains the outbox like a bot instance's background worker until nothing is pending. */
async function worker(mongoUri: string, connectorUrl: string, name: string): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const client = await MongoClient.connect(mongoUri, { ignoreUndefined: true });
  const db = client.db(DB_NAME);
  const refs = new ConversationReferenceRepository(db);
  const pacer = new SharedRatePacer(db, { bucket: `teams:bench:${TENANT}`, perSecond: PACED_PER_SECOND });
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const graph = createGraphServices({ baseUrl: 'http://127.0.0.1:9', logger });
  const messenger = new ProactiveMessenger(adapter, refs, graph.teamsApps, { appId: '', tenantId: TENANT, pacer, baseDelayMs: 200 }, logger);
  const jobs = new JobQueue(db, { owner: name, leaseMs: LEASE_MS });
  const module = createDeviceModule({
    db,
    jobs,
    audit: new AuditRepository(db),
    messenger,
    deliveries: new DeliveryLog(db),
    refs,
    graph: { ...graph, complianceSweep: undefined },
    options: { policy: { graceHours: 72, reminderHoursBefore: [24] }, sweepIntervalMs: 3_600_000, digestIntervalMs: 86_400_000, digestNearingMs: 86_400_000, outbox: { maxAttempts: 8, baseDelayMs: 1000, concurrency: 16 } },
    logger,
  });
  void connectorUrl;
  for (;;) {
    const claim = await jobs.claimDue();
    if (claim) {
      await module.handlers[claim.job.kind]?.(claim.lease, claim.job.subject);
      continue;
    }
    if (!(await db.collection(OUTBOX_COLLECTION).countDocuments({ state: 'pending' }))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await client.close();
}

async function seed(db: Db, connectorUrl: string): Promise<void> {
  await db.dropDatabase();
  await ensureIndexes(db);
  const now = new Date();
  const refs = Array.from({ length: MESSAGES }, (_, i) => ({
    _id: person(i),
    reference: { channelId: 'msteams', serviceUrl: `${connectorUrl}/`, bot: { id: '28:bench', name: 'Bench' }, conversation: { id: `a:chat-${i}`, conversationType: 'personal', tenantId: TENANT } },
    source: 'turn',
    tenantId: TENANT,
    updatedAt: now,
  }));
  const card = JSON.stringify({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Your device needs attention' }] });
  const entries = Array.from({ length: MESSAGES }, (_, i) => ({
    _id: `fanout:${i}`,
    aggregateType: 'device',
    aggregateId: `bench-${i}`,
    aggregateVersion: 0,
    commitToken: UNCONDITIONAL,
    kind: DeviceOutboxKind.Message,
    payload: { deviceId: `bench-${i}`, aadObjectId: person(i), personName: 'Employee', about: 'reminder', alertId: null, card },
    dueAt: now,
    attempts: 0,
    state: 'pending',
    createdAt: now,
  }));
  for (let i = 0; i < MESSAGES; i += 1000) {
    await db.collection(COLLECTIONS.conversationReferences).insertMany(refs.slice(i, i + 1000) as never[]);
    await db.collection(OUTBOX_COLLECTION).insertMany(entries.slice(i, i + 1000) as never[]);
  }
  await new SharedRatePacer(db, { bucket: 'x', perSecond: 1 }).ensureIndexes();
  await db.collection('jobs').insertOne({ _id: 'outbox:all', kind: 'outbox', subject: 'all', dueAt: now, rev: 0 } as never);
}

function startWorker(uri: string, connectorUrl: string, name: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', __filename, '--worker', uri, connectorUrl, name], { stdio: ['ignore', 'inherit', 'inherit'] });
}

const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-fanout-'));
  // The database logs every refused duplicate insert (a rate grant already taken) as an error line: keep it quiet.
  const ferret = await startEmbeddedFerretDb({ dataDir, logger: createLogger('fatal') });
  const client = await MongoClient.connect(ferret.uri, { ignoreUndefined: true });
  const stub = await startStubConnector(0, { limits: teamsLimits(SCALE) });
  const dbPids = [ferret.pid, ...(ferret.backendPid ? [ferret.backendPid] : [])];
  try {
    const db = client.db(DB_NAME);
    await seed(db, stub.url);
    const sent = () => Object.keys(stub.stats.sentByConversation).length;
    const cpuBefore = treeUsage(dbPids).cpuMs;
    const started = performance.now();
    const first = startWorker(ferret.uri, stub.url, 'worker-1');
    while (sent() < MESSAGES / 2 && first.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    await exited(first);
    const killedAt = sent();
    const second = startWorker(ferret.uri, stub.url, 'worker-2');
    const code = await exited(second);
    const seconds = (performance.now() - started) / 1000;
    const dbCpuSeconds = (treeUsage(dbPids).cpuMs - cpuBefore) / 1000;
    const counts = Object.values(stub.stats.sentByConversation);
    const duplicated = counts.reduce((n, c) => n + Math.max(0, c - 1), 0);
    const lost = MESSAGES - counts.length;
    const outbox = await db.collection(OUTBOX_COLLECTION).aggregate<{ _id: string; n: number }>([{ $group: { _id: '$state', n: { $sum: 1 } } }]).toArray();
    const floor = MESSAGES / APP_PER_SECOND;
    const row = {
      messages: MESSAGES,
      appLimitPerSecond: APP_PER_SECOND,
      killedAfter: killedAt,
      wallSeconds: Number(seconds.toFixed(1)),
      floorSeconds: Number(floor.toFixed(1)),
      ratio: Number((seconds / floor).toFixed(2)),
      lost,
      duplicated,
      throttled429: stub.stats.throttled,
      dbCpuSeconds: Number(dbCpuSeconds.toFixed(1)),
      dbCpuPerMessageMs: Number(((dbCpuSeconds * 1000) / MESSAGES).toFixed(2)),
      outbox: Object.fromEntries(outbox.map((o) => [o._id, o.n])),
      secondWorkerExit: code,
      byRoute: stub.stats.byRoute,
    };
    console.log(JSON.stringify(row, null, 2));
    const line = `| ${MESSAGES} | ${APP_PER_SECOND}/s | ${killedAt} | ${row.wallSeconds} | ${row.floorSeconds} | ${row.ratio} | ${lost} | ${duplicated} | ${row.throttled429} | ${row.dbCpuSeconds} (${row.dbCpuPerMessageMs} ms/msg) |`;
    console.log('messages | app limit | killed after | wall s | floor s | wall/floor | lost | duplicated | 429s | DB CPU s');
    console.log(line);
    mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    writeFileSync(path.join(__dirname, 'results', `fanout-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.json`), JSON.stringify(row, null, 2));
  } finally {
    await stub.close();
    await client.close();
    await ferret.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') {
  worker(process.argv[3], process.argv[4], process.argv[5]).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
