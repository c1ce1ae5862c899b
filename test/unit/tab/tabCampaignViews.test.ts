import assert from 'node:assert/strict';
import { campaignProgressView, complianceSeries, timeToAccessBars } from '../../../bot/tabViews';
import { timeToAccessBuckets } from '../../../services/devices/complianceSnapshots';
import { campaignCounts } from '../../../services/workflow/noticeCampaign';

describe("the tab's notice campaign progress", () => {
  const counts = campaignCounts({ pending: 1, told: 2, answered: 3, lapsed: 1, unreachable: 1 }, 1);
  const base = { startedAt: '2026-11-01T09:00:00.000Z', deadline: '2026-11-29T00:00:00.000Z' };
  const table: [string, Parameters<typeof campaignProgressView>[0], string][] = [
    ['notices still going out', { ...base, fanOut: { done: false, cursor: 'x', count: 4 } }, 'sending'],
    ['everyone told, before the deadline', { ...base, fanOut: { done: true, cursor: '', count: 8 } }, 'open'],
    ['closed at the deadline', { ...base, fanOut: { done: true, cursor: '', count: 8 }, closedAt: '2026-11-29T00:00:01.000Z' }, 'closed'],
  ];
  for (const [name, campaign, phase] of table) {
    it(`when ${name}, then the phase is ${phase} and the counts are the progress card's`, () => {
      const v = campaignProgressView(campaign, counts);
      assert.equal(v.phase, phase);
      assert.deepEqual([v.affected, v.told, v.answered, v.pending, v.unreachable, v.accessRemoved], [counts.affected, counts.told, counts.answered, counts.pending, counts.unreachable, counts.accessRemoved]);
      assert.equal(v.deadline, base.deadline);
    });
  }
});

describe("the tab's compliance over time", () => {
  it('when days were recorded, then each state seen has one value a day, oldest first, missing states counted 0 and retired left out', () => {
    const v = complianceSeries([
      { _id: '2026-11-28', at: '2026-11-28T06:00:00.000Z', counts: { compliant: 10, inGrace: 2, retired: 4 } },
      { _id: '2026-11-29', at: '2026-11-29T06:00:00.000Z', counts: { compliant: 11, accessRemoved: 1 } },
    ]);
    assert.deepEqual(v.days, ['2026-11-28', '2026-11-29']);
    assert.deepEqual(v.series.map((x) => [x.key, x.values]), [['compliant', [10, 11]], ['inGrace', [2, 0]], ['accessRemoved', [0, 1]]]);
  });

  it('when nothing was recorded yet, then there are no days and no series', () => {
    assert.deepEqual(complianceSeries([]), { days: [], series: [] });
  });
});

describe("the tab's time from request to access", () => {
  const H = 3600 * 1000;
  const table: [string, number, string][] = [
    ['ten minutes', H / 6, 'under1h'],
    ['exactly an hour', H, 'under4h'],
    ['six hours', 6 * H, 'under1d'],
    ['two days', 48 * H, 'under3d'],
    ['five days', 120 * H, 'under7d'],
    ['a fortnight', 336 * H, 'longer'],
  ];
  for (const [name, ms, bucket] of table) {
    it(`when a request took ${name}, then it counts under ${bucket}`, () => {
      assert.deepEqual(timeToAccessBuckets([ms]), { [bucket]: 1 });
    });
  }

  it('when days are summed, then every bucket is a bar in order; with none granted there are no bars', () => {
    const days = [
      { _id: '2026-11-28', at: '', counts: {}, timeToAccess: { under1h: 2, under3d: 1 } },
      { _id: '2026-11-29', at: '', counts: {}, timeToAccess: { under1h: 1 } },
      { _id: '2026-11-30', at: '', counts: {} },
    ];
    assert.deepEqual(timeToAccessBars(days).map((b) => [b.key, b.value]), [['under1h', 3], ['under4h', 0], ['under1d', 0], ['under3d', 1], ['under7d', 0], ['longer', 0]]);
    assert.deepEqual(timeToAccessBars([days[2]]), []);
  });
});
