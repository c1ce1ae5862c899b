import assert from 'node:assert/strict';
import path from 'node:path';
import { startApp, type RunningApp } from '../../../bot/index';
import { loadConfig } from '../../../bot/config';
import { createLogger } from '../../../bot/logger';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';

const GROUPS = { ACCESS_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a1', IT_SECURITY_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a3' };

describe('HTTP server (real restify, embedded database, Graph simulator)', function () {
  this.timeout(60_000);
  let sim: Awaited<ReturnType<typeof startGraphSimulator>>;
  let app: RunningApp;
  let base: string;

  const env = (extra: Record<string, string> = {}) =>
    loadConfig({ ...GROUPS, PORT: '0', GRAPH_BASE_URL: sim.url, MONGODB_URI: process.env.MONGODB_URI, MONGODB_DB: `test_http_${process.pid}`, LOG_LEVEL: 'silent', ...extra });

  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')) });
    app = await startApp(env(), createLogger('silent'));
    base = `http://127.0.0.1:${app.port}`;
  });
  after(async () => {
    await app.stop();
    await sim.close();
  });

  const post = (body: string, type = 'application/json') => fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': type }, body });

  const table: [string, () => Promise<Response>, number][] = [
    ['GET /healthz', () => fetch(`${base}/healthz`), 200],
    ['GET /readyz with database and Graph up', () => fetch(`${base}/readyz`), 200],
    ['malformed JSON', () => post('{"type": "message",'), 400],
    ['an activity without a type', () => post('{"text":"hi"}'), 400],
    ['a JSON array', () => post('[1,2]'), 400],
    ['a body over MAX_BODY_BYTES', () => post(JSON.stringify({ type: 'message', text: 'x'.repeat(300_000) })), 413],
    ['a non-JSON content type', () => post('hello', 'text/plain'), 415],
    ['GET /api/messages', () => fetch(`${base}/api/messages`), 405],
  ];
  for (const [name, call, status] of table) {
    it(`when the server receives ${name}, then it answers ${status} and keeps serving`, async () => {
      assert.equal((await call()).status, status);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });
  }

  it("when Teams sends the people picker's application/search invoke over HTTP, then the answer is a searchResponse from the directory", async () => {
    const search = (queryText: string, dataset = 'graph.people') =>
      post(
        JSON.stringify({
          type: 'invoke',
          name: 'application/search',
          id: `search-${Math.random()}`,
          channelId: 'msteams',
          serviceUrl: 'http://127.0.0.1:9/',
          from: { id: '29:megan', name: 'Megan Bowen', aadObjectId: 'a0000000-0000-4000-8000-000000000001' },
          recipient: { id: '28:bot', name: 'Device Onboarding' },
          conversation: { id: 'a:megan-personal', conversationType: 'personal', tenantId: '00000000-0000-0000-0000-000000000001' },
          channelData: { tenant: { id: '00000000-0000-0000-0000-000000000001' } },
          value: { queryText, queryOptions: { skip: 0, top: 15 }, dataset },
        }),
      );
    const res = await search('adele');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      statusCode: 200,
      type: 'application/vnd.microsoft.search.searchResponse',
      value: { results: [{ title: 'Adele Vance (adelev@contoso.example)', value: 'a0000000-0000-4000-8000-000000000002' }] },
    });
    const other = (await (await search('adele', 'contacts')).json()) as { value: { results: unknown[] } };
    assert.deepEqual(other.value.results, [], 'another dataset gets no people');
  });

  it('when Graph fails, then /readyz reports it unavailable with 503', async () => {
    sim.controls.injectFault({ path: '/organization', status: 503, count: 10 });
    const res = await fetch(`${base}/readyz`);
    sim.controls.clearFaults();
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { checks: Record<string, string> }).checks.graph, 'unavailable');
  });

  it('when an app id is configured, then an activity without a Bot Framework token is refused with 401', async () => {
    const secured = await startApp(
      env({ MicrosoftAppId: '11111111-2222-4333-8444-555555555555', MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppTenantId: '00000000-0000-0000-0000-000000000001' }),
      createLogger('silent'),
    );
    try {
      const res = await fetch(`http://127.0.0.1:${secured.port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: 'hi', channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/teams/', from: { id: 'x' }, conversation: { id: 'c' }, recipient: { id: 'b' } }),
      });
      assert.equal(res.status, 401);
    } finally {
      await secured.stop();
    }
  });
});
