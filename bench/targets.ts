/**
 * The performance targets of a whole company's load, checked against one `npm run bench` run: each target with the
 * measured figure, met or missed, and for a miss the CPU figures of the same run that bound it.
 */

/** What the verdicts need of one measured run. */
export interface TargetSample {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
  unexpected: number;
  errorCards: number;
  unfinished: number;
  lost?: number;
  cpuMsPerTurn: number;
  dbCpuMsPerTurn?: number;
}

/** One turn × connections × stored size, its runs alternating echo and bot. */
export interface TargetCell {
  turn: string;
  connections: number;
  size: number;
  echo: TargetSample[];
  bot: TargetSample[];
}

/** One target's verdict. */
export interface Verdict {
  target: string;
  measured: string;
  met: boolean | undefined;
  /** For a miss: what the same run measured that limits it. */
  limit?: string;
}

export const TARGETS = {
  intakeThroughput: 0.5,
  intakeP99: 2,
  approveP99: 3,
  approveP99Connections: 50,
  flat: 0.9,
  idleDbPercent: 1,
} as const;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pairs = (c: TargetCell) => Array.from({ length: Math.min(c.echo.length, c.bot.length) }, (_, i) => ({ echo: c.echo[i], bot: c.bot[i] }));
const ratio = (c: TargetCell, f: (s: TargetSample) => number) => median(pairs(c).map((p) => f(p.bot) / f(p.echo)));
/**
 * The bot's throughput with data stored against with none, each as its median ratio to the echo bot run beside it:
 * what the data costs, with the machine's drift between the two cells taken out.
 */
export const flatness = (cell: TargetCell, base: TargetCell) => ratio(cell, (s) => s.rps) / ratio(base, (s) => s.rps);
/** The same in the bot's requests per second alone, the machine's drift left in. */
export const flatnessAlone = (cell: TargetCell, base: TargetCell) => median(cell.bot.map((s) => s.rps)) / median(base.bot.map((s) => s.rps));
const at = (c: TargetCell) => `${c.connections} conn., ${c.size.toLocaleString('en')} stored`;
const digits = (x: number) => (x < 0.1 ? 3 : 2);

/** The CPU per turn of the cells (median over runs and cells): what bounds a turn on a machine whose cores are all busy. */
function cpuOf(cells: TargetCell[]): string {
  const bot = median(cells.flatMap((c) => c.bot.map((s) => s.cpuMsPerTurn)));
  const echo = median(cells.flatMap((c) => c.echo.map((s) => s.cpuMsPerTurn)));
  const dbs = cells.flatMap((c) => c.bot.map((s) => s.dbCpuMsPerTurn)).filter((x): x is number => x !== undefined);
  const db = dbs.length ? ` and the database ${median(dbs).toFixed(1)} ms` : '';
  return `per turn the bot uses ${bot.toFixed(1)} ms of CPU${db} where the echo bot uses ${echo.toFixed(2)} ms`;
}

/** The worst cell of `cells` by `value` (lowest when `low`), with the value. */
function worst(cells: TargetCell[], value: (c: TargetCell) => number, low: boolean): { cell: TargetCell; value: number } | undefined {
  let out: { cell: TargetCell; value: number } | undefined;
  for (const cell of cells) {
    const v = value(cell);
    if (!Number.isFinite(v)) continue;
    if (!out || (low ? v < out.value : v > out.value)) out = { cell, value: v };
  }
  return out;
}

/**
 * The verdicts for the cells of one run, and the database's idle CPU by stored size (once the start-up catch-up is
 * over). A target whose turn or size was not run is reported as not measured.
 */
export function verdicts(cells: TargetCell[], idleDb: Map<number, number | undefined>): Verdict[] {
  const out: Verdict[] = [];
  const measured = cells.filter((c) => pairs(c).length > 0);
  const intake = measured.filter((c) => c.turn === 'intake');
  const notRun = (target: string): Verdict => ({ target, measured: 'not run', met: undefined });

  const t = worst(intake, (c) => ratio(c, (s) => s.rps), true);
  const intakeCpu = intake.length ? cpuOf(intake) : undefined;
  out.push(
    t
      ? {
          target: `Intake throughput ≥ ${TARGETS.intakeThroughput}× the echo bot's`,
          measured: `${t.value.toFixed(digits(t.value))}× at worst (${at(t.cell)})`,
          met: t.value >= TARGETS.intakeThroughput,
          limit: intakeCpu,
        }
      : notRun(`Intake throughput ≥ ${TARGETS.intakeThroughput}× the echo bot's`),
  );
  const p = worst(intake, (c) => ratio(c, (s) => s.p99), false);
  out.push(
    p
      ? { target: `Intake p99 ≤ ${TARGETS.intakeP99}× the echo bot's`, measured: `${p.value.toFixed(1)}× at worst (${at(p.cell)})`, met: p.value <= TARGETS.intakeP99, limit: intakeCpu }
      : notRun(`Intake p99 ≤ ${TARGETS.intakeP99}× the echo bot's`),
  );
  const approve = measured.filter((c) => c.turn === 'approve' && c.connections === TARGETS.approveP99Connections);
  const a = worst(approve, (c) => ratio(c, (s) => s.p99), false);
  const approveTarget = `Approve p99 ≤ ${TARGETS.approveP99}× the echo bot's at ${TARGETS.approveP99Connections} connections`;
  out.push(a ? { target: approveTarget, measured: `${a.value.toFixed(1)}× at worst (${at(a.cell)})`, met: a.value <= TARGETS.approveP99, limit: cpuOf(approve) } : notRun(approveTarget));

  // Flat: every turn × connections at the largest stored size against the same turn with none stored. The sizes run
  // minutes apart, and this machine's speed drifts in between (the echo bot's CPU for the same turn moves by a third
  // from one cell to the next), so each size's throughput is taken as its ratio to the echo bot run beside it.
  const flatTarget = `Throughput with the most stored ≥ ${TARGETS.flat}× with none`;
  const most = Math.max(0, ...measured.map((c) => c.size));
  const flat: { cell: TargetCell; base: TargetCell; value: number; raw: number }[] = [];
  for (const base of measured.filter((c) => c.size === 0)) {
    for (const cell of measured.filter((c) => c.turn === base.turn && c.connections === base.connections && c.size === most && most > 0)) {
      flat.push({ cell, base, value: flatness(cell, base), raw: flatnessAlone(cell, base) });
    }
  }
  if (flat.length) {
    const low = flat.reduce((m, f) => (f.value < m.value ? f : m));
    const dbAt = (c: TargetCell) => median(c.bot.map((s) => s.dbCpuMsPerTurn ?? Number.NaN));
    const botAt = (c: TargetCell) => median(c.bot.map((s) => s.cpuMsPerTurn));
    const echoAt = (c: TargetCell) => median(c.echo.map((s) => s.cpuMsPerTurn));
    const cpu = (c: TargetCell) => `the bot ${botAt(c).toFixed(1)} ms and the database ${dbAt(c).toFixed(1)} ms where the echo bot used ${echoAt(c).toFixed(2)} ms`;
    out.push({
      target: flatTarget,
      measured: `${low.value.toFixed(2)} at worst against the echo bot (${low.cell.turn}, ${at(low.cell)}; ${low.raw.toFixed(2)} in requests per second alone)`,
      met: low.value >= TARGETS.flat,
      limit: `per turn ${cpu(low.cell)} there; with none stored ${cpu(low.base)}`,
    });
  } else out.push(notRun(flatTarget));

  const sum = (f: (s: TargetSample) => number | undefined) => measured.reduce((n, c) => n + c.bot.reduce((m, s) => m + (f(s) ?? 0), 0), 0);
  const errors = sum((s) => s.errors + s.non2xx + s.unexpected + s.errorCards + s.unfinished);
  const lost = sum((s) => s.lost);
  const runs = measured.reduce((n, c) => n + c.bot.length, 0);
  out.push(
    runs
      ? { target: 'Zero errors and zero lost writes', measured: `${errors} errors, ${lost} lost writes in ${runs} run${runs === 1 ? '' : 's'} of the bot`, met: errors === 0 && lost === 0 }
      : notRun('Zero errors and zero lost writes'),
  );

  const largest = Math.max(...idleDb.keys());
  const idle = Number.isFinite(largest) ? idleDb.get(largest) : undefined;
  const idleTarget = `Database idle CPU with the most stored < ${TARGETS.idleDbPercent}% of a core`;
  out.push(idle !== undefined ? { target: idleTarget, measured: `${idle.toFixed(1)}% with ${largest.toLocaleString('en')} stored, the start-up catch-up over`, met: idle < TARGETS.idleDbPercent } : notRun(idleTarget));
  return out;
}

/** The verdicts as a markdown table. */
export function targetTable(list: Verdict[]): string[] {
  const lines = ['| Target | Measured | Met | What limits it (same run) |', '|---|---|---|---|'];
  for (const v of list) lines.push(`| ${v.target} | ${v.measured} | ${v.met === undefined ? '–' : v.met ? 'yes' : 'no'} | ${v.met === false && v.limit ? v.limit : ''} |`);
  return lines;
}
