/**
 * `npm run bench`: the bot measured from outside, side by side with a bare botbuilder + restify echo bot (the
 * framework's ceiling), on the same machine, the same stub Bot Connector and the same load generator (autocannon).
 *
 * The stack starts through the project's own start-up code, as `npm run dev` starts it: the embedded database
 * (startEmbeddedFerretDb, unless MONGODB_URI is set), the Graph simulator and the bot as child processes
 * (scripts/lib/stackProcesses.ts). For each stored-data size the bench writes requests awaiting approval and as many
 * conversation references through the product's repositories, then runs every cell (turn × connections) for the
 * echo bot and the bot ALTERNATELY, pair after pair, the one not measured paused (SIGSTOP) so its idle work does not
 * load the other, and the next run starting only once both are quiet again. It reports per cell the median of the pairs' ratios (bot ÷ echo) with their spread, errors and
 * non-2xx answers, lost writes, the bot's RSS and CPU per turn, and the database's CPU per turn (from /proc).
 *
 *   npm run bench                      full matrix (3 pairs, 20 and 50 connections, 0 / 1,000 / 10,000 stored)
 *   npm run bench -- --quick           a smoke run of about a minute
 *   npm run bench -- --pairs 5 --sizes 0,10000 --connections 50 --turns approve --duration 10
 *
 * Loopback only; every loop is bounded. It asserts nothing about time.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { MongoClient, type Db } from 'mongodb';
import pino from 'pino';
import { Verb } from '../cards/verbs';
import { demoBotEnv, REPO_ROOT } from '../scripts/lib/demoEnvironment';
import { freePort } from '../scripts/lib/ports';
import { killTree, startProcess, type ManagedProcess } from '../scripts/lib/processes';
import { startBotProcess, startGraphSimulatorProcess } from '../scripts/lib/stackProcesses';
import { startEmbeddedFerretDb, type EmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { COLLECTIONS, ensureIndexes } from '../services/storage/mongoConnection';
import { pidsWithCommandLine, treeUsage } from './procStats';
import type { ConnectorStats } from './stubConnector';
import { flatness, flatnessAlone, targetTable, verdicts } from './targets';
import { approvalActionActivity, messageActivity, person, requestIdOf, seedPendingRequests, writeBenchTenant, type Channel } from './workload';

const TURNS = ['help', 'intake', 'refresh', 'approve'] as const;
type Turn = (typeof TURNS)[number];
type Target = 'echo' | 'bot';

const TURN_LABEL: Record<Turn, string> = {
  help: 'message "help"',
  intake: 'intake (opens the form)',
  refresh: 'approval refresh',
  approve: 'approve (fresh request)',
};

/** People who write "help", and requests whose approval card is refreshed: small fixed sets. */
const REGULAR_PEOPLE = 200;
const VIEWED_REQUESTS = 20;
/**
 * Longest wait for a bot's after-turn work to finish before the next cell. An approval's notices and cards leave
 * at the Teams send pace (TEAMS_APP_SENDS_PER_SECOND, 45 by default, 3–4 sends an approval), slower than a
 * closed loop approves, so a cell's messages can take a minute or two to leave; their CPU counts to the cell.
 */
const SETTLE_MAX_MS = 180_000;
const SETTLE_QUIET_MS = 1_500;
/** Idle CPU is also printed in steps of this many seconds, when the idle window is longer. */
const IDLE_STEP_S = 10;

interface Options {
  pairs: number;
  durationS: number;
  warmupS: number;
  idleS: number;
  sizes: number[];
  connections: number[];
  turns: Turn[];
  /** Fresh people per intake cell and fresh requests per approve cell (warm-up included). */
  freshPerCell: number;
  /** Reads by `_id` the echo bot makes per message (0: the bare echo bot; 2: the floor of a turn that reads its dialog state and the person's open request). */
  echoReads: number;
  botLogLevel: string;
  out: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      pairs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      idle: { type: 'string' },
      sizes: { type: 'string' },
      connections: { type: 'string' },
      turns: { type: 'string' },
      fresh: { type: 'string' },
      'echo-reads': { type: 'string' },
      'bot-log-level': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const quick = values.quick || process.env.BENCH_QUICK === '1';
  const list = (v: string | undefined, fallback: number[]) => (v ? v.split(',').map((x) => Number(x.trim())) : fallback);
  const positive = (name: string, n: number) => {
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const turns = (values.turns ?? process.env.BENCH_TURNS ?? TURNS.join(',')).split(',').map((t) => t.trim()) as Turn[];
  for (const t of turns) if (!TURNS.includes(t)) throw new Error(`--turns: unknown turn "${t}" (known: ${TURNS.join(', ')})`);
  const o: Options = {
    pairs: positive('pairs', Number(values.pairs ?? process.env.BENCH_PAIRS ?? (quick ? 1 : 3))),
    durationS: positive('duration', Number(values.duration ?? process.env.BENCH_DURATION ?? (quick ? 3 : 5))),
    warmupS: Number(values.warmup ?? process.env.BENCH_WARMUP ?? 1),
    idleS: Number(values.idle ?? process.env.BENCH_IDLE ?? (quick ? 2 : 5)),
    sizes: list(values.sizes ?? process.env.BENCH_SIZES, quick ? [0, 500] : [0, 1000, 10000]),
    connections: list(values.connections ?? process.env.BENCH_CONNECTIONS, quick ? [20] : [20, 50]),
    turns,
    freshPerCell: positive('fresh', Number(values.fresh ?? process.env.BENCH_FRESH ?? (quick ? 400 : 1500))),
    echoReads: Number(values['echo-reads'] ?? process.env.BENCH_ECHO_READS ?? 0),
    botLogLevel: values['bot-log-level'] ?? process.env.BENCH_BOT_LOG_LEVEL ?? 'info',
    out: path.resolve(values.out ?? path.join(REPO_ROOT, 'bench', 'results', 'latest.md')),
  };
  if (!Number.isInteger(o.echoReads) || o.echoReads < 0 || o.echoReads > 10) throw new Error('--echo-reads takes a whole number from 0 to 10');
  for (const n of [...o.sizes, ...o.connections]) if (!Number.isInteger(n) || n < 0) throw new Error('--sizes and --connections take whole numbers');
  return o;
}

/** The bot's lease time (LEASE_SECONDS, the default unless the environment sets it). */
const LEASE_SECONDS = Number(process.env.LEASE_SECONDS ?? 15);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const say = (text: string) => console.log(`[bench] ${text}`);

/** One measured run of one target on one cell. */
interface Sample {
  rps: number;
  p50: number;
  p99: number;
  sent: number;
  ok: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  /** Sent but not answered when the window closed (still being worked on by the target). */
  unfinished: number;
  /** 2xx answers whose card was not the one expected (e.g. an error card). */
  unexpected: number;
  /** Messages with the bot's error card that reached the connector. */
  errorCards: number;
  cpuMsPerTurn: number;
  dbCpuMsPerTurn?: number;
  rssMb: number;
  /** Writes the bot acknowledged that the database does not hold. */
  lost?: number;
  /** The fresh people or requests ran out and some were used twice. */
  wrapped?: boolean;
}

/** A running target: where to send, which processes to measure, how to pause it. */
interface Running {
  target: Target;
  url: string;
  proc: ManagedProcess;
}

/** How a turn's activities are made, and what a good answer looks like. */
interface Workload {
  body(): string;
  /** Called for each 2xx answer; returns false when the answer is not what the turn should produce. */
  check(body: string, context: Record<string, unknown>): boolean;
  /** The id (person or request) the body was made for, kept in the connection's context. */
  lastId?: string;
  wrapped: boolean;
  /** Ids answered with what the turn writes (a new reference, an approval). */
  written: Set<string>;
}

function workload(turn: Turn, channel: Channel, fresh: { from: number; count: number }): Workload {
  let n = 0;
  const w: Workload = { body: () => '', check: () => true, wrapped: false, written: new Set() };
  const nextFresh = () => {
    if (n >= fresh.count) w.wrapped = true;
    return fresh.from + (n++ % fresh.count);
  };
  switch (turn) {
    case 'help':
      w.body = () => JSON.stringify(messageActivity(channel, person('regular', n++ % REGULAR_PEOPLE), 'help'));
      break;
    case 'intake':
      w.body = () => {
        const p = person('newcomer', nextFresh());
        w.lastId = p.aadObjectId;
        return JSON.stringify(messageActivity(channel, p, 'I want to use my phone for work'));
      };
      break;
    case 'refresh':
      w.body = () => JSON.stringify(approvalActionActivity(channel, Verb.ApprovalRefresh, requestIdOf('viewed', n++ % VIEWED_REQUESTS), 1));
      w.check = (body) => body.includes('Approve device access?');
      break;
    case 'approve':
      w.body = () => {
        const id = requestIdOf('approval', nextFresh());
        w.lastId = id;
        return JSON.stringify(approvalActionActivity(channel, Verb.ApprovalApprove, id, 1));
      };
      w.check = (body) => body.includes('Approved by');
      break;
  }
  return w;
}

async function connectorStats(url: string): Promise<ConnectorStats> {
  return (await (await fetch(`${url}/_stats`)).json()) as ConnectorStats;
}

/**
 * Waits until the target has finished what the last run left it (turns still in flight, proactive messages after
 * a turn): the stub connector received nothing new and the target and the database used under a tenth of a core
 * for a moment. Bounded by SETTLE_MAX_MS.
 */
async function settle(stack: Stack, run: Running): Promise<void> {
  const deadline = Date.now() + SETTLE_MAX_MS;
  const cpu = () => treeUsage([run.proc.pid]).cpuMs + (databaseCpuMs(stack) ?? 0);
  let last = { sends: (await connectorStats(stack.connectorUrl)).total, cpu: cpu() };
  while (Date.now() < deadline) {
    await sleep(SETTLE_QUIET_MS);
    const now = { sends: (await connectorStats(stack.connectorUrl)).total, cpu: cpu() };
    if (now.sends === last.sends && now.cpu - last.cpu < SETTLE_QUIET_MS / 10) return;
    last = now;
  }
}

/**
 * Sends `w`'s activities over `connections` connections: for `window.seconds`, or `window.amount` requests in all
 * (each connection waits for its last answer, so none is cut off), stopped after `maxSeconds` in any case.
 * `answeredSeconds` is the time from the start to the last answer. autocannon's own `duration` ends at its next
 * one-second sample tick after the last answer, which would add up to a second to a five-second window.
 */
async function load(
  url: string,
  connections: number,
  window: { seconds: number } | { amount: number; maxSeconds: number },
  w: Workload,
  turn: Turn,
): Promise<autocannon.Result & { unexpected: number; answeredSeconds: number }> {
  let unexpected = 0;
  const started = performance.now();
  let lastAnswer = started;
  // Without a callback autocannon returns its run: a promise of the result that can also be stopped.
  const run = autocannon({
    url: `${url}/api/messages`,
    connections,
    ...('amount' in window ? { amount: window.amount } : { duration: window.seconds }),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req, context) => {
          const body = w.body();
          (context as Record<string, unknown>).id = w.lastId;
          return { ...req, body };
        },
        onResponse: (status, body, context) => {
          lastAnswer = performance.now();
          if (status < 200 || status >= 300) return;
          const id = (context as Record<string, unknown>).id as string | undefined;
          if (!w.check(body, context as Record<string, unknown>)) unexpected++;
          else if (id && (turn === 'intake' || turn === 'approve')) w.written.add(id);
        },
      },
    ],
  }) as unknown as Promise<autocannon.Result> & { stop(): void };
  const guard = 'amount' in window ? setTimeout(() => run.stop(), window.maxSeconds * 1000) : undefined;
  try {
    const r = await run;
    // Nothing answered (every request failed): autocannon's window is all there is.
    const answeredSeconds = lastAnswer > started ? (lastAnswer - started) / 1000 : r.duration;
    return Object.assign(r, { unexpected, answeredSeconds });
  } finally {
    clearTimeout(guard);
  }
}

/** Writes the bot acknowledged that the database does not hold: a reference per new person, an approval per request. */
async function lostWrites(db: Db, turn: Turn, written: Set<string>): Promise<number> {
  const ids = [...written];
  if (!ids.length) return 0;
  let held = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    held +=
      turn === 'approve'
        ? await db.collection(COLLECTIONS.requests).countDocuments({ _id: { $in: chunk as never[] }, state: { $ne: 'pendingApproval' } })
        : await db.collection(COLLECTIONS.conversationReferences).countDocuments({ _id: { $in: chunk as never[] } });
  }
  return ids.length - held;
}

interface Stack {
  connectorUrl: string;
  channel: Channel;
  database: EmbeddedFerretDb | undefined;
  /** The embedded database's data folder. */
  dbDataDir: string;
  mongoUri: string;
  graphUrl: string;
  echo: Running;
  client: MongoClient;
  logs: WriteStream[];
  stops: (() => Promise<void>)[];
}

/** CPU of the database server processes: FerretDB's tree, its backend server's (PostgreSQL and its backends) and any other process started on the data folder. */
function databaseCpuMs(stack: Stack): number | undefined {
  if (!stack.database) return undefined;
  const { pid, backendPid } = stack.database;
  const roots = [pid, ...(backendPid ? [backendPid] : []), ...pidsWithCommandLine(stack.dbDataDir)];
  return treeUsage(roots).cpuMs;
}

function logFile(dir: string, name: string, logs: WriteStream[]): (line: string) => void {
  const stream = createWriteStream(path.join(dir, `${name}.log`), { flags: 'w' });
  logs.push(stream);
  return (line: string) => void stream.write(`${line}\n`);
}

async function startStack(o: Options, logDir: string): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  const logs: WriteStream[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'device-onboarding-bench-'));
  stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const tsx = (entry: string) => [`--import`, 'tsx', path.join(REPO_ROOT, entry)];
  const readyUrl = /^\{.*"url"\s*:\s*"([^"]+)"/;
  try {
    const connector = await startProcess({ name: 'stub-connector', command: process.execPath, args: tsx('bench/stubConnector.ts'), cwd: REPO_ROOT, readyLine: readyUrl, readyTimeoutMs: 30_000, onLine: logFile(logDir, 'connector', logs) });
    stops.push(() => connector.stop());
    const connectorUrl = connector.ready![1];

    // The same embedded database `npm run dev` starts, in a folder of its own.
    let database: EmbeddedFerretDb | undefined;
    const dbDataDir = path.join(dataDir, 'ferretdb');
    let mongoUri = process.env.MONGODB_URI;
    if (!mongoUri) {
      const dbLog = logFile(logDir, 'database', logs);
      database = await startEmbeddedFerretDb({ dataDir: dbDataDir, logger: pino({ level: 'warn' }, { write: (l: string) => dbLog(l.trimEnd()) }) });
      stops.push(() => database!.stop());
      mongoUri = database.uri;
    }
    const client = await MongoClient.connect(mongoUri, { ignoreUndefined: true });
    stops.push(() => client.close());

    const echoProc = await startProcess({
      name: 'echo-bot',
      command: process.execPath,
      args: tsx('bench/echoBot.ts'),
      cwd: REPO_ROOT,
      // With --echo-reads, the echo bot also reads that many documents by `_id` per message from the same database
      // (a database of its own, so it reads what a first turn reads: nothing stored yet).
      env: { ...process.env, PORT: String(await freePort()), ...(o.echoReads ? { ECHO_DB_READS: String(o.echoReads), MONGODB_URI: mongoUri, MONGODB_DB: 'bench_echo_floor' } : {}) },
      readyLine: readyUrl,
      readyTimeoutMs: 30_000,
      onLine: logFile(logDir, 'echo', logs),
    });
    stops.push(() => echoProc.stop());

    const maxSize = Math.max(0, ...o.sizes);
    const perSize = o.pairs * o.connections.length;
    const tenantPath = path.join(dataDir, 'tenant.json');
    writeBenchTenant(tenantPath, { regular: REGULAR_PEOPLE, stored: maxSize, newcomer: perSize * o.freshPerCell, approval: perSize * o.freshPerCell, viewed: VIEWED_REQUESTS });
    const graph = await startGraphSimulatorProcess({ port: await freePort(), tenantPath, env: { ...process.env, LOG_LEVEL: 'warn' }, onLine: logFile(logDir, 'graphsim', logs) });
    stops.push(() => graph.process.stop());

    killTree(echoProc.pid, 'SIGSTOP');
    return {
      connectorUrl,
      channel: { serviceUrl: `${connectorUrl}/` },
      database,
      dbDataDir,
      mongoUri,
      graphUrl: graph.url,
      echo: { target: 'echo', url: echoProc.ready![1], proc: echoProc },
      client,
      logs,
      stops,
    };
  } catch (e) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw e;
  }
}

async function startBot(o: Options, stack: Stack, dbName: string, logDir: string): Promise<Running> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: o.botLogLevel,
    // Profiling the bot under load: e.g. BENCH_BOT_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof".
    ...(process.env.BENCH_BOT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_BOT_NODE_OPTIONS } : {}),
    ...demoBotEnv({ port, graphBaseUrl: stack.graphUrl, mongoUri: stack.mongoUri, mongoDb: dbName }),
  };
  const bot = await startBotProcess({ port, env, onLine: logFile(logDir, dbName, stack.logs) });
  return { target: 'bot', url: bot.url, proc: bot.process };
}

/** Runs one target on one cell: resume, warm up, measure, wait for its after-turn work, pause. */
async function measure(
  run: Running,
  turn: Turn,
  connections: number,
  o: Options,
  stack: Stack,
  db: Db | undefined,
  fresh: { from: number; count: number },
  warmUp: boolean,
  estimate: number | undefined,
): Promise<Sample> {
  const w = workload(turn, stack.channel, fresh);
  // The echo bot answers every card action with its own small card.
  if (run.target === 'echo') w.check = () => true;
  killTree(run.proc.pid, 'SIGCONT');
  try {
    if (warmUp && o.warmupS > 0) {
      const r = await load(run.url, connections, { seconds: o.warmupS }, w, turn);
      estimate ??= (r['2xx'] + r.non2xx) / Math.max(r.answeredSeconds, 0.001);
    }
    await settle(stack, run);
    w.written.clear();
    const before = { proc: treeUsage([run.proc.pid]), db: databaseCpuMs(stack), connector: await connectorStats(stack.connectorUrl) };
    // A fixed number of requests, about --duration's worth at the rate last seen, so every answer is waited for.
    const amount = Math.max(2 * connections, Math.round((estimate ?? 0) * o.durationS));
    const r = await load(run.url, connections, { amount, maxSeconds: Math.max(30, 6 * o.durationS) }, w, turn);
    const rss = treeUsage([run.proc.pid]).rssBytes;
    await settle(stack, run);
    const after = { proc: treeUsage([run.proc.pid]), db: databaseCpuMs(stack), connector: await connectorStats(stack.connectorUrl) };
    const turns = r['2xx'] + r.non2xx;
    return {
      rps: turns / Math.max(r.answeredSeconds, 0.001),
      p50: r.latency.p50,
      p99: r.latency.p99,
      sent: r.requests.sent,
      ok: r['2xx'],
      non2xx: r.non2xx,
      errors: r.errors,
      unfinished: Math.max(0, r.requests.sent - r['2xx'] - r.non2xx - r.errors),
      unexpected: r.unexpected,
      errorCards: after.connector.errorCards - before.connector.errorCards,
      cpuMsPerTurn: turns ? (after.proc.cpuMs - before.proc.cpuMs) / turns : NaN,
      dbCpuMsPerTurn: turns && db && before.db !== undefined && after.db !== undefined ? (after.db - before.db) / turns : undefined,
      rssMb: rss / 2 ** 20,
      lost: db && (turn === 'intake' || turn === 'approve') ? await lostWrites(db, turn, w.written) : undefined,
      wrapped: w.wrapped,
    };
  } finally {
    killTree(run.proc.pid, 'SIGSTOP');
  }
}

/** Idle CPU in % of one core: over the whole window, and over its last step (once a catch-up has ended). */
interface Idle {
  bot: number;
  db?: number;
  lastBot: number;
  lastDb?: number;
}

/** CPU the bot's tree and the database use while nothing is asked of the bot, as % of one core. */
async function idleCpu(bot: Running, stack: Stack, seconds: number, settleS = 1, drainFirst = false): Promise<Idle> {
  killTree(bot.proc.pid, 'SIGCONT');
  try {
    // After the cells: the messages still leaving at the Teams pace go first.
    if (drainFirst) await settle(stack, bot);
    await sleep(settleS * 1000);
    const b0 = treeUsage([bot.proc.pid]).cpuMs;
    const d0 = databaseCpuMs(stack);
    // A line every IDLE_STEP_S seconds in the bench's own output: how long a catch-up lasts, not only its average.
    let last = { at: Date.now(), b: b0, d: d0 };
    let step = { bot: 0, db: undefined as number | undefined };
    for (let left = seconds; left > 0; left -= IDLE_STEP_S) {
      await sleep(Math.min(IDLE_STEP_S, left) * 1000);
      const now = { at: Date.now(), b: treeUsage([bot.proc.pid]).cpuMs, d: databaseCpuMs(stack) };
      const pct = (x: number | undefined, y: number | undefined) => (x !== undefined && y !== undefined ? ((y - x) / (now.at - last.at)) * 100 : undefined);
      step = { bot: pct(last.b, now.b)!, db: pct(last.d, now.d) };
      if (seconds > IDLE_STEP_S) say(`  idle ${String(seconds - left + Math.min(IDLE_STEP_S, left)).padStart(4)} s: bot ${fmt(step.bot, 1)}%, database ${fmt(step.db, 1)}%`);
      last = now;
    }
    const b1 = last.b;
    const d1 = last.d;
    return { bot: ((b1 - b0) / (seconds * 1000)) * 100, db: d0 !== undefined && d1 !== undefined ? ((d1 - d0) / (seconds * 1000)) * 100 : undefined, lastBot: step.bot, lastDb: step.db };
  } finally {
    killTree(bot.proc.pid, 'SIGSTOP');
  }
}

interface Cell {
  turn: Turn;
  connections: number;
  size: number;
  echo: Sample[];
  bot: Sample[];
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const spread = (xs: number[], digits: number) => (xs.length > 1 ? ` [${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}]` : '');
const ratioDigits = (x: number) => (x < 0.1 ? 3 : 2);

function sumOf(samples: Sample[], f: (s: Sample) => number | undefined): number {
  return samples.reduce((a, s) => a + (f(s) ?? 0), 0);
}

function report(o: Options, cells: Cell[], idle: Map<number, Idle>, idleAfter: Map<number, Idle>, meta: { started: Date; seconds: number; database: string }): string {
  const lines: string[] = [];
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  lines.push(
    o.echoReads
      ? `# Side-by-side benchmark: the bot ÷ a bare botbuilder echo bot that reads ${o.echoReads} document(s) by \`_id\` per message (the floor of a turn that consults its database)`
      : `# Side-by-side benchmark: the bot ÷ a bare botbuilder echo bot`,
  );
  lines.push('');
  lines.push(
    `${meta.started.toISOString()} · commit ${commit} · ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} · ${meta.database} · ${o.pairs} alternating pair(s) per cell, ${o.durationS} s measured (after ${o.warmupS} s of warm-up in the first pair) · took ${Math.round(meta.seconds)} s`,
  );
  lines.push('');
  lines.push('Ratios are bot ÷ echo per pair: median, and [min–max] over the pairs. Throughput is answered requests per second; p99 is the latency of the answer to the HTTP POST (for a message, after the bot\'s replies reached the connector). CPU is user + system time from /proc per answered request, the database\'s including the work the bot triggered after answering. Errors: connection errors and timeouts / non-2xx / unexpected answers (an error card, or not the card the turn should give) / error cards sent to the connector / requests unanswered when the window closed. Lost: writes the bot acknowledged that the database does not hold (intake: a conversation reference per new person; approve: the approval).');
  lines.push('');
  lines.push('| Turn | Conn. | Stored | Echo req/s | Bot req/s | Throughput ratio | Echo p99 ms | Bot p99 ms | p99 ratio | Bot CPU ms/turn | Echo CPU ms/turn | DB CPU ms/turn | Bot RSS MB | Bot errors | Echo errors | Lost |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|');
  const notes: string[] = [];
  let lateCells = 0;
  for (const c of cells) {
    const pairs = Math.min(c.echo.length, c.bot.length);
    if (!pairs) continue;
    const thr = Array.from({ length: pairs }, (_, i) => c.bot[i].rps / c.echo[i].rps);
    const p99 = Array.from({ length: pairs }, (_, i) => c.bot[i].p99 / c.echo[i].p99);
    const m = (xs: Sample[], f: (s: Sample) => number | undefined) => {
      const v = xs.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
      return v.length ? median(v) : undefined;
    };
    const errs = (xs: Sample[]) => `${sumOf(xs, (s) => s.errors)} / ${sumOf(xs, (s) => s.non2xx)} / ${sumOf(xs, (s) => s.unexpected)} / ${sumOf(xs, (s) => s.errorCards)} / ${sumOf(xs, (s) => s.unfinished)}`;
    // A request still unanswered when the window closed took longer than the reported p99 may suggest.
    const late = (xs: Sample[]) => (xs.some((s) => s.unfinished > 0.01 * s.sent) ? '*' : '');
    if (late(c.bot) || late(c.echo)) lateCells++;
    const lost = c.bot.some((s) => s.lost !== undefined) ? String(sumOf(c.bot, (s) => s.lost)) : '–';
    if (c.bot.some((s) => s.wrapped)) notes.push(`${TURN_LABEL[c.turn]}, ${c.connections} conn., ${c.size} stored: the fresh ${c.turn === 'approve' ? 'requests' : 'people'} of a cell ran out and some were used twice (raise --fresh, now ${o.freshPerCell}).`);
    const tm = median(thr);
    const pm = median(p99);
    lines.push(
      `| ${TURN_LABEL[c.turn]} | ${c.connections} | ${c.size.toLocaleString('en')} | ${fmt(m(c.echo, (s) => s.rps))} | ${fmt(m(c.bot, (s) => s.rps), 1)} | ${fmt(tm, ratioDigits(tm))}${spread(thr, ratioDigits(tm))} | ${fmt(m(c.echo, (s) => s.p99))}${late(c.echo)} | ${fmt(m(c.bot, (s) => s.p99))}${late(c.bot)} | ${fmt(pm, 1)}${spread(p99, 1)} | ${fmt(m(c.bot, (s) => s.cpuMsPerTurn), 1)} | ${fmt(m(c.echo, (s) => s.cpuMsPerTurn), 2)} | ${fmt(m(c.bot, (s) => s.dbCpuMsPerTurn), 1)} | ${fmt(m(c.bot, (s) => s.rssMb))} | ${errs(c.bot)} | ${errs(c.echo)} | ${lost} |`,
    );
  }
  const sizes = [...new Set(cells.map((c) => c.size))].sort((a, b) => a - b);
  if (sizes.length > 1 && sizes[0] === 0) {
    lines.push('');
    lines.push(
      'Flat as data grows: the bot\'s throughput with N stored requests ÷ with none, each taken as its median ratio to the echo bot run beside it (the sizes run minutes apart and the machine\'s speed drifts in between), and in requests per second alone.',
    );
    lines.push('');
    lines.push(`| Turn | Conn. | ${sizes.slice(1).map((s) => `${s.toLocaleString('en')} stored, against the echo bot | ${s.toLocaleString('en')} stored, req/s alone`).join(' | ')} |`);
    lines.push(`|---|---:|${sizes.slice(1).map(() => '---:|---:').join('|')}|`);
    for (const turn of o.turns) {
      for (const conn of o.connections) {
        const base = cells.find((c) => c.turn === turn && c.connections === conn && c.size === 0);
        if (!base?.bot.length) continue;
        const row = sizes.slice(1).map((size) => {
          const c = cells.find((x) => x.turn === turn && x.connections === conn && x.size === size);
          return c?.bot.length ? `${fmt(flatness(c, base), 2)} | ${fmt(flatnessAlone(c, base), 2)}` : '– | –';
        });
        lines.push(`| ${TURN_LABEL[turn]} | ${conn} | ${row.join(' | ')} |`);
      }
    }
  }
  if (idle.size) {
    lines.push('');
    lines.push(
      `Idle: CPU while the bot runs and nothing is asked of it, in % of one core: just after start-up (which includes the catch-up on the stored requests: their approval timers, the first people check), its last ${IDLE_STEP_S} s (the catch-up over: a quiet company), and after the cells, once the bench saw their messages stop and two leases passed. After approve cells that last window is not quiet: every approval also edits the one manager's card and tells the one IT channel, and Teams lets a bot send 60 messages per 30 s and 1,800 an hour into one conversation, so those messages keep leaving in bursts long after the cells.`,
    );
    lines.push('');
    lines.push(`| Stored | Bot after start-up | Database after start-up | Bot, last ${IDLE_STEP_S} s | Database, last ${IDLE_STEP_S} s | Bot after the cells | Database after the cells |`);
    lines.push('|---:|---:|---:|---:|---:|---:|---:|');
    for (const [size, u] of [...idle.entries()].sort((a, b) => a[0] - b[0])) {
      const later = idleAfter.get(size);
      lines.push(`| ${size.toLocaleString('en')} | ${fmt(u.bot, 1)} | ${fmt(u.db, 1)} | ${fmt(u.lastBot, 1)} | ${fmt(u.lastDb, 1)} | ${fmt(later?.bot, 1)} | ${fmt(later?.db, 1)} |`);
    }
  }

  if (!o.echoReads) {
    lines.push('');
    lines.push('Targets (the bot against the bare echo bot in this run). Where one is missed, the last column gives the CPU this run measured for those turns: on a machine whose cores are all busy, that is what bounds them.');
    lines.push('');
    lines.push(...targetTable(verdicts(cells, new Map([...idle.entries()].map(([size, u]) => [size, u.lastDb])))));
  }

  if (lateCells) notes.push('\\* More than 1% of the requests were still unanswered when the measured window closed: the real p99 is higher than shown.');
  if (notes.length) {
    lines.push('');
    for (const n of notes) lines.push(`- ${n}`);
  }
  lines.push('');
  lines.push(`Command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`; every stored size also holds the requests and people its own cells added (up to ${o.freshPerCell} per intake or approve cell).`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const o = options();
  const started = new Date();
  const logDir = path.join(path.dirname(o.out), 'logs');
  mkdirSync(logDir, { recursive: true });
  const cellsPerSize = o.pairs * o.connections.length * o.turns.length * 2;
  say(`${o.sizes.length} stored size(s) × ${cellsPerSize} runs of ${o.warmupS + o.durationS} s; logs in ${path.relative(REPO_ROOT, logDir)}/`);
  const stack = await startStack(o, logDir);
  const cells: Cell[] = [];
  const idle = new Map<number, Idle>();
  const idleAfter = new Map<number, Idle>();
  let bot: Running | undefined;
  const stopAll = async () => {
    if (bot) {
      killTree(bot.proc.pid, 'SIGCONT');
      await bot.proc.stop().catch(() => undefined);
    }
    killTree(stack.echo.proc.pid, 'SIGCONT');
    for (const s of stack.stops.reverse()) await s().catch((e: unknown) => say(`stop failed: ${(e as Error).message}`));
    for (const l of stack.logs) l.end();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    for (const size of o.sizes) {
      const dbName = `bench_${size}_${process.pid}`;
      const db = stack.client.db(dbName);
      await ensureIndexes(db);
      const seeded = Date.now();
      await seedPendingRequests(db, stack.channel, 'stored', 0, size);
      await seedPendingRequests(db, stack.channel, 'viewed', 0, VIEWED_REQUESTS);
      say(`${size} stored requests and references written in ${((Date.now() - seeded) / 1000).toFixed(1)} s; starting the bot`);
      bot = await startBot(o, stack, dbName, logDir);
      killTree(bot.proc.pid, 'SIGSTOP');
      if (o.idleS > 0) idle.set(size, await idleCpu(bot, stack, o.idleS));
      for (let pair = 0; pair < o.pairs; pair++) {
        for (const [ci, connections] of o.connections.entries()) {
          for (const [ti, turn] of o.turns.entries()) {
            let cell = cells.find((c) => c.turn === turn && c.connections === connections && c.size === size);
            if (!cell) cells.push((cell = { turn, connections, size, echo: [], bot: [] }));
            // Each (pair, connections) has its own range of new people (intake) and new requests (approve).
            const fresh = { from: (pair * o.connections.length + ci) * o.freshPerCell, count: o.freshPerCell };
            if (turn === 'approve') {
              // As many requests as the bot approved in the last pair, twice over; all of --fresh the first time.
              const last = cell.bot.at(-1)?.rps;
              if (last !== undefined) fresh.count = Math.min(o.freshPerCell, Math.ceil(last * (o.warmupS + o.durationS) * 2) + 50);
              await seedPendingRequests(db, stack.channel, 'approval', fresh.from, fresh.count);
            }
            // Alternate which goes first, so drift over time does not favour one side.
            const order: Running[] = (pair + ti) % 2 === 0 ? [stack.echo, bot] : [bot, stack.echo];
            for (const run of order) {
              // Warm-up (JIT, connections, caches) in the first pair only; later pairs find the processes warm.
              const s = await measure(run, turn, connections, o, stack, run.target === 'bot' ? db : undefined, fresh, pair === 0, cell[run.target].at(-1)?.rps);
              cell[run.target].push(s);
              say(
                `${run.target.padEnd(4)} ${turn.padEnd(7)} ${String(connections).padStart(3)} conn ${String(size).padStart(6)} stored  pair ${pair + 1}: ${s.rps.toFixed(1)} req/s, p99 ${s.p99} ms, errors ${s.errors}/${s.non2xx}/${s.unexpected}/${s.errorCards}, unfinished ${s.unfinished}${s.lost ? `, LOST ${s.lost}` : ''}`,
              );
            }
          }
        }
      }
      // Idle again once the cells' after-turn work and the start-up catch-up (timers of the stored requests, the
      // first people check) are done: what a quiet company costs.
      // The last approvals' jobs fire once more a lease after their announcement (see JobQueue.finish), so the
      // bot first runs undisturbed for two leases and a little more.
      if (o.idleS > 0) idleAfter.set(size, await idleCpu(bot, stack, o.idleS, 2 * LEASE_SECONDS + 5, true));
      killTree(bot.proc.pid, 'SIGCONT');
      await bot.proc.stop();
      bot = undefined;
      await db.dropDatabase().catch(() => undefined);
    }
    const database = stack.database ? `embedded FerretDB on ${stack.database.backend} (startEmbeddedFerretDb)` : 'MONGODB_URI';
    const md = report(o, cells, idle, idleAfter, { started, seconds: (Date.now() - started.getTime()) / 1000, database });
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(o.out, md);
    console.log(`\n${md}`);
    say(`written to ${path.relative(REPO_ROOT, o.out)}`);
  } finally {
    await stopAll();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
