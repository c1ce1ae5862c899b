/**
 * The worker's look for due jobs costs the same with 10 jobs or thousands: between full reads it asks only for the
 * minute slots since the last one (an equality an index answers), never for the whole collection sorted by due time.
 */
import assert from 'node:assert/strict';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { dueSlot, JobQueue } from '../../../services/jobs/jobQueue';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { useTestDb } from '../../support/testDb';

const FULL_SCAN_MS = 300_000;
const T0 = new Date('2026-11-30T06:00:00.000Z');

describe('claiming due jobs by minute slot between full reads', function () {
  this.timeout(60_000);
  const store = useTestDb('claim_by_slot');
  let client: MongoClient;
  const reads: { full: boolean; filter: string }[] = [];

  before(async () => {
    client = new MongoClient(process.env.MONGODB_URI!, { monitorCommands: true });
    await client.connect();
    client.on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'find' && e.command.find === 'jobs') reads.push({ full: Boolean(e.command.sort), filter: JSON.stringify(e.command.filter ?? {}) });
    });
  });
  after(async () => client?.close());

  beforeEach(async () => {
    await store.db.dropDatabase();
    await ensureIndexes(store.db);
  });

  function queue(clock: () => Date) {
    const jobs = new JobQueue(client.db(store.db.databaseName), { owner: 'slot-test', leaseMs: 5_000, fullScanMs: FULL_SCAN_MS }, clock);
    return jobs;
  }

  it('when 500 timers wait for next week, then after the first full read a look reads only slots, and a job announced due now is claimed', async () => {
    let now = T0;
    const jobs = queue(() => now);
    for (let i = 0; i < 500; i++) await jobs.announce('approvalTimer', `r${i}`, new Date(T0.getTime() + 7 * 86_400_000 + i * 1000));
    reads.length = 0;
    assert.equal(await jobs.claimDue(), null, 'nothing due');
    assert.deepEqual(reads.map((r) => r.full), [true], 'the first look reads the earliest jobs');
    reads.length = 0;
    now = new Date(T0.getTime() + 90_000);
    await jobs.announce('approvalTimer', 'due-now', now);
    const claimed = await jobs.claimDue();
    assert.equal(claimed?.job.subject, 'due-now');
    const looks = reads.filter((r) => !r.filter.startsWith('{"_id"'));
    assert.ok(looks.length > 0 && looks.every((r) => !r.full && r.filter.includes('"slot"')), `looks by slot only (and the claimed job by _id): ${JSON.stringify(reads)}`);
  });

  it('when a job was made due long ago behind the queue\'s back, then it waits at most until the next full read', async () => {
    let now = T0;
    const jobs = queue(() => now);
    await jobs.announce('approvalTimer', 'later', new Date(T0.getTime() + 86_400_000));
    assert.equal(await jobs.claimDue(), null);
    // An old version's write: a due time in the past and no slot.
    await store.db.collection('jobs').insertOne({ _id: 'approvalTimer:old', kind: 'approvalTimer', subject: 'old', dueAt: new Date(T0.getTime() - 3_600_000), rev: 1 } as never);
    now = new Date(T0.getTime() + 60_000);
    assert.equal(await jobs.claimDue(), null, 'not in the minutes since the full read');
    now = new Date(T0.getTime() + FULL_SCAN_MS);
    assert.equal((await jobs.claimDue())?.job.subject, 'old', 'found by the next full read');
  });

  it('when several jobs are due at once, then every one of them is claimed in turn', async () => {
    let now = T0;
    const jobs = queue(() => now);
    assert.equal(await jobs.claimDue(), null);
    now = new Date(T0.getTime() + 30_000);
    for (let i = 0; i < 12; i++) await jobs.announce('approvalTimer', `due-${i}`, new Date(T0.getTime() + 20_000 + i));
    const subjects: string[] = [];
    for (let held = await jobs.claimDue(); held; held = await jobs.claimDue()) subjects.push(held.job.subject);
    assert.equal(subjects.length, 12);
    assert.equal(dueSlot(new Date('2026-11-30T06:59:59.999Z')), '2026-11-30T06:59');
  });

  it('when a burst of work falls due at once (a busy morning of approvals) behind 500 timers, then it is all claimed by slot reads, without a full read', async () => {
    let now = T0;
    const jobs = queue(() => now);
    for (let i = 0; i < 500; i++) await jobs.announce('approvalTimer', `r${i}`, new Date(T0.getTime() + 7 * 86_400_000 + i * 1000));
    assert.equal(await jobs.claimDue(), null);
    now = new Date(T0.getTime() + 120_000);
    for (let i = 0; i < 25; i++) await jobs.announce('onboardingRequest', `burst-${i}`, new Date(T0.getTime() + 100_000 + i));
    reads.length = 0;
    const subjects: string[] = [];
    for (let held = await jobs.claimDue(); held; held = await jobs.claimDue()) subjects.push(held.job.subject);
    assert.equal(subjects.length, 25);
    assert.deepEqual(reads.filter((r) => r.full), [], 'no full read while the burst is worked off');
  });

  it('when more due jobs than one full read returns were left by an outage an hour ago, then every one of them is claimed', async () => {
    let now = T0;
    const jobs = queue(() => now);
    for (let i = 0; i < 15; i++) await jobs.announce('approvalTimer', `old-${i}`, new Date(T0.getTime() - 3_600_000 + i * 1000));
    now = new Date(T0.getTime() + 1_000);
    const subjects = new Set<string>();
    for (let held = await jobs.claimDue(); held; held = await jobs.claimDue()) subjects.add(held.job.subject);
    assert.equal(subjects.size, 15);
  });
});
