/**
 * Retries throttled and transiently failed Graph calls, without ever repeating a write that Graph may have done.
 *
 * Why not the SDK's RetryHandler: in graph-client 3.0.7 it retries POSTs on 503/504 as readily as GETs, works
 * in whole seconds with up to 1 s of jitter it adds itself, and caps waits only at 180 s
 * (https://github.com/microsoftgraph/msgraph-sdk-javascript/blob/3.0.7/src/middleware/RetryHandler.ts).
 * Here a 429 is retried for every method (Graph did not process the request), while 503/504 and network errors
 * are retried only for methods that are idempotent by HTTP (GET, PUT, DELETE) or calls marked idempotent
 * with GraphCallOptions. Waits honour Retry-After (seconds or HTTP date), else exponential backoff with
 * jitter (https://learn.microsoft.com/en-us/graph/throttling), and are capped by `maxDelayMs`.
 *
 * Time limits: every attempt is aborted after `timeoutMs`, and the whole call (attempts and waits) ends within
 * `callBudgetMs`, or by the deadline of the user's turn it runs in (graphBudget.ts), whichever comes first. A wait
 * that would pass that end is not started: the last answer stands (a 429 becomes GraphThrottledError with Graph's
 * Retry-After in GraphApi), so a card action never holds its invoke for a `Retry-After: 20`.
 */
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../logging/logger';
import { currentGraphDeadline } from './graphBudget';
import { redactGraphPath } from './graphErrors';
import { getRequestHeader, requestUrl, setRequestHeader } from './requestHeaders';

/** Retry limits; all optional with sensible production defaults. */
export interface RetrySettings {
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** First backoff step when Graph sends no Retry-After (default 1000 ms). */
  baseDelayMs?: number;
  /** Upper bound on any single wait, Retry-After included (default 30000 ms). */
  maxDelayMs?: number;
  /** One attempt is aborted after this long without a response (default 10000 ms). */
  timeoutMs?: number;
  /** A whole call, retries and waits included, outside a user's turn (default 60000 ms). */
  callBudgetMs?: number;
}

/** Per-call options the Graph services attach with `.middlewareOptions([...])`. */
export class GraphCallOptions implements MiddlewareOptions {
  constructor(
    /** Safe to repeat after a 503/504 or a lost response, e.g. checkMemberGroups, members/$ref add, syncDevice. */
    readonly idempotent: boolean,
  ) {}
}

const DEFAULTS: Required<RetrySettings> = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000, timeoutMs: 10_000, callBudgetMs: 60_000 };
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Fills in defaults and rejects nonsense (negative or non-finite numbers). */
export function resolveRetrySettings(settings: RetrySettings = {}): Required<RetrySettings> {
  const resolved = { ...DEFAULTS, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) } as Required<RetrySettings>;
  for (const [k, v] of Object.entries(resolved)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`retry.${k} must be a non-negative number`);
  }
  return resolved;
}

/** Whether a failed attempt may be repeated: `outcome` is the HTTP status, or 'network' when no response came. */
export function isRetryable(outcome: number | 'network', method: string, idempotent: boolean): boolean {
  if (outcome === 429) return true;
  if (outcome === 503 || outcome === 504 || outcome === 'network') return idempotent || IDEMPOTENT_METHODS.has(method.toUpperCase());
  return false;
}

/**
 * How long to wait before retry number `attempt` (0-based): Retry-After when Graph sent one, else
 * base·2^attempt with "equal jitter" (between half and all of it), never more than maxDelayMs.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null | undefined, settings: Required<RetrySettings>, now: number = Date.now(), random: () => number = Math.random): number {
  let delay = parseRetryAfterMs(retryAfter, now);
  if (delay === undefined) {
    const step = settings.baseDelayMs * 2 ** attempt;
    delay = step / 2 + (random() * step) / 2;
  }
  return Math.min(delay, settings.maxDelayMs);
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfterMs(retryAfter: string | null | undefined, now: number = Date.now()): number | undefined {
  if (retryAfter == null || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(retryAfter);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Retry middleware for the Graph client's chain. */
export class GraphRetryHandler implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly settings: Required<RetrySettings>,
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly now: () => number = Date.now,
  ) {}

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('GraphRetryHandler has no next middleware');
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const call = context.middlewareControl?.getMiddlewareOptions(GraphCallOptions) as GraphCallOptions | undefined;
    const idempotent = call?.idempotent ?? false;
    const callerSignal = context.options?.signal ?? undefined;
    const deadline = Math.min(this.now() + this.settings.callBudgetMs, currentGraphDeadline() ?? Infinity);
    for (let attempt = 0; ; attempt++) {
      let networkError: unknown;
      context.response = undefined;
      const left = deadline - this.now();
      if (left <= 0) throw timeoutError();
      const attemptSignal = AbortSignal.timeout(Math.min(this.settings.timeoutMs, left));
      context.options = { ...context.options, signal: callerSignal ? AbortSignal.any([callerSignal, attemptSignal]) : attemptSignal };
      try {
        await this.next.execute(context);
      } catch (e) {
        networkError = attemptSignal.aborted ? timeoutError() : e;
      }
      // Read back through a cast: TypeScript keeps the `undefined` assigned above, not what next.execute set.
      const response = context.response as Response | undefined;
      const outcome = networkError ? 'network' : (response?.status ?? 0);
      if (attempt >= this.settings.maxRetries || !isRetryable(outcome, method, idempotent)) {
        if (networkError) throw networkError;
        return;
      }
      const delayMs = retryDelayMs(attempt, response?.headers.get('Retry-After'), this.settings);
      if (this.now() + delayMs >= deadline) {
        // The wait does not fit in what is left: answer now with what Graph said, and let the caller defer.
        this.logger.warn({ method, path: redactGraphPath(requestUrl(context)), status: outcome, attempt: attempt + 1, delayMs, clientRequestId: getRequestHeader(context, 'client-request-id') }, 'graph call gives up: the wait exceeds its time budget');
        if (networkError) throw networkError;
        return;
      }
      this.logger.warn(
        { method, path: redactGraphPath(requestUrl(context)), status: outcome, attempt: attempt + 1, delayMs, clientRequestId: getRequestHeader(context, 'client-request-id') },
        'graph call will be retried',
      );
      // Free the connection: an unread body keeps the socket busy while we wait.
      await response?.arrayBuffer().catch(() => undefined);
      await this.sleep(delayMs);
      setRequestHeader(context, 'Retry-Attempt', String(attempt + 1));
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** What an attempt that outlived its time throws; GraphApi turns it into GraphTimeoutError. */
function timeoutError(): Error {
  return new DOMException('The Graph call ran out of time', 'TimeoutError');
}
