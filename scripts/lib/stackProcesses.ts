/**
 * Starting the pieces of the local stack as child processes: the Graph simulator, the bot and the Microsoft
 * 365 Agents Playground. Used by `npm run dev` and by the end-to-end harness.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PLAYGROUND_CONFIG_PATH, REPO_ROOT } from './demoEnvironment';
import { startProcess, waitForHttp, type ManagedProcess } from './processes';

/** A started HTTP server process and its base URL. */
export interface ServiceProcess {
  process: ManagedProcess;
  url: string;
  port: number;
}

type LineSink = (line: string, stream: 'stdout' | 'stderr') => void;

/** Runs a TypeScript entry point with Node and the tsx loader: one process, unlike `npx tsx` (npx → tsx → node). */
function tsxCommand(entry: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', entry] };
}

/** Starts `graphsim/main.ts` and waits for its JSON ready line with the URL. */
export async function startGraphSimulatorProcess(options: { port: number; tenantPath: string; env?: NodeJS.ProcessEnv; onLine?: LineSink }): Promise<ServiceProcess> {
  const { command, args } = tsxCommand(path.join(REPO_ROOT, 'graphsim', 'main.ts'));
  const proc = await startProcess({
    name: 'graphsim',
    command,
    args: [...args, '--port', String(options.port), '--tenant', options.tenantPath],
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    readyLine: /^\{.*"url"\s*:\s*"([^"]+)"/,
    readyTimeoutMs: 30000,
    onLine: options.onLine,
  });
  const url = proc.ready![1];
  return { process: proc, url, port: Number(new URL(url).port) };
}

/** Options for {@link startBotProcess}. */
export interface StartBotOptions {
  port: number;
  /** Complete environment for the bot (PORT must match `port`). */
  env: NodeJS.ProcessEnv;
  onLine?: LineSink;
  readyTimeoutMs?: number;
  /** Entry point; defaults to bot/index.ts run through tsx. */
  entry?: string;
}

/** Starts the bot and waits until GET /readyz answers 200 (database and Graph reachable). */
export async function startBotProcess(options: StartBotOptions): Promise<ServiceProcess> {
  const entry = options.entry ?? path.join(REPO_ROOT, 'bot', 'index.ts');
  const { command, args } = entry.endsWith('.ts') ? tsxCommand(entry) : { command: process.execPath, args: [entry] };
  const proc = await startProcess({ name: 'bot', command, args, cwd: REPO_ROOT, env: options.env, onLine: options.onLine });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHttp(`${url}/readyz`, {
      timeoutMs: options.readyTimeoutMs ?? 60000,
      giveUp: () => (proc.hasExited() ? `the bot exited; output:\n${proc.outputTail()}` : undefined),
    });
  } catch (error) {
    await proc.stop(1000);
    throw error;
  }
  return { process: proc, url, port: options.port };
}

/** Options for {@link startPlaygroundProcess}. */
export interface StartPlaygroundOptions {
  /** Requested port; the playground silently takes another when it is busy, so read `port` from the result. */
  port: number;
  botEndpoint: string;
  configPath?: string;
  /** The playground writes its errors here, not to stdout (a bad config shows only in this file). */
  logFile: string;
  onLine?: LineSink;
  env?: NodeJS.ProcessEnv;
}

/** The playground CLI shipped by @microsoft/m365agentsplayground. */
export function playgroundCli(): string {
  return path.join(path.dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
}

/** Starts the Agents Playground (Teams channel, telemetry off, no browser) and waits for "Listening on <port>". */
export async function startPlaygroundProcess(options: StartPlaygroundOptions): Promise<ServiceProcess> {
  const configPath = options.configPath ?? PLAYGROUND_CONFIG_PATH;
  if (!existsSync(configPath)) throw new Error(`playground config ${configPath} does not exist`);
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logTail = () => (existsSync(options.logFile) ? `--- ${options.logFile} (tail) ---\n${readFileSync(options.logFile, 'utf8').slice(-3000)}` : '');
  const proc = await startProcess({
    name: 'playground',
    command: process.execPath,
    args: [playgroundCli(), '-e', options.botEndpoint, '-c', 'msteams', '--dt', '-p', String(options.port)],
    cwd: REPO_ROOT,
    env: {
      ...(options.env ?? process.env),
      // Without this the CLI spawns xdg-open to show a browser, and exits when that fails.
      TEAMSAPPTESTER_BROWSER: 'none',
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
      M365_AGENTS_PLAYGROUND_LOGFILE: options.logFile,
    },
    readyLine: /Listening on (\d+)/,
    readyTimeoutMs: 30000,
    onLine: options.onLine,
    describeFailure: logTail,
  });
  const port = Number(proc.ready![1]);
  const url = `http://localhost:${port}`;
  // "Listening on" comes before the config is validated; a bad config exits right after it.
  try {
    await waitForHttp(`${url}/_debug/ping`, {
      timeoutMs: 15000,
      giveUp: () => (proc.hasExited() ? `the playground exited (a bad config shows only in its log)\n${logTail()}` : undefined),
    });
  } catch (error) {
    await proc.stop(1000);
    throw error;
  }
  return { process: proc, url, port };
}
