/**
 * `npm run bench:sweep`: one compliance sweep over SWEEP_SIZES enrolled devices (default 1000,10000; the scale
 * flag: SWEEP_SIZES=1000,10000,100000), 10% of them not compliant (SWEEP_NONCOMPLIANT_EVERY = 10), against the
 * Graph simulator ENFORCING Intune's throttling (graphsim/throttling.ts; SWEEP_THROTTLE_SCALE scales the limits)
 * and the embedded database. Prints Graph requests per 1,000 devices (HTTP requests, and the requests Intune's
 * throttle counts: every $batch item counts), the 429s the simulator answered, the wall time against the
 * throttling floor, the database's CPU time, and the peak memory (RSS and heap sampled every 100 ms, and the heap
 * left after a full collection forced every 2 s) of the
 * sweeping process alone: the simulator's tenant and the seeding run in their own child process (bench/sweep/),
 * whose peak RSS is shown apart, and each size is swept by a fresh process. The last line is the slope of the
 * sweeping process's peak memory, MB per 10,000 devices, from the smallest size to the largest. The floor is the larger of the
 * two Intune services' minimum times (they are throttled apart): device reads ÷ 100 per second (2,000 per 20 s)
 * and compliance-detail reads ÷ 50 per second (1,000 per 20 s). Asserts nothing about time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../bot/logger';
import { startEmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import type { SweepStats } from '../services/devices/complianceSweep';
import { treeUsage } from './procStats';

const SIZES = (process.env.SWEEP_SIZES ?? '1000,10000').split(',').map(Number);
const NONCOMPLIANT_EVERY = Number(process.env.SWEEP_NONCOMPLIANT_EVERY ?? 10);
const THROTTLE_SCALE = Number(process.env.SWEEP_THROTTLE_SCALE ?? 1);
/** Intune's published limits per app and tenant: devices 2,000 and device configuration 1,000 requests per 20 s. */
const DEVICES_PER_SECOND = (2000 * THROTTLE_SCALE) / 20;
const CONFIGURATION_PER_SECOND = (1000 * THROTTLE_SCALE) / 20;
const DB_NAME = 'bench_sweep';

interface Peaks {
  peakRssMb: number;
  peakHeapMb: number;
  peakLiveHeapMb: number;
}

/** Forks a TypeScript child with an IPC channel (and `gc()`, for its live-heap samples). */
function child(file: string, env: Record<string, string>): ChildProcess {
  return fork(path.join(__dirname, 'sweep', file), [], { execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
function next<T>(proc: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      proc.off('exit', onExit);
      proc.off('message', onMessage);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`bench child exited with ${code} before "${type}"`));
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

async function run(size: number, dbUri: string, dbPids: number[]) {
  const common = { SWEEP_DB_URI: dbUri, SWEEP_DB_NAME: DB_NAME, SWEEP_NONCOMPLIANT_EVERY: String(NONCOMPLIANT_EVERY), SWEEP_THROTTLE_SCALE: String(THROTTLE_SCALE) };
  // The tenant (Graph simulator) and the seeding live in one child, the sweep in another: the sweeping process
  // holds only the bot's code, its database client and what the sweep itself keeps.
  const tenant = child('tenantProcess.ts', { ...common, SWEEP_SIZE: String(size) });
  try {
    const { url } = await next<{ url: string }>(tenant, 'ready');
    const sweeper = child('sweepProcess.ts', { ...common, SWEEP_GRAPH_URL: url });
    await next(sweeper, 'ready');
    const cpuBefore = treeUsage(dbPids).cpuMs;
    const done = next<{ stats: SweepStats; seconds: number } & Peaks>(sweeper, 'done');
    sweeper.send({ type: 'go' });
    const r = await done;
    const dbCpuSeconds = (treeUsage(dbPids).cpuMs - cpuBefore) / 1000;
    const report = next<{ http: number; counted: number; throttled: number; detail: number } & Peaks>(tenant, 'report');
    tenant.send({ type: 'report' });
    const sim = await report;
    const floor = Math.max((sim.counted - sim.detail) / DEVICES_PER_SECOND, sim.detail / CONFIGURATION_PER_SECOND);
    return { ...sim, stats: r.stats, seconds: r.seconds, floor, dbCpuSeconds, sweepRssMb: r.peakRssMb, sweepHeapMb: r.peakHeapMb, sweepLiveMb: r.peakLiveHeapMb, simRssMb: sim.peakRssMb, simHeapMb: sim.peakHeapMb };
  } finally {
    if (tenant.exitCode === null) tenant.kill();
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-sweep-'));
  const ferret = await startEmbeddedFerretDb({ dataDir, logger: createLogger('fatal') });
  const dbPids = [ferret.pid, ...(ferret.backendPid ? [ferret.backendPid] : [])];
  try {
    console.log(`Compliance sweep, ${100 / NONCOMPLIANT_EVERY}% of devices not compliant (embedded FerretDB, Graph simulator)`);
    const header = 'devices | HTTP req | req/1,000 dev | throttle-counted req | req/1,000 dev | 429s | wall s | floor s | wall/floor | transitions | sweep peak RSS MB | sweep peak heap MB | sweep peak heap after GC MB | simulator peak RSS MB | DB CPU s | ms graph/transitions/bookkeeping';
    console.log(header);
    const lines = [`| ${header} |`, `|${header.split('|').map(() => '---').join('|')}|`];
    const peaks: { size: number; rss: number; heap: number; live: number }[] = [];
    for (const size of SIZES) {
      const r = await run(size, ferret.uri, dbPids);
      peaks.push({ size, rss: r.sweepRssMb, heap: r.sweepHeapMb, live: r.sweepLiveMb });
      const per = (n: number) => ((n / size) * 1000).toFixed(1);
      const line = [size, r.http, per(r.http), r.counted, per(r.counted), r.throttled, r.seconds.toFixed(1), r.floor.toFixed(1), (r.seconds / r.floor).toFixed(2), r.stats.transitions, r.sweepRssMb.toFixed(0), r.sweepHeapMb.toFixed(0), r.sweepLiveMb.toFixed(0), r.simRssMb.toFixed(0), r.dbCpuSeconds.toFixed(1), `${r.stats.ms.graph}/${r.stats.ms.transitions}/${r.stats.ms.bookkeeping}`].join(' | ');
      console.log(line);
      lines.push(`| ${line} |`);
    }
    const [a, b] = [peaks[0], peaks[peaks.length - 1]];
    if (b.size > a.size) {
      const per = (x: number, y: number) => (((y - x) / (b.size - a.size)) * 10_000).toFixed(1);
      const slope = `Sweeping process peak memory slope, ${a.size} to ${b.size} devices: RSS ${per(a.rss, b.rss)} MB, heap ${per(a.heap, b.heap)} MB, heap after GC ${per(a.live, b.live)} MB per 10,000 devices`;
      console.log(slope);
      lines.push('', slope);
    }
    lines.push('', `Command: SWEEP_SIZES=${SIZES.join(',')} npm run bench:sweep`);
    mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    writeFileSync(path.join(__dirname, 'results', `sweep-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.md`), `${lines.join('\n')}\n`);
  } finally {
    await ferret.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
