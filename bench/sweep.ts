/**
 * `npm run bench:sweep`: one compliance sweep over SWEEP_SIZES enrolled devices (default 1000,10000; the scale
 * flag: SWEEP_SIZES=1000,10000,100000), 10% of them not compliant (SWEEP_NONCOMPLIANT_EVERY = 10), against the
 * Graph simulator ENFORCING Intune's throttling (graphsim/throttling.ts; SWEEP_THROTTLE_SCALE scales the limits)
 * and the embedded database. Prints Graph requests per 1,000 devices (HTTP requests, and the requests Intune's
 * throttle counts: every $batch item counts), the 429s the simulator answered, the wall time against the
 * throttling floor, the peak heap during the sweep, and the database's CPU time. The floor is the larger of the
 * two Intune services' minimum times (they are throttled apart): device reads ÷ 100 per second (2,000 per 20 s)
 * and compliance-detail reads ÷ 50 per second (1,000 per 20 s). Asserts nothing about time.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { createLogger } from '../bot/logger';
import { startGraphSimulator } from '../graphsim/graphSimulator';
import { loadTenantFixture, validateTenantFixture } from '../graphsim/tenantFixture';
import { intuneThrottling } from '../graphsim/throttling';
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
import { treeUsage } from './procStats';

const SIZES = (process.env.SWEEP_SIZES ?? '1000,10000').split(',').map(Number);
const NONCOMPLIANT_EVERY = Number(process.env.SWEEP_NONCOMPLIANT_EVERY ?? 10);
const THROTTLE_SCALE = Number(process.env.SWEEP_THROTTLE_SCALE ?? 1);
/** Intune's published limits per app and tenant: devices 2,000 and device configuration 1,000 requests per 20 s. */
const DEVICES_PER_SECOND = (2000 * THROTTLE_SCALE) / 20;
const CONFIGURATION_PER_SECOND = (1000 * THROTTLE_SCALE) / 20;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const deviceId = (i: number) => `d${hex(i, 7)}-0000-4000-8000-000000000000`;

async function run(size: number, db: import('mongodb').Db, dbPids: number[]) {
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
  const sim = await startGraphSimulator({ port: 0, tenant, throttling: intuneThrottling(THROTTLE_SCALE) });
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
    const cpuBefore = treeUsage(dbPids).cpuMs;
    const started = performance.now();
    const stats = await module.sweep!.sweep();
    const seconds = (performance.now() - started) / 1000;
    const dbCpuSeconds = (treeUsage(dbPids).cpuMs - cpuBefore) / 1000;
    clearInterval(sampler);
    const log = sim.controls.requests();
    const http = log.filter((r) => !r.viaBatch).length;
    const answered = log.filter((r) => r.path !== '/beta/$batch' && r.path !== '/v1.0/$batch' && r.status !== 429);
    const counted = answered.length;
    const throttled = log.filter((r) => r.status === 429).length;
    const detail = answered.filter((r) => /deviceCompliancePolic/.test(r.path)).length;
    const floor = Math.max((counted - detail) / DEVICES_PER_SECOND, detail / CONFIGURATION_PER_SECOND);
    return { size, stats, seconds, http, counted, throttled, floor, dbCpuSeconds, peakHeapMb: peakHeap / 1048576 };
  } finally {
    await sim.close();
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-sweep-'));
  const ferret = await startEmbeddedFerretDb({ dataDir, logger: createLogger('fatal') });
  const dbPids = [ferret.pid, ...(ferret.backendPid ? [ferret.backendPid] : [])];
  const client = await MongoClient.connect(ferret.uri, { ignoreUndefined: true });
  try {
    const db = client.db('bench_sweep');
    console.log(`Compliance sweep, ${100 / NONCOMPLIANT_EVERY}% of devices not compliant (embedded FerretDB, Graph simulator)`);
    const header = 'devices | HTTP req | req/1,000 dev | throttle-counted req | req/1,000 dev | 429s | wall s | floor s | wall/floor | transitions | peak heap MB | DB CPU s | ms graph/transitions/bookkeeping';
    console.log(header);
    const lines = [`| ${header} |`, `|${header.split('|').map(() => '---').join('|')}|`];
    for (const size of SIZES) {
      const r = await run(size, db, dbPids);
      const per = (n: number) => ((n / size) * 1000).toFixed(1);
      const line = [size, r.http, per(r.http), r.counted, per(r.counted), r.throttled, r.seconds.toFixed(1), r.floor.toFixed(1), (r.seconds / r.floor).toFixed(2), r.stats.transitions, r.peakHeapMb.toFixed(0), r.dbCpuSeconds.toFixed(1), `${r.stats.ms.graph}/${r.stats.ms.transitions}/${r.stats.ms.bookkeeping}`].join(' | ');
      console.log(line);
      lines.push(`| ${line} |`);
    }
    mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    writeFileSync(path.join(__dirname, 'results', `sweep-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.md`), `${lines.join('\n')}\n`);
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
