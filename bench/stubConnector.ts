/**
 * A stand-in for the Bot Connector service, for `npm run bench`: it accepts what a bot sends to a Teams serviceUrl
 * (replies, proactive messages, card updates, new conversations, roster reads) and answers like the service does,
 * 200/201 with an `{id}`, at once. It counts what it received, and the messages that carry the bot's error card,
 * at GET /_stats. Loopback only. Run as its own process so the load generator does not share its event loop.
 *
 * With `limits` (CLI: `--teams-limits [--limits-scale 0.1]`) it enforces Teams' rate limits for bots as published:
 * per conversation 7 sends per second, 8 per 2 s, 60 per 30 s, 1,800 per hour, and 50 requests per second per
 * app and tenant, answering 429 with a Retry-After (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit).
 *
 *   node --import tsx bench/stubConnector.ts [--port N] [--teams-limits]   → prints {"url": "http://127.0.0.1:N"} when listening
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { SlidingWindowLimiter, type WindowRule } from '../services/net/slidingWindow';

/** Teams' limits for one bot: per conversation (sends and conversation creation) and for the app in the tenant. */
export interface TeamsLimits {
  perConversation: WindowRule[];
  perApp: WindowRule[];
}

/** Teams' published limits, scaled by `factor` (1 = as published). */
export function teamsLimits(factor = 1): TeamsLimits {
  const r = (limit: number, seconds: number): WindowRule => ({ limit: Math.max(1, Math.round(limit * factor)), windowMs: seconds * 1000 });
  return { perConversation: [r(7, 1), r(8, 2), r(60, 30), r(1800, 3600)], perApp: [r(50, 1)] };
}

/** Text of the cards the bot sends when a turn or a card action failed (bot/index.ts onTurnError, onboardingBot). */
const ERROR_CARD_TEXT = ['Something went wrong on our side', 'That did not work. Please try again'];

/** What the stub received since it started. */
export interface ConnectorStats {
  /** Every request, by route. */
  byRoute: Record<string, number>;
  total: number;
  /** Messages that carry the bot's error card. */
  errorCards: number;
  /** Requests answered 429 because a limit was reached. */
  throttled: number;
  /** Messages accepted per conversation (new ones only, not updates), to find duplicates and gaps. */
  sentByConversation: Record<string, number>;
}


function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** The route shape, with ids replaced, so the counts stay a short list. */
function routeOf(method: string, path: string): string {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  // /v3/conversations/{conversationId}/activities/{activityId}, /v3/conversations/{id}/pagedmembers, …
  const shape = parts.map((p, i) => (i === 2 || i === 4 ? '{id}' : p));
  return `${method} /${shape.join('/')}`;
}

/** Throttling state: one limiter per conversation set of rules and one for the app. */
interface Throttle {
  conversation: SlidingWindowLimiter;
  app: SlidingWindowLimiter;
  clock: () => number;
}

/** The wait a request must honour, or 0 (and the request is counted). Sends count per conversation too. */
function admit(throttle: Throttle | undefined, conversation: string | undefined): number {
  if (!throttle) return 0;
  const now = throttle.clock();
  const wait = Math.max(throttle.app.waitFor('app', now), conversation ? throttle.conversation.waitFor(conversation, now) : 0);
  if (wait > 0) return wait;
  throttle.app.take('app', now);
  if (conversation) throttle.conversation.take(conversation, now);
  return 0;
}

async function handle(stats: ConnectorStats, newId: (prefix: string) => string, throttle: Throttle | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  if (method === 'GET' && path === '/_stats') return send(res, 200, stats);
  const body = method === 'GET' ? '' : await readBody(req);
  const route = routeOf(method, path);
  stats.total++;
  stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;

  const parts = path.split('?')[0].split('/').filter(Boolean);
  const isSend = method === 'POST' && parts[1] === 'conversations' && (parts.length === 2 || parts[3] === 'activities');
  const wait = admit(throttle, isSend ? decodeURIComponent(parts[2] ?? 'create') : undefined);
  if (wait > 0) {
    stats.throttled++;
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(wait / 1000))));
    return send(res, 429, { error: { code: 'TooManyRequests', message: 'Too many requests' } });
  }
  if (body && ERROR_CARD_TEXT.some((t) => body.includes(t))) stats.errorCards++;
  if (parts[0] !== 'v3') return send(res, 404, { error: { code: 'NotFound', message: route } });
  if (parts[1] === 'conversations' && parts.length === 2) {
    // createConversation: a new 1:1 chat.
    if (method === 'POST') return send(res, 201, { id: newId('a:conv'), activityId: newId('act') });
    return send(res, 200, { conversations: [] });
  }
  if (parts[1] === 'conversations' && parts[3] === 'activities') {
    if (method === 'POST') {
      const conversation = decodeURIComponent(parts[2]);
      stats.sentByConversation[conversation] = (stats.sentByConversation[conversation] ?? 0) + 1;
    }
    if (method === 'POST') return send(res, parts.length === 5 ? 200 : 201, { id: newId('act') });
    if (method === 'PUT') return send(res, 200, { id: parts[4] ?? newId('act') });
    if (method === 'DELETE') return send(res, 200, {});
  }
  if (parts[1] === 'conversations' && parts[3] === 'pagedmembers') return send(res, 200, { members: [] });
  if (parts[1] === 'conversations' && parts[3] === 'members') return send(res, 200, parts.length > 4 ? { id: parts[4] } : []);
  if (parts[1] === 'teams') return send(res, 200, parts[3] === 'conversations' ? { conversations: [] } : { id: parts[2] });
  return send(res, 200, {});
}

/** A listening stub connector. */
export interface StubConnector {
  url: string;
  stats: ConnectorStats;
  close(): Promise<void>;
}

/** Starts the stub on 127.0.0.1:`port` (0: any free port); with `limits`, Teams' rate limits are enforced. */
export function startStubConnector(port = 0, options: { limits?: TeamsLimits; clock?: () => number } = {}): Promise<StubConnector> {
  const stats: ConnectorStats = { byRoute: {}, total: 0, errorCards: 0, throttled: 0, sentByConversation: {} };
  const throttle = options.limits ? { conversation: new SlidingWindowLimiter(options.limits.perConversation), app: new SlidingWindowLimiter(options.limits.perApp), clock: options.clock ?? Date.now } : undefined;
  let nextId = 0;
  const newId = (prefix: string) => `${prefix}-${(++nextId).toString(36)}`;
  const server = createServer((req, res) => {
    handle(stats, newId, throttle, req, res).catch((e: unknown) => send(res, 500, { error: { code: 'StubError', message: (e as Error).message } }));
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        stats,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'teams-limits': { type: 'boolean', default: false }, 'limits-scale': { type: 'string', default: '1' } } });
  const stub = await startStubConnector(Number(values.port), { limits: values['teams-limits'] ? teamsLimits(Number(values['limits-scale'])) : undefined });
  console.log(JSON.stringify({ url: stub.url }));
  process.on('SIGTERM', () => void stub.close().then(() => process.exit(0)));
}

if (require.main === module) void main();
