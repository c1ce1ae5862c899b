import { randomUUID } from 'node:crypto';
import restify from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { ActivityHandler } from 'botbuilder';
import type { Logger } from './logger';

/** A dependency /readyz checks. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Options for the HTTP server. */
export interface ServerOptions {
  port: number;
  maxBodyBytes: number;
  adapter: CloudAdapter;
  bot: ActivityHandler;
  readiness: ReadinessCheck[];
  logger: Logger;
}

/**
 * The HTTP edge: POST /api/messages (Bot Framework, authenticated by CloudAdapter when an app id is configured),
 * GET /healthz (process alive) and GET /readyz (database and Graph reachable). Bad input gets a 4xx and the
 * server keeps serving.
 */
export function createServer(options: ServerOptions): restify.Server {
  const { adapter, bot, logger } = options;
  const server = restify.createServer({ name: 'device-onboarding-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: options.maxBodyBytes, mapParams: false, rejectUnknown: true }));

  server.post('/api/messages', async (req, res) => {
    const correlationId = (req.header('x-ms-correlation-id') as string | undefined) ?? randomUUID();
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      res.send(400, { error: 'Expected a JSON activity' });
      return;
    }
    if (typeof (req.body as { type?: unknown }).type !== 'string' || !(req.body as { type: string }).type) {
      res.send(400, { error: 'The activity has no type' });
      return;
    }
    try {
      await adapter.process(req, res as never, async (context) => {
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
      // botbuilder validates the activity's shape with zod; a malformed activity is the caller's error.
      if ((e as Error).name === 'ZodError') {
        if (!res.headersSent) res.send(400, { error: 'Malformed activity' });
        return;
      }
      logger.error({ err: e, correlationId }, 'unhandled error processing an activity');
      if (!res.headersSent) res.send(500, { error: 'Internal error', correlationId });
    }
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
