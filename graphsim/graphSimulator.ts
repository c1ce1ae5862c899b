/**
 * A local Microsoft Graph for development and tests: a plain node:http server that serves a seeded tenant
 * under /v1.0 and /beta with Graph's JSON shapes, paging, $batch, auth and throttling behaviour, plus test
 * controls under /_sim/ (and the same controls in-process).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../bot/logger';
import { createEntraSimulator, EntraSimulatorError, type EntraSimulator } from './entraSimulator';
import { routeGraphRequest } from './graphRoutes';
import { SimHttpError, type SimRequest, type SimResponse } from './odata';
import {
  TenantFixtureError,
  validateComplianceChange,
  validateManagedDevice,
  type ComplianceChange,
  type ManagedDeviceFixtureInput,
  type TenantFixture,
} from './tenantFixture';
import { TenantStore, type DeviceRecord } from './tenantStore';
import { appOf, GraphThrottle, intuneThrottling, type ThrottleClass } from './throttling';

/** A status the simulator can inject, with how often and where. */
export interface FaultSpec {
  /** Only this HTTP method (any when omitted). */
  method?: string;
  /**
   * Where: a RegExp, a string starting with "^" (read as a regex), or a path prefix. Matched against the path
   * below the version (`/users/{id}/manager`) and the full path (`/beta/deviceManagement/...`).
   */
  path: string | RegExp;
  /** The status to answer with, or `hang`: the request is never answered (a Graph outage that keeps the socket open). */
  status: 400 | 404 | 429 | 500 | 503 | 504 | 'hang';
  /**
   * Carry the request out first and answer with the fault afterwards: a write Graph accepted whose answer says
   * it failed (a 500 after a device action was recorded), the case that makes blind retries dangerous.
   */
  afterAccept?: boolean;
  /** Sent as `Retry-After` (seconds); no header when omitted, so clients must back off on their own. */
  retryAfterSeconds?: number;
  /** How many matching requests fail (default 1). */
  count?: number;
}

/** One request the simulator answered (no bodies, no headers). */
export interface RequestLogEntry {
  method: string;
  /** Path with the version, without the query, e.g. `/v1.0/users/{id}/manager`. */
  path: string;
  /** Query string as sent (may be empty). */
  query: string;
  status: number;
  time: string;
  /** True for an item inside a `$batch`. */
  viaBatch: boolean;
}

/** Test controls, also served under /_sim/. */
export interface SimulatorControls {
  /** Sets a device's compliance (and optionally its policies or individual setting states). */
  setCompliance(deviceId: string, change: ComplianceChange): DeviceRecord;
  /** Enrolls a device for a user (validated like a fixture device; enrolledDateTime defaults to now). */
  enrollDevice(device: EnrollDeviceInput): DeviceRecord;
  /** Removes a managed device (retired or deleted in Intune). */
  removeDevice(deviceId: string): void;
  /** Blocks or allows a user's sign-in (`accountEnabled`), as when someone leaves. */
  setAccountEnabled(userId: string, enabled: boolean): void;
  /** Deletes a user from the directory (their devices stay in Intune). */
  deleteUser(userId: string): void;
  /** The user's pending enrollments appear the next time their devices are listed; returns how many. */
  activateEnrollments(userId: string): number;
  /** Adds a fault; returns its id. */
  injectFault(fault: FaultSpec): string;
  /** Removes every fault. */
  clearFaults(): void;
  /** Requests answered since the last clear or reset, oldest first. */
  requests(): RequestLogEntry[];
  /** Forgets the request log. */
  clearRequests(): void;
  /** Direct member ids of a group (lower-case), for assertions. */
  groupMembers(groupId: string): string[];
  /** Back to the fixture: state, faults and request log. */
  reset(): void;
}

/** A device to enroll through the control; enrolledDateTime is optional. */
export type EnrollDeviceInput = Omit<ManagedDeviceFixtureInput, 'enrolledDateTime'> & { enrolledDateTime?: string };

/** Options for startGraphSimulator. */
export interface GraphSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  tenant: TenantFixture;
  logger?: Logger;
  /** Answer 401 to Graph requests without a Bearer token (any token is accepted). */
  requireAuth?: boolean;
  /** Clock for enrollment, sync and relative fixture dates. */
  now?: () => Date;
  /**
   * Throttling enforced as Intune publishes it (default `intuneThrottling()`); lower limits to see it quickly,
   * or `false` for none. It runs on real time (`throttleClock`), not on the fixture clock a test moves.
   */
  throttling?: readonly ThrottleClass[] | false;
  throttleClock?: () => number;
}

/** A running simulator. */
export interface RunningGraphSimulator {
  /** Origin, e.g. http://127.0.0.1:5990; the Graph client appends /v1.0 or /beta. */
  url: string;
  port: number;
  close(): Promise<void>;
  controls: SimulatorControls;
  /** The tenant's Entra ID: OpenID configuration, signing keys and tokens for the Teams tab. */
  entra: Pick<EntraSimulator, 'issuer' | 'mint'>;
}

/** A control request the simulator refuses (bad JSON, unknown device, invalid device fixture). */
export class SimulatorControlError extends Error {
  override readonly name = 'SimulatorControlError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** $batch takes at most 20 requests (https://learn.microsoft.com/en-us/graph/json-batching). */
const BATCH_LIMIT = 20;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const FAULT_CODES: Record<Exclude<FaultSpec['status'], 'hang'>, [string, string]> = {
  400: ['BadRequest', 'The request is not valid for this resource.'],
  404: ['ResourceNotFound', 'The resource was not found.'],
  429: ['TooManyRequests', 'Too many requests.'],
  500: ['generalException', 'An unexpected error occurred.'],
  503: ['serviceNotAvailable', 'The service is temporarily unavailable.'],
  504: ['gatewayTimeout', 'The gateway did not receive a timely response.'],
};

interface ActiveFault extends FaultSpec {
  id: string;
  remaining: number;
  matcher: (path: string) => boolean;
}

function matcherOf(path: FaultSpec['path']): (p: string) => boolean {
  if (path instanceof RegExp) return (p) => path.test(p);
  if (path.startsWith('^')) {
    const re = new RegExp(path);
    return (p) => re.test(p);
  }
  return (p) => p.startsWith(path);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function lowerHeaders(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

/** Starts the simulator; resolves once it listens. */
export async function startGraphSimulator(options: GraphSimulatorOptions): Promise<RunningGraphSimulator> {
  const now = options.now ?? (() => new Date());
  const store = new TenantStore(options.tenant, now);
  let ownOrigin = '';
  const entra = await createEntraSimulator(options.tenant.tenantId, store, now, () => ownOrigin);
  const logger = options.logger;
  let faults: ActiveFault[] = [];
  let log: RequestLogEntry[] = [];
  const throttle = options.throttling === false ? null : new GraphThrottle(options.throttling ?? intuneThrottling());
  const throttleClock = options.throttleClock ?? Date.now;

  function errorResponse(e: SimHttpError, headers: Record<string, string>): SimResponse {
    const requestId = randomUUID();
    return {
      status: e.status,
      headers: { ...e.headers, 'request-id': requestId, 'client-request-id': headers['client-request-id'] ?? requestId },
      body: { error: { code: e.code, message: e.message, innerError: { date: now().toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': headers['client-request-id'] ?? requestId } } },
    };
  }

  function takeFault(method: string, pathBelowVersion: string, fullPath: string): ActiveFault | undefined {
    const fault = faults.find((f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && (f.matcher(pathBelowVersion) || f.matcher(fullPath)));
    if (!fault) return undefined;
    fault.remaining -= 1;
    faults = faults.filter((f) => f.remaining > 0);
    return fault;
  }

  /** One Graph request end to end: fault injection, routing, error mapping and the request log. */
  function execute(req: SimRequest, viaBatch: boolean): SimResponse & { hang?: true } {
    const fullPath = `/${req.version}${req.path}`;
    let res: SimResponse & { hang?: true };
    const fault = takeFault(req.method, req.path, fullPath);
    const throttled = fault ? null : throttle?.admit(req.method, req.path, appOf(req.headers.authorization), throttleClock());
    if (throttled) {
      res = errorResponse(
        new SimHttpError(429, 'TooManyRequests', `Too many requests (${throttled.className}).`, { 'Retry-After': String(throttled.retryAfterSeconds) }),
        req.headers,
      );
    } else if (fault?.status === 'hang') {
      // Inside a batch a hung item would hold the whole batch; the outer request hangs instead.
      res = { status: 0, hang: true };
    } else if (fault) {
      if (fault.afterAccept) {
        try {
          routeGraphRequest(req, store);
        } catch (e) {
          if (!(e instanceof SimHttpError)) throw e;
        }
      }
      const [code, message] = FAULT_CODES[fault.status];
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
      res = errorResponse(new SimHttpError(fault.status, code, message, headers), req.headers);
    } else {
      try {
        res = routeGraphRequest(req, store);
        const requestId = randomUUID();
        res.headers = { ...res.headers, 'request-id': requestId, 'client-request-id': req.headers['client-request-id'] ?? requestId };
      } catch (e) {
        if (!(e instanceof SimHttpError)) throw e;
        res = errorResponse(e, req.headers);
      }
    }
    log.push({ method: req.method, path: fullPath, query: req.query.toString().replace(/%24/g, '$'), status: res.status, time: now().toISOString(), viaBatch });
    logger?.debug({ method: req.method, path: fullPath, status: res.status, viaBatch }, 'graphsim request');
    return res;
  }

  /**
   * JSON batching: ≤20 items with unique ids (else the whole batch is 400); each item gets its own status;
   * a failed `dependsOn` gives 424; a throttled item is a 429 inside a 200 batch
   * (https://learn.microsoft.com/en-us/graph/throttling, "Throttling and batching").
   */
  function executeBatch(outer: SimRequest): SimResponse & { hang?: true } {
    const body = outer.body as { requests?: unknown } | undefined;
    const items = body?.requests;
    if (!Array.isArray(items)) throw new SimHttpError(400, 'BadRequest', 'Invalid batch payload format: "requests" must be an array.');
    if (items.length === 0) throw new SimHttpError(400, 'BadRequest', 'The batch request must contain at least one request.');
    if (items.length > BATCH_LIMIT) throw new SimHttpError(400, 'BadRequest', `The number of batch requests exceeds the limit of ${BATCH_LIMIT}.`);
    const ids = new Set<string>();
    for (const it of items as Record<string, unknown>[]) {
      if (typeof it?.id !== 'string' || !it.id) throw new SimHttpError(400, 'BadRequest', 'Every batch request needs a non-empty string "id".');
      if (ids.has(it.id)) throw new SimHttpError(400, 'BadRequest', `Batch request ids must be unique; '${it.id}' appears more than once.`);
      ids.add(it.id);
      if (typeof it.method !== 'string' || typeof it.url !== 'string') throw new SimHttpError(400, 'BadRequest', `Batch request '${it.id}' needs "method" and "url".`);
      if (/^https?:/i.test(it.url)) throw new SimHttpError(400, 'BadRequest', `Batch request '${it.id}' must use a relative URL.`);
      const headers = lowerHeaders(it.headers as Record<string, unknown> | undefined);
      if (it.body !== undefined && !headers['content-type']) throw new SimHttpError(400, 'BadRequest', `Batch request '${it.id}' has a body but no Content-Type header.`);
      const deps = it.dependsOn;
      if (deps !== undefined && (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string' || !ids.has(d) || d === it.id))) {
        throw new SimHttpError(400, 'BadRequest', `Batch request '${it.id}' depends on an id that does not come before it.`);
      }
    }
    const statusById = new Map<string, number>();
    let hung = false;
    const responses = (items as { id: string; method: string; url: string; headers?: Record<string, unknown>; body?: unknown; dependsOn?: string[] }[]).map((it) => {
      let res: SimResponse;
      const failedDep = (it.dependsOn ?? []).find((d) => (statusById.get(d) ?? 0) >= 400);
      if (failedDep) {
        res = errorResponse(new SimHttpError(424, 'FailedDependency', `The request depends on '${failedDep}', which failed.`), outer.headers);
      } else {
        const url = new URL(it.url.startsWith('/') ? it.url : `/${it.url}`, 'http://batch.local');
        if (url.pathname === '/$batch') {
          res = errorResponse(new SimHttpError(400, 'BadRequest', 'A batch cannot contain another batch.'), outer.headers);
        } else {
          res = execute(
            { method: it.method.toUpperCase(), version: outer.version, path: url.pathname, query: url.searchParams, headers: { ...outer.headers, ...lowerHeaders(it.headers) }, body: it.body, origin: outer.origin },
            true,
          );
        }
      }
      if ((res as { hang?: true }).hang) hung = true;
      statusById.set(it.id, res.status);
      const headers: Record<string, string> = { ...res.headers };
      if (res.body !== undefined) headers['Content-Type'] = JSON_CONTENT_TYPE;
      return { id: it.id, status: res.status, headers, ...(res.body !== undefined ? { body: res.body } : {}) };
    });
    return hung ? { status: 0, hang: true } : { status: 200, body: { responses } };
  }

  const controls: SimulatorControls = {
    setCompliance(deviceId, change) {
      const d = store.setCompliance(deviceId, validateComplianceChange(change));
      if (!d) throw new SimulatorControlError(404, `no managed device ${deviceId}`);
      return d;
    },
    removeDevice(deviceId) {
      if (!store.removeDevice(deviceId)) throw new SimulatorControlError(404, `no managed device ${deviceId}`);
    },
    setAccountEnabled(userId, enabled) {
      if (!store.setAccountEnabled(userId, enabled)) throw new SimulatorControlError(404, `no user ${userId}`);
    },
    deleteUser(userId) {
      if (!store.deleteUser(userId)) throw new SimulatorControlError(404, `no user ${userId}`);
    },
    enrollDevice(device) {
      const parsed = validateManagedDevice({ ...device, enrolledDateTime: device.enrolledDateTime ?? 'now' });
      if (!store.user(parsed.userId)) throw new SimulatorControlError(400, `userId: no user with id ${parsed.userId}`);
      return store.enroll(parsed);
    },
    activateEnrollments(userId) {
      if (!store.user(userId)) throw new SimulatorControlError(404, `no user ${userId}`);
      return store.activateEnrollments(userId);
    },
    injectFault(fault) {
      if (![400, 404, 429, 500, 503, 504, 'hang'].includes(fault.status)) throw new SimulatorControlError(400, 'status: must be 400, 404, 429, 500, 503, 504 or "hang"');
      if (!(fault.path instanceof RegExp) && typeof fault.path !== 'string') throw new SimulatorControlError(400, 'path: must be a prefix or a regex');
      const id = randomUUID();
      faults.push({ ...fault, id, remaining: fault.count ?? 1, matcher: matcherOf(fault.path) });
      return id;
    },
    clearFaults() {
      faults = [];
    },
    requests() {
      return log.map((e) => ({ ...e }));
    },
    clearRequests() {
      log = [];
    },
    groupMembers(groupId) {
      const g = store.group(groupId);
      if (!g) throw new SimulatorControlError(404, `no group ${groupId}`);
      return [...g.members];
    },
    reset() {
      store.reset();
      faults = [];
      log = [];
      throttle?.reset();
    },
  };

  /** The /_sim/ control surface over HTTP (for the CLI simulator and scripts). */
  function control(method: string, path: string, body: unknown): SimResponse {
    const b = (body ?? {}) as Record<string, unknown>;
    const p = path.replace(/^\/_sim/, '').replace(/\/$/, '');
    const device = /^\/devices\/([^/]+)\/compliance$/.exec(p);
    const group = /^\/groups\/([^/]+)\/members$/.exec(p);
    const user = /^\/users\/([^/]+)(\/accountEnabled)?$/.exec(p);
    if (method === 'POST' && p === '/reset') {
      controls.reset();
      return { status: 204 };
    }
    if (p === '/requests' && method === 'GET') return { status: 200, body: { value: controls.requests() } };
    if (p === '/requests' && method === 'DELETE') {
      controls.clearRequests();
      return { status: 204 };
    }
    if (p === '/faults' && method === 'GET') {
      return { status: 200, body: { value: faults.map((f) => ({ id: f.id, method: f.method, path: String(f.path), status: f.status, retryAfterSeconds: f.retryAfterSeconds, afterAccept: f.afterAccept, remaining: f.remaining })) } };
    }
    if (p === '/faults' && method === 'POST') return { status: 201, body: { id: controls.injectFault(b as unknown as FaultSpec) } };
    if (p === '/faults' && method === 'DELETE') {
      controls.clearFaults();
      return { status: 204 };
    }
    if (p === '/devices' && method === 'POST') return { status: 201, body: controls.enrollDevice(b as unknown as EnrollDeviceInput) };
    if (device && method === 'POST') return { status: 200, body: controls.setCompliance(decodeURIComponent(device[1]), b as ComplianceChange) };
    if (p === '/enrollments/activate' && method === 'POST') {
      if (typeof b.userId !== 'string') throw new SimulatorControlError(400, 'userId: required');
      return { status: 200, body: { activated: controls.activateEnrollments(b.userId) } };
    }
    if (user && user[2] && method === 'POST') {
      controls.setAccountEnabled(decodeURIComponent(user[1]), b.accountEnabled === true);
      return { status: 204 };
    }
    if (user && !user[2] && method === 'DELETE') {
      controls.deleteUser(decodeURIComponent(user[1]));
      return { status: 204 };
    }
    if (group && method === 'GET') return { status: 200, body: { value: controls.groupMembers(decodeURIComponent(group[1])) } };
    throw new SimulatorControlError(404, `unknown control ${method} ${path}`);
  }

  function send(res: http.ServerResponse, r: SimResponse): void {
    const headers: Record<string, string> = { ...r.headers };
    let payload: string | undefined;
    if (r.body !== undefined) {
      payload = JSON.stringify(r.body);
      headers['Content-Type'] = JSON_CONTENT_TYPE;
    }
    res.writeHead(r.status, headers);
    res.end(payload);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const headers = lowerHeaders(req.headers as Record<string, unknown>);
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      const raw = await readBody(req);
      let body: unknown;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new SimHttpError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
        }
      }
      if (entra.handles(url.pathname)) {
        send(res, await entra.route(method, url.pathname, body));
        return;
      }
      if (url.pathname.startsWith('/_sim/')) {
        send(res, control(method, url.pathname, body));
        return;
      }
      const m = /^\/(v1\.0|beta)(\/.*)?$/.exec(url.pathname);
      if (!m) throw new SimHttpError(400, 'BadRequest', `Invalid version: ${url.pathname.split('/')[1] ?? ''}`);
      if (options.requireAuth && !/^Bearer\s+\S+/i.test(headers.authorization ?? '')) {
        const r = errorResponse(new SimHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.'), headers);
        log.push({ method, path: url.pathname, query: url.searchParams.toString(), status: 401, time: now().toISOString(), viaBatch: false });
        send(res, r);
        return;
      }
      const simReq: SimRequest = { method, version: m[1] as SimRequest['version'], path: m[2] ?? '/', query: url.searchParams, headers, body, origin: url.origin };
      if (simReq.path === '/$batch') {
        if (method !== 'POST') throw new SimHttpError(405, 'BadRequest', 'Use POST for $batch.');
        const outer = executeBatch(simReq);
        if (outer.hang) return;
        log.push({ method, path: url.pathname, query: '', status: outer.status, time: now().toISOString(), viaBatch: false });
        send(res, outer);
        return;
      }
      const answer = execute(simReq, false);
      // A hung request gets no answer; close() ends its connection.
      if (!answer.hang) send(res, answer);
    } catch (e) {
      if (e instanceof SimHttpError) {
        send(res, errorResponse(e, headers));
      } else if (e instanceof SimulatorControlError || e instanceof TenantFixtureError || e instanceof EntraSimulatorError) {
        const status = e instanceof TenantFixtureError ? 400 : e.status;
        send(res, { status, body: { error: { code: 'SimulatorControlError', message: e.message } } });
      } else {
        logger?.error({ err: e, method, path: url.pathname }, 'graphsim failed');
        send(res, errorResponse(new SimHttpError(500, 'generalException', 'The simulator failed; see its log.'), headers));
      }
    }
  }

  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  ownOrigin = url;
  logger?.info({ url, users: options.tenant.users.length, requireAuth: Boolean(options.requireAuth) }, 'graph simulator listening');

  return {
    url,
    port: address.port,
    controls,
    entra,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets from fetch would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
