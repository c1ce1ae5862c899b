import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { ActivityHandler, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type restify from 'restify';
import { createLogger } from '../../../bot/logger';
import { boundOpenIdMetadataFetch } from '../../../bot/openIdMetadataFetch';
import { createServer, EdgeAdapter } from '../../../bot/server';
import { TENANT } from './botHarness';

const APP_ID = '11111111-2222-4333-8444-555555555555';
const CHANNEL_ISSUER = 'https://api.botframework.com';
const SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A JWT with any header and any signing, to forge what an attacker would send. */
function token(header: Record<string, unknown>, claims: Record<string, unknown>, signer: (data: string) => string): string {
  const data = `${b64(header)}.${b64(claims)}`;
  return `${data}.${signer(data)}`;
}

const now = () => Math.floor(Date.now() / 1000);
const goodClaims = (extra: Record<string, unknown> = {}) => ({ iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: SERVICE_URL, nbf: now() - 60, exp: now() + 600, ...extra });

/** The Bot Framework's OpenID metadata and signing keys, served locally. */
class MetadataHost {
  private server?: Server;
  requests = 0;
  url = '';
  constructor(private readonly publicKey: KeyObject) {}
  async start() {
    this.server = createHttpServer((req, res) => {
      this.requests++;
      const base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/openid') res.end(JSON.stringify({ issuer: CHANNEL_ISSUER, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
      else res.end(JSON.stringify({ keys: [{ ...this.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', endorsements: ['msteams'] }] }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/openid`;
  }
  stop() {
    return new Promise<void>((r) => this.server!.close(() => r()));
  }
}

/** A metadata host that accepts connections and never answers. */
class SilentHost {
  private server?: TcpServer;
  readonly sockets: Socket[] = [];
  url = '';
  async start() {
    this.server = createTcpServer((s) => void this.sockets.push(s));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/openid`;
  }
  stop() {
    for (const s of this.sockets) s.destroy();
    return new Promise<void>((r) => this.server!.close(() => r()));
  }
}

describe('inbound authentication with an app id (real restify, local OpenID metadata)', function () {
  this.timeout(30_000);
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const logLines: Record<string, unknown>[] = [];
  const consoleErrors: unknown[][] = [];
  const originalConsoleError = console.error;

  async function serve(metadataUrl: string): Promise<{ server: restify.Server; base: string }> {
    const auth = new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'MultiTenant',
      ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
      ToBotFromChannelTokenIssuer: CHANNEL_ISSUER,
    });
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        cb();
      },
    });
    const server = createServer({
      port: 0,
      maxBodyBytes: 262144,
      adapter: new EdgeAdapter(auth),
      bot: new ActivityHandler(),
      readiness: [],
      logger: createLogger('info', sink),
      authEnabled: true,
      tenantId: TENANT,
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  const activity = {
    type: 'message',
    text: 'hi',
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: { id: '29:x', aadObjectId: 'a0000000-0000-4000-8000-000000000000' },
    recipient: { id: `28:${APP_ID}` },
    conversation: { id: 'a:chat', conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
  };
  const post = (base: string, authorization?: string) =>
    fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(activity),
    });

  before(() => {
    boundOpenIdMetadataFetch(500);
    console.error = (...args: unknown[]) => void consoleErrors.push(args);
  });
  after(() => {
    console.error = originalConsoleError;
    boundOpenIdMetadataFetch(5000);
  });

  describe('with the metadata host up', () => {
    let host: MetadataHost;
    let app: { server: restify.Server; base: string };
    before(async () => {
      host = new MetadataHost(keys.publicKey);
      await host.start();
      app = await serve(host.url);
    });
    after(async () => {
      app.server.close();
      await host.stop();
    });

    const rs256 = (key: KeyObject) => (data: string) => sign('sha256', Buffer.from(data), key).toString('base64url');
    const forged: [string, () => string | undefined][] = [
      ['no token', () => undefined],
      ['a token that is not a JWT', () => 'Bearer not-a-token'],
      ['alg none', () => `Bearer ${token({ alg: 'none', typ: 'JWT', kid: 'k1' }, goodClaims(), () => '')}`],
      ['HS256 signed with the public key', () => `Bearer ${token({ alg: 'HS256', typ: 'JWT', kid: 'k1' }, goodClaims(), (d) => createHmac('sha256', publicPem).update(d).digest('base64url'))}`],
      ['RS256 with a bad signature', () => `Bearer ${token({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, goodClaims(), rs256(otherKeys.privateKey))}`],
      ['RS256 with an unknown key id', () => `Bearer ${token({ alg: 'RS256', typ: 'JWT', kid: 'nope' }, goodClaims(), rs256(keys.privateKey))}`],
      ['an expired token', () => `Bearer ${token({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, goodClaims({ exp: now() - 3600, nbf: now() - 7200 }), rs256(keys.privateKey))}`],
      ['a token for another bot', () => `Bearer ${token({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, goodClaims({ aud: '99999999-2222-4333-8444-555555555555' }), rs256(keys.privateKey))}`],
    ];
    for (const [name, authorization] of forged) {
      it(`when the request carries ${name}, then it is answered 401 with no internals and one structured log line`, async () => {
        const linesBefore = logLines.length;
        consoleErrors.splice(0);
        const res = await post(app.base, authorization());
        assert.equal(res.status, 401);
        const body = await res.text();
        assert.deepEqual(Object.keys(JSON.parse(body)).sort(), ['correlationId', 'error']);
        assert.equal(JSON.parse(body).error, 'Unauthorized');
        const rejections = logLines.slice(linesBefore).filter((l) => l.msg === 'activity rejected');
        assert.equal(rejections.length, 1);
        assert.equal(rejections[0].status, 401);
        const printedStacks = consoleErrors.filter((args) => args.some((a) => a instanceof Error || /\n\s+at /.test(String(a))));
        assert.deepEqual(printedStacks, [], 'no plain-text stack trace');
      });
    }

    it('when the token is properly signed for this bot, then the activity is accepted', async () => {
      const res = await post(app.base, `Bearer ${token({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, goodClaims(), rs256(keys.privateKey))}`);
      assert.equal(res.status, 200);
    });
  });

  describe('with the metadata host not answering', () => {
    let host: SilentHost;
    let app: { server: restify.Server; base: string };
    before(async () => {
      host = new SilentHost();
      await host.start();
      app = await serve(host.url);
    });
    after(async () => {
      app.server.close();
      await host.stop();
    });

    it('when several requests arrive, then each is answered 503 without internals and they share one metadata fetch', async () => {
      const signed = `Bearer ${token({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, goodClaims(), (d) => sign('sha256', Buffer.from(d), keys.privateKey).toString('base64url'))}`;
      const answers = await Promise.all(Array.from({ length: 5 }, () => post(app.base, signed)));
      for (const res of answers) {
        assert.equal(res.status, 503);
        const body = (await res.json()) as Record<string, unknown>;
        assert.deepEqual(Object.keys(body).sort(), ['correlationId', 'error']);
      }
      assert.equal(host.sockets.length, 1, 'one connection to the metadata host for all five');
    });
  });
});
