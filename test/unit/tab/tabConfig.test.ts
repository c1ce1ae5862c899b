import assert from 'node:assert/strict';
import { ConfigurationError, loadConfig } from '../../../bot/config';

const GUID = (n: number) => `b0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const TENANT = GUID(11);
const base = { GRAPH_BASE_URL: 'http://127.0.0.1:5990', ACCESS_GROUP_ID: GUID(1), IT_SECURITY_GROUP_ID: GUID(3) };
const sso = {
  TAB_SSO_ISSUER: `https://login.microsoftonline.com/${TENANT}/v2.0`,
  TAB_SSO_AUDIENCE: `api://bot.contoso.com/${GUID(12)}, ${GUID(12)}`,
  TAB_SSO_TENANT_ID: TENANT,
};
const prod = {
  ...base,
  NODE_ENV: 'production',
  GRAPH_BASE_URL: 'https://graph.microsoft.com',
  MicrosoftAppId: GUID(10),
  MicrosoftAppPassword: 'secret',
  MicrosoftAppTenantId: TENANT,
  GRAPH_TENANT_ID: TENANT,
  GRAPH_CLIENT_ID: GUID(12),
  GRAPH_CLIENT_SECRET: 'secret',
  MONGODB_URI: 'mongodb+srv://cluster.example.net/',
  DATA_RESIDENCY_REGION: 'EU',
};

describe('loadConfig: the Teams tab', () => {
  it('when no tab sign-in is configured, then the tab has no SSO settings and serves tab/dist', () => {
    const c = loadConfig(base);
    assert.equal(c.tab.sso, undefined);
    assert.equal(c.tab.distDir, 'tab/dist');
  });

  it('when the issuer and audience are set, then the audiences are a list and the timings default', () => {
    const c = loadConfig({ ...base, ...sso });
    assert.deepEqual(c.tab.sso, { issuer: sso.TAB_SSO_ISSUER, jwksUrl: undefined, audiences: [`api://bot.contoso.com/${GUID(12)}`, GUID(12)], tenantId: TENANT, clockToleranceSeconds: 60, jwksTimeoutMs: 5000 });
  });

  it('when the tenant is not given for the tab, then the bot tenant is used', () => {
    assert.equal(loadConfig({ ...prod, ...sso, TAB_SSO_TENANT_ID: '' }).tab.sso?.tenantId, TENANT);
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['an issuer without an audience', { ...base, TAB_SSO_ISSUER: sso.TAB_SSO_ISSUER }, /TAB_SSO_AUDIENCE is required/],
    ['an issuer without any tenant', { ...base, TAB_SSO_ISSUER: sso.TAB_SSO_ISSUER, TAB_SSO_AUDIENCE: 'api://x/y' }, /TAB_SSO_TENANT_ID/],
    ['an audience without an issuer', { ...base, TAB_SSO_AUDIENCE: 'api://x/y' }, /TAB_SSO_ISSUER is required/],
    ['an issuer that is not a URL', { ...base, ...sso, TAB_SSO_ISSUER: 'login' }, /TAB_SSO_ISSUER must be a URL/],
    ['a clock tolerance over five minutes', { ...base, ...sso, TAB_SSO_CLOCK_TOLERANCE_SECONDS: '600' }, /TAB_SSO_CLOCK_TOLERANCE_SECONDS/],
    ['demo sign-in in production', { ...prod, ...sso, TAB_DEV_SIGN_IN_URL: 'http://127.0.0.1:5990' }, /TAB_DEV_SIGN_IN_URL must be empty in production/],
    ['a plain-http issuer in production', { ...prod, ...sso, TAB_SSO_ISSUER: `http://login.example/${TENANT}/v2.0` }, /TAB_SSO_ISSUER must be an https URL in production/],
  ];
  for (const [name, env, message] of refused) {
    it(`when given ${name}, then start-up fails naming the setting`, () => {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigurationError && message.test(e.message));
    });
  }
});
