/**
 * Named errors of the Graph client. They carry what an operator needs to find the call in Graph's logs
 * (status, code, request id, a redacted path) and never a response body, which can hold personal data.
 */

/** The client was configured in a way that cannot work or would be unsafe. */
export class GraphConfigurationError extends Error {
  override readonly name = 'GraphConfigurationError';
  constructor(message: string) {
    super(message);
  }
}

/** What identifies a failed Graph call. */
export interface GraphFailure {
  method: string;
  /** The request path with UPNs and the query string removed. */
  path: string;
  /** HTTP status; 0 when no response arrived (network error). */
  status: number;
  /** Graph's error code, e.g. Request_ResourceNotFound; 'NetworkError' when no response arrived. */
  code: string;
  requestId?: string;
  clientRequestId?: string;
  /** Graph's error message: for decisions only (it can name people), so it is kept out of logs. */
  graphMessage?: string;
}

/** A Graph call failed after any retries. */
export class GraphRequestError extends Error implements GraphFailure {
  override readonly name: string = 'GraphRequestError';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;

  constructor(failure: GraphFailure) {
    super(`Graph ${failure.method} ${failure.path} failed: ${failure.status} ${failure.code}${failure.requestId ? ` (request-id ${failure.requestId})` : ''}`);
    this.method = failure.method;
    this.path = failure.path;
    this.status = failure.status;
    this.code = failure.code;
    this.requestId = failure.requestId;
    this.clientRequestId = failure.clientRequestId;
    // Non-enumerable so that log serializers, which copy enumerable fields, never print it.
    Object.defineProperty(this, 'graphMessage', { value: failure.graphMessage, enumerable: false });
  }

  /** Graph's error message (not logged; may contain a UPN). */
  declare readonly graphMessage?: string;
}

/**
 * Graph did not answer in time: one attempt outlasted its timeout, or the call's budget (the waiting user's turn)
 * ran out. Safe to try again later; nothing says whether a non-idempotent write was applied.
 */
export class GraphTimeoutError extends GraphRequestError {
  override readonly name = 'GraphTimeoutError';
  constructor(failure: Omit<GraphFailure, 'status' | 'code'>) {
    super({ ...failure, status: 0, code: 'Timeout' });
  }
}

/**
 * Graph throttled the call (429) and asked for a wait longer than the call may take, or throttled every retry.
 * `retryAfterMs` is Graph's `Retry-After`: the caller moves the work to the background and tries after it.
 */
export class GraphThrottledError extends GraphRequestError {
  override readonly name = 'GraphThrottledError';
  constructor(
    failure: Omit<GraphFailure, 'status'>,
    /** Graph's Retry-After in milliseconds; undefined when Graph sent none. */
    readonly retryAfterMs: number | undefined,
  ) {
    super({ ...failure, status: 429 });
  }
}

/** Whether an error means Graph is unreachable, slow or busy for now (rather than a refusal of the request). */
export function isGraphUnavailable(e: unknown): boolean {
  if (e instanceof GraphTimeoutError || e instanceof GraphThrottledError) return true;
  return e instanceof GraphRequestError && (e.status === 0 || e.status >= 500);
}

/** The app could not be found in the user's installations, even after installing it. */
export class TeamsAppInstallationNotFoundError extends Error {
  override readonly name = 'TeamsAppInstallationNotFoundError';
  constructor(
    readonly userId: string,
    readonly catalogAppId: string,
  ) {
    super(`Teams app ${catalogAppId} is not listed among the installations of user ${userId} after installing it`);
  }
}

/** Strips what may identify a person from a Graph path: UPN segments and the whole query string. */
export function redactGraphPath(pathOrUrl: string): string {
  let path = pathOrUrl;
  try {
    if (/^https?:\/\//i.test(pathOrUrl)) path = new URL(pathOrUrl).pathname;
  } catch {
    // keep it as given
  }
  return path
    .split('?')[0]
    .split('/')
    .map((s) => (decodeURIComponentSafe(s).includes('@') ? '{upn}' : s))
    .join('/');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
