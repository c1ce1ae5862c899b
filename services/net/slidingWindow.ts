/**
 * Rate limits as services publish them ("7 per 1 s, 60 per 30 s, 1,800 per hour"): several sliding windows per
 * key, all of which must have room. Used to pace what the product sends and, in the simulators, to enforce
 * Intune's and Teams' throttling the way the services do.
 */

/** Index of the first time after `t` in sorted `times`. */
function firstAfter(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** At most `limit` events in any `windowMs`. */
export interface WindowRule {
  limit: number;
  windowMs: number;
}

/** A rule set given in a published form, validated. */
export class InvalidRateRuleError extends Error {
  override readonly name = 'InvalidRateRuleError';
  constructor(readonly rule: WindowRule) {
    super(`Invalid rate rule: ${rule.limit} per ${rule.windowMs} ms (both must be positive)`);
  }
}

/**
 * Sliding windows per key. `take` records an event when every window has room, else answers how long until one
 * would (a Retry-After). Timestamps of each key's largest window are kept, so memory is bounded by the limits.
 */
export class SlidingWindowLimiter {
  private readonly events = new Map<string, number[]>();
  private readonly longest: number;

  constructor(readonly rules: readonly WindowRule[]) {
    for (const r of rules) if (!(r.limit > 0 && r.windowMs > 0)) throw new InvalidRateRuleError(r);
    this.longest = Math.max(0, ...rules.map((r) => r.windowMs));
  }

  /** Milliseconds until `key` may have one more event (0: now). */
  waitFor(key: string, now: number): number {
    const times = this.prune(key, now);
    let wait = 0;
    for (const r of this.rules) {
      const inWindow = times.length - firstAfter(times, now - r.windowMs);
      if (inWindow >= r.limit) {
        const oldestThatCounts = times[times.length - r.limit];
        wait = Math.max(wait, oldestThatCounts + r.windowMs - now);
      }
    }
    return Math.max(0, wait);
  }

  /** Records an event for `key` if allowed now; returns 0 when recorded, else the wait in milliseconds. */
  take(key: string, now: number): number {
    const wait = this.waitFor(key, now);
    if (wait > 0) return wait;
    const times = this.events.get(key) ?? [];
    times.push(now);
    this.events.set(key, times);
    return 0;
  }

  /** Forgets keys with no event inside the longest window (call now and then; keys are pruned only when used). */
  forgetIdle(now: number): void {
    for (const key of [...this.events.keys()]) this.prune(key, now);
  }

  /** How many keys have events in their windows. */
  get size(): number {
    return this.events.size;
  }

  /** Forgets every key. */
  reset(): void {
    this.events.clear();
  }

  private prune(key: string, now: number): number[] {
    const times = this.events.get(key);
    if (!times) return [];
    let drop = 0;
    while (drop < times.length && times[drop] <= now - this.longest) drop++;
    if (drop) times.splice(0, drop);
    if (!times.length) this.events.delete(key);
    return times;
  }
}
