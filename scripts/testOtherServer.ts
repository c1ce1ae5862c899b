/**
 * `npm run test:other-server`: the whole test suite against a MongoDB-compatible server the tests did not start,
 * reached through MONGODB_URI exactly as a deployment reaches MongoDB, Atlas or Cosmos DB.
 *
 * With MONGODB_URI set, that server is used as it is (point it at MongoDB 6+ or Atlas to run the suite there).
 * Without it, a separate FerretDB on its SQLite backend is started in a temporary folder: another storage engine
 * than the embedded default (PostgreSQL), with its own query pushdown and one writer at a time, so the suite
 * shows that nothing depends on the default's indexes or concurrency. Extra arguments go to mocha (a file, -g).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../bot/logger';
import { startEmbeddedFerretDb, type EmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { REPO_ROOT } from './lib/demoEnvironment';

const SUITE = ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'];

async function main(): Promise<number> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
  const args = process.argv.slice(2);
  let server: EmbeddedFerretDb | undefined;
  let dataDir: string | undefined;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'device-onboarding-other-server-'));
    server = await startEmbeddedFerretDb({ dataDir, backend: 'sqlite', logger });
    uri = server.uri;
    logger.info({ uri }, 'FerretDB on SQLite started for the suite');
  }
  try {
    const mocha = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const child = spawn(process.execPath, [mocha, ...(args.length ? args : SUITE)], { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, MONGODB_URI: uri } });
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test:other-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
