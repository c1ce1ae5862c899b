/**
 * Builds every Graph service the product uses on one SDK client (composition root entry point).
 */
import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { Client, HTTPMessageHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { Logger } from '../logging/logger';
import { BearerTokenHandler } from './bearerTokenHandler';
import { GraphApi } from './graphApi';
import { GraphConfigurationError } from './graphErrors';
import { GraphRetryHandler, resolveRetrySettings, retryDelayMs, type RetrySettings } from './graphRetryHandler';
import type { GraphServices } from './graphTypes';
import { GraphDeviceActionService } from './deviceActionService';
import { GraphDirectoryService } from './directoryService';
import { GraphGroupService } from './groupService';
import { GraphIntuneService } from './intuneService';
import { GraphComplianceSweepSource, type IntuneSweepOptions } from './intuneSweep';
import { GraphTeamsAppInstallService } from './teamsAppInstallService';

/** Options for createGraphServices. */
export interface GraphServicesOptions {
  /** Graph origin, e.g. https://graph.microsoft.com (no /v1.0); the simulator's URL locally. */
  baseUrl: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Any other app-only credential (managed identity, certificate, a test double); wins over the secret. */
  credential?: TokenCredential;
  logger: Logger;
  retry?: RetrySettings;
  /** How a compliance sweep pages and retries throttled batch items (tests and benches). */
  sweep?: IntuneSweepOptions;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function parseOrigin(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new GraphConfigurationError('Graph baseUrl must be an absolute URL such as https://graph.microsoft.com');
  }
  if (url.pathname.replace(/\/$/, '') !== '' || url.search) {
    throw new GraphConfigurationError('Graph baseUrl must be an origin such as https://graph.microsoft.com, without /v1.0');
  }
  return url;
}

function credentialFrom(options: GraphServicesOptions): TokenCredential | undefined {
  if (options.credential) return options.credential;
  const parts = [options.tenantId, options.clientId, options.clientSecret];
  if (parts.every(Boolean)) return new ClientSecretCredential(options.tenantId as string, options.clientId as string, options.clientSecret as string);
  if (parts.some(Boolean)) throw new GraphConfigurationError('Graph credentials need all of tenantId, clientId and clientSecret');
  return undefined;
}

/** Creates the Graph services; throws GraphConfigurationError for an unusable or unsafe configuration. */
export function createGraphServices(options: GraphServicesOptions): GraphServices {
  const url = parseOrigin(options.baseUrl);
  const credential = credentialFrom(options);
  if (!credential && !isLoopback(url.hostname)) {
    // Only a local simulator may be called without a token; anything else is a misconfiguration.
    throw new GraphConfigurationError(`Graph credentials are required for ${url.host}; calls without a token are allowed only to a loopback address`);
  }
  const retry = resolveRetrySettings(options.retry);
  const logger = options.logger;

  const chain: Middleware[] = [new GraphRetryHandler(retry, logger)];
  if (credential) {
    // App-only token for the Graph origin, e.g. https://graph.microsoft.com/.default.
    const provider = new TokenCredentialAuthenticationProvider(credential, { scopes: [`${url.origin}/.default`] });
    chain.push(new BearerTokenHandler(provider, url.origin));
  }
  chain.push(new HTTPMessageHandler());
  // Client links the array into a chain itself (HTTPClient.parseMiddleWareArray).
  const client = Client.initWithMiddleware({ baseUrl: url.origin, defaultVersion: 'v1.0', middleware: chain });
  const api = new GraphApi(client, url.origin);
  logger.info({ graphHost: url.host, authenticated: Boolean(credential) }, 'graph client ready');

  return {
    directory: new GraphDirectoryService(api, logger),
    intune: new GraphIntuneService(api, logger),
    deviceActions: new GraphDeviceActionService(api),
    groups: new GraphGroupService(api, logger),
    complianceSweep: new GraphComplianceSweepSource(api, logger, options.sweep),
    teamsApps: new GraphTeamsAppInstallService(api, logger, (attempt) => retryDelayMs(attempt, undefined, retry)),
    health: {
      async ping() {
        await api.get('organization', { query: { $select: 'id' } });
      },
    },
  };
}
