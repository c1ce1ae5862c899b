/**
 * The simulated tenant's Entra ID, for the Teams tab's single sign-on: the tenant's OpenID configuration and
 * signing keys at Entra's paths, and a token endpoint for its users that only the local Teams host page and
 * tests call (real Teams obtains the token through `authentication.getAuthToken`). The bot validates these
 * tokens with the same code as real ones; only the issuer URL differs.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { SimResponse } from './odata';
import type { TenantStore } from './tenantStore';

/** What the token endpoint mints for. */
export interface TokenRequest {
  userId: string;
  /** The `aud` claim: the tab's application id URI (api://{domain}/{client id}). */
  audience: string;
  /** Lifetime (default one hour, as Entra's access tokens). */
  lifetimeSeconds?: number;
}

/** The Teams web client's application id, the `azp` of the tokens Teams obtains for a tab. */
const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';
const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
};

/** A token request the simulator refuses. */
export class EntraSimulatorError extends Error {
  override readonly name = 'EntraSimulatorError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The simulated Entra of one tenant. */
export interface EntraSimulator {
  /** Whether a path is Entra's rather than Graph's. */
  handles(path: string): boolean;
  route(method: string, path: string, body: unknown): Promise<SimResponse>;
  /** The issuer its tokens carry: {simulator origin}/{tenant id}/v2.0, however the simulator is reached. */
  issuer(): string;
  /** Mints an access token for a user of the tenant. */
  mint(request: TokenRequest): Promise<string>;
}

/**
 * Creates the tenant's signing key (new on every start, as keys roll over) and its routes. `origin` is the
 * simulator's own address once it listens: like Entra's, the issuer does not depend on the host name a caller used.
 */
export async function createEntraSimulator(tenantId: string, store: TenantStore, now: () => Date, origin: () => string): Promise<EntraSimulator> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  const tid = tenantId.toLowerCase();
  const issuer = () => `${origin()}/${tid}/v2.0`;

  async function mint(request: TokenRequest): Promise<string> {
    const user = typeof request.userId === 'string' ? store.user(request.userId) : undefined;
    if (!user) throw new EntraSimulatorError(400, `userId: no user ${String(request.userId)} in the tenant`);
    if (typeof request.audience !== 'string' || !request.audience) throw new EntraSimulatorError(400, 'audience: required');
    const iat = Math.floor(now().getTime() / 1000);
    return new SignJWT({
      aud: request.audience,
      azp: TEAMS_WEB_CLIENT_ID,
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      scp: 'access_as_user',
      tid,
      uti: randomUUID(),
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(issuer())
      .setSubject(user.id)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + (request.lifetimeSeconds ?? 3600))
      .sign(privateKey);
  }

  const paths = {
    openid: `/${tid}/v2.0/.well-known/openid-configuration`,
    keys: `/${tid}/discovery/v2.0/keys`,
    token: '/_sim/entra/token',
    users: '/_sim/entra/users',
  };

  return {
    handles: (path) => path.startsWith('/_sim/entra/') || /^\/[^/]+\/(v2\.0|discovery)\//.test(path),
    issuer,
    mint,
    async route(method, path, body) {
      if (method === 'OPTIONS') return { status: 204, headers: CORS };
      if (method === 'GET' && path.toLowerCase() === paths.openid) {
        return {
          status: 200,
          body: {
            issuer: issuer(),
            jwks_uri: `${origin()}${paths.keys}`,
            token_endpoint: `${origin()}/${tid}/oauth2/v2.0/token`,
            authorization_endpoint: `${origin()}/${tid}/oauth2/v2.0/authorize`,
            response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
            subject_types_supported: ['pairwise'],
            id_token_signing_alg_values_supported: ['RS256'],
            tenant_region_scope: 'EU',
          },
        };
      }
      if (method === 'GET' && path.toLowerCase() === paths.keys) return { status: 200, body: { keys: [jwk] } };
      if (method === 'GET' && path === paths.users) {
        return { status: 200, headers: CORS, body: { value: store.allUsers().map((u) => ({ id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName, jobTitle: u.jobTitle ?? null })) } };
      }
      if (method === 'POST' && path === paths.token) {
        const token = await mint((body ?? {}) as TokenRequest);
        return { status: 200, headers: CORS, body: { token_type: 'Bearer', access_token: token, expires_in: 3600 } };
      }
      // Entra answers an unknown tenant with AADSTS90002; here any other path under a tenant is unknown.
      return { status: 400, headers: CORS, body: { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${path.split('/')[1]}' not found.` } };
    },
  };
}
