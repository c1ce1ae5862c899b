/**
 * Child process of `npm run bench:sweep`: only the bot's sweeping code and its database client. Builds the device
 * module against the Graph simulator (SWEEP_GRAPH_URL) and the database (SWEEP_DB_URI, SWEEP_DB_NAME), sends
 * `{ type: 'ready' }`, sweeps once on `{ type: 'go' }` and answers its stats and peak memory (sampled every 100 ms
 * from before the module is built to the end of the sweep).
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { createLogger } from '../../bot/logger';
import { createDeviceModule } from '../../services/devices/deviceModule';
import { createGraphServices } from '../../services/graph/graphServices';
import { JobQueue } from '../../services/jobs/jobQueue';
import { DeliveryLog } from '../../services/messaging/deliveryLog';
import type { Messenger } from '../../services/messaging/proactiveMessenger';
import { AuditRepository } from '../../services/storage/auditRepository';
import { ConversationReferenceRepository } from '../../services/storage/conversationReferenceRepository';
import { memorySampler } from './memorySampler';

async function main() {
  const memory = memorySampler();
  const client = await MongoClient.connect(process.env.SWEEP_DB_URI!, { ignoreUndefined: true });
  const db = client.db(process.env.SWEEP_DB_NAME);
  const logger = createLogger('silent');
  const none: Messenger = {
    hasItChannel: false,
    sendToUser: async () => ({ conversationId: 'c', activityId: randomUUID(), serviceUrl: '' }),
    sendToItChannel: async () => ({ conversationId: 'c', activityId: randomUUID(), serviceUrl: '' }),
    update: async () => undefined,
  };
  const module = createDeviceModule({
    db,
    jobs: new JobQueue(db, { owner: 'bench', leaseMs: 60_000 }),
    audit: new AuditRepository(db),
    messenger: none,
    deliveries: new DeliveryLog(db),
    refs: new ConversationReferenceRepository(db),
    graph: createGraphServices({ baseUrl: process.env.SWEEP_GRAPH_URL!, logger }),
    options: { policy: { graceHours: 72, reminderHoursBefore: [48, 24] }, sweepIntervalMs: 3_600_000, digestIntervalMs: 86_400_000, digestNearingMs: 86_400_000, outbox: { maxAttempts: 3, baseDelayMs: 1000 } },
    logger,
  });
  await module.ensureIndexes();
  process.once('message', async () => {
    const started = performance.now();
    const stats = await module.sweep!.sweep();
    const seconds = (performance.now() - started) / 1000;
    const peaks = memory.stop();
    await client.close();
    process.send!({ type: 'done', stats, seconds, ...peaks }, () => process.exit(0));
  });
  process.send!({ type: 'ready' });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
