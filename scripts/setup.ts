/**
 * `npm run setup` (and `pretest` with --test): makes sure the tools outside npm are present. Idempotent and
 * quick when they are: FerretDB (built into .data/bin/ferretdb when none is found), PostgreSQL for its default
 * backend (Debian's package, when EMBEDDED_DB_BACKEND is not sqlite), the Teams tab (tab/dist, built when missing
 * or older than its sources) and, with --test, Debian's Chromium for the end-to-end tests.
 */
import { ChromiumUnavailableError, ensureChromium } from './lib/chromium';
import { buildFerretDb, FerretDbBuildError } from './lib/ferretDbBuild';
import { ensurePostgres, PostgresUnavailableError } from './lib/postgresql';
import { buildTab, TabBuildError } from './lib/tabBuild';
import {
  defaultFerretDbInstallPath,
  EmbeddedBackendError,
  embeddedBackendFromEnv,
  FerretDbNotFoundError,
  ferretDbVersionOf,
  findFerretDbBinary,
} from '../services/db/embeddedFerretDb';
import { PostgresNotFoundError } from '../services/db/embeddedPostgres';

const log = (line: string) => console.log(`[setup] ${line}`);

/** Finds FerretDB or builds it; returns the binary in use. */
async function ensureFerretDb(): Promise<string> {
  try {
    return findFerretDbBinary();
  } catch (error) {
    if (!(error instanceof FerretDbNotFoundError) || process.env.FERRETDB_BIN) throw error;
  }
  const target = defaultFerretDbInstallPath();
  const started = Date.now();
  log(`FerretDB not found; building it into ${target}`);
  await buildFerretDb(target, log);
  log(`FerretDB built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return findFerretDbBinary();
}

async function main(): Promise<void> {
  const started = Date.now();
  const withTest = process.argv.includes('--test');
  if (process.env.MONGODB_URI) {
    log('MONGODB_URI is set: the embedded FerretDB is not needed');
  } else {
    const backend = embeddedBackendFromEnv();
    const binary = await ensureFerretDb();
    log(`FerretDB ${ferretDbVersionOf(binary)} at ${binary}`);
    if (backend === 'postgresql') log(`PostgreSQL server binaries in ${await ensurePostgres(log)}`);
    else log('EMBEDDED_DB_BACKEND=sqlite: PostgreSQL is not needed');
  }
  const tabStarted = Date.now();
  if (buildTab({ ifStale: true })) log(`Teams tab built into tab/dist in ${Date.now() - tabStarted} ms`);
  if (withTest) {
    const chromium = await ensureChromium(log);
    log(`Chromium ${chromium}`);
  }
  log(`ready in ${Date.now() - started} ms`);
}

main().catch((error: unknown) => {
  const known =
    error instanceof FerretDbBuildError ||
    error instanceof FerretDbNotFoundError ||
    error instanceof ChromiumUnavailableError ||
    error instanceof PostgresUnavailableError ||
    error instanceof PostgresNotFoundError ||
    error instanceof EmbeddedBackendError ||
    error instanceof TabBuildError;
  console.error(`[setup] ${known ? (error as Error).message : error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
