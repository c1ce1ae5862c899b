import assert from 'node:assert/strict';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { SsoTokenError, SsoTokenValidator, type SsoRefusal, type SsoSettings } from '../../../bot/ssoTokenValidator';
import { startGraphSimulator, type RunningGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { DEMO_TENANT, DEMO_TENANT_PATH } from '../../../scripts/lib/demoEnvironment';

const TENANT = '11111111-2222-4333-8444-555555555555';
const OTHER_TENANT = '99999999-2222-4333-8444-555555555555';
const CLIENT_ID = 'c1c1c1c1-0000-4000-8000-000000000001';
const APP_ID_URI = `api://bot.contoso.com/${CLIENT_ID}`;
const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const OID = 'a0000000-0000-4000-8000-000000000001';
const KID = 'key-1';

const settings: SsoSettings = { issuer: ISSUER, audiences: [APP_ID_URI, CLIENT_ID], tenantId: TENANT, clockToleranceSeconds: 60, jwksTimeoutMs: 2000 };
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('SSO token validation (the tab API)', () => {
  let tenantKey: CryptoKey;
  let strangerKey: CryptoKey;
  let publicJwk: JWK;
  let validator: SsoTokenValidator;
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    tenantKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    validator = new SsoTokenValidator(settings, createLocalJWKSet({ keys: [publicJwk] }));
  });

  /** A Teams SSO access token (v2.0) as Entra issues it, with `claims` overriding. */
  function token(claims: Record<string, unknown> = {}, key: CryptoKey = tenantKey, header: Record<string, unknown> = {}): Promise<string> {
    const iat = now();
    return new SignJWT({ aud: APP_ID_URI, iss: ISSUER, tid: TENANT, oid: OID, scp: 'access_as_user', name: 'Megan Bowen', preferred_username: 'meganb@contoso.example', ver: '2.0', iat, nbf: iat, exp: iat + 3600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT', ...header })
      .sign(key);
  }

  it('when the token is valid (application id URI or client id as audience), then it names the person', async () => {
    for (const aud of [APP_ID_URI, CLIENT_ID]) {
      const identity = await validator.validate(await token({ aud }));
      assert.deepEqual(identity, { aadObjectId: OID, tenantId: TENANT, displayName: 'Megan Bowen', userPrincipalName: 'meganb@contoso.example' });
    }
  });

  const refused: [string, () => Promise<string | undefined>, SsoRefusal][] = [
    ['no token', async () => undefined, 'missing'],
    ['not a JWT', async () => 'not-a-token', 'malformed'],
    ['alg none (unsigned)', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: APP_ID_URI, iss: ISSUER, tid: TENANT, oid: OID, scp: 'access_as_user', iat: now(), exp: now() + 3600 })}.`, 'algorithm'],
    ['HS256 keyed with the public key (algorithm confusion)', async () => new SignJWT({ aud: APP_ID_URI, iss: ISSUER, tid: TENANT, oid: OID, scp: 'access_as_user', iat: now(), exp: now() + 3600 }).setProtectedHeader({ alg: 'HS256', kid: KID }).sign(new TextEncoder().encode(JSON.stringify(publicJwk))), 'algorithm'],
    ['signed by another key under the tenant key id', async () => token({}, strangerKey), 'signature'],
    ['signed with a key id the tenant does not publish', async () => token({}, strangerKey, { kid: 'unknown' }), 'signature'],
    ['expired beyond the clock tolerance', async () => token({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }), 'expired'],
    ['issued for another application', async () => token({ aud: 'api://other.contoso.com/another-app' }), 'audience'],
    ['issued by another issuer', async () => token({ iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` }), 'issuer'],
    ['issued by the right issuer for another tenant', async () => token({ tid: OTHER_TENANT }), 'tenant'],
    ['without the access_as_user scope', async () => token({ scp: 'User.Read' }), 'scope'],
    ['without an object id', async () => token({ oid: undefined }), 'claims'],
    ['not valid yet', async () => token({ nbf: now() + 3600 }), 'claims'],
  ];
  for (const [name, make, reason] of refused) {
    it(`when the token is ${name}, then it is refused (${reason})`, async () => {
      const t = await make();
      await assert.rejects(validator.validate(t), (e: unknown) => e instanceof SsoTokenError && e.reason === reason);
    });
  }
});

describe('SSO token validation against the simulated tenant (OpenID discovery over HTTP)', () => {
  let sim: RunningGraphSimulator;
  const audience = `api://localhost/${CLIENT_ID}`;
  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(DEMO_TENANT_PATH) });
  });
  after(() => sim.close());

  const validatorFor = (issuer: string) => new SsoTokenValidator({ issuer, audiences: [audience], tenantId: DEMO_TENANT.tenantId, clockToleranceSeconds: 60, jwksTimeoutMs: 2000 });

  it('when the simulator mints a token for a demo user, then the keys from its OpenID configuration verify it', async () => {
    const identity = await validatorFor(sim.entra.issuer()).validate(await sim.entra.mint({ userId: OID, audience }));
    assert.equal(identity.aadObjectId, OID);
    assert.equal(identity.displayName, 'Megan Bowen');
  });

  it('when its token endpoint is asked over HTTP, then it answers a bearer token for that user', async () => {
    const res = await fetch(`${sim.url}/_sim/entra/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: OID, audience }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { access_token: string };
    assert.equal((await validatorFor(sim.entra.issuer()).validate(body.access_token)).aadObjectId, OID);
    const unknown = await fetch(`${sim.url}/_sim/entra/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: 'nobody', audience }) });
    assert.equal(unknown.status, 400);
  });

  it('when the issuer cannot be reached, then the token is not accepted and the refusal says the keys are unavailable (503, not 401)', async () => {
    const token = await sim.entra.mint({ userId: OID, audience });
    const closed = new SsoTokenValidator({ issuer: `http://127.0.0.1:9/${DEMO_TENANT.tenantId}/v2.0`, audiences: [audience], tenantId: DEMO_TENANT.tenantId, clockToleranceSeconds: 60, jwksTimeoutMs: 2000 });
    await assert.rejects(closed.validate(token), (e: unknown) => e instanceof SsoTokenError && e.reason === 'keysUnavailable');
  });

  it('when the OpenID configuration names another issuer, then no token is accepted', async () => {
    const token = await sim.entra.mint({ userId: OID, audience });
    // Reaching the same simulator by another host name: its configuration names 127.0.0.1, not localhost.
    const issuer = sim.entra.issuer().replace('127.0.0.1', 'localhost');
    await assert.rejects(validatorFor(issuer).validate(token), (e: unknown) => e instanceof SsoTokenError && e.reason === 'keysUnavailable');
  });
});
