import { MongoClient, type Db } from 'mongodb';
import type { Logger } from '../../bot/logger';

/** Collection names, in one place. */
export const COLLECTIONS = {
  botState: 'botState',
  conversationReferences: 'conversationReferences',
  channels: 'channels',
  requests: 'requests',
  audit: 'auditEvents',
  consents: 'consents',
} as const;

/** One pooled connection for the process. */
export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects once and shares the pool. `ignoreUndefined` keeps absent optional fields absent rather than null,
 * so documents read back exactly as the workflow wrote them.
 */
export async function connectMongo(uri: string, dbName: string, logger: Logger): Promise<MongoHandle> {
  const client = new MongoClient(uri, { ignoreUndefined: true, maxPoolSize: 20, serverSelectionTimeoutMS: 10_000, appName: 'device-onboarding-bot' });
  await client.connect();
  const db = client.db(dbName);
  await db.command({ ping: 1 });
  logger.info({ db: dbName }, 'database connected');
  return { client, db, close: () => client.close() };
}

/**
 * Creates the indexes the product relies on. Only features MongoDB, Atlas, Cosmos DB (vCore) and FerretDB all
 * serve: single-field and compound indexes, unique indexes; no partial or TTL tricks.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  const requests = db.collection(COLLECTIONS.requests);
  await requests.createIndex({ openKey: 1 }, { unique: true, name: 'one_open_request_per_requester' });
  await requests.createIndex({ 'requester.aadObjectId': 1, createdAt: -1 }, { name: 'by_requester' });
  await requests.createIndex({ nextCheckAt: 1 }, { name: 'due_checks' });
  await requests.createIndex({ outboxCount: 1, outboxNotBefore: 1 }, { name: 'pending_effects' });
  await requests.createIndex({ reference: 1 }, { unique: true, name: 'by_reference' });
  // Background work is found through the small jobs collection's due time, never by scanning requests.
  await db.collection('jobs').createIndex({ dueAt: 1 }, { name: 'due' });
  await db.collection(COLLECTIONS.audit).createIndex({ requestId: 1, seq: 1 }, { unique: true, name: 'chain' });
  await db.collection(COLLECTIONS.consents).createIndex({ 'subject.aadObjectId': 1, at: -1 }, { name: 'by_subject' });
  await db.collection(COLLECTIONS.consents).createIndex({ requestId: 1 }, { unique: true, name: 'one_answer_per_request' });
  await db.collection(COLLECTIONS.channels).createIndex({ teamId: 1, channelId: 1 }, { name: 'by_team_channel' });
}
