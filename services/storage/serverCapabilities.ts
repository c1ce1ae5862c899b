import type { Db, MongoClient } from 'mongodb';

/** What the connected MongoDB-compatible server guarantees, as far as the storage code needs to know. */
export interface ServerCapabilities {
  /** `mongodb` (MongoDB, Atlas, Cosmos DB vCore and other servers that isolate updates) or `ferretdb`. */
  kind: 'mongodb' | 'ferretdb';
  /** Server version as reported (FerretDB reports its own, e.g. v1.24.2). */
  version: string;
  /**
   * Whether one update of one document is applied atomically against concurrent updates of the same document.
   * MongoDB guarantees it; FerretDB v1 applies an update as a separate read and write on both of its backends.
   */
  isolatesUpdates: boolean;
}

const cache = new WeakMap<MongoClient, Promise<ServerCapabilities>>();

/** Reads `buildInfo`: FerretDB adds `ferretdbVersion` (and `ferretdbFeatures`) to the reply; MongoDB does not. */
async function detect(db: Db): Promise<ServerCapabilities> {
  const info = (await db.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  if (info.ferretdbVersion) return { kind: 'ferretdb', version: info.ferretdbVersion, isolatesUpdates: false };
  return { kind: 'mongodb', version: info.version ?? 'unknown', isolatesUpdates: true };
}

/**
 * The server's capabilities, asked once per client (at start-up, from connectMongo) and remembered. A failed
 * probe is not remembered, so the next caller asks again.
 */
export function serverCapabilities(db: Db): Promise<ServerCapabilities> {
  const client = db.client;
  let known = cache.get(client);
  if (!known) {
    known = detect(db);
    cache.set(client, known);
    known.catch(() => cache.delete(client));
  }
  return known;
}
