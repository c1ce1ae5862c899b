import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Collection, Db } from 'mongodb';
import { DocumentLock } from './documentLock';
import { COLLECTIONS } from './mongoConnection';

/** An eTag mismatch on write: someone else saved the same state first. */
export class StorageETagConflictError extends Error {
  constructor(readonly key: string) {
    super(`eTag conflict writing ${key}`);
    this.name = 'StorageETagConflictError';
  }
}

interface StateDocument {
  _id: string;
  eTag: string;
  /** Serialized JSON: bot state may hold keys ('$', '.') that some MongoDB-compatible servers refuse as field names. */
  json: string;
  updatedAt: Date;
}

/**
 * botbuilder `Storage` on MongoDB with eTag optimistic concurrency, following MemoryStorage's contract:
 * an item without an eTag (or '*') is written unconditionally; otherwise the stored eTag must match.
 */
export class MongoStorage implements Storage {
  private readonly collection: Collection<StateDocument>;
  private readonly lock: DocumentLock;

  constructor(db: Db) {
    this.collection = db.collection<StateDocument>(COLLECTIONS.botState);
    this.lock = new DocumentLock(db);
  }

  /**
   * Reads the items that exist; missing keys are absent from the result. Each key is read by `_id` equality
   * (a turn reads one or two), which every server answers from its primary key; FerretDB v1 does not push an
   * `$in` down and would scan every conversation's state.
   */
  async read(keys: string[]): Promise<StoreItems> {
    const docs = await Promise.all([...new Set(keys)].map((_id) => this.collection.findOne({ _id })));
    const items: StoreItems = {};
    for (const d of docs) if (d) items[d._id] = { ...JSON.parse(d.json), eTag: d.eTag };
    return items;
  }

  /** Writes every change; throws StorageETagConflictError when a conditional write lost the race. */
  async write(changes: StoreItems): Promise<void> {
    for (const [key, value] of Object.entries(changes)) await this.lock.withLock(`state:${key}`, () => this.writeOne(key, value));
  }

  private async writeOne(key: string, value: unknown): Promise<void> {
    const { eTag, ...rest } = (value ?? {}) as { eTag?: string };
    const fields = { eTag: randomUUID(), json: JSON.stringify(rest), updatedAt: new Date() };
    if (!eTag || eTag === '*') {
      await this.collection.updateOne({ _id: key }, { $set: fields }, { upsert: true });
      return;
    }
    const result = await this.collection.updateOne({ _id: key, eTag }, { $set: fields });
    if (result.matchedCount === 1) return;
    if (await this.collection.countDocuments({ _id: key }, { limit: 1 })) throw new StorageETagConflictError(key);
    try {
      await this.collection.insertOne({ _id: key, ...fields });
    } catch (e) {
      if ((e as { code?: number }).code === 11000) throw new StorageETagConflictError(key);
      throw e;
    }
  }

  /** Deletes the keys; missing keys are ignored. */
  async delete(keys: string[]): Promise<void> {
    await Promise.all([...new Set(keys)].map((_id) => this.collection.deleteOne({ _id })));
  }
}
