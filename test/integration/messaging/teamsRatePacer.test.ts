/**
 * Teams' per-app rate limit shared by instances through the database: two instances together never start more
 * sends in a second than the limit, and a 429 told to one holds back both.
 */
import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { SharedRatePacer } from '../../../services/messaging/teamsRatePacer';
import { dropTestDb, testDb } from '../../support/testDb';

describe('shared Teams rate pacer (two instances, one database)', () => {
  let db: Db;
  let now: number;
  const clock = () => now;
  // Sleeping moves the shared clock: the test runs in simulated time.
  const sleep = async (ms: number) => {
    now += ms;
  };
  const pacer = (bucket: string) => new SharedRatePacer(db, { bucket, perSecond: 10, grantSize: 3 }, clock, sleep);

  before(async () => {
    db = await testDb('rate_pacer');
    await new SharedRatePacer(db, { bucket: 'x', perSecond: 1 }).ensureIndexes();
  });
  after(() => dropTestDb(db));
  beforeEach(() => {
    now = 1_000_000;
  });

  it('when two instances send as fast as they can, then no second sees more sends than the limit, and both get grants', async () => {
    const a = pacer('teams:app:tenant-1');
    const b = pacer('teams:app:tenant-1');
    const seconds: Record<number, { a: number; b: number }> = {};
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      for (const [name, p] of [['a', a], ['b', b]] as const) {
        await p.take();
        times.push(now);
        const s = Math.floor(now / 1000);
        seconds[s] ??= { a: 0, b: 0 };
        seconds[s][name]++;
      }
    }
    const totals = Object.values(seconds).map((c) => c.a + c.b);
    assert.ok(totals.every((t) => t <= 10), `sends per second: ${totals.join(',')}`);
    assert.ok(Object.values(seconds).some((c) => c.a > 0 && c.b > 0), 'both instances share a second');
    assert.equal(totals.reduce((x, y) => x + y, 0), 60);
    // Teams may count any second, not calendar seconds: sends are spread so that no sliding second bursts either.
    const slidingMax = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    assert.ok(slidingMax <= 10, `at most the limit in any sliding second, saw ${slidingMax}`);
  });

  it('when one instance is told 429 with Retry-After, then the other waits it out too', async () => {
    const a = pacer('teams:app:tenant-2');
    const b = pacer('teams:app:tenant-2');
    await a.take();
    await a.pause(5_000);
    const pausedAt = now;
    now += 1000; // b reads the shared pause on its next second
    await b.take();
    assert.ok(now >= pausedAt + 5_000, `b sent ${now - pausedAt} ms after the pause began`);
  });

  it('when buckets differ (another tenant), then they do not share the limit', async () => {
    const a = pacer('teams:app:tenant-3');
    const b = pacer('teams:app:tenant-4');
    const start = now;
    for (let i = 0; i < 10; i++) {
      await a.take();
      await b.take();
    }
    assert.equal(Math.floor(now / 1000), Math.floor(start / 1000));
  });
});
