import { MongoClient, type Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { serverCapabilities } from './serverCapabilities';

/** Collection names, in one place. */
export const COLLECTIONS = {
  botState: 'botState',
  conversationReferences: 'conversationReferences',
  channels: 'channels',
  requests: 'requests',
  /** One document per employee with an open request: `_id` is their AAD object id, `requestId` the request. */
  openRequestKeys: 'openRequestKeys',
  audit: 'auditEvents',
  consents: 'consents',
  /** Audit entries whose writes kept failing, waiting to be written. */
  pendingAudit: 'pendingAudit',
  /** Heads of hash chains that have no aggregate of their own. */
  chainHeads: 'chainHeads',
  /** Who read which sensitive record, when and through which door (hash-chained). */
  accessLog: 'accessLog',
  /** What the retention job removed (counts and ids). */
  retentionRuns: 'retentionRuns',
  /**
   * The tab's lists of open requests as key documents read by `_id`: `approver:<id>` (requests waiting for that
   * approver) and `state:<state>` (open requests in that state), each holding request ids in the order they joined.
   */
  requestListKeys: 'requestListKeys',
  /** Managers' approval delegations, one per delegator. */
  delegations: 'approvalDelegations',
  /** Every change to a manager's delegation (set, changed, ended, expired), hash-chained per manager. */
  delegationAudit: 'approvalDelegationAudit',
  /** The shared outbox of effects and messages (services/outbox). */
  outbox: 'outbox',
} as const;

/** One pooled connection for the process. */
export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** Time limits on the database connection; every database call ends within them. */
export interface MongoTimeouts {
  /** Opening a TCP/TLS connection. */
  connectTimeoutMs: number;
  /** Finding a usable server for an operation (during an outage, how soon an operation fails). */
  serverSelectionTimeoutMs: number;
  /** A socket with no answer for this long is closed and the operation fails. */
  socketTimeoutMs: number;
}

const DEFAULT_TIMEOUTS: MongoTimeouts = { connectTimeoutMs: 5_000, serverSelectionTimeoutMs: 5_000, socketTimeoutMs: 30_000 };

/**
 * Connects once and shares the pool. `ignoreUndefined` keeps absent optional fields absent rather than null,
 * so documents read back exactly as the workflow wrote them.
 */
export async function connectMongo(uri: string, dbName: string, logger: Logger, timeouts: MongoTimeouts = DEFAULT_TIMEOUTS): Promise<MongoHandle> {
  const client = new MongoClient(uri, {
    ignoreUndefined: true,
    maxPoolSize: 20,
    appName: 'device-onboarding-bot',
    connectTimeoutMS: timeouts.connectTimeoutMs,
    serverSelectionTimeoutMS: timeouts.serverSelectionTimeoutMs,
    socketTimeoutMS: timeouts.socketTimeoutMs,
  });
  await client.connect();
  const db = client.db(dbName);
  await db.command({ ping: 1 });
  const server = await serverCapabilities(db);
  logger.info({ db: dbName, server: server.kind, version: server.version, isolatesUpdates: server.isolatesUpdates }, 'database connected');
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
  await requests.createIndex({ 'approvers.aadObjectId': 1, state: 1, createdAt: 1 }, { name: 'by_approver' });
  await requests.createIndex({ state: 1, updatedAt: -1 }, { name: 'by_state' });
  await db.collection(COLLECTIONS.audit).createIndex({ requestId: 1, seq: 1 }, { unique: true, name: 'chain' });
  await db.collection(COLLECTIONS.consents).createIndex({ 'subject.aadObjectId': 1, at: -1 }, { name: 'by_subject' });
  await db.collection(COLLECTIONS.consents).createIndex({ requestId: 1 }, { unique: true, name: 'one_answer_per_request' });
  await db.collection(COLLECTIONS.pendingAudit).createIndex({ requestId: 1 }, { name: 'by_request' });
  await db.collection(COLLECTIONS.accessLog).createIndex({ chainId: 1, seq: 1 }, { unique: true, name: 'chain' });
  await db.collection(COLLECTIONS.accessLog).createIndex({ 'subject.id': 1 }, { name: 'by_subject' });
  await db.collection(COLLECTIONS.channels).createIndex({ teamId: 1, channelId: 1 }, { name: 'by_team_channel' });
  // The shared outbox: due entries, and one aggregate's entries (a request drains its own, in order).
  await db.collection(COLLECTIONS.outbox).createIndex({ state: 1, dueAt: 1 }, { name: 'due' });
  await db.collection(COLLECTIONS.outbox).createIndex({ aggregateType: 1, aggregateId: 1 }, { name: 'by_aggregate' });
}
