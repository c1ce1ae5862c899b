import assert from 'node:assert/strict';
import { isRetryable, resolveRetrySettings, retryDelayMs } from '../../../services/graph/graphRetryHandler';

describe('Graph retry policy', () => {
  const table: [number | 'network', string, boolean, boolean][] = [
    // outcome, method, marked idempotent, retried?
    [429, 'GET', false, true],
    [429, 'POST', false, true],
    [503, 'GET', false, true],
    [504, 'DELETE', false, true],
    ['network', 'GET', false, true],
    [503, 'POST', false, false],
    [504, 'POST', false, false],
    ['network', 'POST', false, false],
    [503, 'POST', true, true],
    [504, 'PATCH', true, true],
    [500, 'GET', false, false],
    [502, 'GET', false, false],
    [400, 'POST', true, false],
    [404, 'GET', false, false],
  ];
  for (const [outcome, method, idempotent, expected] of table) {
    it(`when ${method}${idempotent ? ' (idempotent)' : ''} ends in ${outcome}, then it is ${expected ? '' : 'not '}retried`, () => {
      assert.equal(isRetryable(outcome, method, idempotent), expected);
    });
  }

  const settings = resolveRetrySettings({ baseDelayMs: 1000, maxDelayMs: 30_000 });
  const now = Date.parse('2026-11-23T10:00:00Z');
  const delays: [string, number, string | undefined, number, number][] = [
    // name, attempt, Retry-After, random, expected ms
    ['Retry-After in seconds', 0, '2', 0.5, 2000],
    ['Retry-After 0', 3, '0', 0.5, 0],
    ['Retry-After as an HTTP date', 0, 'Mon, 23 Nov 2026 10:00:05 GMT', 0.5, 5000],
    ['Retry-After in the past', 0, 'Mon, 23 Nov 2026 09:00:00 GMT', 0.5, 0],
    ['Retry-After above the cap', 0, '600', 0.5, 30_000],
    ['no Retry-After, first retry, least jitter', 0, undefined, 0, 500],
    ['no Retry-After, first retry, most jitter', 0, undefined, 1, 1000],
    ['no Retry-After, third retry', 2, undefined, 1, 4000],
    ['no Retry-After, far retry is capped', 10, undefined, 1, 30_000],
    ['an unparsable Retry-After falls back to backoff', 1, 'soon', 0, 1000],
  ];
  for (const [name, attempt, retryAfter, random, expected] of delays) {
    it(`when ${name}, then the wait is ${expected} ms`, () => {
      assert.equal(retryDelayMs(attempt, retryAfter, settings, now, () => random), expected);
    });
  }

  it('when a retry setting is negative, then resolving the settings fails naming it', () => {
    assert.throws(() => resolveRetrySettings({ maxRetries: -1 }), /retry\.maxRetries/);
  });
});
