/**
 * Builds FerretDB from its Go module source. `go install …@v1.24.2` cannot be used here: it asks the module
 * proxy for the @v/list of FerretDB, which this network refuses, while `go mod download` of the exact
 * version works.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FERRETDB_VERSION } from '../../services/db/embeddedFerretDb';

/** A FerretDB build could not be done; the message names the failing step. */
export class FerretDbBuildError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`FerretDB build failed at "${step}": ${message}`);
    this.name = 'FerretDbBuildError';
  }
}

const MODULE = 'github.com/FerretDB/FerretDB';

/** Runs a command, streaming its output to `log`; rejects with FerretDbBuildError on a non-zero exit. */
function run(step: string, command: string, args: string[], cwd: string, log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    let downloads = 0;
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      for (const line of c.toString().split('\n').filter(Boolean)) {
        // Dozens of "go: downloading …" lines say only that the module cache is cold; count them instead.
        if (line.startsWith('go: downloading ')) {
          if (++downloads % 20 === 1) log(`  go: downloading modules (${downloads} so far)`);
        } else log(`  ${line}`);
      }
    });
    child.on('error', (e) => reject(new FerretDbBuildError(step, e.message)));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new FerretDbBuildError(step, `exit ${code}\n${stderr.slice(-3000)}`))));
  });
}

/** Whether a Go toolchain is on PATH. */
export function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Downloads FerretDB `version` through the Go module proxy, builds `cmd/ferretdb` and installs the binary at
 * `target` (atomically, so a half-built binary is never picked up).
 */
export async function buildFerretDb(target: string, log: (line: string) => void, version: string = FERRETDB_VERSION): Promise<void> {
  if (!hasGo()) {
    throw new FerretDbBuildError('find go', 'the Go toolchain is not on PATH; install Go ≥ 1.24, or set FERRETDB_BIN to a FerretDB v1.24.x binary');
  }
  const work = mkdtempSync(path.join(tmpdir(), 'ferretdb-build-'));
  try {
    log(`downloading ${MODULE}@${version} through the Go module proxy`);
    const info = JSON.parse(await run('go mod download', 'go', ['mod', 'download', '-json', `${MODULE}@${version}`], work, log)) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new FerretDbBuildError('go mod download', info.Error ?? 'no module directory reported');
    const src = path.join(work, 'src');
    cpSync(info.Dir, src, { recursive: true });
    // The module cache is read-only, and the build needs to add a file.
    execFileSync('chmod', ['-R', 'u+w', src]);
    // FerretDB embeds build/version/*.txt and panics at start without version.txt, which its release build generates.
    writeFileSync(path.join(src, 'build', 'version', 'version.txt'), version);
    log(`building cmd/ferretdb (about 80 s the first time, while Go downloads the dependencies)`);
    mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    await run('go build', 'go', ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], src, log);
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
