/**
 * Child-process helpers shared by `npm run dev` and the end-to-end harness: spawn with a ready-line wait,
 * wait for an HTTP endpoint, and stop a whole process tree.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** A child process that exited, or did not print its ready line in time; carries its output tail. */
export class ProcessStartError extends Error {
  constructor(
    readonly processName: string,
    message: string,
    readonly outputTail: string,
    readonly exitCode: number | null = null,
  ) {
    super(outputTail ? `${processName}: ${message}\n--- ${processName} output (tail) ---\n${outputTail}` : `${processName}: ${message}`);
    this.name = 'ProcessStartError';
  }
}

/** An HTTP endpoint did not answer as expected in time. */
export class HttpWaitTimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly lastProblem: string,
  ) {
    super(`${url} did not become ready within ${timeoutMs} ms (last: ${lastProblem})`);
    this.name = 'HttpWaitTimeoutError';
  }
}

/** Options for {@link startProcess}. */
export interface StartProcessOptions {
  /** Short name used in messages and output prefixes. */
  name: string;
  command: string;
  args?: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve once a stdout or stderr line matches; without it, resolve right after spawning. */
  readyLine?: RegExp;
  readyTimeoutMs?: number;
  /** Receives every output line (for prefixing or collecting). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Extra text for a start error, e.g. a log file the process writes its reasons to. */
  describeFailure?: () => string;
}

/** A started child process group. */
export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The ready line's match, when `readyLine` was given. */
  ready?: RegExpMatchArray;
  /** The last few KB of output. */
  outputTail(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the group is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The child runs in its own process group under this guard: when our stdin pipe closes (however this
 * process dies, even SIGKILL) the guard kills its whole group, so no server outlives `npm run dev` or a test run.
 */
const GUARD_SCRIPT = [
  'exec 3<&0 </dev/null',
  '"$@" & child=$!',
  "trap 'kill -TERM $child 2>/dev/null' TERM INT HUP",
  // The watcher ignores the TERM it sends to its own group, so it can follow up with KILL for a child that hangs.
  "( trap '' TERM; while read -r _ <&3; do :; done; kill -TERM 0; n=0",
  '  while kill -0 $child 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done; kill -KILL 0 ) & watcher=$!',
  'status=0',
  'while kill -0 $child 2>/dev/null; do wait $child; status=$?; done',
  'kill -KILL $watcher 2>/dev/null',
  'exit $status',
].join('\n');

const TAIL_CHARS = 6000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `signal` to every process in the group led by `pid`; false when none is left. */
export function killTree(pid: number, signal: NodeJS.Signals | 0 = 'SIGTERM'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Live groups, killed synchronously when this process exits normally or through process.exit. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) killTree(group, 'SIGKILL');
  });
}

/** Splits a stream into lines and hands each to `onLine`. */
function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
  });
}

/**
 * Spawns `command` in its own process group and, with `readyLine`, waits until a line matches. Throws
 * ProcessStartError (with the output tail) if it exits first or the wait times out; the group is then stopped.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const child = spawn('/bin/sh', ['-c', GUARD_SCRIPT, `${options.name}-guard`, options.command, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new ProcessStartError(options.name, `could not spawn ${options.command}`, '');
  const pid = child.pid;
  trackGroup(pid);
  child.stdin?.on('error', () => undefined);

  let tail = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  let onReady: ((m: RegExpMatchArray) => void) | undefined;
  const readyMatch = new Promise<RegExpMatchArray>((resolve) => (onReady = resolve));
  const handle = (stream: 'stdout' | 'stderr') => (line: string) => {
    tail = (tail + line + '\n').slice(-TAIL_CHARS);
    options.onLine?.(line, stream);
    const m = options.readyLine && onReady ? line.match(options.readyLine) : null;
    if (m) {
      onReady?.(m);
      onReady = undefined;
    }
  };
  forEachLine(child.stdout, handle('stdout'));
  forEachLine(child.stderr, handle('stderr'));

  const stop = async (graceMs = 5000) => {
    killTree(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    // The guard shell exits once its child does; grandchildren (npx → tsx → node) may take a moment longer.
    while (killTree(pid, 0) && Date.now() < deadline) await delay(50);
    killTree(pid, 'SIGKILL');
    await exited;
    liveGroups.delete(pid);
    child.stdin?.destroy();
  };

  const managed: ManagedProcess = {
    name: options.name,
    pid,
    child,
    outputTail: () => tail.trim(),
    exited,
    hasExited: () => exitCode !== undefined,
    stop,
  };
  if (!options.readyLine) return managed;

  const timeoutMs = options.readyTimeoutMs ?? 30000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyMatch.then((m) => ({ kind: 'ready' as const, m })),
    exited.then((code) => ({ kind: 'exited' as const, code })),
    new Promise<{ kind: 'timeout' }>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome.kind === 'ready') return { ...managed, ready: outcome.m };
  await stop(1000);
  const extra = options.describeFailure?.() ?? '';
  const output = [tail.trim(), extra].filter(Boolean).join('\n');
  if (outcome.kind === 'exited') throw new ProcessStartError(options.name, `exited with code ${outcome.code} before it was ready`, output, outcome.code);
  throw new ProcessStartError(options.name, `no line matching ${options.readyLine} within ${timeoutMs} ms`, output);
}

/** Options for {@link waitForHttp}. */
export interface WaitForHttpOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Which status counts as ready; default 2xx. */
  accept?: (status: number) => boolean;
  /** Gives up early (e.g. the server process exited): return a reason to stop waiting. */
  giveUp?: () => string | undefined;
}

/** Polls `url` with GET until it answers an accepted status; throws HttpWaitTimeoutError otherwise. */
export async function waitForHttp(url: string, options: WaitForHttpOptions = {}): Promise<Response> {
  const timeoutMs = options.timeoutMs ?? 30000;
  const accept = options.accept ?? ((s: number) => s >= 200 && s < 300);
  const started = Date.now();
  let lastProblem = 'no attempt';
  for (;;) {
    const reason = options.giveUp?.();
    if (reason) throw new HttpWaitTimeoutError(url, Date.now() - started, reason);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(500, Math.min(5000, timeoutMs))) });
      if (accept(res.status)) return res;
      lastProblem = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (error) {
      lastProblem = (error as Error).cause ? String((error as Error & { cause: unknown }).cause) : (error as Error).message;
    }
    if (Date.now() - started > timeoutMs) throw new HttpWaitTimeoutError(url, timeoutMs, lastProblem);
    await delay(options.intervalMs ?? 150);
  }
}

/** Parent pid and command name of a Linux process, from /proc; undefined once it is gone. */
function procInfo(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) state ppid …"; comm may itself contain spaces and parentheses.
    const close = stat.lastIndexOf(')');
    return { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(stat.slice(close + 2).split(' ')[1]) };
  } catch {
    return undefined;
  }
}

/**
 * Calls `onGone` when a launcher between this process and the user's shell (npm, its `sh -c`, tsx) exits.
 * `kill <npm pid>` ends npm and its shell without passing the signal on, which would otherwise leave this
 * process and everything it started running. Linux only; elsewhere it does nothing.
 */
export function onLauncherExit(onGone: () => void, intervalMs = 1000): () => void {
  if (!existsSync('/proc/self/stat')) return () => undefined;
  const launchers: number[] = [];
  for (let pid = process.ppid; pid > 1; ) {
    const info = procInfo(pid);
    if (!info || !/^(node|sh|dash|npm|npx|tsx)\b/.test(info.comm)) break;
    launchers.push(pid);
    pid = info.ppid;
  }
  const timer = setInterval(() => {
    if (launchers.some((pid) => !procInfo(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
