/**
 * The Bot Framework's OpenID metadata (the keys that sign Teams' tokens) is fetched by botframework-connector's
 * OpenIdMetadata, which caches the keys for 24 hours but has no timeout and no sharing: with the metadata host
 * unreachable, every request waited on its own connection. OpenIdMetadata exposes no option for either, so its
 * refresh is wrapped once here: concurrent refreshes share one fetch, and a caller waits at most `timeoutMs`.
 */
// The class is not re-exported from the package root; botbuilder's own JwtTokenExtractor imports it from here.
import { OpenIdMetadata } from 'botframework-connector/lib/auth/openIdMetadata';

/** The Bot Framework's OpenID metadata could not be read in time; the caller is answered 503. */
export class AuthMetadataUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`Bot Framework OpenID metadata unavailable: ${reason}`);
    this.name = 'AuthMetadataUnavailableError';
  }
}

interface Refreshable {
  refreshCache(): Promise<void>;
}

const SHARED = Symbol('sharedMetadataFetch');
const ORIGINAL = Symbol('originalRefreshCache');
type Patched = Refreshable & { [SHARED]?: { promise: Promise<void>; startedAt: number }; [ORIGINAL]?: () => Promise<void> };

let currentTimeoutMs = 5000;

/**
 * Bounds every OpenID metadata refresh in the process (idempotent; the latest timeout wins). A failed or timed-out
 * fetch rejects with AuthMetadataUnavailableError; a fetch still running when a caller gives up keeps being shared
 * by later callers instead of a new connection being opened for each (until it is clearly hung).
 */
export function boundOpenIdMetadataFetch(timeoutMs: number): void {
  currentTimeoutMs = timeoutMs;
  const proto = OpenIdMetadata.prototype as unknown as Patched;
  if (proto[ORIGINAL]) return;
  const original = proto.refreshCache;
  proto[ORIGINAL] = original;
  proto.refreshCache = function (this: Patched) {
    // A fetch hung for much longer than callers wait (a half-open connection) is abandoned for a fresh one.
    if (!this[SHARED] || Date.now() - this[SHARED].startedAt > 6 * currentTimeoutMs) {
      const entry = { startedAt: Date.now(), promise: Promise.resolve() };
      entry.promise = original.call(this).finally(() => {
        if (this[SHARED] === entry) this[SHARED] = undefined;
      });
      this[SHARED] = entry;
    }
    const shared = this[SHARED]!.promise;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AuthMetadataUnavailableError(`no answer within ${currentTimeoutMs} ms`)), currentTimeoutMs);
      shared.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(new AuthMetadataUnavailableError((e as Error)?.name ?? 'fetch failed'));
        },
      );
    });
  };
}
