/**
 * The simulator enforces Intune's published throttling (lowered here so a test reaches it quickly): over a limit
 * a request is 429 with a Retry-After, a batch item is throttled on its own, and other services are unaffected.
 */
import assert from 'node:assert/strict';
import { startGraphSimulator, type RunningGraphSimulator } from '../../../graphsim/graphSimulator';
import { intuneThrottling } from '../../../graphsim/throttling';
import { createLogger } from '../../../bot/logger';
import { createGraphServices } from '../../../services/graph/graphServices';
import { ALEX, MEGAN_IPHONE, testTenant } from './testTenant';

describe('Graph simulator throttling (Intune limits per app and tenant)', () => {
  let sim: RunningGraphSimulator;
  let now = 0;
  // A hundredth of the published limits: 20 device reads and 10 compliance-detail reads per 20 seconds.
  const scale = 0.01;

  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: testTenant(), throttling: intuneThrottling(scale), throttleClock: () => now });
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.controls.reset();
    now = 1_000_000;
  });

  const get = (path: string) => fetch(`${sim.url}${path}`);

  it('when the devices limit is used up, then the next device read is 429 with a Retry-After until the window frees, and users are not throttled', async () => {
    for (let i = 0; i < 20; i++) {
      now += 100;
      assert.equal((await get(`/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}`)).status, 200, `request ${i}`);
    }
    const refused = await get('/v1.0/deviceManagement/managedDevices?$top=5');
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'TooManyRequests');
    // The first of the 20 was at +100 ms, the refusal at +2,000 ms: 18.1 s to go, rounded up to whole seconds.
    assert.equal(refused.headers.get('retry-after'), '19');
    assert.equal((await get(`/v1.0/users/${ALEX}`)).status, 200);
    now += 18_200;
    assert.equal((await get(`/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}`)).status, 200);
  });

  it('when compliance detail is read through $batch past its limit, then only the items over it are 429 and the batch is 200', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => ({ id: String(i), method: 'GET', url: `/deviceManagement/managedDevices/${MEGAN_IPHONE}/deviceCompliancePolicyStates` }));
    const res = await fetch(`${sim.url}/beta/$batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ requests }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { responses: { id: string; status: number; headers: Record<string, string> }[] };
    const statuses = body.responses.sort((a, b) => Number(a.id) - Number(b.id)).map((r) => r.status);
    assert.deepEqual(statuses, [...Array(10).fill(200), 429, 429]);
    assert.equal(body.responses.find((r) => r.id === '10')?.headers['Retry-After'], '20');
    // The device configuration service has its own budget: device reads still pass.
    assert.equal((await get(`/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}`)).status, 200);
  });

  it('when writes pass their own lower limit, then they are throttled while reads still pass', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${sim.url}/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}/syncDevice`, { method: 'POST' })).status, 204);
    assert.equal((await fetch(`${sim.url}/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}/syncDevice`, { method: 'POST' })).status, 429);
    assert.equal((await get(`/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}`)).status, 200);
  });

  it('when throttling is off, then nothing is refused', async () => {
    const open = await startGraphSimulator({ port: 0, tenant: testTenant(), throttling: false });
    try {
      for (let i = 0; i < 30; i++) assert.equal((await fetch(`${open.url}/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}`)).status, 200);
    } finally {
      await open.close();
    }
  });
});

describe('compliance detail under sustained Intune throttling', () => {
  it('when most batch items are throttled round after round, then the sweep keeps waiting out each Retry-After while items get through, and reads every device', async () => {
    let now = 5_000_000;
    // Device configuration: 5 reads per 20 s; 20 devices need four windows, far more rounds than the stall limit.
    const sim = await startGraphSimulator({
      port: 0,
      tenant: testTenant(),
      throttleClock: () => now,
      throttling: [{ name: 'intune-configuration', covers: (_m, p) => /deviceCompliancePolic/.test(p), perApp: { limit: 5, windowMs: 20_000 }, perTenant: { limit: 5, windowMs: 20_000 } }],
    });
    try {
      const graph = createGraphServices({ baseUrl: sim.url, logger: createLogger('silent'), sweep: { maxBatchRounds: 2, sleep: async (ms) => void (now += ms) } });
      const others = Array.from({ length: 19 }, (_, i) => `${MEGAN_IPHONE.slice(0, -2)}${String(i + 50).padStart(2, '0')}`);
      const detail = await graph.complianceSweep!.policyStates([MEGAN_IPHONE, ...others]);
      // Unknown ids answer 404 (left out); the one real device has its detail although most rounds were throttled.
      assert.ok(detail.has(MEGAN_IPHONE));
      const statuses = sim.controls.requests().filter((r) => r.viaBatch).map((r) => r.status);
      assert.ok(statuses.filter((s) => s === 429).length > 20, 'items were throttled many times');
      assert.equal(statuses.filter((s) => s !== 429).length, 20, 'every device was answered once');
    } finally {
      await sim.close();
    }
  });
});
