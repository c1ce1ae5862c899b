import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/** A lock could not be taken in time (another writer holds it, or the database is too slow). */
export class LockTimeoutError extends Error {
  constructor(readonly key: string) {
    super(`Timed out waiting for the lock on ${key}`);
    this.name = 'LockTimeoutError';
  }
}

interface LockDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Serialises read-modify-write on one document across bot instances. MongoDB isolates single-document updates,
 * but FerretDB v1 (the embedded default) applies an update as a separate read and write, so two concurrent
 * updates to one document can lose one of them. An insert into a unique `_id` is atomic on every server, so a
 * lock is an inserted document; it expires so a crashed holder cannot block others for long. Within one process
 * writers queue in memory first, so a double click costs no database round trips.
 */
export class DocumentLock {
  private readonly collection: Collection<LockDocument>;
  private readonly local = new Map<string, Promise<void>>();

  constructor(
    db: Db,
    private readonly ttlMs = 15_000,
    private readonly waitMs = 20_000,
  ) {
    this.collection = db.collection<LockDocument>('locks');
  }

  /** Runs `fn` while holding the lock named `key`. */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.local.get(key) ?? Promise.resolve();
    let releaseLocal!: () => void;
    const mine = previous.then(() => new Promise<void>((r) => (releaseLocal = r)));
    this.local.set(key, mine);
    await previous;
    try {
      const owner = await this.acquire(key);
      try {
        return await fn();
      } finally {
        await this.collection.deleteOne({ _id: key, owner }).catch(() => undefined);
      }
    } finally {
      releaseLocal();
      if (this.local.get(key) === mine) this.local.delete(key);
    }
  }

  private async acquire(key: string): Promise<string> {
    const owner = randomUUID();
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.collection.insertOne({ _id: key, owner, expiresAt: new Date(Date.now() + this.ttlMs) });
        return owner;
      } catch (e) {
        if ((e as { code?: number }).code !== 11000) throw e;
      }
      await this.collection.deleteOne({ _id: key, expiresAt: { $lt: new Date() } });
      if (Date.now() > deadline) throw new LockTimeoutError(key);
      await sleep(Math.min(5 * 2 ** attempt, 100) + Math.random() * 5);
    }
  }
}
