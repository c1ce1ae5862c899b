/**
 * PostgreSQL for the embedded database's default backend (FerretDB on a private cluster). Debian's
 * `postgresql` package provides the server binaries and the `postgres` system user a root process runs the
 * cluster as; it is installed with apt-get when missing, like Chromium.
 */
import { spawn } from 'node:child_process';
import { findPostgresBinDir, PostgresNotFoundError } from '../../services/db/embeddedPostgres';

/** PostgreSQL is missing and cannot be installed from here. */
export class PostgresUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresUnavailableError';
  }
}

/** Runs a command with inherited output; rejects on a non-zero exit. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new PostgresUnavailableError(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/** Returns the folder of the PostgreSQL server binaries, installing Debian's package first when missing (as root). */
export async function ensurePostgres(log: (line: string) => void): Promise<string> {
  try {
    return findPostgresBinDir();
  } catch (error) {
    if (!(error instanceof PostgresNotFoundError) || process.env.POSTGRES_BIN_DIR) throw error;
  }
  if (process.getuid?.() !== 0) {
    throw new PostgresUnavailableError(
      'PostgreSQL (the embedded database\'s backend) is missing and this is not root. Run: sudo apt-get update && sudo apt-get install -y postgresql ' +
        '(or set EMBEDDED_DB_BACKEND=sqlite)',
    );
  }
  log('installing postgresql with apt-get (about 30 s; the project runs its own private cluster, not the system one)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], env);
  await run('apt-get', ['install', '-y', '-qq', 'postgresql'], env);
  return findPostgresBinDir();
}
