import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { exportBreach } from '../../../services/breach/breachExport';
import { OperatorAuditLog } from '../../../services/consent/operatorAuditLog';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { BreachNotAuthorizedError, NoticeNotYoursError } from '../../../services/workflow/breachTransition';
import { RegisterNotAuthorizedError } from '../../../services/workflow/thirdPartyRegister';
import { ScriptedConnector } from '../../support/scriptedConnector';
import { useTestDb } from '../../support/testDb';
import { TestClock } from '../devices/deviceHarness';
import { BreachRoleError, IncidentNotFoundError } from '../../../services/breach/breachService';
import { breachInstance, HOUR, IT_CHANNEL, LYNNE, lynne, personId, realMessenger, TENANT, useTenant, via } from './breachHarness';

const DAY = 24 * HOUR;

describe('breach acknowledgements and reminders, and the register review reminder (clock moved forward)', function () {
  this.timeout(120_000);
  const clock = new TestClock(new Date('2026-11-02T09:00:00Z'));
  const sim = useTenant(5);
  const store = useTestDb('breach_reminders');
  let db: Db;
  let connector: ScriptedConnector;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    clock.at = new Date('2026-11-02T09:00:00Z');
    connector = new ScriptedConnector();
    await connector.start();
    const refs = new ConversationReferenceRepository(db);
    await refs.saveUser(LYNNE, via(connector, 'a:lynne'), 'turn', '29:lynne', TENANT);
    for (let i = 0; i < 5; i++) await refs.saveUser(personId(i), via(connector, `a:p${i}`), 'turn', `29:p${i}`, TENANT);
    await db.collection('incidents').insertOne({ _id: 'INC-LOST02' as never, state: 'contained', ownerAadObjectId: personId(0), deviceIds: [], openedAt: clock.now().toISOString() });
  });
  afterEach(async () => connector.stop());

  /** Runs what is due, then what a just-finished job left due a moment later (a job waits out a fresh announcement). */
  async function settle(app: { runDue(): Promise<number> }) {
    await app.runDue();
    clock.advance(10_000);
    await app.runDue();
  }
  const texts = (conversation: string) => connector.sends(conversation).map((c) => JSON.stringify(c.body));
  const itTexts = () => connector.calls.filter((c) => c.method === 'POST' && decodeURIComponent(c.path).startsWith(`/v3/conversations/${IT_CHANNEL}`)).map((c) => JSON.stringify(c.body));

  it('when people acknowledge and the clock moves towards the deadlines, then IT is reminded before each, only those who did not acknowledge are reminded, and the export shows who was told when', async () => {
    const app = breachInstance(db, sim.url, { name: 'one', messenger: realMessenger(db), clock: clock.now });
    await app.ensureIndexes();
    const people = [0, 1, 2].map((i) => `employee${i}@contoso.example`);
    const { breach } = await app.breaches.declareBreach({
      incidentId: 'INC-LOST02',
      actor: lynne,
      regulations: ['HIPAA', 'GDPR'],
      affected: { kind: 'people', people },
      text: 'Dear {{name}}, incident {{incident}} ({{reference}}) of {{discoveredOn}} may affect you.',
    });
    assert.deepEqual(
      breach.deadlines.map((d) => [d.regulation, d.dueAt]),
      [
        ['HIPAA', '2027-01-01T09:00:00.000Z'],
        ['GDPR', '2026-11-05T09:00:00.000Z'],
      ],
    );
    await app.breaches.service.send(breach._id, lynne);
    await settle(app);
    for (let i = 0; i < 3; i++) assert.equal(connector.sends(`a:p${i}`).length, 1, `person ${i} told once`);
    assert.match(texts('a:p0')[0], /Dear Employee 0, incident INC-LOST02/);
    assert.equal((await app.breaches.service.get(breach._id))!.state, 'notified');

    // Employee 0 acknowledges; someone else cannot acknowledge for employee 1.
    clock.advance(HOUR);
    const ack = await app.breaches.service.acknowledge(breach._id, { aadObjectId: personId(0), displayName: 'Employee 0' });
    assert.equal(ack.acknowledgedAt, clock.now().toISOString());
    await assert.rejects(app.breaches.service.applyNotice(`${breach._id}:${personId(1)}`, { type: 'acknowledge', by: personId(0) }, { kind: 'system' }), NoticeNotYoursError);

    // 48 hours before the GDPR deadline (the authority has not been told): IT is reminded.
    clock.at = new Date('2026-11-03T09:00:00Z');
    await settle(app);
    assert.equal(itTexts().filter((t) => /GDPR deadline nears/.test(t)).length, 1, 'one reminder at 48 hours');
    clock.at = new Date('2026-11-04T09:30:00Z');
    await settle(app);
    assert.equal(connector.sends('a:p1').length, 1, 'no reminder to people before 72 hours');
    assert.equal(itTexts().filter((t) => /GDPR deadline nears/.test(t)).length, 2, 'and one at 24 hours');
    await app.breaches.service.authorityNotified(breach._id, lynne, 'GDPR');
    clock.at = new Date('2026-11-05T10:00:00Z');
    await settle(app);
    assert.equal(itTexts().filter((t) => /GDPR deadline missed/.test(t)).length, 0, 'a met deadline is not reported missed');

    // 72 hours after sending (passed by now): people who have not acknowledged are reminded, once per round.
    await settle(app);
    assert.equal(connector.sends('a:p0').length, 1, 'who acknowledged is not reminded');
    assert.equal(connector.sends('a:p1').length, 2, 'who did not is reminded');
    assert.match(texts('a:p1')[1], /Reminder/);
    assert.equal(connector.sends('a:p2').length, 2);

    // IT's card is one card, updated in place with the counts and time left.
    assert.equal(connector.sends(IT_CHANNEL).length, 1);
    const lastCard = JSON.stringify(connector.updates(IT_CHANNEL).at(-1)?.body);
    assert.match(lastCard, /Acknowledged.*1 of 3/);

    // The export: who was told when and who acknowledged, audited.
    const audit = new OperatorAuditLog(db, clock.now);
    const csv = await exportBreach(app.breaches.repo, audit, { aadObjectId: LYNNE, displayName: 'Lynne', roles: ['itSecurity'] }, breach._id, 'csv');
    assert.equal(csv.rows, 3);
    assert.match(csv.text, new RegExp(`${personId(0)},Employee 0,list,acknowledged,2026-11-02T09:00:00.000Z,2026-11-02T10:00:10.000Z,,0,activity-`));
    const json = JSON.parse((await exportBreach(app.breaches.repo, audit, { aadObjectId: LYNNE, displayName: 'Lynne', roles: ['auditor'] }, breach._id, 'json')).text);
    assert.equal(json.people.length, 3);
    assert.deepEqual((await audit.list()).map((e) => [e.action, e.details.format]), [
      ['breach.export', 'csv'],
      ['breach.export', 'json'],
    ]);
    await assert.rejects(exportBreach(app.breaches.repo, audit, { aadObjectId: personId(3), displayName: 'E3', roles: [] }, breach._id, 'csv'), /may not export/);
  });

  it('when someone without IT Security or administrator roles declares or sends, or the incident is unknown, then nothing is stored', async () => {
    const app = breachInstance(db, sim.url, { name: 'one', messenger: realMessenger(db), clock: clock.now });
    const employee = { kind: 'user' as const, aadObjectId: personId(1), displayName: 'Employee 1', roles: [] };
    const auditor = { ...employee, roles: ['auditor' as const] };
    const input = { incidentId: 'INC-LOST02', regulations: ['HIPAA'], affected: { kind: 'people' as const, people: ['employee0@contoso.example'] } };
    await assert.rejects(app.breaches.declareBreach({ ...input, actor: employee }), BreachRoleError);
    await assert.rejects(app.breaches.declareBreach({ ...input, actor: auditor }), BreachRoleError);
    await assert.rejects(app.breaches.declareBreach({ ...input, incidentId: 'INC-NOPE00', actor: lynne }), IncidentNotFoundError);
    assert.equal(await db.collection('breaches').countDocuments(), 0);
    const { breach } = await app.breaches.declareBreach({ ...input, actor: lynne });
    await assert.rejects(app.breaches.service.apply(breach._id, { type: 'confirmSend' }, employee), BreachNotAuthorizedError);
    assert.equal((await app.breaches.service.get(breach._id))!.state, 'draft');
  });

  it('when a third-party review comes due, then its owner and IT are reminded once, and a recorded review stops the reminders', async () => {
    const app = breachInstance(db, sim.url, { name: 'one', messenger: realMessenger(db), clock: clock.now });
    await app.ensureIndexes();
    await assert.rejects(app.register.add({ kind: 'user', aadObjectId: personId(1), displayName: 'E1', roles: [] }, {} as never), RegisterNotAuthorizedError);
    const entry = await app.register.add(lynne, {
      name: 'Acme Payroll',
      dataShared: 'Names, employee ids, salaries',
      owner: 'employee2@contoso.example',
      purpose: 'Payroll',
      legalBasis: 'contract',
      lastReviewOn: '2025-12-15',
    });
    assert.equal(entry.nextReviewOn, '2026-12-15');
    await app.register.start();
    await settle(app);
    assert.equal(connector.sends('a:p2').length, 0, 'not due yet');
    clock.at = new Date('2026-11-16T09:00:00Z');
    await settle(app);
    await settle(app);
    assert.equal(connector.sends('a:p2').length, 1, 'the owner is reminded 30 days before');
    assert.match(JSON.stringify(connector.sends('a:p2')[0].body), /Third-party review due soon.*Acme Payroll/);
    assert.equal(itTexts().filter((t) => /Third-party review due soon/.test(t)).length, 1, 'and IT');
    clock.advance(DAY + HOUR);
    await settle(app);
    assert.equal(connector.sends('a:p2').length, 1, 'once');
    const reviewed = await app.register.review({ kind: 'user', aadObjectId: personId(2), displayName: 'Employee 2', roles: [] }, entry._id);
    assert.equal(reviewed.lastReviewOn, '2026-11-17');
    assert.equal(reviewed.nextReviewOn, '2027-11-17');
    clock.at = new Date('2026-12-20T09:00:00Z');
    await settle(app);
    assert.equal(connector.sends('a:p2').length, 1, 'no reminder after the review');
    const trail = await db.collection('auditEvents').find({ requestId: `thirdParty:${entry._id}` }).sort({ seq: 1 }).toArray();
    assert.deepEqual(trail.map((e) => e.event), ['add', 'remind', 'review']);
  });
});
