import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { IncidentCommands } from '../../../bot/incidentCommands';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { Verb } from '../../../cards/verbs';
import { createIncidentModule } from '../../../services/incidents/incidentModule';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { useTestDb } from '../../support/testDb';
import { buildBot, invoke, invokeCard, people, shown, submit, teamsActivity, type Person } from '../bot/botHarness';
import { ACCESS_GROUP, deviceInstance, MEGAN, MEGAN_IPHONE, TestClock, useClockedSimulator } from '../devices/deviceHarness';

/** Who presses, and what they may see: IT Security acts, the owner sees their status, anyone else nothing. */
const PRESSERS: [string, Person, 'acts' | 'owner' | 'outsider'][] = [
  ['IT Security (Lynne)', people.lynne, 'acts'],
  ['the owner (Megan)', people.megan, 'owner'],
  ['someone else (Adele)', people.adele, 'outsider'],
];

describe('incident cards and chat at the bot edge: who may press what', function () {
  this.timeout(120_000);
  const clock = new TestClock(new Date());
  const sim = useClockedSimulator(clock);
  const store = useTestDb('incident_turns');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    sim.controls.reset();
  });

  async function setUp() {
    const x = deviceInstance(db, sim.url, clock, { name: 'a', leaseMs: 1_000 });
    await x.module.ensureIndexes();
    await x.graph.groups.addMember(ACCESS_GROUP, MEGAN);
    await x.module.service.enroll({
      intuneDeviceId: MEGAN_IPHONE,
      person: { aadObjectId: MEGAN, displayName: 'Megan Bowen' },
      requestId: 'req-1',
      platform: 'ios',
      deviceName: "Megan's iPhone",
      operatingSystem: 'iOS',
      access: { groupId: ACCESS_GROUP, memberId: MEGAN },
    });
    const ownershipOf = async () => 'company' as const;
    const incidents = createIncidentModule({
      db,
      jobs: x.jobs,
      audit: new AuditRepository(db),
      devices: x.module,
      messenger: x.messenger,
      deliveries: new DeliveryLog(db, clock.now),
      refs: new ConversationReferenceRepository(db),
      graph: x.graph,
      ownershipOf,
      options: { maxAttempts: 3 },
      logger: createLogger('silent'),
      clock: clock.now,
    });
    const commands = new IncidentCommands(incidents.service, x.graph.directory, ownershipOf, botCards, createLogger('silent'));
    const bot = buildBot(db, sim.url, { incidents: { incidentHandlers: commands.handlers(), incidents: commands } });
    return { x, incidents, bot };
  }

  const lockPosts = () => sim.controls.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/remoteLock'));

  it('when Megan types "I lost my phone", then she gets the report form for her enrolled iPhone, not a device request', async () => {
    const { bot } = await setUp();
    const replies = await bot.turn(teamsActivity(people.megan, { type: 'message', text: 'I lost my phone' }));
    const text = shown(replies);
    assert.match(text, /Report a lost device/);
    assert.match(text, /Megan's iPhone/);
    assert.doesNotMatch(text, /Tell us about the device/);
  });

  it('when Adele submits a report naming Megan\'s iPhone, then it is refused and no incident opens', async () => {
    const { bot, incidents } = await setUp();
    const replies = await bot.turn(invoke(people.adele, Verb.IncidentReport, { reportDeviceId: MEGAN_IPHONE, reportCause: 'stolen', lastSeenWhen: 'now', lastSeenWhere: 'here' }));
    assert.match(JSON.stringify(invokeCard(replies)), /Pick one of your own devices/);
    assert.equal(await incidents.incidents.collection.countDocuments({}), 0);
  });

  for (const [who, person, expect] of PRESSERS) {
    for (const channel of ['Action.Execute', 'Action.Submit'] as const) {
      it(`when ${who} presses Remote lock and then its confirmation (${channel}), then ${expect === 'acts' ? 'the lock is sent once' : 'nothing is sent and nothing changes'}`, async () => {
        const { bot, incidents } = await setUp();
        const { incident } = await incidents.service.report(
          { kind: 'user', aadObjectId: MEGAN, displayName: 'Megan Bowen', roles: [] },
          { deviceId: MEGAN_IPHONE, cause: 'lost', when: 'today', where: 'the train', wipeAgreed: false },
        );
        const press = channel === 'Action.Execute' ? invoke : submit;
        const data = { incidentId: incident._id, version: incident.version, deviceId: MEGAN_IPHONE, deviceAction: 'remoteLock' };
        const prepared = shown(await bot.turn(press(person, Verb.IncidentActionPrepare, data)));
        const confirmed = shown(await bot.turn(press(person, Verb.IncidentActionConfirm, data)));
        await incidents.drainNow();
        const after = (await incidents.service.get(incident._id))!;
        if (expect === 'acts') {
          assert.match(prepared, /Remote lock Megan Bowen's Megan's iPhone\?/);
          assert.equal(lockPosts().length, 1);
          assert.equal(after.actions[0].status, 'accepted');
          return;
        }
        assert.doesNotMatch(prepared + confirmed, /Yes, remote lock/);
        assert.equal(lockPosts().length, 0);
        assert.equal(after.version, incident.version, 'the incident did not change');
        if (expect === 'outsider') assert.doesNotMatch(prepared + confirmed, /Megan's iPhone/);
        else assert.match(prepared, /Your device reports/);
      });
    }
  }

  it('when a confirmation from an older version of the card is pressed, then it is refused with the current card', async () => {
    const { bot, incidents } = await setUp();
    const { incident } = await incidents.service.report(
      { kind: 'user', aadObjectId: MEGAN, displayName: 'Megan Bowen', roles: [] },
      { deviceId: MEGAN_IPHONE, cause: 'lost', when: 'today', where: 'the train', wipeAgreed: false },
    );
    await bot.turn(invoke(people.lynne, Verb.IncidentTriage, { incidentId: incident._id, version: incident.version, severity: 'low' }));
    await bot.turn(invoke(people.lynne, Verb.IncidentActionConfirm, { incidentId: incident._id, version: incident.version, deviceId: MEGAN_IPHONE, deviceAction: 'remoteLock' }));
    await incidents.drainNow();
    assert.equal(lockPosts().length, 0);
    assert.equal((await incidents.service.get(incident._id))!.severity, 'low');
  });

  it('when Lynne types "incident for meganb@…", then an incident opens for Megan; when Adele types it, then she is told only IT can', async () => {
    const { bot, incidents } = await setUp();
    const refused = shown(await bot.turn(teamsActivity(people.adele, { type: 'message', text: 'incident for meganb@contoso.example: suspicious sign-ins' })));
    assert.match(refused, /Only IT Security can open incidents/);
    const opened = shown(await bot.turn(teamsActivity(people.lynne, { type: 'message', text: 'incident for meganb@contoso.example: suspicious sign-ins' })));
    assert.match(opened, /INC-\d{4}-/);
    const all = await incidents.incidents.collection.find({}).toArray();
    assert.equal(all.length, 1);
    assert.equal(all[0].ownerAadObjectId, MEGAN);
    assert.deepEqual(all[0].deviceIds, [MEGAN_IPHONE]);
  });
});
