import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { Verb } from '../../../cards/verbs';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { dropTestDb, testDb } from '../../support/testDb';
import { buildBot, invoke, invokeCard, people, shown, startDemoGraph, teamsActivity } from './botHarness';

const say = (text: string, who = people.alex) => teamsActivity(who, { type: 'message', text });
const lynne = { kind: 'user' as const, aadObjectId: people.lynne.aadObjectId, displayName: people.lynne.name, roles: ['itSecurity' as const] };

describe('bot turns: acknowledging a breach notice, IT sending one, and the third-party register commands', function () {
  this.timeout(60_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;

  before(async () => {
    sim = await startDemoGraph();
  });
  after(async () => sim.close());
  beforeEach(async () => {
    db = await testDb('governance_turns');
    await ensureIndexes(db);
    await sim.controls.reset();
    await db.collection('incidents').insertOne({ _id: 'INC-7K3Q2M' as never, state: 'contained', ownerAadObjectId: people.alex.aadObjectId, deviceIds: [], openedAt: '2026-11-01T08:00:00.000Z' });
  });
  afterEach(async () => dropTestDb(db));

  it('when an affected person presses Acknowledge, then it is recorded for them; someone not affected, or card data naming another person, changes nothing', async () => {
    const b = buildBot(db, sim.url, { governance: true });
    const { breach } = await b.governance!.breaches.declareBreach({ incidentId: 'INC-7K3Q2M', actor: lynne, regulations: ['HIPAA'], affected: { kind: 'people', people: ['alexw@contoso.example'] } });
    await b.governance!.breaches.service.send(breach._id, lynne);

    const byAdele = shown(await b.turn(invoke(people.adele, Verb.BreachAcknowledge, { breachId: breach._id, aadObjectId: people.alex.aadObjectId })));
    assert.match(byAdele, /Not found/);
    assert.equal((await b.governance!.breaches.repo.counts(breach._id)).acknowledged, 0);

    const card = JSON.stringify(invokeCard(await b.turn(invoke(people.alex, Verb.BreachAcknowledge, { breachId: breach._id }))));
    assert.match(card, /Acknowledged on/);
    assert.ok(!card.includes(Verb.BreachAcknowledge), 'no button once acknowledged');
    assert.equal((await b.governance!.breaches.repo.counts(breach._id)).acknowledged, 1);
    const again = JSON.stringify(invokeCard(await b.turn(invoke(people.alex, Verb.BreachAcknowledge, { breachId: breach._id }))));
    assert.match(again, /Acknowledged on/, 'a second press shows the same');
    const trail = await db.collection('auditEvents').find({ requestId: `breachNotice:${breach._id}:${people.alex.aadObjectId}` }).toArray();
    assert.deepEqual(trail.map((e) => e.event), ['acknowledge']);
  });

  it('when someone who is not IT Security presses Send on the breach card, then nothing is sent; IT Security sends it', async () => {
    const b = buildBot(db, sim.url, { governance: true });
    const { breach } = await b.governance!.breaches.declareBreach({ incidentId: 'INC-7K3Q2M', actor: lynne, regulations: ['HIPAA'], affected: { kind: 'people', people: ['alexw@contoso.example'] } });
    assert.match(shown(await b.turn(invoke(people.alex, Verb.BreachSend, { breachId: breach._id, version: breach.version }))), /Not permitted/);
    assert.equal((await b.governance!.breaches.service.get(breach._id))!.state, 'draft');
    assert.match(shown(await b.turn(invoke(people.lynne, Verb.BreachSend, { breachId: breach._id, version: breach.version }))), /Notices are going out/);
    assert.equal((await b.governance!.breaches.service.get(breach._id))!.state, 'notifying');
    assert.match(shown(await b.turn(invoke(people.lynne, Verb.BreachSend, { breachId: breach._id, version: breach.version }))), /Already changed/, 'a stale card sends nothing twice');
  });

  it('when IT adds and lists third parties in chat, then the register card shows them; an employee is refused', async () => {
    const b = buildBot(db, sim.url, { governance: true });
    assert.match(shown(await b.turn(say('third party add name=Acme Payroll; data=Names, salaries; owner=meganb@contoso.example; purpose=Payroll; basis=contract', people.alex))), /Not permitted/);
    const added = shown(await b.turn(say('third party add name=Acme Payroll; data=Names, salaries; owner=meganb@contoso.example; purpose=Payroll; basis=contract', people.lynne)));
    assert.match(added, /Integration added/);
    const id = /(TP-[A-Z0-9]{6})/.exec(added)![1];
    const list = shown(await b.turn(say('third parties', people.lynne)));
    assert.match(list, /Third-party integrations register/);
    assert.match(list, /Acme Payroll/);
    assert.match(list, new RegExp(id));
    assert.match(shown(await b.turn(invoke(people.megan, Verb.ThirdPartyReview, { thirdPartyId: id }))), /Review recorded/, 'the owner records the review');
    assert.match(shown(await b.turn(say(`third party remove ${id}`, people.lynne))), /Integration removed/);
  });
});
