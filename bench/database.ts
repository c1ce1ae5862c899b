/**
 * `npm run bench:db`: the embedded database's two backends (FerretDB v1 on PostgreSQL and on SQLite) side by
 * side, with the queries the product makes on a turn: finding an employee's open request (the old `openKey`
 * scan and the key document read by `_id`), reading dialog state, upserting a conversation reference and
 * saving a request (under the lock, as on FerretDB), one at a time and with 20 concurrent writers, at 0, 1,000
 * and 10,000 stored requests (and as many dialog states and references). Then the database's idle CPU with
 * 10,000 requests stored. Prints operations per second, PostgreSQL/SQLite ratios and 10,000/0 ratios; asserts
 * nothing about time. BENCH_DB_SIZES=0,1000, BENCH_DB_MS=1500 and BENCH_DB_BACKENDS=postgresql change the sizes,
 * the time per figure and the backends measured (the ratios need both).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { createLogger } from '../bot/logger';
import { EMBEDDED_BACKENDS, startEmbeddedFerretDb, type EmbeddedBackend, type EmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { COLLECTIONS, ensureIndexes } from '../services/storage/mongoConnection';
import { MongoStorage } from '../services/storage/mongoStorage';
import { RequestRepository } from '../services/storage/requestRepository';
import type { OnboardingRequest } from '../services/workflow/model';
import { createRequest } from '../services/workflow/transition';

const SIZES = (process.env.BENCH_DB_SIZES ?? '0,1000,10000').split(',').map(Number);
const MEASURE_MS = Number(process.env.BENCH_DB_MS ?? 1500);
const WRITERS = 20;
const BACKENDS = (process.env.BENCH_DB_BACKENDS ?? EMBEDDED_BACKENDS.join(',')).split(',') as EmbeddedBackend[];
const IDLE_MS = Number(process.env.BENCH_DB_IDLE_MS ?? 10_000);
const CLOCK_TICKS = 100;

function request(requester: string): OnboardingRequest {
  return createRequest(
    {
      id: randomUUID(),
      reference: `DEV-${randomUUID().slice(0, 8)}`,
      tenantId: 'tenant',
      requester: { aadObjectId: requester, displayName: 'Bench Person' },
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email and calendar on the road' },
      approvers: [{ aadObjectId: 'manager', displayName: 'Manager' }],
      approverSource: 'manager',
    },
    new Date().toISOString(),
  ).next;
}

const reference = (id: string) => ({
  activityId: randomUUID(),
  user: { id: `29:${id}`, name: 'Bench Person', aadObjectId: id },
  bot: { id: '28:bot', name: 'Device onboarding' },
  conversation: { id: `a:${id}`, conversationType: 'personal', tenantId: 'tenant' },
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
});

/** Seeds requests (with their open-request keys), dialog states and references up to `target` each. */
async function seed(db: Db, from: number, target: number): Promise<string[]> {
  const people: string[] = [];
  for (let start = from; start < target; start += 500) {
    const batch = Array.from({ length: Math.min(500, target - start) }, (_, i) => `person-${start + i}`);
    const requests = batch.map((p) => ({ ...request(p), outboxCount: 0 }));
    await db.collection(COLLECTIONS.requests).insertMany(requests as never[]);
    await db.collection(COLLECTIONS.openRequestKeys).insertMany(requests.map((r) => ({ _id: r.requester.aadObjectId, requestId: r._id })) as never[]);
    await db.collection(COLLECTIONS.botState).insertMany(
      batch.map((p) => ({ _id: `msteams/conversations/a:${p}/`, eTag: randomUUID(), json: JSON.stringify({ DialogState: { dialogStack: [] } }), updatedAt: new Date() })) as never[],
    );
    await db.collection(COLLECTIONS.conversationReferences).insertMany(
      batch.map((p) => ({ _id: p, reference: reference(p), source: 'turn', updatedAt: new Date() })) as never[],
    );
    people.push(...batch);
  }
  return people;
}

/** CPU seconds used so far by the database: FerretDB and, on PostgreSQL, the postmaster and its children. */
function databaseCpuSeconds(server: EmbeddedFerretDb): number {
  const pids = new Set<number>([server.pid]);
  const stats: { pid: number; ppid: number; ticks: number }[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(entry), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  if (server.backendPid) {
    pids.add(server.backendPid);
    for (const s of stats) if (s.ppid === server.backendPid) pids.add(s.pid);
  }
  return stats.filter((s) => pids.has(s.pid)).reduce((sum, s) => sum + s.ticks, 0) / CLOCK_TICKS;
}

interface Figure {
  opsPerSecond: number;
  /** Database CPU milliseconds per operation. */
  cpuMs: number;
  errors: number;
}

/** Runs `op` with `concurrency` loops for MEASURE_MS (at least 3 operations, or one per concurrent loop). */
async function measure(server: EmbeddedFerretDb, concurrency: number, op: (worker: number, i: number) => Promise<unknown>): Promise<Figure> {
  let done = 0;
  let errors = 0;
  const cpuBefore = databaseCpuSeconds(server);
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; i < (concurrency > 1 ? 1 : 3) || Date.now() - started < MEASURE_MS; i++) {
        try {
          await op(worker, i);
        } catch {
          errors++;
        }
        done++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  return { opsPerSecond: done / seconds, cpuMs: ((databaseCpuSeconds(server) - cpuBefore) * 1000) / done, errors };
}

type Results = Map<string, Figure>;

async function runBackend(backend: EmbeddedBackend): Promise<{ results: Results; idleCpu: number; isolated: number }> {
  const dataDir = path.join(tmpdir(), `bench-db-${backend}-${process.pid}`);
  const server = await startEmbeddedFerretDb({ dataDir, backend, logger: createLogger('warn') });
  const client = await MongoClient.connect(server.uri, { ignoreUndefined: true, maxPoolSize: 40 });
  const results: Results = new Map();
  let idleCpu = 0;
  let isolated = 0;
  try {
    const db = client.db('bench_db');
    await ensureIndexes(db);
    const repo = new RequestRepository(db);
    const storage = new MongoStorage(db);
    const refs = db.collection<{ _id: string }>(COLLECTIONS.conversationReferences);
    let people: string[] = [];
    for (const size of SIZES) {
      people = people.concat(await seed(db, people.length, size));
      // Let the server settle after the bulk load (PostgreSQL's autovacuum analyses and vacuums the new rows):
      // wait until the database uses less than 5% of a core, for at most a minute.
      for (let waited = 0; waited < 60; waited++) {
        const before = databaseCpuSeconds(server);
        await new Promise((r) => setTimeout(r, 1000));
        if (databaseCpuSeconds(server) - before < 0.05) break;
      }
      // The people the queries ask about have requests of their own, so every size answers alike.
      const probe = Array.from({ length: WRITERS }, () => `probe-${randomUUID()}`);
      const mine = await Promise.all(probe.map((p) => repo.insert(request(p))));
      const versions = mine.map((r) => r);
      const at = (i: number) => ((i % WRITERS) + WRITERS) % WRITERS;
      const ops: [string, number, (w: number, i: number) => Promise<unknown>][] = [
        // One at a time, each call for the next of the 20 people (as turns from different employees would).
        ['open request: key document + _id (now)', 1, (_w, i) => repo.findOpenByRequester(probe[at(i)])],
        ['dialog state: MongoStorage.read (now)', 1, (_w, i) => storage.read([`msteams/conversations/a:${probe[at(i)]}/`])],
        ['reference upsert', 1, (_w, i) => refs.updateOne({ _id: probe[at(i)] }, { $set: { reference: reference(probe[at(i)]), updatedAt: new Date(), n: i } }, { upsert: true })],
        ['request save (lock + update)', 1, async (_w, i) => (versions[at(i)] = await repo.save({ ...versions[at(i)], checkAttempts: Math.abs(i) }))],
        [`reference upsert ×${WRITERS} writers`, WRITERS, (w, i) => refs.updateOne({ _id: probe[w] }, { $set: { reference: reference(probe[w]), updatedAt: new Date(), n: i } }, { upsert: true })],
        [`request save ×${WRITERS} writers`, WRITERS, async (w, i) => (versions[w] = await repo.save({ ...versions[w], checkAttempts: i }))],
        // The old queries last: the scans they start can outlive the client's call and slow what follows.
        ['open request: findOne({openKey}) (before)', 1, (_w, i) => db.collection(COLLECTIONS.requests).findOne({ openKey: probe[at(i)] })],
        ['dialog state: find({_id: {$in}}) (before)', 1, (_w, i) => db.collection(COLLECTIONS.botState).find({ _id: { $in: [`msteams/conversations/a:${probe[at(i)]}/`] } as never }).toArray()],
      ];
      for (const [name, concurrency, op] of ops) {
        // Warm-up (connections, caches, prepared plans), not counted.
        for (let i = 0; i < 5; i++) await op(0, -1 - i);
        const figure = await measure(server, concurrency, op);
        results.set(`${name}|${size}`, figure);
        process.stderr.write(`  ${backend} ${size}: ${name}: ${figure.opsPerSecond.toFixed(0)} ops/s${figure.errors ? `, ${figure.errors} errors` : ''}\n`);
      }
    }
    // Idle: connected, nothing asked.
    await new Promise((r) => setTimeout(r, 2000));
    const before = databaseCpuSeconds(server);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    idleCpu = ((databaseCpuSeconds(server) - before) / (IDLE_MS / 1000)) * 100;
    // Does the server isolate updates? 20 concurrent $inc of one document, no lock.
    const counter = db.collection<{ _id: string; n: number }>('isolation');
    await counter.insertOne({ _id: 'c', n: 0 });
    await Promise.all(Array.from({ length: WRITERS }, () => counter.updateOne({ _id: 'c' }, { $inc: { n: 1 } })));
    isolated = (await counter.findOne({ _id: 'c' }))?.n ?? 0;
  } finally {
    await client.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { results, idleCpu, isolated };
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

const LABELS: Record<EmbeddedBackend, string> = { postgresql: 'PostgreSQL', sqlite: 'SQLite' };

async function main() {
  const runs = new Map<EmbeddedBackend, Awaited<ReturnType<typeof runBackend>>>();
  for (const backend of BACKENDS) {
    process.stderr.write(`${backend}:\n`);
    runs.set(backend, await runBackend(backend));
  }
  const measured = [...runs.keys()];
  const pg = runs.get('postgresql');
  const lite = runs.get('sqlite');
  const names = [...new Set([...runs.values()].flatMap((r) => [...r.results.keys()]).map((k) => k.split('|')[0]))];
  const cell = (f: Figure) => `${num(f.opsPerSecond)} (${num(f.cpuMs)} ms)${f.errors ? ` ${f.errors} err` : ''}`;
  console.log(`\nFerretDB v1.24 on ${measured.map((b) => LABELS[b]).join(' and on ')}; ${MEASURE_MS} ms per figure; ops/s (database CPU ms per op)\n`);
  console.log(`${pad('query', 44)}${pad('stored', 8)}${measured.map((b) => pad(LABELS[b], 24)).join('')}${pg && lite ? 'PG/SQLite' : ''}`);
  for (const name of names) {
    for (const size of SIZES) {
      const figures = measured.map((b) => runs.get(b)!.results.get(`${name}|${size}`)!);
      const ratio = pg && lite ? (pg.results.get(`${name}|${size}`)!.opsPerSecond / lite.results.get(`${name}|${size}`)!.opsPerSecond).toFixed(2) : '';
      console.log(`${pad(name, 44)}${pad(String(size), 8)}${figures.map((f) => pad(cell(f), 24)).join('')}${ratio}`);
    }
  }
  const first = SIZES[0];
  const last = SIZES[SIZES.length - 1];
  const each = (text: (r: Awaited<ReturnType<typeof runBackend>>) => string) => measured.map((b) => `${LABELS[b]} ${text(runs.get(b)!)}`).join(', ');
  console.log(`\nflatness: ops/s with ${last} stored ÷ with ${first} stored`);
  for (const name of names) {
    console.log(`${pad(name, 44)}${each((r) => (r.results.get(`${name}|${last}`)!.opsPerSecond / r.results.get(`${name}|${first}`)!.opsPerSecond).toFixed(2))}`);
  }
  console.log(`\nidle database CPU with ${last} requests stored (% of a core): ${each((r) => r.idleCpu.toFixed(2))}`);
  console.log(`${WRITERS} concurrent $inc of one document kept (${WRITERS} = updates isolated): ${each((r) => `${r.isolated}/${WRITERS}`)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
