import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Collection, Document, Filter, UpdateFilter } from 'mongodb';
import type { DocumentLock } from '../storage/documentLock';

/** The lease this work ran under is gone: it expired and another instance took it over. */
export class LeaseLostError extends Error {
  constructor(
    readonly key: string,
    readonly owner: string,
  ) {
    super(`Lease on ${key} is no longer held by ${owner}`);
    this.name = 'LeaseLostError';
  }
}

/** The fields a leased document carries. */
export interface LeaseFields {
  /** The bot instance that holds the lease. */
  leaseOwner?: string;
  /** One acquisition: a second acquisition by the same instance (a follow-up drain) has another token. */
  leaseToken?: string;
  leaseUntil?: Date;
}

/** One acquisition of a lease. `lost` turns true when a renewal finds it was taken over. */
export interface Lease {
  readonly id: string;
  readonly owner: string;
  readonly token: string;
  until: Date;
  lost: boolean;
}

/** How a lease store behaves. */
export interface LeaseOptions {
  /** This instance, written into every lease it takes. */
  owner: string;
  /** How long a lease lasts without renewal; a crashed holder blocks others at most this long. */
  ttlMs: number;
  /** Extra fields set whenever a lease is taken or renewed (a job's due time follows its lease). */
  alsoSet?: (until: Date) => Document;
}

/**
 * An id for this bot process, written into the leases it holds so logs and the database show who holds what.
 * Generated at start-up: a restarted process is a new owner and never mistakes an old lease for its own.
 */
export function newInstanceId(prefix = 'bot'): string {
  return `${prefix}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * Leases on documents of one collection: the one place where "who works on this now" is decided, for every
 * kind of background work. A lease has an owner (instance id and a token per acquisition), is short, is renewed
 * while work runs, and is released or renewed only by its holder; an expired lease is taken over by anyone.
 *
 * Every change is a compare-and-set under the per-document lock, because FerretDB v1 applies an update as a
 * separate read and write (two instances could both "win" a bare conditional update there); on MongoDB the
 * lock costs two small writes and changes nothing else.
 */
export class Leases<T extends Document & { _id: string } & LeaseFields> {
  constructor(
    private readonly collection: Collection<T>,
    private readonly lock: DocumentLock,
    readonly options: LeaseOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get owner(): string {
    return this.options.owner;
  }

  /** Documents whose lease nobody holds at `now`. */
  static free(now: Date): Document {
    return { $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lte: now } }] };
  }

  private lockKey(id: string) {
    return `${this.collection.collectionName}:${id}`;
  }

  private until(): Date {
    return new Date(this.clock().getTime() + this.options.ttlMs);
  }

  /**
   * Takes the lease on `id` if nobody holds it (or its holder let it expire) and `where` matches; otherwise
   * tells until when the current holder has it (undefined when the document does not exist or does not match).
   */
  async take(id: string, where: Document = {}): Promise<{ lease: Lease } | { heldUntil?: Date }> {
    const token = randomUUID();
    const until = this.until();
    const filter = { _id: id, $and: [Leases.free(this.clock()), where] } as unknown as Filter<T>;
    const set = { leaseOwner: this.owner, leaseToken: token, leaseUntil: until, ...this.options.alsoSet?.(until) };
    const taken = await this.lock.withLock(this.lockKey(id), () => this.collection.updateOne(filter, { $set: set } as UpdateFilter<T>));
    if (taken.modifiedCount === 1) return { lease: { id, owner: this.owner, token, until, lost: false } };
    const current = await this.collection.findOne({ _id: id } as Filter<T>, { projection: { leaseUntil: 1 } });
    return { heldUntil: current?.leaseUntil ?? undefined };
  }

  private mine(lease: Lease): Filter<T> {
    return { _id: lease.id, leaseOwner: lease.owner, leaseToken: lease.token } as unknown as Filter<T>;
  }

  /** Extends a lease this instance holds; false (and `lease.lost`) when it expired and someone took it over. */
  async renew(lease: Lease): Promise<boolean> {
    if (lease.lost) return false;
    const until = this.until();
    const set = { leaseUntil: until, ...this.options.alsoSet?.(until) };
    const r = await this.lock.withLock(this.lockKey(lease.id), () => this.collection.updateOne(this.mine(lease), { $set: set } as UpdateFilter<T>));
    if (r.matchedCount === 1) lease.until = until;
    else lease.lost = true;
    return !lease.lost;
  }

  /** Whether this acquisition still holds the lease now (checked before each step of work with side effects). */
  async holds(lease: Lease): Promise<boolean> {
    if (lease.lost) return false;
    const doc = await this.collection.findOne(this.mine(lease), { projection: { leaseUntil: 1 } });
    if (!doc?.leaseUntil || doc.leaseUntil <= this.clock()) lease.lost = true;
    return !lease.lost;
  }

  /** Throws LeaseLostError unless this acquisition still holds the lease. */
  async assertHeld(lease: Lease): Promise<void> {
    if (!(await this.holds(lease))) throw new LeaseLostError(lease.id, lease.owner);
  }

  /**
   * Runs `fn` on the document under its lock, but only while `lease` holds it: the way a holder ends its work
   * (release, reschedule, delete) without touching a lease someone else has taken since.
   */
  async asHolder<R>(lease: Lease, fn: (doc: T) => Promise<R>): Promise<R | undefined> {
    return this.lock.withLock(this.lockKey(lease.id), async () => {
      const doc = await this.collection.findOne(this.mine(lease));
      if (!doc) {
        lease.lost = true;
        return undefined;
      }
      return fn(doc as T);
    });
  }

  /** Ends the lease early (only this acquisition's), leaving the document otherwise as it is. */
  async release(lease: Lease, set: Document = {}): Promise<boolean> {
    const update = { $unset: { leaseOwner: '', leaseToken: '', leaseUntil: '' }, ...(Object.keys(set).length ? { $set: set } : {}) };
    const r = await this.lock.withLock(this.lockKey(lease.id), () => this.collection.updateOne(this.mine(lease), update as unknown as UpdateFilter<T>));
    return r.matchedCount === 1;
  }

  /**
   * Renews `lease` every third of its time to live until the returned function is called. A renewal that finds
   * the lease taken over marks it lost; a renewal that fails (database briefly away) is retried at the next beat.
   */
  keepAlive(lease: Lease, onError?: (e: unknown) => void): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const beat = () => {
      if (stopped) return;
      timer = setTimeout(async () => {
        try {
          if (!stopped) await this.renew(lease);
        } catch (e) {
          onError?.(e);
        }
        if (!lease.lost) beat();
      }, Math.max(50, Math.floor(this.options.ttlMs / 3)));
      timer.unref();
    };
    beat();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }
}
