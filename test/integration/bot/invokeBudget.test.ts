/**
 * A card action over real HTTP (restify, CloudAdapter, the composition root) while Graph hangs or throttles:
 * the invoke is answered within the turn's Graph budget, from the cached roles.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../../bot/config';
import { startApp, type RunningApp } from '../../../bot/index';
import { createLogger } from '../../../bot/logger';
import { Verb } from '../../../cards/verbs';
import { startGraphSimulator, type FaultSpec, type RunningGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';

const TENANT = '00000000-0000-0000-0000-000000000001';
const alex = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: 'a0000000-0000-4000-8000-000000000000' };
const megan = { id: 'user-id-1', name: 'Megan Bowen', aadObjectId: 'a0000000-0000-4000-8000-000000000001' };
const STILL_WAITING = 'still waiting';

describe('card actions while Graph is slow (real HTTP bot, embedded database, Graph simulator)', function () {
  this.timeout(60_000);
  let sim: RunningGraphSimulator;
  let connector: http.Server;
  let serviceUrl: string;

  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')) });
    // A Bot Connector that accepts every proactive message, so background effects complete.
    connector = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `activity-${Date.now()}` }));
      });
    });
    await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(connector.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await sim.close();
    connector.closeAllConnections();
    await new Promise<void>((resolve) => connector.close(() => resolve()));
  });

  async function withApp(work: (post: (activity: object) => Promise<string>) => Promise<void>) {
    const config = loadConfig({
      ACCESS_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a1',
      IT_SECURITY_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a3',
      PORT: '0',
      GRAPH_BASE_URL: sim.url,
      MONGODB_URI: process.env.MONGODB_URI,
      MONGODB_DB: `test_invoke_budget_${process.pid}_${Date.now()}`,
      LOG_LEVEL: 'silent',
      TURN_GRAPH_BUDGET_MS: '500',
      // Every action asks Graph for roles; only the stale window lets a cached answer serve.
      ROLE_CACHE_SECONDS: '0.001',
    });
    const app: RunningApp = await startApp(config, createLogger('silent'));
    const post = async (activity: object) => {
      const res = await fetch(`http://127.0.0.1:${app.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      return res.text();
    };
    try {
      await work(post);
    } finally {
      sim.controls.clearFaults();
      await app.stop();
    }
  }

  const invoke = (from: typeof alex, verb: string, data: Record<string, unknown>) => ({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `invoke-${Math.random()}`,
    channelId: 'msteams',
    serviceUrl,
    from,
    recipient: { id: 'bot', name: 'Device Onboarding' },
    conversation: { id: `personal-${from.id}`, conversationType: 'personal', tenantId: TENANT, isGroup: false },
    channelData: { tenant: { id: TENANT } },
    value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
  });

  const outages: [string, FaultSpec][] = [
    ['hangs', { path: '/users', status: 'hang', count: 1000 }],
    ['throttles with Retry-After: 20', { path: '/users', status: 429, retryAfterSeconds: 20, count: 1000 }],
  ];
  for (const [name, fault] of outages) {
    it(`when Graph ${name}, then the manager's Approve invoke is answered with the decided card`, async () => {
      await withApp(async (post) => {
        const submitted = await post(invoke(alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
        const requestId = /"requestId":"([^"]+)"/.exec(submitted)?.[1];
        assert.ok(requestId, `the submit answered with the request: ${submitted.slice(0, 200)}`);
        const opened = await post(invoke(megan, Verb.ApprovalRefresh, { requestId }));
        const version = Number(/"version":(\d+)/.exec(opened)?.[1]);
        assert.ok(version > 0, 'the manager sees the approval card');

        sim.controls.injectFault(fault);
        let timer: NodeJS.Timeout | undefined;
        const answer = await Promise.race([
          post(invoke(megan, Verb.ApprovalApprove, { requestId, version })),
          new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve(STILL_WAITING), 10_000);
          }),
        ]);
        clearTimeout(timer);
        assert.notEqual(answer, STILL_WAITING, 'the invoke was held while Graph was down');
        assert.match(answer, /Approved by Megan Bowen/);
      });
    });
  }
});
