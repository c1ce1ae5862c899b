import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { IncidentCommands } from '../../../bot/incidentCommands';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { Verb } from '../../../cards/verbs';
import { createBreachModule } from '../../../services/breach/breachModule';
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
    const regulations = [
      { id: 'HIPAA', name: 'HIPAA breach notification', notify: 'individuals' as const, hours: 1440 },
      { id: 'GDPR', name: 'GDPR, to the supervisory authority', notify: 'authority' as const, hours: 72 },
    ];
    const breaches = createBreachModule({
      db,
      jobs: x.jobs,
      audit: new AuditRepository(db),
      outbox: x.module.outbox,
      messenger: x.messenger,
      deliveries: new DeliveryLog(db, clock.now),
      refs: new ConversationReferenceRepository(db),
      directory: x.graph.directory,
      options: { regulations, policy: { itReminderHoursBefore: [24], personReminderEveryHours: 72, personReminderMax: 1, statusRefreshMinutes: 60 }, sendPerSecond: 50, maxAttempts: 3 },
      logger: createLogger('silent'),
      clock: clock.now,
    });
    const commands = new IncidentCommands(incidents.service, x.graph.directory, ownershipOf, botCards, createLogger('silent'), { declareBreach: breaches.declareBreach, regulations });
    const bot = buildBot(db, sim.url, { incidents: { incidentHandlers: commands.handlers(), incidents: commands } });
    return { x, incidents, breaches, bot };
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

  describe('declaring a breach from the incident card', () => {
    const reportLost = (incidents: Awaited<ReturnType<typeof setUp>>['incidents']) =>
      incidents.service.report(
        { kind: 'user', aadObjectId: MEGAN, displayName: 'Megan Bowen', roles: [] },
        { deviceId: MEGAN_IPHONE, cause: 'lost', when: 'today', where: 'the train', wipeAgreed: false },
      );

    it('when Lynne presses Declare breach, fills in the form and declares, then a draft breach for the incident has Megan\'s notice pending and the timeline names it', async () => {
      const { bot, incidents, breaches } = await setUp();
      const { incident } = await reportLost(incidents);
      const ids = { incidentId: incident._id, version: incident.version };
      const card = JSON.stringify(invokeCard(await bot.turn(invoke(people.lynne, Verb.IncidentBreachForm, ids))));
      assert.match(card, /Declare a breach/);
      assert.match(card, /"value":"HIPAA"/);
      assert.match(card, /"value":"GDPR"/);
      assert.match(card, /Dear \{\{name\}\}/, 'the notice text is prefilled with the organisation\'s template');
      assert.match(card, /Megan's iPhone/, 'the owner\'s devices are the default choice');

      const replies = await bot.turn(invoke(people.lynne, Verb.IncidentBreachDeclare, { ...ids, breachRegulations: 'HIPAA,GDPR', breachAffectedBy: 'devices', breachNoticeText: 'Dear {{name}}, about {{incident}}: see {{reference}}.' }));
      const all = await breaches.repo.breaches.find({}).toArray();
      assert.equal(all.length, 1);
      const [breach] = all;
      assert.equal(breach.incidentId, incident._id);
      assert.equal(breach.state, 'draft');
      assert.deepEqual(breach.regulations, ['HIPAA', 'GDPR']);
      assert.equal(breach.declaredBy.aadObjectId, people.lynne.aadObjectId, 'the declarer comes from Teams and the directory');
      const notices = await breaches.repo.notices.find({ breachId: breach._id }).toArray();
      assert.deepEqual(notices.map((n) => [n.person.aadObjectId, n.state]), [[MEGAN, 'pending']]);
      const answer = shown(replies);
      assert.match(answer, new RegExp(`Breach ${breach._id} declared as a draft for 1 person`));
      assert.match(JSON.stringify(invokeCard(replies)), new RegExp(`Dear Megan Bowen, about ${incident._id}: see ${breach._id}`), 'the preview is the notice as Megan will read it');
      const after = (await incidents.service.get(incident._id))!;
      assert.match(after.timeline.at(-1)!.text, new RegExp(`Breach ${breach._id} declared`));
      assert.equal(after.timeline.at(-1)!.by, people.lynne.name);
      const trail = await db.collection('auditEvents').find({ requestId: `incident:${incident._id}`, event: 'breachDeclared' }).toArray();
      assert.deepEqual(trail.map((e) => [e.details.breachId, e.actor.aadObjectId]), [[breach._id, people.lynne.aadObjectId]], 'the incident\'s audit chain records it');
    });

    const invalid: [string, Record<string, string>, RegExp][] = [
      ['no regulation', { breachAffectedBy: 'devices' }, /Name at least one regulation/],
      ['an unknown regulation', { breachRegulations: 'CCPA', breachAffectedBy: 'devices' }, /Unknown regulation CCPA/],
      ['a list naming nobody', { breachRegulations: 'HIPAA', breachAffectedBy: 'people', breachAffected: ' ' }, /List the affected people/],
      ['a person not in the directory', { breachRegulations: 'HIPAA', breachAffectedBy: 'people', breachAffected: 'nobody@contoso.example' }, /No person nobody@/],
      ['an unknown placeholder', { breachRegulations: 'HIPAA', breachAffectedBy: 'devices', breachNoticeText: 'Dear {{who}}' }, /Unknown placeholders/],
    ];
    for (const [what, inputs, problem] of invalid) {
      it(`when Lynne declares with ${what}, then the form comes back saying so and no breach is declared`, async () => {
        const { bot, incidents, breaches } = await setUp();
        const { incident } = await reportLost(incidents);
        const card = JSON.stringify(invokeCard(await bot.turn(invoke(people.lynne, Verb.IncidentBreachDeclare, { incidentId: incident._id, version: incident.version, ...inputs }))));
        assert.match(card, /Declare a breach/);
        assert.match(card, problem);
        assert.equal(await breaches.repo.breaches.countDocuments({}), 0);
      });
    }

    const refused: [string, Person, 'open' | 'closed' | 'stale', RegExp][] = [
      ['Adele (an employee)', people.adele, 'open', /is not yours/],
      ['Megan (the owner)', people.megan, 'open', /Not permitted/],
      ['Lynne, on a closed incident', people.lynne, 'closed', /This incident is closed/],
      ['Lynne, from a card older than the incident', people.lynne, 'stale', /The incident changed/],
    ];
    for (const [who, person, incidentState, answer] of refused) {
      for (const verb of [Verb.IncidentBreachForm, Verb.IncidentBreachDeclare]) {
        it(`when ${who} presses ${verb}, then it is refused and no breach is declared`, async () => {
          const { bot, incidents, breaches } = await setUp();
          const { incident } = await reportLost(incidents);
          if (incidentState === 'closed') await incidents.incidents.collection.updateOne({ _id: incident._id }, { $set: { state: 'closed' } });
          if (incidentState === 'stale') await bot.turn(invoke(people.lynne, Verb.IncidentTriage, { incidentId: incident._id, version: incident.version, severity: 'low' }));
          const replies = await bot.turn(invoke(person, verb, { incidentId: incident._id, version: incident.version, breachRegulations: 'HIPAA', breachAffectedBy: 'devices' }));
          const text = shown(replies);
          assert.match(text, answer);
          assert.doesNotMatch(text, /Declare a breach/);
          if (person === people.adele) assert.doesNotMatch(text, /Megan/);
          assert.equal(await breaches.repo.breaches.countDocuments({}), 0);
          assert.equal(await breaches.repo.notices.countDocuments({}), 0);
        });
      }
    }
  });
});
