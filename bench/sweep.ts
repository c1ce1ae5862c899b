/**
 * `npm run bench:sweep`: one compliance sweep over SWEEP_SIZES enrolled devices (default 1000,10000), 10% of them
 * not compliant (SWEEP_NONCOMPLIANT_EVERY = 10), against the Graph simulator and the embedded database. Prints
 * Graph requests per 1,000 devices (HTTP requests, and the requests Intune's throttle counts: every $batch item
 * counts), the wall time against the throttling floor (Intune: 2,000 requests per 20 s per app and tenant, so
 * the floor is counted requests ÷ 100 per second), and the peak heap during the sweep. Asserts nothing about time.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { createLogger } from '../bot/logger';
import { startGraphSimulator } from '../graphsim/graphSimulator';
import { loadTenantFixture, validateTenantFixture } from '../graphsim/tenantFixture';
import { startEmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { createDeviceModule } from '../services/devices/deviceModule';
import { DEVICES_COLLECTION, type EnrolledDevice } from '../services/devices/deviceRepository';
import { createGraphServices } from '../services/graph/graphServices';
import { JobQueue } from '../services/jobs/jobQueue';
import { DeliveryLog } from '../services/messaging/deliveryLog';
import type { Messenger } from '../services/messaging/proactiveMessenger';
import { AuditRepository } from '../services/storage/auditRepository';
import { ConversationReferenceRepository } from '../services/storage/conversationReferenceRepository';
import { ensureIndexes } from '../services/storage/mongoConnection';

const SIZES = (process.env.SWEEP_SIZES ?? '1000,10000').split(',').map(Number);
const NONCOMPLIANT_EVERY = Number(process.env.SWEEP_NONCOMPLIANT_EVERY ?? 10);
/** Intune's published limit per app and tenant: 2,000 requests per 20 seconds. */
const THROTTLE_PER_SECOND = 2000 / 20;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const deviceId = (i: number) => `d${hex(i, 7)}-0000-4000-8000-000000000000`;

async function run(size: number, db: import('mongodb').Db) {
  const base = loadTenantFixture(path.resolve(__dirname, '../graphsim/tenants/demo.json'));
  const users = base.users.map((u) => u.id);
  const devices = Array.from({ length: size }, (_, i) => {
    const bad = i % NONCOMPLIANT_EVERY === 0;
    return {
      id: deviceId(i),
      userId: users[i % users.length],
      deviceName: `Phone ${i}`,
      operatingSystem: 'iOS',
      osVersion: '18.5',
      complianceState: bad ? 'noncompliant' : 'compliant',
      managedDeviceOwnerType: 'personal',
      isEncrypted: true,
      enrolledDateTime: '-30d',
      policies: [
        {
          id: 'p-ios',
          displayName: 'iOS baseline',
          settingStates: [
            { setting: 'IosCompliancePolicy.passcodeRequired', state: bad ? 'nonCompliant' : 'compliant' },
            { setting: 'IosCompliancePolicy.osMinimumVersion', state: 'compliant' },
          ],
        },
      ],
    };
  });
  const tenant = validateTenantFixture({ ...JSON.parse(JSON.stringify(base)), managedDevices: devices, pendingEnrollments: [] });
  const sim = await startGraphSimulator({ port: 0, tenant });
  const logger = createLogger('silent');
  try {
    await db.dropDatabase();
    await ensureIndexes(db);
    const none: Messenger = {
      hasItChannel: false,
      sendToUser: async () => ({ conversationId: 'c', activityId: randomUUID(), serviceUrl: '' }),
      sendToItChannel: async () => ({ conversationId: 'c', activityId: randomUUID(), serviceUrl: '' }),
      update: async () => undefined,
    };
    const graph = createGraphServices({ baseUrl: sim.url, logger });
    const jobs = new JobQueue(db, { owner: 'bench', leaseMs: 60_000 });
    const module = createDeviceModule({
      db,
      jobs,
      audit: new AuditRepository(db),
      messenger: none,
      deliveries: new DeliveryLog(db),
      refs: new ConversationReferenceRepository(db),
      graph,
      options: { policy: { graceHours: 72, reminderHoursBefore: [48, 24] }, sweepIntervalMs: 3_600_000, digestIntervalMs: 86_400_000, digestNearingMs: 86_400_000, outbox: { maxAttempts: 3, baseDelayMs: 1000 } },
      logger,
    });
    await module.ensureIndexes();
    // Every device was granted earlier and was compliant at the last sweep.
    const now = new Date().toISOString();
    const docs: EnrolledDevice[] = devices.map((d) => ({
      _id: d.id,
      version: 1,
      person: { aadObjectId: d.userId, displayName: 'Employee' },
      requestId: randomUUID(),
      platform: 'ios',
      deviceName: d.deviceName,
      operatingSystem: 'iOS',
      access: { groupId: 'b0000000-0000-4000-8000-0000000000a1', memberId: d.userId },
      state: 'compliant',
      failing: [],
      remindersSent: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: now,
      auditHead: {
        _id: `device:${d.id}:1`, requestId: `device:${d.id}`, seq: 1, at: now, actor: { kind: 'system' }, event: 'enrolled', from: null,
        to: 'granted', procedureStep: 7, controls: [], details: {}, prevHash: '', hash: 'bench',
      },
      outboxTokens: [],
    }));
    for (let i = 0; i < docs.length; i += 1000) await db.collection<EnrolledDevice>(DEVICES_COLLECTION).insertMany(docs.slice(i, i + 1000));

    sim.controls.clearRequests();
    let peakHeap = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
    const started = performance.now();
    const stats = await module.sweep!.sweep();
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const log = sim.controls.requests();
    const http = log.filter((r) => !r.viaBatch).length;
    const counted = log.filter((r) => r.path !== '/beta/$batch' && r.path !== '/v1.0/$batch').length;
    const floor = counted / THROTTLE_PER_SECOND;
    return { size, stats, seconds, http, counted, floor, peakHeapMb: peakHeap / 1048576 };
  } finally {
    await sim.close();
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-sweep-'));
  const logger = createLogger('warn');
  const ferret = await startEmbeddedFerretDb({ dataDir, logger });
  const client = await MongoClient.connect(ferret.uri, { ignoreUndefined: true });
  try {
    const db = client.db('bench_sweep');
    console.log(`Compliance sweep, ${100 / NONCOMPLIANT_EVERY}% of devices not compliant (embedded FerretDB, Graph simulator)`);
    console.log('devices | HTTP req | req/1,000 dev | throttle-counted req | req/1,000 dev | wall s | floor s | wall/floor | transitions | peak heap MB | ms graph/transitions/bookkeeping');
    for (const size of SIZES) {
      const r = await run(size, db);
      const per = (n: number) => ((n / size) * 1000).toFixed(1);
      console.log(
        [size, r.http, per(r.http), r.counted, per(r.counted), r.seconds.toFixed(1), r.floor.toFixed(1), (r.seconds / r.floor).toFixed(2), r.stats.transitions, r.peakHeapMb.toFixed(0), `${r.stats.ms.graph}/${r.stats.ms.transitions}/${r.stats.ms.bookkeeping}`].join(' | '),
      );
    }
  } finally {
    await client.close();
    await ferret.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
