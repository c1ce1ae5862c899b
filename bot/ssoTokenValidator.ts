import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** How the tab's single sign-on tokens are checked (from configuration). */
export interface SsoSettings {
  /** The issuer the tenant's tokens carry, e.g. https://login.microsoftonline.com/{tenant id}/v2.0. */
  issuer: string;
  /** The signing keys; discovered from the issuer's OpenID configuration when absent. */
  jwksUrl?: string;
  /** Accepted `aud` values: the application id URI (v1.0 tokens) and the client id (v2.0 tokens). */
  audiences: string[];
  /** The only tenant whose people may sign in. */
  tenantId: string;
  clockToleranceSeconds: number;
  /** Limit on fetching the OpenID configuration and the signing keys. */
  jwksTimeoutMs: number;
}

/** Why a token was refused. */
export type SsoRefusal = 'missing' | 'malformed' | 'algorithm' | 'signature' | 'issuer' | 'audience' | 'expired' | 'tenant' | 'scope' | 'claims' | 'keysUnavailable';

/** A token the tab sent was refused; `reason` is safe to log (the token never is). */
export class SsoTokenError extends Error {
  override readonly name = 'SsoTokenError';
  constructor(
    readonly reason: SsoRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** Who a valid token names. */
export interface SsoIdentity {
  aadObjectId: string;
  tenantId: string;
  displayName: string;
  userPrincipalName?: string;
}

/**
 * The scope Teams asks for on the tab's behalf (the app registration exposes it).
 * https://learn.microsoft.com/en-us/microsoftteams/platform/tabs/how-to/authentication/tab-sso-register-aad
 */
export const SSO_SCOPE = 'access_as_user';

/** Entra signs access tokens with RS256; anything else (including `none`) is refused before any key is used. */
const ALGORITHMS = ['RS256'];

/** Reads `jwks_uri` from the issuer's OpenID configuration, and checks that it names the same issuer. */
export async function discoverJwksUrl(issuer: string, timeoutMs: number): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new SsoTokenError('keysUnavailable', `The OpenID configuration at ${url} could not be read: ${(e as Error).message}`);
  }
  if (!res.ok) throw new SsoTokenError('keysUnavailable', `The OpenID configuration at ${url} answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) throw new SsoTokenError('keysUnavailable', `The OpenID configuration names issuer ${String(doc.issuer)}, not ${issuer}`);
  if (typeof doc.jwks_uri !== 'string') throw new SsoTokenError('keysUnavailable', `The OpenID configuration at ${url} has no jwks_uri`);
  return doc.jwks_uri;
}

/**
 * Validates the Teams SSO token the tab sends as its bearer token (`authentication.getAuthToken`): signature
 * against the tenant's published keys (cached and refreshed by jose when a new `kid` appears), issuer, audience,
 * expiry, tenant and scope. https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-tokens
 */
export class SsoTokenValidator {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  /** `keys` replaces discovery (tests pass a local key set). */
  constructor(
    private readonly settings: SsoSettings,
    keys?: JWTVerifyGetKey,
  ) {
    if (keys) this.keys = Promise.resolve(keys);
  }

  private signingKeys(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      const { issuer, jwksUrl, jwksTimeoutMs } = this.settings;
      this.keys = (jwksUrl ? Promise.resolve(jwksUrl) : discoverJwksUrl(issuer, jwksTimeoutMs)).then((u) => createRemoteJWKSet(new URL(u), { timeoutDuration: jwksTimeoutMs }));
      // A failed discovery is tried again on the next call rather than remembered.
      this.keys.catch(() => (this.keys = undefined));
    }
    return this.keys;
  }

  /** The identity in a valid token; throws SsoTokenError saying why a token is refused. */
  async validate(token: string | undefined): Promise<SsoIdentity> {
    if (!token) throw new SsoTokenError('missing', 'No bearer token');
    const keys = await this.signingKeys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ALGORITHMS,
        issuer: this.settings.issuer,
        audience: this.settings.audiences,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'tid', 'oid'],
      }));
    } catch (e) {
      throw refusalOf(e);
    }
    const tid = String(payload.tid).toLowerCase();
    if (tid !== this.settings.tenantId.toLowerCase()) throw new SsoTokenError('tenant', 'The token was issued for another tenant');
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
    if (!scopes.includes(SSO_SCOPE)) throw new SsoTokenError('scope', `The token lacks the ${SSO_SCOPE} scope`);
    const oid = payload.oid;
    if (typeof oid !== 'string' || !/^[0-9a-f-]{36}$/i.test(oid)) throw new SsoTokenError('claims', 'The token has no valid oid');
    const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim() : undefined;
    const upn = typeof payload.preferred_username === 'string' ? payload.preferred_username : undefined;
    return { aadObjectId: oid.toLowerCase(), tenantId: tid, displayName: name ?? upn ?? 'Unknown user', userPrincipalName: upn };
  }
}

function refusalOf(e: unknown): SsoTokenError {
  if (e instanceof SsoTokenError) return e;
  if (e instanceof errors.JWTExpired) return new SsoTokenError('expired', 'The token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return new SsoTokenError('issuer', 'The token comes from another issuer');
    if (e.claim === 'aud') return new SsoTokenError('audience', 'The token was issued for another application');
    return new SsoTokenError('claims', `The token's ${e.claim} claim is not acceptable`);
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return new SsoTokenError('algorithm', 'The token is not signed with an accepted algorithm');
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) return new SsoTokenError('signature', 'The token signature does not verify');
  if (e instanceof errors.JWKSTimeout) return new SsoTokenError('keysUnavailable', 'The signing keys could not be read');
  if (e instanceof errors.JOSEError) return new SsoTokenError('malformed', 'The token is not a valid JWT');
  return new SsoTokenError('keysUnavailable', `The token could not be checked: ${(e as Error).message}`);
}
