/**
 * Child process of `npm run bench:sweep`: builds a tenant of SWEEP_SIZE managed devices, serves it from the Graph
 * simulator enforcing Intune's throttling, and seeds the database (SWEEP_DB_URI, SWEEP_DB_NAME) with every device
 * granted and compliant at the last sweep, so neither the tenant nor the seed arrays live in the sweeping process.
 * Sends `{ type: 'ready', url }`; on `{ type: 'report' }` answers the request counts and its own peak memory.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startGraphSimulator } from '../../graphsim/graphSimulator';
import { loadTenantFixture, validateTenantFixture } from '../../graphsim/tenantFixture';
import { intuneThrottling } from '../../graphsim/throttling';
import { DEVICES_COLLECTION, type EnrolledDevice } from '../../services/devices/deviceRepository';
import { ensureIndexes } from '../../services/storage/mongoConnection';
import { memorySampler } from './memorySampler';

const SIZE = Number(process.env.SWEEP_SIZE);
const NONCOMPLIANT_EVERY = Number(process.env.SWEEP_NONCOMPLIANT_EVERY ?? 10);
const THROTTLE_SCALE = Number(process.env.SWEEP_THROTTLE_SCALE ?? 1);
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const deviceId = (i: number) => `d${hex(i, 7)}-0000-4000-8000-000000000000`;

async function main() {
  const memory = memorySampler();
  const base = loadTenantFixture(path.resolve(__dirname, '../../graphsim/tenants/demo.json'));
  const users = base.users.map((u) => u.id);
  const devices = Array.from({ length: SIZE }, (_, i) => {
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
  const client = await MongoClient.connect(process.env.SWEEP_DB_URI!, { ignoreUndefined: true });
  const db = client.db(process.env.SWEEP_DB_NAME);
  await db.dropDatabase();
  await ensureIndexes(db);
  const now = new Date().toISOString();
  for (let i = 0; i < devices.length; i += 1000) {
    const docs: EnrolledDevice[] = devices.slice(i, i + 1000).map((d) => ({
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
    await db.collection<EnrolledDevice>(DEVICES_COLLECTION).insertMany(docs);
  }
  await client.close();
  sim.controls.clearRequests();
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'report') return;
    const log = sim.controls.requests();
    const answered = log.filter((r) => r.path !== '/beta/$batch' && r.path !== '/v1.0/$batch' && r.status !== 429);
    process.send!({
      type: 'report',
      http: log.filter((r) => !r.viaBatch).length,
      counted: answered.length,
      throttled: log.filter((r) => r.status === 429).length,
      detail: answered.filter((r) => /deviceCompliancePolic/.test(r.path)).length,
      ...memory.stop(),
    });
    void sim.close().then(() => process.exit(0));
  });
  process.send!({ type: 'ready', url: sim.url });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
