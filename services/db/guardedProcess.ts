import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logging/logger';

/**
 * Runs a server under a small shell guard that stops it when our stdin pipe closes, which happens however
 * the parent dies (even SIGKILL), so a crashed test run or dev session leaves no database process behind.
 * The guard prints the server's pid first, then forwards `STOP_SIGNAL` (TERM, or INT for PostgreSQL's fast
 * shutdown) and, if the server is still there 5 s later, KILL.
 */
const GUARD_SCRIPT = [
  'exec 3<&0 </dev/null',
  'sig=${GUARD_STOP_SIGNAL:-TERM}',
  '"$@" & child=$!',
  'echo "guarded-pid:$child"',
  'trap \'kill -$sig $child 2>/dev/null\' TERM INT HUP',
  '( while read -r _ <&3; do :; done; kill -$sig $child 2>/dev/null; n=0',
  '  while kill -0 $child 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done; kill -KILL $child 2>/dev/null ) & watcher=$!',
  'status=0',
  'while kill -0 $child 2>/dev/null; do wait $child; status=$?; done',
  'kill $watcher 2>/dev/null',
  'exit $status',
].join('\n');

const OUTPUT_TAIL_CHARS = 4000;

/** Keeps the last few KB of a stream's text, for error messages. */
export class OutputTail {
  private text = '';
  add(chunk: string): void {
    this.text = (this.text + chunk).slice(-OUTPUT_TAIL_CHARS);
  }
  toString(): string {
    return this.text.trim();
  }
}

/** Live guards, stopped synchronously when this process exits (the stdin pipe covers harder deaths). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function stopOnExit(child: ChildProcess): void {
  liveChildren.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of liveChildren) c.kill('SIGTERM');
  });
}

/** Options for {@link spawnGuarded}. */
export interface GuardedOptions {
  /** Name used in log lines. */
  name: string;
  logger: Logger;
  /** Signal the guard forwards to stop the server. */
  stopSignal?: 'TERM' | 'INT';
  /** Run as this user (when we are root: PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
  env?: NodeJS.ProcessEnv;
  /** Lines matching are kept for error messages but not logged (a server's routine start-up chatter). */
  quiet?: RegExp;
}

/** A server running under the guard. */
export interface GuardedProcess {
  /** The server's own pid, once the guard has reported it. */
  readonly pid: number | undefined;
  /** Set once the guard exited. */
  readonly exited: { code: number | null } | undefined;
  readonly output: OutputTail;
  /** Resolves when the guard has exited. */
  readonly exit: Promise<void>;
  /** Stops the server and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `command` under the guard. */
export function spawnGuarded(command: string, args: readonly string[], options: GuardedOptions): GuardedProcess {
  const child = spawn('/bin/sh', ['-c', GUARD_SCRIPT, `${options.name}-guard`, command, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...(options.env ?? process.env), GUARD_STOP_SIGNAL: options.stopSignal ?? 'TERM' },
    ...(options.user ?? {}),
  });
  stopOnExit(child);
  const output = new OutputTail();
  const state: { pid?: number; exited?: { code: number | null } } = {};
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      state.exited = { code };
      liveChildren.delete(child);
      resolve();
    }),
  );
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter((l) => l.trim())) {
      const marker = /^guarded-pid:(\d+)$/.exec(line);
      if (marker) {
        state.pid = Number(marker[1]);
        continue;
      }
      output.add(`${line}\n`);
      if (!options.quiet?.test(line)) options.logger.warn({ [options.name]: line }, `${options.name} output`);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  child.stdin?.on('error', () => undefined);

  return {
    get pid() {
      return state.pid;
    },
    get exited() {
      return state.exited;
    },
    output,
    exit,
    async stop() {
      if (!state.exited) {
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), 8000);
        await exit;
        clearTimeout(forced);
      }
      child.stdin?.destroy();
    },
  };
}
