/**
 * `npm run bench:lock`: what the per-document lock costs on the embedded database. FerretDB v1 does not isolate
 * updates, so every request write takes a lock document (services/storage/documentLock.ts). This runs the same
 * workload side by side, interleaved round by round: a version-checked update without the lock (the baseline,
 * correct only on MongoDB) and RequestRepository.save (the product). It prints medians and their ratio; it
 * asserts nothing about time.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { MongoClient, type Db } from 'mongodb';
import { createLogger } from '../bot/logger';
import { startEmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { ensureIndexes } from '../services/storage/mongoConnection';
import { RequestRepository } from '../services/storage/requestRepository';
import type { OnboardingRequest } from '../services/workflow/model';
import { createRequest } from '../services/workflow/transition';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WRITES = Number(process.env.BENCH_WRITES ?? 200);

function request(): OnboardingRequest {
  return createRequest(
    {
      id: randomUUID(),
      reference: `DEV-${randomUUID().slice(0, 8)}`,
      tenantId: 't',
      requester: { aadObjectId: randomUUID(), displayName: 'Bench' },
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'Benchmark workload' },
      approvers: [{ aadObjectId: 'm', displayName: 'Manager' }],
      approverSource: 'manager',
    },
    new Date().toISOString(),
  ).next;
}

/** Writes per second for `WRITES` sequential version-checked updates of one request. */
async function run(db: Db, locked: boolean): Promise<number> {
  const repo = new RequestRepository(db);
  let r = await repo.insert(request());
  const started = process.hrtime.bigint();
  for (let i = 0; i < WRITES; i++) {
    const next = { ...r, checkAttempts: i, updatedAt: new Date().toISOString() };
    if (locked) r = await repo.save(next);
    else {
      await db.collection('requests').updateOne({ _id: r._id as never, version: r.version }, { $set: { checkAttempts: i, version: r.version + 1 } });
      r = { ...next, version: r.version + 1 };
    }
  }
  return WRITES / (Number(process.hrtime.bigint() - started) / 1e9);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const logger = createLogger('warn');
  const uri = process.env.MONGODB_URI;
  const embedded = uri ? undefined : await startEmbeddedFerretDb({ dataDir: path.join(tmpdir(), `bench-ferretdb-${process.pid}`), logger });
  const client = await MongoClient.connect(uri ?? embedded!.uri, { ignoreUndefined: true });
  const db = client.db(`bench_${process.pid}`);
  await ensureIndexes(db);
  const baseline: number[] = [];
  const product: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(await run(db, false));
    product.push(await run(db, true));
  }
  const b = median(baseline);
  const p = median(product);
  console.log(`server: ${uri ? 'MONGODB_URI' : 'embedded FerretDB'}; ${ROUNDS} rounds × ${WRITES} sequential writes of one request`);
  console.log(`baseline (version-checked updateOne, no lock): ${b.toFixed(0)} writes/s`);
  console.log(`product  (RequestRepository.save with lock):   ${p.toFixed(0)} writes/s`);
  console.log(`ratio product/baseline: ${(p / b).toFixed(2)}`);
  await db.dropDatabase();
  await client.close();
  await embedded?.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
