import assert from 'node:assert/strict';
import { targetTable, verdicts, type TargetCell, type TargetSample } from '../../../bench/targets';

const sample = (rps: number, p99: number, more: Partial<TargetSample> = {}): TargetSample => ({
  rps,
  p99,
  errors: 0,
  non2xx: 0,
  unexpected: 0,
  errorCards: 0,
  unfinished: 0,
  cpuMsPerTurn: 2,
  dbCpuMsPerTurn: 1,
  ...more,
});
const cell = (turn: string, connections: number, size: number, bot: TargetSample[], echo = bot.map(() => sample(1000, 10, { cpuMsPerTurn: 0.5, dbCpuMsPerTurn: undefined }))): TargetCell => ({
  turn,
  connections,
  size,
  echo,
  bot,
});
const met = (cells: TargetCell[], idle = new Map<number, number | undefined>([[10_000, 0.2]])) => Object.fromEntries(verdicts(cells, idle).map((v) => [v.target.split(' ')[0] + (v.target.includes('p99') ? ' p99' : ''), v.met]));

describe('bench targets: the verdicts of one run', () => {
  const cases: { name: string; cells: TargetCell[]; idle?: Map<number, number | undefined>; expect: Record<string, boolean | undefined> }[] = [
    {
      name: 'every target met',
      cells: [
        cell('intake', 50, 0, [sample(600, 15), sample(550, 18), sample(580, 16)]),
        cell('intake', 50, 10_000, [sample(560, 17), sample(590, 15), sample(570, 16)]),
        cell('approve', 50, 0, [sample(600, 25)]),
        cell('approve', 50, 10_000, [sample(560, 28)]),
      ],
      expect: { Intake: true, 'Intake p99': true, 'Approve p99': true, Throughput: true, Zero: true, Database: true },
    },
    {
      name: 'the worst cell decides: one intake cell under half the echo bot, one approve p99 over three times',
      cells: [cell('intake', 20, 0, [sample(600, 15)]), cell('intake', 50, 0, [sample(400, 15)]), cell('approve', 50, 0, [sample(600, 31)])],
      expect: { Intake: false, 'Intake p99': true, 'Approve p99': false, Throughput: undefined, Zero: true, Database: true },
    },
    {
      name: 'approve p99 counts only at 50 connections',
      cells: [cell('approve', 20, 0, [sample(600, 90)]), cell('approve', 50, 0, [sample(600, 20)])],
      expect: { Intake: undefined, 'Approve p99': true },
    },
    {
      name: 'slower with data stored: 0.85 of the throughput with none',
      cells: [cell('help', 20, 0, [sample(1000, 10)]), cell('help', 20, 10_000, [sample(850, 10)])],
      expect: { Throughput: false },
    },
    {
      name: 'one lost write or one unanswered request is a miss',
      cells: [cell('approve', 50, 0, [sample(600, 20, { lost: 1 })]), cell('intake', 50, 0, [sample(600, 15, { unfinished: 1 })])],
      expect: { Zero: false },
    },
    {
      name: 'the machine slowed between the sizes: the bot and the echo bot beside it both at 0.85 is flat',
      cells: [cell('help', 20, 0, [sample(1000, 10)]), cell('help', 20, 10_000, [sample(850, 10)], [sample(850, 10)])],
      expect: { Throughput: true },
    },
    {
      name: 'the machine sped up between the sizes: the bot at the same req/s while the echo bot ran 1.25 times faster is a miss',
      cells: [cell('help', 20, 0, [sample(1000, 10)]), cell('help', 20, 10_000, [sample(1000, 10)], [sample(1250, 10)])],
      expect: { Throughput: false },
    },
    {
      name: 'flat is judged at the largest stored size',
      cells: [cell('help', 20, 0, [sample(1000, 10)]), cell('help', 20, 1_000, [sample(850, 10)]), cell('help', 20, 10_000, [sample(950, 10)])],
      expect: { Throughput: true },
    },
    {
      name: 'idle is judged at the largest stored size',
      cells: [cell('help', 20, 0, [sample(1000, 10)])],
      idle: new Map([
        [0, 0.1],
        [10_000, 1.4],
      ]),
      expect: { Database: false },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = met(c.cells, c.idle);
      for (const [k, v] of Object.entries(c.expect)) assert.equal(got[k], v, k);
    });
  }

  it('a miss names the CPU per turn the same run measured', () => {
    const [intake] = verdicts([cell('intake', 50, 0, [sample(300, 40, { cpuMsPerTurn: 3, dbCpuMsPerTurn: 2.5 })])], new Map());
    assert.equal(intake.met, false);
    assert.equal(intake.measured, '0.30× at worst (50 conn., 0 stored)');
    assert.equal(intake.limit, 'per turn the bot uses 3.0 ms of CPU and the database 2.5 ms where the echo bot uses 0.50 ms');
    const table = targetTable(verdicts([cell('intake', 50, 0, [sample(300, 40)])], new Map()));
    assert.match(table.join('\n'), /\| Intake throughput ≥ 0.5× the echo bot's \| 0.30× at worst \(50 conn., 0 stored\) \| no \| per turn the bot uses/);
    assert.match(table.join('\n'), /Database idle CPU .* \| not run \| – \| +\|/);
  });
});
