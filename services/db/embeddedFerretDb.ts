import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { Logger } from '../logging/logger';
import { freePort } from '../net/ports';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embeddedPostgres';
import { embeddedBackendFromEnv, type EmbeddedBackend } from './embeddedBackend';
import { spawnGuarded } from './guardedProcess';

export { DEFAULT_EMBEDDED_BACKEND, EMBEDDED_BACKENDS, EmbeddedBackendError, embeddedBackendFromEnv, type EmbeddedBackend } from './embeddedBackend';


/** The FerretDB release the project builds and tests against (v1.x: the last line with the SQLite handler). */
export const FERRETDB_VERSION = 'v1.24.2';

/** Any v1.24.x binary is accepted: patch releases keep the SQLite layout and wire behaviour. */
const ACCEPTED_VERSION = /^v1\.24\.\d+$/;

/** No usable FerretDB binary was found; the message says where we looked and how to install one. */
export class FerretDbNotFoundError extends Error {
  constructor(
    message: string,
    readonly searched: readonly string[],
  ) {
    super(message);
    this.name = 'FerretDbNotFoundError';
  }
}

/** FerretDB exited or never answered a MongoDB ping; carries the tail of its output. */
export class FerretDbStartError extends Error {
  constructor(
    message: string,
    readonly outputTail: string,
    readonly exitCode: number | null = null,
  ) {
    super(outputTail ? `${message}\n--- FerretDB output (tail) ---\n${outputTail}` : message);
    this.name = 'FerretDbStartError';
  }
}

/** Options for {@link startEmbeddedFerretDb}. */
export interface EmbeddedFerretDbOptions {
  /** Directory for FerretDB's state and its backend's files (SQLite files, or `postgresql/`); created when missing. */
  dataDir: string;
  /** Storage backend; defaults to EMBEDDED_DB_BACKEND, else {@link DEFAULT_EMBEDDED_BACKEND}. */
  backend?: EmbeddedBackend;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  logger: Logger;
  /** Path of the ferretdb binary; defaults to {@link findFerretDbBinary}. */
  binary?: string;
  /** Upper bound for the start (spawn until the first successful ping). */
  startTimeoutMs?: number;
}

/** A running embedded FerretDB. */
export interface EmbeddedFerretDb {
  /** MongoDB connection string, e.g. mongodb://127.0.0.1:41234/ */
  uri: string;
  port: number;
  /** The FerretDB process id (it reports the same in serverStatus). */
  pid: number;
  backend: EmbeddedBackend;
  /** The PostgreSQL server's (postmaster's) pid, on the PostgreSQL backend. */
  backendPid?: number;
  /** Stops the server and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

/** The project root: the nearest folder above this file with a package.json (works from dist/ too). */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Where `npm run setup` installs the binary it builds. */
export function defaultFerretDbInstallPath(root: string = projectRoot()): string {
  return path.join(root, '.data', 'bin', 'ferretdb');
}

/** The version line a binary reports, or undefined when it does not run. */
export function ferretDbVersionOf(binary: string): string | undefined {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /^version:\s*(\S+)/m.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

const isAccepted = (binary: string) => existsSync(binary) && ACCEPTED_VERSION.test(ferretDbVersionOf(binary) ?? '');

/**
 * Finds a FerretDB v1.24.x binary: $FERRETDB_BIN, then `.data/bin/ferretdb`, then `ferretdb` on PATH, then
 * ~/go/bin/ferretdb. Throws FerretDbNotFoundError telling to run `npm run setup`.
 */
export function findFerretDbBinary(env: NodeJS.ProcessEnv = process.env, root: string = projectRoot()): string {
  if (env.FERRETDB_BIN) {
    if (isAccepted(env.FERRETDB_BIN)) return env.FERRETDB_BIN;
    throw new FerretDbNotFoundError(
      `FERRETDB_BIN=${env.FERRETDB_BIN} is not a runnable FerretDB v1.24.x binary (found ${ferretDbVersionOf(env.FERRETDB_BIN) ?? 'nothing'}). ` +
        'Fix or unset FERRETDB_BIN, or run `npm run setup`.',
      [env.FERRETDB_BIN],
    );
  }
  const onPath = (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'ferretdb'));
  const candidates = [defaultFerretDbInstallPath(root), ...onPath, path.join(env.GOPATH ?? path.join(homedir(), 'go'), 'bin', 'ferretdb')];
  const searched = [...new Set(candidates)];
  const found = searched.find(isAccepted);
  if (found) return found;
  throw new FerretDbNotFoundError(
    `No FerretDB ${FERRETDB_VERSION.replace(/\.\d+$/, '.x')} binary found (looked at ${searched.join(', ')}). ` +
      'Run `npm run setup` to build one into .data/bin/ferretdb, or set MONGODB_URI to an existing MongoDB-compatible server.',
    searched,
  );
}


const ADDRESS_IN_USE = /address already in use/i;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pings and asks for the server's pid; undefined while nothing answers. The pid tells our FerretDB from
 * another server already on the port (then ours fails to bind and exits).
 */
async function probe(uri: string): Promise<number | undefined> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 400, connectTimeoutMS: 400, directConnection: true });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    const status = await client.db('admin').command({ serverStatus: 1 });
    return Number(status.pid);
  } catch {
    return undefined;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Spawns FerretDB on one port and resolves once it answers a ping. */
async function startOnPort(binary: string, dataDir: string, backendArgs: string[], port: number, logger: Logger, timeoutMs: number): Promise<EmbeddedFerretDb> {
  const args = [
    ...backendArgs,
    `--state-dir=${dataDir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    // "-" turns the debug HTTP listener off; its default 127.0.0.1:8088 clashes when several instances run.
    '--debug-addr=-',
    '--log-level=error',
    '--log-format=text',
  ];
  const server = spawnGuarded(binary, args, { name: 'ferretdb', logger });
  const uri = `mongodb://127.0.0.1:${port}/`;
  const started = Date.now();
  for (;;) {
    const answeringPid = await probe(uri);
    if (answeringPid !== undefined && answeringPid === server.pid) break;
    if (server.exited) {
      throw new FerretDbStartError(`FerretDB exited with code ${server.exited.code} before accepting connections on port ${port}`, server.output.toString(), server.exited.code);
    }
    if (Date.now() - started > timeoutMs) {
      await server.stop();
      throw new FerretDbStartError(`FerretDB did not answer a ping on ${uri} within ${timeoutMs} ms`, server.output.toString());
    }
    await delay(100);
  }
  logger.info({ port, pid: server.pid, ms: Date.now() - started }, 'embedded FerretDB ready');
  return { uri, port, pid: server.pid ?? -1, backend: 'sqlite', stop: () => server.stop() };
}

/**
 * Starts FerretDB in `dataDir` on the chosen backend and waits until it answers a MongoDB ping. On PostgreSQL
 * it first starts a private cluster in `<dataDir>/postgresql`. For development and tests only: production
 * uses MONGODB_URI.
 */
export async function startEmbeddedFerretDb(options: EmbeddedFerretDbOptions): Promise<EmbeddedFerretDb> {
  const binary = options.binary ?? findFerretDbBinary();
  const backend = options.backend ?? embeddedBackendFromEnv();
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const timeoutMs = options.startTimeoutMs ?? 20000;
  let postgres: EmbeddedPostgres | undefined;
  let backendArgs = ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`];
  if (backend === 'postgresql') {
    postgres = await startEmbeddedPostgres({ dir: path.join(dataDir, 'postgresql'), logger: options.logger, startTimeoutMs: timeoutMs });
    backendArgs = ['--handler=postgresql', `--postgresql-url=${postgres.url}`];
  }
  const pickPort = !options.port;
  try {
    // A port picked here can be taken by someone else before FerretDB binds it; retry with a new one.
    for (let attempt = 1; ; attempt++) {
      const port = options.port || (await freePort());
      try {
        const ferret = await startOnPort(binary, dataDir, backendArgs, port, options.logger, timeoutMs);
        if (!postgres) return ferret;
        const cluster = postgres;
        let stopped: Promise<void> | undefined;
        return {
          ...ferret,
          backend,
          backendPid: cluster.pid,
          // FerretDB first, so PostgreSQL's fast shutdown finds no client mid-request.
          stop: () => (stopped ??= ferret.stop().finally(() => cluster.stop())),
        };
      } catch (error) {
        const retry = pickPort && attempt < 3 && error instanceof FerretDbStartError && ADDRESS_IN_USE.test(error.outputTail);
        if (!retry) throw error;
        options.logger.warn({ port, attempt }, 'embedded FerretDB port was taken; retrying on another port');
      }
    }
  } catch (error) {
    await postgres?.stop();
    throw error;
  }
}
