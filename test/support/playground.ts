/**
 * End-to-end harness: the whole stack as a person meets it. The database comes from the mocha root hook
 * (MONGODB_URI), the Graph simulator runs in this process, the bot runs as a child process exactly as
 * deployed, and the Agents Playground is the Teams client, driven through its UI ({@link PlaygroundPage})
 * or its API ({@link PlaygroundApi}).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { startGraphSimulator, type RunningGraphSimulator } from '../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../graphsim/tenantFixture';
import { DEMO_TENANT_PATH, demoBotEnv, readPlaygroundConfig, REPO_ROOT, type PlaygroundConfig } from '../../scripts/lib/demoEnvironment';
import { killTree } from '../../scripts/lib/processes';
import { startBotProcess, startPlaygroundProcess, type ServiceProcess } from '../../scripts/lib/stackProcesses';
import { freePort } from './freePort';
import { BotFrameStream, LogStream, PlaygroundApi } from './playgroundApi';
import { PlaygroundPage } from './playgroundPage';
import { testClient, uniqueDbName } from './testDb';

export { BotFrameStream, LogStream, PlaygroundApi, PlaygroundPage };

/** Where e2e screenshots and child-process logs go (git-ignored). */
export const TEST_RESULTS_DIR = path.join(REPO_ROOT, 'test-results');

/** Options for {@link startE2eStack}. */
export interface E2eStackOptions {
  /** Subfolder of test-results/ for this suite's screenshots and logs. */
  name: string;
  /** Extra or overriding environment for the bot (e.g. IT_REVIEW_MODE). */
  botEnv?: Record<string, string>;
  /** Playground config file; defaults to the repository's .m365agentsplayground.yml. */
  playgroundConfigPath?: string;
  /** Bot entry point; defaults to bot/index.ts (dist/bot/index.js tests the build). */
  botEntry?: string;
}

/** A running stack; stop it in `after()`. */
export interface E2eStack {
  config: PlaygroundConfig;
  graph: RunningGraphSimulator;
  bot: ServiceProcess;
  playground: ServiceProcess;
  api: PlaygroundApi;
  /** The bot's database (unique per stack, dropped on stop). */
  dbName: string;
  artifactsDir: string;
  /** Opens a headless Chromium on the playground; the page load installs the app, so the welcome follows. */
  openPage(): Promise<PlaygroundPage>;
  /** Connects to the bot → user message stream (close it when done). */
  botFrames(): Promise<BotFrameStream>;
  /** Connects to the activity log stream, needed to act as another user (close it when done). */
  activityLog(): Promise<LogStream>;
  /** Kills the bot process with `signal` (SIGKILL: no shutdown code runs) and starts a new one on the same port. */
  restartBot(signal?: NodeJS.Signals): Promise<void>;
  /** Stops everything it started, in reverse order; safe after a failed start. */
  stop(): Promise<void>;
}

/** Writes a child's output lines to a log file, so a failing test can be read afterwards. */
function lineFile(file: string): { sink: (line: string) => void; stream: WriteStream } {
  const stream = createWriteStream(file, { flags: 'w' });
  return { sink: (line: string) => stream.write(`${line}\n`), stream };
}

/**
 * Starts Graph simulator → bot → playground on free ports. Logs land in test-results/<name>/ (bot.log,
 * playground.log); the bot is ready when /readyz answers 200.
 */
export async function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  const mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) throw new Error('MONGODB_URI is not set: the mocha root hook (test/hooks.ts) starts the embedded FerretDB, or run `npm run setup`');
  const artifactsDir = path.join(TEST_RESULTS_DIR, options.name);
  mkdirSync(artifactsDir, { recursive: true });
  const config = readPlaygroundConfig(options.playgroundConfigPath);
  const dbName = uniqueDbName(`e2e_${options.name}`);
  const stops: (() => Promise<void>)[] = [];
  const files: WriteStream[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
    for (const f of files.splice(0)) f.end();
  };

  try {
    const graph = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(DEMO_TENANT_PATH) });
    stops.push(() => graph.close());

    const botPort = await freePort();
    const botLog = lineFile(path.join(artifactsDir, 'bot.log'));
    files.push(botLog.stream);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.E2E_BOT_LOG_LEVEL ?? 'info',
      ...demoBotEnv({ port: botPort, graphBaseUrl: graph.url, mongoUri, mongoDb: dbName, playground: config }),
      ...options.botEnv,
    };
    const startBot = () => startBotProcess({ port: botPort, env, onLine: botLog.sink, entry: options.botEntry ?? process.env.E2E_BOT_ENTRY });
    let bot = await startBot();
    stops.push(() => bot.process.stop());
    stops.push(async () => {
      await (await testClient()).db(dbName).dropDatabase();
    });

    const playgroundLog = lineFile(path.join(artifactsDir, 'playground-stdout.log'));
    files.push(playgroundLog.stream);
    const playground = await startPlaygroundProcess({
      port: await freePort(),
      botEndpoint: `http://localhost:${botPort}/api/messages`,
      configPath: options.playgroundConfigPath,
      logFile: path.join(artifactsDir, 'playground.log'),
      onLine: playgroundLog.sink,
    });
    stops.push(() => playground.process.stop());

    const api = new PlaygroundApi(playground.url, config);
    const pages: PlaygroundPage[] = [];
    const streams: { close(): void }[] = [];
    stops.push(async () => {
      for (const s of streams) s.close();
      for (const p of pages) await p.close();
    });
    const stack: E2eStack = {
      config,
      graph,
      bot,
      playground,
      api,
      dbName,
      artifactsDir,
      async restartBot(signal: NodeJS.Signals = 'SIGKILL') {
        killTree(bot.process.pid, signal);
        await bot.process.exited;
        bot = await startBot();
        stack.bot = bot;
      },
      async openPage() {
        const page = await PlaygroundPage.open(playground.url, { artifactsDir });
        pages.push(page);
        return page;
      },
      async botFrames() {
        const s = await BotFrameStream.open(playground.url);
        streams.push(s);
        return s;
      },
      async activityLog() {
        const s = await LogStream.open(playground.url);
        streams.push(s);
        return s;
      },
      stop,
    };
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}
