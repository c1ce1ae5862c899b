import type { Collection, Db } from 'mongodb';
import { DocumentLock } from './documentLock';

/** How many records a page reads at once. */
const READ_BATCH = 50;

/**
 * Lists of ids kept as key documents read by `_id`. FerretDB v1 pushes down only equalities (the embedded cluster
 * answers them from GIN twins of the declared indexes); a path into an array, an `_id` range or `$in` is filtered
 * in FerretDB after reading every row, so a list a page shows often and that such a filter would select (what waits
 * for an approver, a device's state) is one document `{_id: key, ids}` with the ids in the order they joined, like
 * the open-request key. An id joins a list before its record is written in a state that
 * belongs there, so a reader never misses it; it leaves lazily, when a reader finds the record has moved on. Every
 * change holds the document lock, because FerretDB applies an update as a separate read and write.
 */
export class KeyLists {
  private readonly collection: Collection<{ _id: string; ids: string[] }>;
  private readonly lock: DocumentLock;

  constructor(db: Db, collectionName: string) {
    this.collection = db.collection(collectionName);
    this.lock = new DocumentLock(db);
  }

  /** Adds `id` to each list (a no-op where it is already). */
  async join(keys: readonly string[], id: string): Promise<void> {
    for (const key of keys) {
      await this.lock.withLock(`list:${this.collection.collectionName}:${key}`, async () => {
        try {
          await this.collection.updateOne({ _id: key }, { $addToSet: { ids: id } }, { upsert: true });
        } catch (e) {
          // Two upserts of a missing key can race; the loser's retry finds it.
          if ((e as { code?: number }).code !== 11000) throw e;
          await this.collection.updateOne({ _id: key }, { $addToSet: { ids: id } });
        }
      });
    }
  }


  /**
   * One page of the list (newest joined first, or oldest with `oldestFirst`) after the id `after`: each id is read
   * with `read`; ids whose record is gone or no longer `belongs` are left out and removed from the list.
   */
  async page<T extends { _id: string }>(
    key: string,
    o: { after?: string; limit: number; oldestFirst: boolean; read: (id: string) => Promise<T | null>; belongs: (record: T) => boolean },
  ): Promise<{ items: T[]; next?: string }> {
    const doc = await this.collection.findOne({ _id: key });
    const ids = o.oldestFirst ? [...(doc?.ids ?? [])] : [...(doc?.ids ?? [])].reverse();
    let start = o.after ? ids.indexOf(o.after) + 1 : 0;
    const items: T[] = [];
    const stale: string[] = [];
    while (items.length < o.limit && start < ids.length) {
      const batch = ids.slice(start, start + Math.min(READ_BATCH, o.limit - items.length));
      start += batch.length;
      const read = await Promise.all(batch.map((id) => o.read(id)));
      read.forEach((r, i) => (r && o.belongs(r) ? items.push(r) : stale.push(batch[i])));
    }
    if (stale.length) {
      await this.lock.withLock(`list:${this.collection.collectionName}:${key}`, () => this.collection.updateOne({ _id: key }, { $pullAll: { ids: stale } }));
    }
    return start < ids.length && items.length ? { items, next: items.at(-1)!._id } : { items };
  }
}
