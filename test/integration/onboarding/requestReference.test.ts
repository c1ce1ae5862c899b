import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { ALEX, MEGAN, RecordingMessenger, form, onboardingInstance, sleep, useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';

const LEASE_MS = 400;
const ADELE = 'a0000000-0000-4000-8000-000000000002';

describe('request references: a taken one is drawn again, never shown as an error', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('request_reference');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await sim.reset();
  });

  const rows: { when: string; draws: string[]; expect: string | RegExp }[] = [
    { when: 'the first draw is taken', draws: ['DEV-AAAAAA', 'DEV-BBBBBB'], expect: 'DEV-BBBBBB' },
    { when: 'four draws in a row are taken', draws: ['DEV-AAAAAA', 'DEV-AAAAAA', 'DEV-AAAAAA', 'DEV-AAAAAA', 'DEV-CCCCCC'], expect: 'DEV-CCCCCC' },
    { when: 'every draw is taken', draws: Array(6).fill('DEV-AAAAAA'), expect: /ReferenceTakenError/ },
  ];
  for (const row of rows) {
    it(`when ${row.when}, then ${typeof row.expect === 'string' ? `the request gets ${row.expect} and one approval card goes out` : 'the submit fails with the named error after five draws'}`, async () => {
      const draws = [...row.draws];
      const messenger = new RecordingMessenger('bot');
      const bot = onboardingInstance(db, sim.url, { name: 'bot', leaseMs: LEASE_MS, messenger, newReference: () => draws.shift() ?? 'DEV-ZZZZZZ' });
      const first = await onboardingInstance(db, sim.url, { name: 'other', leaseMs: LEASE_MS, newReference: () => 'DEV-AAAAAA' }).service.submit({ aadObjectId: ADELE, displayName: 'Adele Vance' }, form);
      assert.equal(first.reference, 'DEV-AAAAAA');
      const submit = bot.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
      if (typeof row.expect !== 'string') {
        await assert.rejects(submit, (e: Error) => row.expect instanceof RegExp && row.expect.test(e.name));
        assert.equal(await db.collection('requests').countDocuments({ 'requester.aadObjectId': ALEX }), 0);
        return;
      }
      const mine = await submit;
      assert.equal(mine.reference, row.expect);
      assert.equal(await db.collection('requests').countDocuments({ 'requester.aadObjectId': ALEX }), 1);
      // The entries staged for the refused writes are never carried out: Megan gets one approval card.
      await bot.runner.idle();
      await sleep(2 * LEASE_MS + 100);
      await bot.worker.runOnce();
      await bot.runner.idle();
      assert.equal(messenger.to(MEGAN).length, 1, 'one approval card');
      assert.match(messenger.to(MEGAN)[0].text, new RegExp(row.expect));
    });
  }
});
