import assert from 'node:assert/strict';
import { InvalidRateRuleError, SlidingWindowLimiter } from '../../../services/net/slidingWindow';

describe('sliding window rate limits', () => {
  const teams = () => new SlidingWindowLimiter([
    { limit: 7, windowMs: 1000 },
    { limit: 8, windowMs: 2000 },
    { limit: 60, windowMs: 30_000 },
  ]);

  const cases: { name: string; events: number[]; at: number; wait: number }[] = [
    { name: 'six sends in one second leave room for a seventh', events: [0, 1, 2, 3, 4, 5], at: 10, wait: 0 },
    { name: 'seven sends in one second make the eighth wait for the first to leave the second', events: [0, 100, 200, 300, 400, 500, 600], at: 700, wait: 300 },
    { name: 'eight sends in two seconds make the ninth wait for the two-second window', events: [0, 100, 200, 300, 400, 500, 600, 1500], at: 1600, wait: 400 },
  ];
  for (const c of cases) {
    it(`when ${c.name}, then the wait is ${c.wait} ms`, () => {
      const l = teams();
      for (const t of c.events) assert.equal(l.take('conv', t), 0);
      assert.equal(l.waitFor('conv', c.at), c.wait);
    });
  }

  it('when 60 sends spread over 30 seconds, then the 61st waits for the first to age out, and keys are independent', () => {
    const l = teams();
    for (let i = 0; i < 60; i++) assert.equal(l.take('conv', i * 400), 0);
    assert.equal(l.take('conv', 24_000), 30_000 - 24_000);
    assert.equal(l.take('other', 24_000), 0);
    assert.equal(l.take('conv', 30_000), 0);
  });

  it('when a send is refused, then it is not counted', () => {
    const l = new SlidingWindowLimiter([{ limit: 1, windowMs: 1000 }]);
    assert.equal(l.take('k', 0), 0);
    assert.equal(l.take('k', 500), 500);
    assert.equal(l.take('k', 1000), 0);
  });

  it('when a rule is not positive, then it is refused by name', () => {
    assert.throws(() => new SlidingWindowLimiter([{ limit: 0, windowMs: 1000 }]), InvalidRateRuleError);
  });
});

describe('sliding window memory', () => {
  it('when keys go idle past the longest window, then forgetting idle keys drops them', () => {
    const l = new SlidingWindowLimiter([{ limit: 1, windowMs: 1000 }]);
    for (let i = 0; i < 100; i++) l.take(`k${i}`, 0);
    l.take('recent', 900);
    l.forgetIdle(1500);
    assert.equal(l.size, 1);
  });
});
