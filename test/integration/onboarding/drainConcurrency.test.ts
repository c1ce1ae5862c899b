/**
 * A burst of decisions is answered faster than Teams lets its messages leave. An instance carries out at most
 * `concurrentDrains` requests' effects at once; the rest wait their turn in memory, holding no lease (each held
 * lease is renewed while its messages wait), and the worker takes over one whose job comes due meanwhile.
 */
import assert from 'node:assert/strict';
import { eventually, form, gate, onboardingInstance, RecordingMessenger, useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';

/** People of the demo tenant who have a manager. */
const REQUESTERS = [
  { aadObjectId: 'a0000000-0000-4000-8000-000000000000', displayName: 'Alex Wilber' },
  { aadObjectId: 'a0000000-0000-4000-8000-000000000001', displayName: 'Megan Bowen' },
  { aadObjectId: 'a0000000-0000-4000-8000-000000000002', displayName: 'Adele Vance' },
  { aadObjectId: 'a0000000-0000-4000-8000-000000000005', displayName: 'Lynne Robbins' },
  { aadObjectId: 'a0000000-0000-4000-8000-000000000006', displayName: 'Debra Berger' },
];

describe('carrying out a burst of requests\' effects a few at a time', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('drain_concurrency');

  beforeEach(async () => {
    await store.db.dropDatabase();
    await sim.reset();
  });

  const heldLeases = () => store.db.collection('jobs').countDocuments({ kind: 'onboardingRequest', leaseUntil: { $gt: new Date() } });
  /** Sends per request, by the request's approval card (one per request, to its approver). */
  const approvalCards = (m: RecordingMessenger) => m.sent.filter((s) => /approval/i.test(s.text) && /Approve/.test(s.text));

  it('when five requests are submitted and messages are held up, then two are carried out at a time with two leases, and all go out once released', async () => {
    const messenger = new RecordingMessenger('bot');
    const released = gate();
    messenger.beforeReturn = () => released.passed();
    const bot = onboardingInstance(store.db, sim.url, { name: 'bot', leaseMs: 15_000, messenger, concurrentDrains: 2 });
    for (const person of REQUESTERS) await bot.service.submit(person, form);
    await eventually(() => messenger.sent.length === 2, 10_000, 'two drains sending');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(messenger.sent.length, 2, 'the other three wait their turn');
    assert.equal(await heldLeases(), 2, 'only the two running hold a lease');
    released.open();
    await bot.runner.idle();
    assert.equal(approvalCards(messenger).length, 5, `every request's approval card went out once: ${JSON.stringify(messenger.sent.map((s) => s.to))}`);
  });

  it('when a waiting request\'s job comes due, then the worker carries it out without waiting behind the others, and nothing goes out twice', async () => {
    const messenger = new RecordingMessenger('bot');
    const released = gate();
    messenger.beforeReturn = () => released.passed();
    const bot = onboardingInstance(store.db, sim.url, { name: 'bot', leaseMs: 1_000, messenger, concurrentDrains: 1, workerIntervalMs: 100 });
    for (const person of REQUESTERS.slice(0, 3)) await bot.service.submit(person, form);
    await eventually(() => messenger.sent.length === 1, 10_000, 'one drain sending');
    await bot.worker.start();
    try {
      // A lease later the waiting requests' jobs are due: the worker claims one and sends its card.
      await eventually(() => messenger.sent.length >= 2, 10_000, 'the worker taking over a waiting request');
      released.open();
      await eventually(async () => approvalCards(messenger).length === 3 && (await store.db.collection('outbox').countDocuments({ state: 'pending' })) === 0, 15_000, 'every card out');
      await bot.runner.idle();
    } finally {
      await bot.worker.stop();
    }
    const recipients = approvalCards(messenger).map((s) => s.to);
    assert.equal(new Set(recipients.map((_, i) => approvalCards(messenger)[i].text)).size, 3, 'three different cards, none twice');
  });
});
