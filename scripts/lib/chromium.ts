/**
 * Debian's Chromium for the end-to-end tests. Playwright's own browser download does not work on these
 * machines (no network beyond the package registries), so tests always launch /usr/bin/chromium.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Chromium (or its fonts) is missing and cannot be installed from here. */
export class ChromiumUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChromiumUnavailableError';
  }
}

/** The browser the tests launch. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Open Sans stands in for Segoe UI, which Linux lacks, so screenshots look like Teams rather than DejaVu. */
const OPEN_SANS = '/usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf';

/**
 * Chromium flags for a headless run on these machines: no sandbox as root, and no background networking,
 * whose connections the closed network refuses many at a time.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Runs a command with inherited output; rejects on a non-zero exit. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new ChromiumUnavailableError(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/** Installs Chromium and Open Sans with apt-get when missing (needs root); returns what it did. */
export async function ensureChromium(log: (line: string) => void): Promise<'present' | 'installed'> {
  if (CHROMIUM_PATH !== '/usr/bin/chromium' && !existsSync(CHROMIUM_PATH)) throw new ChromiumUnavailableError(`CHROMIUM_PATH=${CHROMIUM_PATH} does not exist`);
  if (existsSync(CHROMIUM_PATH) && existsSync(OPEN_SANS)) return 'present';
  const packages = ['chromium', 'fonts-open-sans'];
  if (process.getuid?.() !== 0) {
    throw new ChromiumUnavailableError(
      `Chromium or Open Sans is missing and this is not root. Run: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  log(`installing ${packages.join(' ')} with apt-get (about 30 s)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], env);
  await run('apt-get', ['install', '-y', '-qq', ...packages], env);
  if (!existsSync(CHROMIUM_PATH)) throw new ChromiumUnavailableError(`apt-get finished but ${CHROMIUM_PATH} is still missing`);
  return 'installed';
}
