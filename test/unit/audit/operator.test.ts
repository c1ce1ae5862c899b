import assert from 'node:assert/strict';
import { loadConfig } from '../../../bot/config';
import { OperatorError, operatorId } from '../../../scripts/lib/operator';

const GUID = (n: number) => `b0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const local = loadConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:5990', ACCESS_GROUP_ID: GUID(1), IT_SECURITY_GROUP_ID: GUID(3) });
const production = loadConfig({
  NODE_ENV: 'production', GRAPH_BASE_URL: 'https://graph.microsoft.com', ACCESS_GROUP_ID: GUID(1), IT_SECURITY_GROUP_ID: GUID(3),
  MicrosoftAppId: GUID(10), MicrosoftAppPassword: 's', MicrosoftAppTenantId: GUID(11), GRAPH_TENANT_ID: GUID(11), GRAPH_CLIENT_ID: GUID(12), GRAPH_CLIENT_SECRET: 's',
  MONGODB_URI: 'mongodb+srv://cluster.example.net/', DATA_RESIDENCY_REGION: 'EU',
});
const signedIn = async () => 'oid-of-signed-in-user';

describe('command-line operator', () => {
  const cases: [string, Parameters<typeof operatorId>[0], string | undefined, string | RegExp][] = [
    ['locally with --as', local, 'debrab@contoso.example', 'debrab@contoso.example'],
    ['locally without --as', local, undefined, /Name the operator/],
    ['in production without --as', production, undefined, 'oid-of-signed-in-user'],
    ['in production with --as', production, 'someone-else@contoso.example', /for local use/],
  ];
  for (const [name, config, named, expected] of cases) {
    it(`when the tool runs ${name}, then ${typeof expected === 'string' ? `the operator is ${expected}` : 'it is refused'}`, async () => {
      if (typeof expected === 'string') assert.equal(await operatorId(config, named, signedIn), expected);
      else await assert.rejects(operatorId(config, named, signedIn), (e: unknown) => e instanceof OperatorError && expected.test(e.message));
    });
  }
});
