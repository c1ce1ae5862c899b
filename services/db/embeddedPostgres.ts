import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logging/logger';
import { freePort } from '../net/ports';
import { spawnGuarded } from './guardedProcess';

const execFileAsync = promisify(execFile);

/** No PostgreSQL server binaries were found; the message says where we looked and how to install them. */
export class PostgresNotFoundError extends Error {
  constructor(
    message: string,
    readonly searched: readonly string[],
  ) {
    super(message);
    this.name = 'PostgresNotFoundError';
  }
}

/** The private cluster could not be created or did not start; carries the tail of PostgreSQL's output. */
export class PostgresStartError extends Error {
  constructor(
    message: string,
    readonly outputTail = '',
  ) {
    super(outputTail ? `${message}\n--- PostgreSQL output (tail) ---\n${outputTail}` : message);
    this.name = 'PostgresStartError';
  }
}

/** The system user a root process runs the cluster as (Debian's `postgresql` package creates it). */
export const POSTGRES_SYSTEM_USER = 'postgres';
/** The cluster's superuser, the role FerretDB connects as (trust authentication, loopback only). */
const CLUSTER_ROLE = 'ferretdb';
/** Longest unix socket directory PostgreSQL can use (sun_path is 108 bytes, the file name takes ~18). */
const MAX_SOCKET_DIR = 88;

/**
 * The folder with `initdb`, `pg_ctl` and `postgres`: $POSTGRES_BIN_DIR, else the newest
 * /usr/lib/postgresql/<major>/bin (Debian's layout), else `pg_config --bindir`.
 */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const hasServer = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'));
  const searched: string[] = [];
  if (env.POSTGRES_BIN_DIR) {
    if (hasServer(env.POSTGRES_BIN_DIR)) return env.POSTGRES_BIN_DIR;
    throw new PostgresNotFoundError(`POSTGRES_BIN_DIR=${env.POSTGRES_BIN_DIR} has no initdb and postgres`, [env.POSTGRES_BIN_DIR]);
  }
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian) ? readdirSync(debian).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const dir = path.join(debian, major, 'bin');
    searched.push(dir);
    if (hasServer(dir)) return dir;
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    searched.push(dir);
    if (hasServer(dir)) return dir;
  } catch {
    searched.push('pg_config (not on PATH)');
  }
  throw new PostgresNotFoundError(
    `No PostgreSQL server binaries found (looked at ${searched.join(', ') || debian}). Run \`npm run setup\` (it installs Debian's postgresql package), ` +
      'set EMBEDDED_DB_BACKEND=sqlite, or set MONGODB_URI to an existing MongoDB-compatible server.',
    searched,
  );
}

/** Who runs the cluster: ourselves, or (as root, which PostgreSQL refuses) the `postgres` system user. */
function clusterUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', POSTGRES_SYSTEM_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', POSTGRES_SYSTEM_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new PostgresStartError(
      `PostgreSQL refuses to run as root and there is no "${POSTGRES_SYSTEM_USER}" system user to run it as. ` +
        'Install Debian\'s postgresql package (`npm run setup` does), run as an ordinary user, or set EMBEDDED_DB_BACKEND=sqlite.',
    );
  }
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** The cluster's folder (created when missing); the data files are in `<dir>/data`. */
  dir: string;
  logger: Logger;
  binDir?: string;
  startTimeoutMs?: number;
}

/** A running private PostgreSQL cluster. */
export interface EmbeddedPostgres {
  /** A libpq/pgx URL for the `postgres` database as the cluster's superuser, over loopback TCP. */
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Whether `pid` is a live process whose command is a PostgreSQL server. */
function isPostgresProcess(pid: number): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return ['postgres', 'postmaster'].includes(path.basename(argv0));
  } catch {
    return false;
  }
}

/**
 * A postmaster.pid left by a killed server blocks the next start when its pid now belongs to another process
 * (PostgreSQL only checks that the pid is alive). Removes it when no PostgreSQL runs under that pid; throws
 * when one does (another session is using this cluster).
 */
function clearStalePidFile(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0 && isPostgresProcess(pid)) {
    throw new PostgresStartError(`Another PostgreSQL (pid ${pid}) is already running on ${dataDir}; stop it (or the session that started it) first.`);
  }
  rmSync(pidFile, { force: true });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the cluster once, atomically: initdb writes into a side folder renamed into place when complete. */
async function initCluster(binDir: string, dataDir: string, user: { uid: number; gid: number } | undefined, logger: Logger): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const partial = `${dataDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const started = Date.now();
  try {
    await execFileAsync(
      path.join(binDir, 'initdb'),
      ['-D', partial, '-U', CLUSTER_ROLE, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'],
      { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 },
    );
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new PostgresStartError(`initdb failed for ${dataDir}: ${e.message.split('\n')[0]}`, e.stderr ?? '');
  }
  renameSync(partial, dataDir);
  logger.info({ ms: Date.now() - started }, 'PostgreSQL cluster created');
}

/**
 * FerretDB v1 pushes an equality on a top-level field down as `_jsonb->'field' @> value`, which the btree indexes
 * it creates (on `_jsonb->'_id'` for every table, on `_jsonb->'field'` for every declared index) cannot answer,
 * so every such read scanned the whole table. These event triggers give each of those expressions a GIN twin
 * that can: the `_id` of each table FerretDB creates, and each key of each index it creates (the blocks at the
 * end give them to tables and indexes made before). A read by `_id`, and a read by the fields of a declared
 * index (an aggregate's pending outbox entries by `aggregateId`, say), is then an index scan and stays flat as
 * collections grow, as the same index makes it on MongoDB. `fastupdate = off`: GIN's pending list would
 * otherwise be scanned on every read until a vacuum merged it (measured: a read by `_id` after a bulk load cost
 * 30 ms of CPU at 10,000 documents). FerretDB neither knows nor minds: dropping the collection drops the table
 * and the indexes with it, dropping an index leaves a twin that only costs its upkeep.
 */
const ID_INDEX_SQL = `
CREATE OR REPLACE FUNCTION public.onboarding_gin_twin(tbl regclass, expr text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF expr !~ '^\\(*_jsonb ->' THEN RETURN; END IF;
  IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = tbl AND am.amname = 'gin' AND pg_get_indexdef(i.indexrelid, 1, false) = expr) THEN RETURN; END IF;
  EXECUTE format('CREATE INDEX ON %s USING gin ((%s) jsonb_path_ops) WITH (fastupdate = off)', tbl, expr);
END $fn$;
CREATE OR REPLACE FUNCTION public.onboarding_gin_twins_of(idx oid) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE i record; k int;
BEGIN
  SELECT ix.indrelid, ix.indnkeyatts, am.amname INTO i FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_am am ON am.oid = ic.relam WHERE ix.indexrelid = idx;
  IF NOT FOUND OR i.amname <> 'btree' THEN RETURN; END IF;
  FOR k IN 1..i.indnkeyatts LOOP
    PERFORM public.onboarding_gin_twin(i.indrelid::regclass, pg_get_indexdef(idx, k, false));
  END LOOP;
END $fn$;
CREATE OR REPLACE FUNCTION public.onboarding_id_index() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE r record;
BEGIN
  FOR r IN SELECT objid, object_identity, command_tag FROM pg_event_trigger_ddl_commands() WHERE command_tag IN ('CREATE TABLE', 'CREATE INDEX') LOOP
    IF r.command_tag = 'CREATE TABLE' THEN
      IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = r.objid AND attname = '_jsonb' AND NOT attisdropped) THEN
        PERFORM public.onboarding_gin_twin(r.objid::regclass, '(_jsonb -> ''_id''::text)');
      END IF;
    ELSE
      PERFORM public.onboarding_gin_twins_of(r.objid);
    END IF;
  END LOOP;
END $fn$;
DROP EVENT TRIGGER IF EXISTS onboarding_id_index;
CREATE EVENT TRIGGER onboarding_id_index ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'CREATE INDEX') EXECUTE FUNCTION public.onboarding_id_index();
DO $do$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped
    WHERE c.relkind = 'r' LOOP
    PERFORM public.onboarding_gin_twin(t.name, '(_jsonb -> ''_id''::text)');
  END LOOP;
  FOR t IN SELECT ix.indexrelid FROM pg_index ix JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attname = '_jsonb' AND NOT a.attisdropped LOOP
    PERFORM public.onboarding_gin_twins_of(t.indexrelid);
  END LOOP;
END $do$;
`;

/** Installs {@link ID_INDEX_SQL} (idempotent; a few ms). */
async function installIdIndexes(binDir: string, port: number): Promise<void> {
  try {
    await execFileAsync(path.join(binDir, 'psql'), ['-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', CLUSTER_ROLE, '-d', 'postgres', '-c', ID_INDEX_SQL], {
      timeout: 30_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new PostgresStartError('could not install the _id index trigger', e.stderr ?? e.message);
  }
}

/** Asks pg_isready whether the server accepts connections. */
async function isReady(binDir: string, port: number): Promise<boolean> {
  try {
    await execFileAsync(path.join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', CLUSTER_ROLE, '-d', 'postgres'], { timeout: 2000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a private PostgreSQL cluster in `dir` on a free loopback port (its unix socket inside `dir`), for
 * FerretDB's PostgreSQL backend. As root the cluster runs as the `postgres` system user, which owns `dir`.
 * Durability is traded for speed the way a development database may: commits are acknowledged before their
 * WAL reaches the disk (a power loss can drop the last moments, never corrupts).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const binDir = options.binDir ?? findPostgresBinDir();
  const dir = path.resolve(options.dir);
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'run');
  const user = clusterUser();
  mkdirSync(socketDir, { recursive: true });
  if (user) {
    // The system user must reach the cluster's folder: our data folder, and our folders between it and the
    // temporary directory (private 0700 folders in tests), get search permission for others, nothing more
    // (no listing); the cluster's own folder is theirs.
    const temp = path.resolve(tmpdir());
    for (let d = path.dirname(dir); d === path.dirname(dir) || d.startsWith(temp + path.sep); d = path.dirname(d)) {
      const stat = statSync(d);
      if (stat.uid === process.getuid?.()) chmodSync(d, (stat.mode & 0o7777) | 0o011);
    }
    chownSync(dir, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
    if (existsSync(dataDir)) chownSync(dataDir, user.uid, user.gid);
    if (spawnSync('test', ['-w', dir], user).status !== 0) {
      throw new PostgresStartError(
        `The "${POSTGRES_SYSTEM_USER}" system user cannot reach ${dir} (a folder above it is private). ` +
          'Keep the project (or DATA_DIR) where other users may pass through, or set EMBEDDED_DB_BACKEND=sqlite.',
      );
    }
  }
  await initCluster(binDir, dataDir, user, options.logger);
  clearStalePidFile(dataDir);

  const timeoutMs = options.startTimeoutMs ?? 20_000;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = spawnGuarded(
      path.join(binDir, 'postgres'),
      [
        '-D', dataDir,
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `port=${port}`,
        '-c', `unix_socket_directories=${socketDir.length <= MAX_SOCKET_DIR ? socketDir : ''}`,
        '-c', 'synchronous_commit=off',
        '-c', 'max_connections=100',
        '-c', 'shared_buffers=64MB',
        '-c', 'log_min_messages=warning',
        '-c', 'log_checkpoints=off',
        '-c', 'log_line_prefix=',
        // Vacuum small, busy tables (locks, references) soon: the `_id` GIN index has no per-read cleanup of
        // dead row versions, so a document updated often would otherwise get slower to find until a vacuum.
        '-c', 'autovacuum_naptime=10s',
        '-c', 'autovacuum_vacuum_scale_factor=0.05',
      ],
      { name: 'postgres', logger: options.logger, stopSignal: 'INT', user, env: { ...process.env, LC_ALL: 'C' }, quiet: /^(LOG|HINT|DETAIL|STATEMENT):|due to administrator command/ },
    );
    const started = Date.now();
    for (;;) {
      if (server.exited) break;
      if (server.pid && (await isReady(binDir, port))) {
        try {
          await installIdIndexes(binDir, port);
        } catch (error) {
          await server.stop();
          throw error;
        }
        options.logger.info({ port, pid: server.pid, ms: Date.now() - started }, 'PostgreSQL ready');
        return { url: `postgres://${CLUSTER_ROLE}@127.0.0.1:${port}/postgres`, port, pid: server.pid, stop: () => server.stop() };
      }
      if (Date.now() - started > timeoutMs) {
        await server.stop();
        throw new PostgresStartError(`PostgreSQL did not accept connections on port ${port} within ${timeoutMs} ms`, server.output.toString());
      }
      await delay(50);
    }
    const tail = server.output.toString();
    // A port picked here can be taken before the server binds it; try another one.
    if (attempt < 3 && /could not (bind|create listen socket)|Address already in use/i.test(tail)) {
      options.logger.warn({ port, attempt }, 'PostgreSQL port was taken; retrying on another port');
      continue;
    }
    throw new PostgresStartError(`PostgreSQL exited with code ${server.exited?.code} before accepting connections`, tail);
  }
}
