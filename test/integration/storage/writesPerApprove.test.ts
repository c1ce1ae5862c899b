import assert from 'node:assert/strict';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { serverCapabilities } from '../../../services/storage/serverCapabilities';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { ALEX, MEGAN, form, megan, onboardingInstance, RecordingMessenger, sleep, useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';

const LEASE_MS = 1_000;
const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

/** Every write command a client sends, by collection (MongoClient command monitoring: counts, not timings). */
class WriteCounter {
  readonly writes: { command: string; collection: string }[] = [];
  /** Every command, reads included (for the log line: reads cost database time too). */
  commands = 0;
  readonly listener = (e: CommandStartedEvent) => {
    this.commands++;
    if (WRITE_COMMANDS.has(e.commandName)) this.writes.push({ command: e.commandName, collection: String(e.command[e.commandName]) });
  };
  reset() {
    this.writes.length = 0;
    this.commands = 0;
  }
  byCollection(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const w of this.writes) out[w.collection] = (out[w.collection] ?? 0) + 1;
    return out;
  }
}

describe('database writes of an approval (command monitoring)', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('writes_per_approve');
  let client: MongoClient;
  let db: Db;
  const counter = new WriteCounter();

  before(async () => {
    client = new MongoClient(process.env.MONGODB_URI!, { ignoreUndefined: true, monitorCommands: true });
    await client.connect();
    client.on('commandStarted', counter.listener);
    db = client.db(store.db.databaseName);
  });
  after(async () => client?.close());

  beforeEach(async () => {
    await db.dropDatabase();
    await ensureIndexes(db);
    await sim.reset();
  });

  it('when a manager approves, then the approval and everything it sets off (cards, notices, audit) takes at most 27 writes and 50 commands (20 and 45 on a server that isolates updates)', async () => {
    const messenger = new RecordingMessenger('bot');
    const bot = onboardingInstance(db, sim.url, { name: 'bot', leaseMs: LEASE_MS, messenger });
    const submitted = await bot.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
    await bot.runner.idle();
    assert.equal(messenger.to(MEGAN).length, 1, 'the approval card went out');
    // A manager answers later: by then the request's job has run its course and is gone.
    await sleep(LEASE_MS + 100);
    await bot.worker.runOnce();
    assert.equal(await db.collection('jobs').countDocuments({ kind: 'onboardingRequest' }), 0);
    const { isolatesUpdates } = await serverCapabilities(db);

    counter.reset();
    await bot.service.apply(submitted._id, { type: 'approve' }, megan, submitted.version);
    await bot.runner.idle();

    // The request's job ends with the drain that carried the approval out: this instance announced it and its
    // write had landed, so the job does not wait a lease and run once more to find nothing to do.
    assert.equal(await db.collection('jobs').countDocuments({ kind: 'onboardingRequest' }), 0, 'no request job left to fire again');
    const byCollection = counter.byCollection();
    const total = counter.writes.length;
    console.log(`      writes per approve: ${total} ${JSON.stringify(byCollection)} (server isolates updates: ${isolatesUpdates}); ${counter.commands} commands in all`);
    assert.ok(messenger.to(ALEX).some((s) => /Consent and terms/.test(s.text)), 'the consent card went out');
    // Before: 45 on FerretDB (22 of them taking and dropping locks), 23 on MongoDB. Now the request is written twice
    // (the decision, then the cards its effects posted), its job three times, its effects' outbox entries twice
    // (staged together, marked done together); deliveries, card digests and the audit record are single-document
    // inserts and updates that take no lock. An approval writes no list key: requests by state are read through
    // `by_state` (30 writes and 52 commands when every state kept a list key of its requests).
    const max = isolatesUpdates ? 20 : 27;
    assert.ok(total <= max, `at most ${max} writes per approve, was ${total}: ${JSON.stringify(byCollection)}`);
    assert.ok((byCollection.locks ?? 0) <= 8, 'locks only for the request and its job');
    assert.equal(byCollection.requestListKeys ?? 0, 0, 'no list key written');
    // Reads cost database time too: the request's job reads its pending entries once per round (a lookup by
    // aggregate) and the request again only when it changed (61 commands in all before, 49 after).
    const maxCommands = isolatesUpdates ? 45 : 50;
    assert.ok(counter.commands <= maxCommands, `at most ${maxCommands} commands per approve, was ${counter.commands}`);
  });
});
