/**
 * `npm run bench:idle`: what the background worker costs the embedded database while nothing is due. Stores
 * IDLE_REQUESTS requests (default 10,000: 99% closed, every IDLE_WAITING_EVERY-th (100) waiting for a device with its next check hours away),
 * starts the worker as the bot does (default intervals), and reads the FerretDB process's CPU time from
 * /proc/<pid>/stat over IDLE_SECONDS (default 30), first without the worker (the database's own floor), then with
 * it. Prints the share of one core; asserts nothing about time.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { botCards } from '../bot/cardViews';
import { createLogger } from '../bot/logger';
import { startEmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { createGraphServices } from '../services/graph/graphServices';
import { JobQueue, type JobDocument } from '../services/jobs/jobQueue';
import { newInstanceId } from '../services/jobs/leases';
import { DeliveryLog } from '../services/messaging/deliveryLog';
import type { Messenger } from '../services/messaging/proactiveMessenger';
import { EffectRunner } from '../services/onboarding/effectRunner';
import { OnboardingService } from '../services/onboarding/onboardingService';
import { BackgroundWorker } from '../services/onboarding/worker';
import { AuditRepository } from '../services/storage/auditRepository';
import { ConsentRepository } from '../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../services/storage/conversationReferenceRepository';
import { COLLECTIONS, ensureIndexes } from '../services/storage/mongoConnection';
import { RequestRepository } from '../services/storage/requestRepository';
import { createRequest } from '../services/workflow/transition';

const REQUESTS = Number(process.env.IDLE_REQUESTS ?? 10_000);
const SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
/** Every n-th stored request waits for a device (its next check hours away); the rest are closed. */
const WAITING_EVERY = Number(process.env.IDLE_WAITING_EVERY ?? 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(pid: number): Promise<number> {
  const before = cpuSeconds(pid);
  await sleep(SECONDS * 1000);
  return (cpuSeconds(pid) - before) / SECONDS;
}

function storedRequest(i: number) {
  const now = new Date();
  const r = createRequest(
    {
      id: randomUUID(),
      reference: `DEV-${i.toString(36).toUpperCase().padStart(6, '0')}`,
      tenantId: 't',
      requester: { aadObjectId: randomUUID(), displayName: `Employee ${i}` },
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'Stored for the idle benchmark' },
      approvers: [{ aadObjectId: randomUUID(), displayName: 'Manager' }],
      approverSource: 'manager',
    },
    now.toISOString(),
  ).next;
  const waiting = i % WAITING_EVERY === 0;
  return {
    ...r,
    version: 9,
    outboxCount: 0,
    state: waiting ? ('awaitingEnrollment' as const) : ('granted' as const),
    nextCheckAt: waiting ? new Date(now.getTime() + 6 * 3_600_000).toISOString() : undefined,
    openKey: waiting ? r.requester.aadObjectId : `${r.requester.aadObjectId}:${r._id}`,
    closedAt: waiting ? undefined : now.toISOString(),
  };
}

async function main() {
  const logger = createLogger('warn');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-idle-'));
  const db0 = await startEmbeddedFerretDb({ dataDir, logger });
  const client = await MongoClient.connect(db0.uri, { ignoreUndefined: true });
  try {
    const db = client.db('bench_idle');
    await ensureIndexes(db);
    for (let i = 0; i < REQUESTS; i += 500) {
      await db.collection(COLLECTIONS.requests).insertMany(Array.from({ length: Math.min(500, REQUESTS - i) }, (_, k) => storedRequest(i + k)) as never[]);
    }
    await sleep(2000);
    const floor = await measure(db0.pid);

    const graph = createGraphServices({ baseUrl: 'http://127.0.0.1:9', logger });
    const requests = new RequestRepository(db);
    const service = new OnboardingService(requests, new ConsentRepository(db), graph, { tenantId: 't', policy: { itReviewMode: 'manual', enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 } }, logger);
    const none: Messenger = { hasItChannel: false, sendToUser: async () => Promise.reject(new Error('idle')), sendToItChannel: async () => Promise.reject(new Error('idle')), update: async () => undefined };
    const jobs = new JobQueue(db, { owner: newInstanceId('bench'), leaseMs: 15_000 });
    const runner = new EffectRunner(requests, new AuditRepository(db), new ConversationReferenceRepository(db), none, botCards, graph, service, jobs, new DeliveryLog(db), { accessGroupId: 'g', accessGrantTarget: 'user' }, logger);
    const worker = new BackgroundWorker(jobs, requests, runner, logger, { intervalMs: 5_000, idleMaxMs: 30_000 });
    // A running deployment has a job for each request with pending work: store them as the product would.
    const waiting = await requests.listWithPendingWork();
    for (let i = 0; i < waiting.length; i += 500) {
      const batch = waiting.slice(i, i + 500).map((r): JobDocument => ({ _id: JobQueue.id('onboardingRequest', r._id), kind: 'onboardingRequest', subject: r._id, dueAt: new Date(r.dueAt), rev: 1 }));
      await jobs.collection.insertMany(batch);
    }
    await worker.start();
    await sleep(3000);
    const idle = await measure(db0.pid);
    await worker.stop();

    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    console.log(`FerretDB CPU with ${REQUESTS} stored requests, over ${SECONDS} s (share of one core)`);
    console.log(`  database alone:         ${pct(floor)}`);
    console.log(`  with the worker idling: ${pct(idle)}  (worker's share: ${pct(Math.max(0, idle - floor))})`);
  } finally {
    await client.close();
    await db0.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
