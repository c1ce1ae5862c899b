/**
 * CPU time and resident memory of process trees, read from Linux /proc (for `npm run bench`).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat times: 100 on every Linux build Node supports. */
const TICKS_PER_SECOND = 100;

interface ProcEntry {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in milliseconds. */
  cpuMs: number;
  /** Resident set size, in bytes. */
  rssBytes: number;
}

function readEntry(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    // After comm: [0] state, [1] ppid, … [11] utime, [12] stime, … [21] rss (pages).
    return {
      pid,
      ppid: Number(fields[1]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
      rssBytes: Number(fields[21]) * 4096,
    };
  } catch {
    return undefined; // gone meanwhile
  }
}

function allEntries(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const e = readEntry(Number(name));
    if (e) out.push(e);
  }
  return out;
}

/** The processes whose command line contains `text` (e.g. a data directory a database server was started on). */
export function pidsWithCommandLine(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** CPU time and memory of the trees rooted at some processes. */
export interface TreeUsage {
  cpuMs: number;
  rssBytes: number;
  processes: number;
}

/** Sums CPU time (user + system) and RSS over `roots` and all their descendants, each process counted once. */
export function treeUsage(roots: number[]): TreeUsage {
  const entries = allEntries();
  const children = new Map<number, ProcEntry[]>();
  for (const e of entries) children.set(e.ppid, [...(children.get(e.ppid) ?? []), e]);
  const byPid = new Map(entries.map((e) => [e.pid, e]));
  const seen = new Set<number>();
  const stack = roots.filter((p) => byPid.has(p));
  const usage: TreeUsage = { cpuMs: 0, rssBytes: 0, processes: 0 };
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const e = byPid.get(pid)!;
    usage.cpuMs += e.cpuMs;
    usage.rssBytes += e.rssBytes;
    usage.processes++;
    for (const c of children.get(pid) ?? []) stack.push(c.pid);
  }
  return usage;
}
