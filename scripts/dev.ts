/**
 * `npm run dev`: the whole bot on one machine, no Azure needed. Runs setup, then starts the embedded FerretDB
 * (unless MONGODB_URI), the Graph simulator (unless Graph credentials are set), the bot, and the Microsoft 365
 * Agents Playground; stops them all on Ctrl-C or SIGTERM. A `.env` file at the repository root is honoured
 * (the shell's variables win).
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { DEMO_TENANT, DEMO_TENANT_PATH, demoBotEnv, readPlaygroundConfig, REPO_ROOT } from './lib/demoEnvironment';
import { loadDotEnv } from './lib/dotenv';
import { prefixedPrinter } from './lib/logFormat';
import { freePort, isPortFree } from './lib/ports';
import { onLauncherExit, type ManagedProcess } from './lib/processes';
import { startBotProcess, startGraphSimulatorProcess, startPlaygroundProcess } from './lib/stackProcesses';
import { DEV_STACK_FILE } from './lib/devStackFile';
import { startEmbeddedFerretDb, type EmbeddedFerretDb } from '../services/db/embeddedFerretDb';

const PLAYGROUND_PORT = Number(process.env.PLAYGROUND_PORT ?? 56150);
const GRAPHSIM_PORT = Number(process.env.GRAPHSIM_PORT ?? 5990);
const say = prefixedPrinter('dev');

/** Things to stop, newest first. */
const stoppers: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const s of stoppers.reverse()) {
      await s.stop().catch((e: unknown) => say(`could not stop ${s.name}: ${(e as Error).message}`));
    }
  }
  process.exit(code);
}

/** Ends the dev session when a child dies on its own, rather than leaving a half-working stack. */
function watch(proc: ManagedProcess): void {
  void proc.exited.then((code) => {
    if (stopping) return;
    say(`${proc.name} exited with code ${code}; stopping everything`);
    void stopAll(1);
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const applied = loadDotEnv(path.join(REPO_ROOT, '.env'));
  if (applied.length) say(`.env: ${applied.length} settings read (variables already set in the shell win)`);
  process.once('SIGINT', () => void stopAll(130));
  process.once('SIGTERM', () => void stopAll(143));
  onLauncherExit(() => {
    say('npm (or tsx) exited; stopping everything');
    void stopAll(143);
  });

  const setup = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'setup.ts')], { stdio: 'inherit', cwd: REPO_ROOT });
  if (setup.status !== 0) await stopAll(setup.status ?? 1);

  let mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) {
    const printDb = prefixedPrinter('ferretdb');
    const logger = pino({ level: 'warn' }, { write: (line: string) => printDb(line.trimEnd()) });
    const db: EmbeddedFerretDb = await startEmbeddedFerretDb({ dataDir: path.join(REPO_ROOT, '.data', 'ferretdb'), logger, port: Number(process.env.FERRETDB_PORT ?? 0) });
    stoppers.push({ name: 'ferretdb', stop: db.stop });
    mongoUri = db.uri;
    say(`FerretDB ready at ${db.uri} (data in .data/ferretdb) after ${Date.now() - started} ms`);
  }

  let graphBaseUrl = process.env.GRAPH_BASE_URL ?? 'https://graph.microsoft.com';
  if (!(process.env.GRAPH_CLIENT_ID && process.env.GRAPH_CLIENT_SECRET)) {
    // A second dev session (or a simulator started by hand) may hold the usual port; any port will do.
    const port = (await isPortFree(GRAPHSIM_PORT)) ? GRAPHSIM_PORT : await freePort();
    const graph = await startGraphSimulatorProcess({ port, tenantPath: DEMO_TENANT_PATH, onLine: prefixedPrinter('graphsim') });
    stoppers.push({ name: 'graphsim', stop: () => graph.process.stop() });
    watch(graph.process);
    graphBaseUrl = graph.url;
    say(`Graph simulator ready at ${graph.url} (tenant ${DEMO_TENANT.tenantId})`);
  }

  const botPort = Number(process.env.PORT ?? 3978);
  const playgroundConfig = readPlaygroundConfig();
  const demo = demoBotEnv({ port: botPort, graphBaseUrl, mongoUri, playground: playgroundConfig });
  // Non-empty settings from the shell and .env win over the demo defaults (an empty `KEY=` copied from
  // .env.example must not blank a demo group id), except for what this script itself started.
  const overrides = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''));
  const env: NodeJS.ProcessEnv = { ...demo, ...overrides, PORT: String(botPort), MONGODB_URI: mongoUri, GRAPH_BASE_URL: graphBaseUrl };
  // botbuilder insists on an app id for SingleTenant even when authentication is off (no app id).
  if (!env.MicrosoftAppId) env.MicrosoftAppType = 'MultiTenant';
  const bot = await startBotProcess({ port: botPort, env, onLine: prefixedPrinter('bot') });
  stoppers.push({ name: 'bot', stop: () => bot.process.stop() });
  watch(bot.process);
  say(`bot ready at ${bot.url} (/readyz 200)`);
  say(
    env.TAB_DEV_SIGN_IN_URL
      ? `Teams tab: ${bot.url}/tab/host.html (a local Teams host: pick a demo user and a theme)`
      : `Teams tab: ${bot.url}/tab/ (open it in Teams; sign-in needs TAB_SSO_ISSUER and TAB_SSO_AUDIENCE)`,
  );

  const playground = await startPlaygroundProcess({
    port: PLAYGROUND_PORT,
    botEndpoint: `http://localhost:${botPort}/api/messages`,
    logFile: path.join(REPO_ROOT, 'devTools', 'm365agentsplayground.log'),
    onLine: prefixedPrinter('playground'),
  });
  stoppers.push({ name: 'playground', stop: () => playground.process.stop() });
  watch(playground.process);
  if (playground.port !== PLAYGROUND_PORT) say(`port ${PLAYGROUND_PORT} was busy; the playground took ${playground.port}`);

  // Where this stack runs, for `npm run act` (acting as the manager or IT Security in the demo).
  writeFileSync(DEV_STACK_FILE, JSON.stringify({ mongoUri, mongoDb: env.MONGODB_DB ?? 'device_onboarding', playgroundUrl: playground.url, botUrl: bot.url }, null, 2));
  stoppers.push({ name: 'stack file', stop: async () => rmSync(DEV_STACK_FILE, { force: true }) });

  say(`Open ${playground.url} in your browser (you are ${playgroundConfig.currentUser.name}; IT channel "${playgroundConfig.team.name} - ${playgroundConfig.team.channels[0]?.name}")`);
  say('Act as the manager or IT Security from another terminal: npm run act -- megan approve | megan deny "reason" | lynne confirm');
  say(`Stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything; playground log: devTools/m365agentsplayground.log`);
}

main().catch(async (error: unknown) => {
  say(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await stopAll(1);
});
