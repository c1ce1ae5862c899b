import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { serverCapabilities } from './serverCapabilities';

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
 * Serialises read-modify-write on one document across bot instances, where the server needs it. MongoDB (and
 * Atlas, Cosmos DB vCore) isolates single-document updates, so there the lock costs nothing: `fn` runs at once
 * and the callers' conditional updates (version, eTag, lease) are the whole guarantee. FerretDB v1 applies an
 * update as a separate read and write, so two concurrent updates to one document can lose one of them; there an
 * insert into a unique `_id` (atomic on every server) is the lock, and it expires so a crashed holder cannot
 * block others for long. Within one process writers queue in memory first, so a double click costs no database
 * round trips. Which server it is, is asked once per client (see serverCapabilities).
 */
export class DocumentLock {
  private readonly collection: Collection<LockDocument>;
  private readonly local = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 15_000,
    private readonly waitMs = 20_000,
  ) {
    this.collection = db.collection<LockDocument>('locks');
  }

  /** Runs `fn` while holding the lock named `key` (at once, on a server that isolates updates). */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if ((await serverCapabilities(this.db)).isolatesUpdates) return fn();
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
