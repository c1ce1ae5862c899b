/**
 * The thin layer every Graph service calls through: versioned requests on the SDK client, a client-request-id
 * per call, idempotency marks for the retry middleware, full `@odata.nextLink` paging, and SDK errors turned
 * into GraphRequestError.
 */
import { randomUUID } from 'node:crypto';
import { GraphError, ResponseType, type Client, type GraphRequest } from '@microsoft/microsoft-graph-client';
import { GraphRequestError, GraphThrottledError, GraphTimeoutError, redactGraphPath } from './graphErrors';
import { GraphCallOptions, parseRetryAfterMs } from './graphRetryHandler';

/** Graph API version segment. */
export type GraphVersion = 'v1.0' | 'beta';

/** Options for one call. */
export interface CallOptions {
  version?: GraphVersion;
  /** Query options, e.g. { $select: 'id,displayName' }; values are encoded here. */
  query?: Record<string, string>;
  /** Safe to repeat after a 503/504 even though it is a POST. */
  idempotent?: boolean;
  /** Extra request headers, e.g. `ConsistencyLevel: eventual` for advanced directory queries ($search, $count). */
  headers?: Record<string, string>;
}

/**
 * Which Graph request carried out a change: Graph's `request-id` response header (what Microsoft support asks
 * for) and the `client-request-id` this client sent (https://learn.microsoft.com/en-us/graph/best-practices-concept#reliability-and-support).
 */
export interface GraphReceipt {
  requestId: string | null;
  clientRequestId: string;
}

/** One page of a Graph collection. */
interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/** A guard against a server that keeps sending nextLinks; far above any real tenant. */
const MAX_PAGES = 10_000;

/** Graph calls over the SDK client, with paging and error mapping. */
export class GraphApi {
  constructor(
    private readonly client: Client,
    /** The Graph origin, e.g. https://graph.microsoft.com; nextLinks must stay on it. */
    readonly origin: string,
  ) {}

  /** GET a resource. */
  async get<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.send('GET', path, options, (r) => r.get() as Promise<T>);
  }

  /** GET a resource; undefined when Graph answers 404. */
  async getOptional<T>(path: string, options: CallOptions = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(path, options);
    } catch (e) {
      if (e instanceof GraphRequestError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** POST a JSON body; resolves to the parsed body, or undefined for 201/204 without one. */
  async post<T = undefined>(path: string, body: unknown, options: CallOptions = {}): Promise<T | undefined> {
    return this.send('POST', path, options, async (r) => {
      const result: unknown = await r.post(body);
      // For a bodiless 201 the SDK hands back the raw (empty) stream rather than undefined.
      return result && typeof result === 'object' && !(result instanceof ReadableStream) ? (result as T) : undefined;
    });
  }

  /**
   * POST an action that answers 204 No Content, keeping what identifies the call: the status, Graph's
   * `request-id` and our `client-request-id`. A non-2xx answer throws GraphRequestError (GraphThrottledError for 429).
   * Never marked idempotent: the retry middleware repeats only a 429, which Graph did not process.
   */
  async postAction(path: string, body?: unknown, options: Omit<CallOptions, 'idempotent'> = {}): Promise<{ status: number; requestId?: string; clientRequestId: string }> {
    const clientRequestId = randomUUID();
    const request = this.client
      .api(path)
      .version(options.version ?? 'v1.0')
      .header('client-request-id', clientRequestId)
      .middlewareOptions([new GraphCallOptions(false)])
      .responseType(ResponseType.RAW);
    let response: Response;
    try {
      response = (await request.post(body)) as Response;
    } catch (e) {
      throw toGraphRequestError(e, 'POST', path, clientRequestId);
    }
    const requestId = response.headers.get('request-id') ?? undefined;
    if (response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status, requestId, clientRequestId };
    }
    const errorBody = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    const failure = { method: 'POST', path: redactGraphPath(path), code: errorBody.error?.code ?? 'UnknownError', requestId, clientRequestId, graphMessage: errorBody.error?.message };
    if (response.status === 429) throw new GraphThrottledError(failure, parseRetryAfterMs(response.headers.get('Retry-After')));
    throw new GraphRequestError({ ...failure, status: response.status });
  }

  /** DELETE a resource. */
  async delete(path: string, options: CallOptions = {}): Promise<void> {
    await this.send('DELETE', path, options, (r) => r.delete() as Promise<unknown>);
  }

  /** POST or DELETE whose answer has no body worth keeping; resolves to the receipt that names the Graph request. */
  async change(method: 'POST' | 'DELETE', path: string, body: unknown, options: CallOptions = {}): Promise<GraphReceipt> {
    return this.send(method, path, options, async (r, clientRequestId) => {
      const raw = r.responseType(ResponseType.RAW);
      const response = (await (method === 'POST' ? raw.post(body) : raw.delete())) as Response;
      const requestId = response.headers.get('request-id');
      if (!response.ok) {
        // A raw answer is not checked by the SDK: map the failure as its error path would.
        const parsed = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
        const failure = { method, path: redactGraphPath(path), status: response.status, code: parsed.error?.code ?? 'UnknownError', requestId: requestId ?? undefined, clientRequestId, graphMessage: parsed.error?.message };
        if (response.status === 429) throw new GraphThrottledError(failure, parseRetryAfterMs(response.headers.get('Retry-After')));
        throw new GraphRequestError(failure);
      }
      await response.body?.cancel().catch(() => undefined);
      return { requestId, clientRequestId };
    });
  }

  /**
   * Visits every page of a collection by following `@odata.nextLink` as-is until it is absent; a page may be empty
   * (https://learn.microsoft.com/en-us/graph/paging). Stops early when `visit` returns true.
   */
  async forEachPage<T>(path: string, options: CallOptions, visit: (items: T[]) => boolean | void | Promise<boolean | void>): Promise<void> {
    let page = await this.get<Page<T>>(path, options);
    for (let n = 1; ; n++) {
      if ((await visit(page.value ?? [])) === true) return;
      const next = page['@odata.nextLink'];
      if (!next) return;
      if (n >= MAX_PAGES) throw new GraphRequestError({ method: 'GET', path: redactGraphPath(path), status: 0, code: 'TooManyPages' });
      page = await this.get<Page<T>>(this.relativeNextLink(next, path), { ...options, query: undefined, version: this.versionOf(next) });
    }
  }

  /** Every item of a collection, across all pages. */
  async listAll<T>(path: string, options: CallOptions = {}): Promise<T[]> {
    const all: T[] = [];
    await this.forEachPage<T>(path, options, (items) => {
      all.push(...items);
    });
    return all;
  }

  private versionOf(nextLink: string): GraphVersion {
    return new URL(nextLink).pathname.split('/')[1] === 'beta' ? 'beta' : 'v1.0';
  }

  /**
   * The SDK only parses absolute https URLs, so a nextLink is cut into version-relative path + query here; it must
   * point at our own Graph origin, since the token goes with it.
   */
  private relativeNextLink(nextLink: string, path: string): string {
    const url = new URL(nextLink);
    if (url.origin !== this.origin) {
      throw new GraphRequestError({ method: 'GET', path: redactGraphPath(path), status: 0, code: 'ForeignNextLink' });
    }
    return `${url.pathname.split('/').slice(2).join('/')}${url.search}`;
  }

  private async send<T>(method: string, path: string, options: CallOptions, run: (request: GraphRequest, clientRequestId: string) => Promise<T>): Promise<T> {
    const clientRequestId = randomUUID();
    let request = this.client
      .api(path)
      .version(options.version ?? 'v1.0')
      .header('client-request-id', clientRequestId)
      .middlewareOptions([new GraphCallOptions(options.idempotent ?? false)]);
    for (const [k, v] of Object.entries(options.headers ?? {})) request = request.header(k, v);
    if (options.query) {
      const encoded: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.query)) encoded[k] = encodeURIComponent(v);
      request = request.query(encoded);
    }
    try {
      return await run(request, clientRequestId);
    } catch (e) {
      throw toGraphRequestError(e, method, path, clientRequestId);
    }
  }
}

/** Maps what the SDK throws to GraphRequestError, dropping the body and message (they can name people). */
function toGraphRequestError(e: unknown, method: string, path: string, clientRequestId: string): Error {
  if (e instanceof GraphRequestError) return e;
  if (e instanceof GraphError) {
    // The SDK wraps what the middleware threw and keeps its name as the code.
    if (e.code === 'TimeoutError') return new GraphTimeoutError({ method, path: redactGraphPath(path), clientRequestId });
    if (e.statusCode === 429) {
      return new GraphThrottledError(
        { method, path: redactGraphPath(path), code: e.code ?? 'TooManyRequests', requestId: e.requestId ?? undefined, clientRequestId },
        parseRetryAfterMs(e.headers?.get('Retry-After')),
      );
    }
    const noResponse = e.statusCode === -1 || e.statusCode === undefined;
    return new GraphRequestError({
      method,
      path: redactGraphPath(path),
      status: noResponse ? 0 : e.statusCode,
      code: noResponse ? 'NetworkError' : (e.code ?? 'UnknownError'),
      requestId: e.requestId ?? undefined,
      clientRequestId,
      graphMessage: e.message,
    });
  }
  return e instanceof Error ? e : new Error(String(e));
}

