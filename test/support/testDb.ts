import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';

/** A test asked for a database but no server is available (no MONGODB_URI and no embedded FerretDB). */
export class TestDatabaseUnavailableError extends Error {
  constructor(reason: string) {
    super(`No test database: ${reason}`);
    this.name = 'TestDatabaseUnavailableError';
  }
}

let client: MongoClient | undefined;
let unavailableReason: string | undefined;
const created = new Set<string>();

/** Records why the root hook could not provide a server, so testDb() can say so. */
export function markTestDatabaseUnavailable(reason: string): void {
  unavailableReason = reason;
}

/** The run's shared client, connected on first use to MONGODB_URI. */
export async function testClient(): Promise<MongoClient> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new TestDatabaseUnavailableError(unavailableReason ?? 'MONGODB_URI is not set');
  // ignoreUndefined matches what the product's connection does, so documents compare alike.
  client ??= await MongoClient.connect(uri, { ignoreUndefined: true, serverSelectionTimeoutMS: 5000 });
  return client;
}

/** A database name no other test file uses: `t_<label>_<random>` within MongoDB's 63-character limit. */
export function uniqueDbName(label = 'db'): string {
  const safe = label.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return `t_${safe}_${randomBytes(4).toString('hex')}`;
}

/** A fresh, empty database on the test server; dropped by {@link dropTestDb} or at the end of the run. */
export async function testDb(label?: string): Promise<Db> {
  const db = (await testClient()).db(uniqueDbName(label));
  created.add(db.databaseName);
  return db;
}

/** Drops a database made by {@link testDb}. */
export async function dropTestDb(db: Db): Promise<void> {
  created.delete(db.databaseName);
  await db.dropDatabase();
}

/**
 * Gives the enclosing `describe` its own database: created before its tests, dropped after them.
 * Read `.db` inside hooks or tests, not at describe time.
 */
export function useTestDb(label?: string): { readonly db: Db } {
  let db: Db | undefined;
  before(async () => {
    db = await testDb(label);
  });
  after(async () => {
    if (db) await dropTestDb(db);
  });
  return {
    get db(): Db {
      if (!db) throw new TestDatabaseUnavailableError('useTestDb().db was read before its before() hook ran');
      return db;
    },
  };
}

/** Drops what is left and closes the shared client (the root hook calls this before stopping the server). */
export async function closeTestDatabases(): Promise<void> {
  if (!client) return;
  for (const name of created) await client.db(name).dropDatabase().catch(() => undefined);
  created.clear();
  await client.close();
  client = undefined;
}
