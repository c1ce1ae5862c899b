import { randomUUID } from 'node:crypto';
import restify from 'restify';
import { CloudAdapter, type Activity, type ActivityHandler, type InvokeResponse, type TurnContext } from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import { activitySchema, isAcceptedServiceUrl, tenantOf } from './activitySchema';
import type { Logger } from './logger';
import { AuthMetadataUnavailableError } from './openIdMetadataFetch';

/**
 * CloudAdapter with its authenticated entry point reachable: `process()` writes the library's own error text into
 * the response body and prints a plain-text stack, so the edge authenticates and answers failures itself.
 */
export class EdgeAdapter extends CloudAdapter {
  /** Authenticates the activity (when an app id is set) and runs `logic` as its turn; returns the invoke response. */
  processAuthenticated(authorization: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    // What botbuilder's own validateAndFixActivity does with the timestamps before a turn.
    const a = activity as Activity & Record<string, unknown>;
    for (const [field, raw] of [['timestamp', 'rawTimestamp'], ['localTimestamp', 'rawLocalTimestamp'], ['expiration', 'rawExpiration']] as const) {
      if (typeof a[field] === 'string') {
        a[raw] = a[field];
        a[field] = new Date(a[field] as string) as never;
      }
    }
    return this.processActivity(authorization, activity, logic);
  }
}

/** A dependency /readyz checks. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Options for the HTTP server. */
export interface ServerOptions {
  port: number;
  maxBodyBytes: number;
  adapter: EdgeAdapter;
  bot: ActivityHandler;
  readiness: ReadinessCheck[];
  logger: Logger;
  /** Inbound authentication is on (an app id is configured); off means local mode: loopback service URLs only. */
  authEnabled: boolean;
  /** The only tenant whose activities are served; unset serves any (local development). */
  tenantId?: string;
  /** Outside local mode: the Bot Connector service URL prefixes (all https) whose activities are served. */
  serviceUrlPrefixes?: readonly string[];
}

/** Token signing algorithms the Bot Framework uses; anything else is refused before key lookup. */
const BOT_FRAMEWORK_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);

/** A request refused at the edge: the status, a fixed public message and the reason for the log line. */
class EdgeRejection extends Error {
  constructor(
    readonly status: number,
    readonly publicMessage: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'EdgeRejection';
  }
}

/** The clock skew botbuilder allows on `exp` (ChannelValidation's clockTolerance). */
const CLOCK_TOLERANCE_SECONDS = 300;

/**
 * Why a bearer token can be refused before botbuilder looks at it: a signing algorithm the Bot Framework never
 * uses (`none`, HS256 with the public key) or an expiry long past. Read from the unverified token only to refuse,
 * never to accept; botbuilder otherwise prints these as plain-text stacks outside the JSON logs.
 */
function obviouslyInvalid(authorization: string): string | undefined {
  const [scheme, token] = authorization.split(' ');
  if (scheme !== 'Bearer' || !token) return undefined;
  const part = (i: number) => JSON.parse(Buffer.from(token.split('.')[i] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  try {
    const alg = part(0).alg;
    if (typeof alg !== 'string' || !BOT_FRAMEWORK_ALGORITHMS.has(alg)) return 'token algorithm not allowed';
    const exp = part(1).exp;
    if (typeof exp === 'number' && exp < Date.now() / 1000 - CLOCK_TOLERANCE_SECONDS) return 'token expired';
    return undefined;
  } catch {
    return 'token unreadable';
  }
}

/** Maps what authentication threw to an answer that names no internals. */
function authFailure(e: unknown): EdgeRejection | undefined {
  const err = e as { name?: string; statusCode?: number; message?: string };
  if (e instanceof AuthMetadataUnavailableError) return new EdgeRejection(503, 'Authentication is temporarily unavailable', e.name);
  if (e instanceof AuthenticationError) {
    // botframework-connector reports a failed metadata or key download as an AuthenticationError with status 500.
    if (err.statusCode === 500 || /openID config|Failed to load Keys/i.test(err.message ?? '')) {
      return new EdgeRejection(503, 'Authentication is temporarily unavailable', 'metadata unavailable');
    }
    return new EdgeRejection(401, 'Unauthorized', 'AuthenticationError');
  }
  if (err?.name === 'JsonWebTokenError' || err?.name === 'TokenExpiredError' || err?.name === 'NotBeforeError') {
    return new EdgeRejection(401, 'Unauthorized', err.name);
  }
  if (err?.name === 'FetchError') return new EdgeRejection(503, 'Authentication is temporarily unavailable', 'metadata unavailable');
  return undefined;
}

/**
 * The HTTP edge: POST /api/messages (Bot Framework, authenticated by the adapter when an app id is configured),
 * GET /healthz (process alive) and GET /readyz (database and Graph reachable). An activity is checked against
 * the schema of what the bot reads before any turn runs; bad input gets a 4xx with a fixed message, one structured
 * log line, and the server keeps serving.
 */
export function createServer(options: ServerOptions): restify.Server {
  const { adapter, bot, logger } = options;
  const server = restify.createServer({ name: 'device-onboarding-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: options.maxBodyBytes, mapParams: false, rejectUnknown: true }));

  server.post('/api/messages', async (req, res) => {
    const header = req.header('x-ms-correlation-id');
    const correlationId = typeof header === 'string' && /^[\w-]{1,64}$/.test(header) ? header : randomUUID();
    const reject = (r: EdgeRejection, fields: Record<string, unknown> = {}) => {
      logger.warn({ correlationId, status: r.status, reason: r.reason, ...fields }, 'activity rejected');
      if (!res.headersSent) res.send(r.status, { error: r.publicMessage, correlationId });
    };

    const parsed = activitySchema.safeParse(req.body);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].slice(0, 5);
      return reject(new EdgeRejection(400, 'Malformed activity', 'schema'), { fields });
    }
    const activity = parsed.data;
    if (!isAcceptedServiceUrl(activity.serviceUrl, !options.authEnabled)) {
      return reject(new EdgeRejection(400, 'Malformed activity', 'serviceUrl not accepted'));
    }
    if (options.serviceUrlPrefixes && !options.serviceUrlPrefixes.some((p) => activity.serviceUrl.startsWith(p))) {
      return reject(new EdgeRejection(400, 'Malformed activity', 'serviceUrl not in BOT_CONNECTOR_SERVICE_URLS'));
    }
    const authorization = String(req.headers.authorization ?? '');
    const invalidToken = authorization ? obviouslyInvalid(authorization) : undefined;
    if (invalidToken) return reject(new EdgeRejection(401, 'Unauthorized', invalidToken));

    let refusedTenant: string | undefined;
    let invokeResponse: InvokeResponse | undefined;
    try {
      // The adapter authenticates the token (when an app id is set), then calls back for the turn.
      invokeResponse = await adapter.processAuthenticated(authorization, activity as unknown as Activity, async (context) => {
        const tenant = tenantOf(context.activity);
        if (options.tenantId && tenant !== options.tenantId) {
          refusedTenant = tenant ?? '(none)';
          return;
        }
        context.turnState.set('correlationId', correlationId);
        const started = Date.now();
        const a = context.activity;
        // One line per turn: what kind of activity, where, how long. Never the text or card values.
        const fields = { correlationId, activityType: a.type, name: a.name, conversationType: a.conversation?.conversationType };
        try {
          await bot.run(context);
          logger.info({ ...fields, durationMs: Date.now() - started }, 'turn');
        } catch (e) {
          logger.warn({ ...fields, durationMs: Date.now() - started }, 'turn failed');
          throw e;
        }
      });
    } catch (e) {
      const refusal = authFailure(e);
      if (refusal) return reject(refusal);
      logger.error({ err: e, correlationId }, 'unhandled error processing an activity');
      if (!res.headersSent) res.send(500, { error: 'Internal error', correlationId });
      return;
    }
    if (refusedTenant !== undefined) return reject(new EdgeRejection(403, 'This bot serves another organization', 'tenant not served'), { tenant: refusedTenant });
    if (res.headersSent) return;
    if (invokeResponse) res.send(invokeResponse.status, invokeResponse.body);
    else res.send(200);
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });

  server.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      options.readiness.map(async (r) => {
        try {
          await withTimeout(r.check(), 5000);
          return [r.name, 'ok'] as const;
        } catch (e) {
          logger.warn({ dependency: r.name, err: e }, 'readiness check failed');
          return [r.name, 'unavailable'] as const;
        }
      }),
    );
    const ok = results.every(([, s]) => s === 'ok');
    res.send(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });

  server.on('restifyError', (req, _res, err, cb) => {
    logger.info({ method: req.method, path: req.path(), status: (err as { statusCode?: number }).statusCode, code: err.name }, 'request rejected');
    return cb();
  });

  return server;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
