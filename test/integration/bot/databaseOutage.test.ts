import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../../bot/config';
import { startApp, type RunningApp } from '../../../bot/index';
import { createLogger } from '../../../bot/logger';
import { Verb } from '../../../cards/verbs';
import { uniqueDbName } from '../../support/testDb';
import { IT_SECURITY_GROUP, people, startDemoGraph, TENANT, type Person } from './botHarness';
import { StubConnector } from './stubConnector';

/**
 * A TCP hop in front of the database that a test can cut (every connection dropped, new ones refused), freeze
 * (connections stay open and nothing is forwarded, as with a hung server) and restore.
 */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private down: false | 'cut' | 'frozen' = false;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly upstreamPort: number,
  ) {}

  async start() {
    this.server = createServer((client) => {
      if (this.down === 'cut') return void client.destroy();
      if (this.down === 'frozen') {
        this.sockets.add(client);
        client.on('error', () => undefined);
        return void client.pause();
      }
      const upstream = connect(this.upstreamPort, this.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  cut() {
    this.down = 'cut';
    for (const s of this.sockets) s.destroy();
  }

  freeze() {
    this.down = 'frozen';
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }

  restore() {
    // Frozen connections are dead for good; the driver opens new ones.
    if (this.down === 'frozen') for (const s of this.sockets) s.destroy();
    this.down = false;
  }

  async stop() {
    this.down = 'cut';
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

describe('a database outage over real HTTP', function () {
  // A reconnect after the outage can take several server-selection rounds on a loaded machine; a timed-out test
  // would keep running into the next one (its proxy still cut), so the budget is generous.
  this.timeout(120_000);
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;
  let connector: StubConnector;
  let proxy: CuttableProxy;
  let app: RunningApp;
  let base: string;
  const dbName = uniqueDbName('outage');

  before(async () => {
    const upstream = new URL(process.env.MONGODB_URI!.replace(/^mongodb:/, 'http:'));
    proxy = new CuttableProxy(upstream.hostname, Number(upstream.port));
    await proxy.start();
    sim = await startDemoGraph();
    connector = new StubConnector();
    await connector.start();
    const config = loadConfig({
      ACCESS_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a1',
      IT_SECURITY_GROUP_ID: IT_SECURITY_GROUP,
      PORT: '0',
      GRAPH_BASE_URL: sim.url,
      MONGODB_URI: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
      MONGODB_DB: dbName,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000',
      MONGODB_SOCKET_TIMEOUT_MS: '5000',
      DB_UNAVAILABLE_NOTICE_SECONDS: '1',
      LOG_LEVEL: 'silent',
    });
    app = await startApp(config, createLogger('silent'));
    base = `http://127.0.0.1:${app.port}`;
  });
  after(async () => {
    proxy.restore();
    await app.stop();
    const client = await MongoClient.connect(process.env.MONGODB_URI!);
    await client.db(dbName).dropDatabase();
    await client.close();
    await proxy.stop();
    await connector.stop();
    await sim.close();
  });

  let seq = 0;
  const activity = (who: Person, extra: Record<string, unknown>) => ({
    type: 'message',
    id: `in-${++seq}`,
    channelId: 'msteams',
    serviceUrl: connector.url,
    from: { id: who.id, name: who.name, aadObjectId: who.aadObjectId },
    recipient: { id: '28:bot', name: 'Device Onboarding' },
    conversation: { id: `a:personal-${who.id}`, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    ...extra,
  });
  const post = (body: unknown) => fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const chat = `a:personal-${people.alex.id}`;

  it('when the database is down, then a typed message and a card action are answered that the service is briefly unavailable and nothing is lost; afterwards all works again', async () => {
    assert.equal((await post(activity(people.alex, { text: 'hi' }))).status, 200);
    await connector.next(chat, /Request device access/);

    proxy.cut();
    try {
      const before = connector.sent.length;
      assert.equal((await post(activity(people.alex, { text: 'status' }))).status, 200);
      const told = await connector.next(chat, /briefly unavailable/);
      assert.ok(connector.sent.indexOf(told) >= before);
      assert.match(JSON.stringify(told.body), /Nothing you already did is lost/);

      const res = await post(activity(people.alex, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: Verb.RequestStart, data: { verb: Verb.RequestStart } } } }));
      assert.equal(res.status, 200);
      assert.match(JSON.stringify(await res.json()), /briefly unavailable/);
    } finally {
      proxy.restore();
    }

    await answeredNormallyAgain();
  });

  it('when the database stops answering on open connections, then the person is told while the turn still waits on it, and once', async () => {
    const mark = connector.sent.length;
    proxy.freeze();
    let settled = false;
    try {
      const turn = post(activity(people.alex, { text: 'status' })).finally(() => {
        settled = true;
      });
      const toldNow = () => connector.sent.slice(mark).filter((a) => a.conversationId === chat && /briefly unavailable/.test(JSON.stringify(a.body)));
      while (!toldNow().length && !settled) await new Promise((r) => setTimeout(r, 50));
      assert.equal(settled, false, 'told before the turn gave up on the database');
      assert.equal((await turn).status, 200);
      assert.equal(toldNow().length, 1, 'told once, not again when the turn failed');
    } finally {
      proxy.restore();
    }
    await answeredNormallyAgain();
  });

  /** The driver reconnects on its own; the next message is answered normally. */
  async function answeredNormallyAgain() {
    for (let attempt = 1; ; attempt++) {
      const mark = connector.sent.length;
      assert.equal((await post(activity(people.alex, { text: 'hi' }))).status, 200);
      // The turn's replies are sent before its HTTP answer.
      const reply = connector.sent.slice(mark).map((a) => JSON.stringify(a.body)).join(' ');
      if (/Request device access/.test(reply)) break;
      assert.ok(attempt < 20, 'the bot answers normally once the database is back');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
});
