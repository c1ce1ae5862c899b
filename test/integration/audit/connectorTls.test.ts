import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { ActivityHandler, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type restify from 'restify';
import { createLogger } from '../../../bot/logger';
import { createServer, EdgeAdapter } from '../../../bot/server';

const APP_ID = '11111111-2222-4333-8444-555555555555';
const TENANT = '00000000-0000-0000-0000-000000000001';

describe('Bot Connector service URLs outside local mode', function () {
  this.timeout(20_000);
  let server: restify.Server;
  let base: string;

  before(async () => {
    server = createServer({
      port: 0,
      maxBodyBytes: 262144,
      adapter: new EdgeAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppType: 'MultiTenant' })),
      bot: new ActivityHandler(),
      readiness: [],
      logger: createLogger('silent'),
      authEnabled: true,
      tenantId: TENANT,
      serviceUrlPrefixes: ['https://smba.trafficmanager.net/'],
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const post = (serviceUrl: string) =>
    fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message', text: 'hi', channelId: 'msteams', serviceUrl,
        from: { id: '29:x', aadObjectId: 'a0000000-0000-4000-8000-000000000000' }, recipient: { id: `28:${APP_ID}` },
        conversation: { id: 'a:chat', conversationType: 'personal', tenantId: TENANT }, channelData: { tenant: { id: TENANT } },
      }),
    });

  const cases: [string, string, number][] = [
    ['a plain-HTTP connector', 'http://smba.trafficmanager.net/emea/', 400],
    ['a connector not on the list', 'https://connector.example.net/', 400],
    ['a listed TLS connector (then the missing token is refused)', 'https://smba.trafficmanager.net/emea/', 401],
  ];
  for (const [name, url, status] of cases) {
    it(`when an activity names ${name}, then the edge answers ${status}`, async () => {
      assert.equal((await post(url)).status, status);
    });
  }
});
