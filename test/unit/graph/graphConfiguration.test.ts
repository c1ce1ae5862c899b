import assert from 'node:assert/strict';
import { createLogger } from '../../../bot/logger';
import { GraphConfigurationError, redactGraphPath } from '../../../services/graph/graphErrors';
import { createGraphServices, type GraphServicesOptions } from '../../../services/graph/graphServices';

const logger = createLogger('silent');
const creds = { tenantId: '00000000-0000-0000-0000-000000000001', clientId: '00000000-0000-0000-0000-000000000002', clientSecret: 'not-a-real-secret' };

describe('Graph client configuration', () => {
  const refused: [string, Partial<GraphServicesOptions>, RegExp][] = [
    ['the public cloud without credentials', { baseUrl: 'https://graph.microsoft.com' }, /credentials are required/],
    ['a LAN address without credentials', { baseUrl: 'http://192.168.1.20:5990' }, /loopback/],
    ['a base URL with /v1.0', { baseUrl: 'https://graph.microsoft.com/v1.0', ...creds }, /origin/],
    ['a base URL that is not a URL', { baseUrl: 'graph.microsoft.com', ...creds }, /absolute URL/],
    ['only part of the credentials', { baseUrl: 'https://graph.microsoft.com', tenantId: creds.tenantId, clientId: creds.clientId }, /all of tenantId, clientId and clientSecret/],
  ];
  for (const [what, options, message] of refused) {
    it(`when configured with ${what}, then GraphConfigurationError is thrown`, () => {
      assert.throws(() => createGraphServices({ baseUrl: '', logger, ...options }), (e: unknown) => e instanceof GraphConfigurationError && message.test(e.message));
    });
  }

  const accepted: [string, Partial<GraphServicesOptions>][] = [
    ['127.0.0.1 without credentials', { baseUrl: 'http://127.0.0.1:5990' }],
    ['localhost without credentials', { baseUrl: 'http://localhost:5990/' }],
    ['[::1] without credentials', { baseUrl: 'http://[::1]:5990' }],
    ['the public cloud with a client secret', { baseUrl: 'https://graph.microsoft.com', ...creds }],
  ];
  for (const [what, options] of accepted) {
    it(`when configured with ${what}, then the services are built`, () => {
      const graph = createGraphServices({ baseUrl: '', logger, ...options });
      assert.equal(typeof graph.directory.getUser, 'function');
    });
  }

  const paths: [string, string][] = [
    ['users/alexw%40contoso.example/managedDevices', 'users/{upn}/managedDevices'],
    ["users('%24adm%40contoso.example')", '{upn}'],
    ['https://graph.microsoft.com/v1.0/users/a0000000-0000-4000-8000-000000000000?$filter=x', '/v1.0/users/a0000000-0000-4000-8000-000000000000'],
    ['groups/g1/members/$ref', 'groups/g1/members/$ref'],
  ];
  for (const [input, expected] of paths) {
    it(`when ${input} is logged, then it reads ${expected}`, () => {
      assert.equal(redactGraphPath(input), expected);
    });
  }
});
