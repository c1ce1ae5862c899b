import type { Collection, Db } from 'mongodb';
import { SlidingWindowLimiter } from '../net/slidingWindow';

/**
 * Teams' rate limit for one bot in one tenant (about 50 requests per second, whatever the conversation), shared
 * by every instance of the bot through the database.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit
 *
 * Why in the database, and why as grants: the per-app limit is the tenant's, not an instance's, and the number
 * of instances changes with scaling, so dividing it per instance would either waste it or break it. Each second
 * is cut into a few grants of `grantSize` sends; an instance takes a grant by inserting its document, and the
 * unique `_id` makes that atomic on every supported server (FerretDB v1 does not isolate a read-modify-write such
 * as `findOneAndUpdate` or `$inc` across clients, an insert with a unique key is). So at most `perSecond` sends
 * start in any second across all instances, at the cost of one insert per grant, not one write per message.
 *
 * A 429 from Teams with Retry-After pauses every instance: the pause is one document all of them read before
 * taking a grant.
 */
export interface RatePacer {
  /** Waits until one more request may be sent. */
  take(): Promise<void>;
  /** Teams said 429 with this Retry-After: nobody sends before it passes. */
  pause(ms: number): Promise<void>;
}

/** Options from configuration. */
export interface TeamsRatePacerOptions {
  /** The bucket's name: one per bot app and tenant. */
  bucket: string;
  /** Sends per second allowed for the app in the tenant, across instances. */
  perSecond: number;
  /** Sends one grant carries (a few per second keeps database writes low). */
  grantSize?: number;
}

interface GrantDoc {
  _id: string;
  bucket: string;
  second: number;
  /** For a pause document: nobody sends before this. */
  until?: Date;
}

export const RATE_GRANTS_COLLECTION = 'rateGrants';
const CLEANUP_EVERY = 50;
const KEEP_SECONDS = 60;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** RatePacer on the shared database (see the note above). */
export class SharedRatePacer implements RatePacer {
  readonly collection: Collection<GrantDoc>;
  private tokens = 0;
  /** The index within its second of the next token to hand out (tokens are spread evenly over the second). */
  private index = 0;
  private second = -1;
  /** This instance's own sends in any sliding second: grants count calendar seconds, Teams may count any second. */
  private readonly recent: SlidingWindowLimiter;
  private grantsTaken = 0;
  private pausedUntil = 0;
  private pauseReadAt = -1;
  private queue: Promise<void> = Promise.resolve();
  private readonly grantSize: number;

  constructor(
    db: Db,
    private readonly options: TeamsRatePacerOptions,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = defaultSleep,
  ) {
    this.collection = db.collection<GrantDoc>(RATE_GRANTS_COLLECTION);
    this.grantSize = Math.max(1, Math.min(options.grantSize ?? 10, options.perSecond));
    this.recent = new SlidingWindowLimiter([{ limit: options.perSecond, windowMs: 1000 }]);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ bucket: 1, second: 1 }, { name: 'by_bucket_second' });
  }

  /** Callers are served one at a time, so a grant's sends are handed out in order. */
  take(): Promise<void> {
    const next = this.queue.then(() => this.takeOne());
    this.queue = next.catch(() => undefined);
    return next;
  }

  async pause(ms: number): Promise<void> {
    const until = this.clock() + ms;
    this.pausedUntil = Math.max(this.pausedUntil, until);
    // $max keeps the latest end when two instances are told at once.
    await this.collection.updateOne({ _id: `${this.options.bucket}:pause` }, { $max: { until: new Date(until) }, $setOnInsert: { bucket: this.options.bucket, second: -1 } }, { upsert: true });
  }

  private async takeOne(): Promise<void> {
    for (;;) {
      let now = this.clock();
      const second = Math.floor(now / 1000);
      if (this.tokens > 0 && this.second === second && now >= this.pausedUntil) {
        // Token n of a second is not used before n/perSecond into it, so two grants never burst together.
        const earliest = second * 1000 + Math.floor((this.index * 1000) / this.options.perSecond);
        const wait = Math.max(earliest - now, this.recent.waitFor('self', now));
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        this.recent.take('self', now);
        this.tokens--;
        this.index++;
        return;
      }
      await this.readPause(second);
      now = this.clock();
      if (now < this.pausedUntil) {
        this.tokens = 0;
        await this.sleep(this.pausedUntil - now);
        continue;
      }
      if (await this.grant(second)) continue;
      // Every grant of this second is taken: wait for the next one.
      await this.sleep(Math.max(1, (second + 1) * 1000 - this.clock()));
    }
  }

  /** Reads the shared pause once per second (and whenever a grant runs out). */
  private async readPause(second: number): Promise<void> {
    if (this.pauseReadAt === second) return;
    this.pauseReadAt = second;
    const doc = await this.collection.findOne({ _id: `${this.options.bucket}:pause` });
    if (doc?.until) this.pausedUntil = Math.max(this.pausedUntil, doc.until.getTime());
  }

  /** Tries each grant of `second` in turn; true when one was taken. */
  private async grant(second: number): Promise<boolean> {
    const slots = Math.ceil(this.options.perSecond / this.grantSize);
    for (let slot = 0; slot < slots; slot++) {
      try {
        await this.collection.insertOne({ _id: `${this.options.bucket}:${second}:${slot}`, bucket: this.options.bucket, second });
      } catch (e) {
        if ((e as { code?: number }).code === 11000) continue;
        throw e;
      }
      this.second = second;
      this.index = slot * this.grantSize;
      this.tokens = Math.min(this.grantSize, this.options.perSecond - slot * this.grantSize);
      if (++this.grantsTaken % CLEANUP_EVERY === 0) await this.collection.deleteMany({ bucket: this.options.bucket, second: { $gte: 0, $lt: second - KEEP_SECONDS } });
      return true;
    }
    return false;
  }
}
