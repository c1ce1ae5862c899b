import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { noticeDeliveryKey } from '../../../services/breach/breachService';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import type { Delivery } from '../../../services/messaging/proactiveMessenger';
import { never, sleep } from '../../support/onboardingInstance';
import { ScriptedConnector } from '../../support/scriptedConnector';
import { useTestDb } from '../../support/testDb';
import { AFFECTED_GROUP, breachInstance, IT_CHANNEL, LYNNE, lynne, personId, realMessenger, useTenant, via } from './breachHarness';

const PEOPLE = 500;
/** People with no chat with the bot, for whom the app cannot be installed: listed for IT as unreachable. */
const WITHOUT_CHAT = new Set([7, 123, 256, 311, 499]);
const LEASE_MS = 600;

describe('breach notification to 500 people (shared outbox, real Bot Connector HTTP, embedded database)', function () {
  this.timeout(240_000);
  const sim = useTenant(PEOPLE);
  const store = useTestDb('breach_fanout');
  let db: Db;
  let connector: ScriptedConnector;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    connector = new ScriptedConnector();
    await connector.start();
    const refs = new ConversationReferenceRepository(db);
    await refs.saveUser(LYNNE, via(connector, 'a:lynne'), 'turn', '29:lynne', '00000000-0000-0000-0000-000000000001');
    for (let i = 0; i < PEOPLE; i++) if (!WITHOUT_CHAT.has(i)) await refs.saveUser(personId(i), via(connector, `a:p${i}`), 'turn', `29:p${i}`, '00000000-0000-0000-0000-000000000001');
    await db.collection('incidents').insertOne({ _id: 'INC-LOST01' as never, state: 'contained', ownerAadObjectId: personId(0), deviceIds: [], openedAt: new Date().toISOString() });
  });
  afterEach(async () => connector.stop());

  const sendsTo = (i: number) => connector.sends(`a:p${i}`).length;

  it('when the instance sending the notices dies half way, then another takes over and every reachable person is told exactly once, and the rest are listed as unreachable', async () => {
    const deliveries = new DeliveryLog(db);
    const a = breachInstance(db, sim.url, { name: 'a', messenger: realMessenger(db), leaseMs: LEASE_MS, deliveries });
    await a.ensureIndexes();
    const { breach, preview } = await a.breaches.declareBreach({ incidentId: 'INC-LOST01', actor: lynne, regulations: ['hipaa', 'GDPR'], affected: { kind: 'group', groupId: AFFECTED_GROUP } });
    assert.equal(breach.recipientCount, PEOPLE, 'every member of the group, across Graph pages');
    assert.match(JSON.stringify(preview), /Preview/);
    assert.equal(connector.calls.filter((c) => c.method === 'POST' && c.path.includes('/a:p')).length, 0, 'nothing is sent before IT sends it');
    await a.breaches.service.send(breach._id, lynne, breach.version);

    // Instance a dies right after Teams accepted its 200th notice and the delivery was recorded, before the
    // person's notice and the outbox entry were marked done.
    let confirmed = 0;
    const confirm = deliveries.confirm.bind(deliveries);
    deliveries.confirm = async (key: string, d: Delivery) => {
      await confirm(key, d);
      if (key.includes(':notice:') && ++confirmed === 200) {
        a.crash();
        return never();
      }
    };
    // A's worker, as the background worker runs it: round after round, an error in one round retried in the next.
    void (async () => {
      while (confirmed < 200) {
        await a.runDue().catch(() => undefined);
        await sleep(20);
      }
    })();
    const deadline = Date.now() + 180_000;
    while (confirmed < 200 && Date.now() < deadline) await sleep(50);
    assert.equal(confirmed, 200, 'the first instance sent 200 notices before it died');

    const b = breachInstance(db, sim.url, { name: 'b', messenger: realMessenger(db), leaseMs: 10_000 });
    await sleep(LEASE_MS + 200);
    for (let round = 0; round < 300; round++) {
      await b.runDue().catch(() => undefined);
      const b2 = await b.breaches.service.get(breach._id);
      if (b2?.state === 'notified') break;
      await sleep(100);
    }

    const after = (await b.breaches.service.get(breach._id))!;
    assert.equal(after.state, 'notified', 'the fan-out settled');
    const counts = await b.breaches.repo.counts(breach._id);
    assert.deepEqual(counts, { pending: 0, sent: PEOPLE - WITHOUT_CHAT.size, unreachable: WITHOUT_CHAT.size, acknowledged: 0 });
    const twice = [];
    const missed = [];
    for (let i = 0; i < PEOPLE; i++) {
      if (WITHOUT_CHAT.has(i)) continue;
      if (sendsTo(i) > 1) twice.push(i);
      if (sendsTo(i) === 0) missed.push(i);
    }
    assert.deepEqual(twice, [], 'nobody is told twice');
    assert.deepEqual(missed, [], 'everybody reachable is told');
    const delivered = await db.collection('deliveries').countDocuments({ _id: { $regex: `^breach:${breach._id}:notice:` } as never, activityId: { $exists: true } });
    assert.equal(delivered, PEOPLE - WITHOUT_CHAT.size, 'one delivery per breach and person');
    assert.ok(await db.collection('deliveries').findOne({ _id: noticeDeliveryKey(breach._id, personId(0)) as never }));
    const unreachable = await b.breaches.repo.noticesOf(breach._id, 'unreachable');
    assert.deepEqual(unreachable.map((n) => n.person.aadObjectId).sort(), [...WITHOUT_CHAT].map(personId).sort());
    assert.ok(unreachable.every((n) => /installed/.test(n.unreachableReason ?? '')), 'the reason IT sees');
    const itCards = connector.sends(IT_CHANNEL);
    assert.equal(itCards.length, 1, 'one status card in the IT channel, updated in place');
    assert.ok(connector.updates(IT_CHANNEL).length >= 1);

    // Every change is in a hash chain that verifies against its head.
    const reports = (await new AuditRepository(db).verifyAll()).filter((r) => r.chain.includes(breach._id));
    assert.equal(reports.length, 1 + PEOPLE);
    assert.deepEqual(reports.filter((r) => !r.ok).map((r) => r.chain), []);
  });
});
