import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { FIXTURE_REQUESTS } from '../../../cards/fixtures';
import { Verb } from '../../../cards/verbs';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import type { OnboardingRequest } from '../../../services/workflow/model';
import { dropTestDb, testDb } from '../../support/testDb';
import { buildBot, invoke, invokeCard, people, shown, startDemoGraph, teamsActivity } from './botHarness';

describe('bot turns at the edge: unknown people, enrollment not found yet, Graph busy, writes only when needed', function () {
  this.timeout(60_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;

  before(async () => {
    sim = await startDemoGraph();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    db = await testDb('edge_turns');
    await ensureIndexes(db);
    await sim.controls.reset();
  });
  afterEach(async () => {
    sim.controls.clearFaults();
    await dropTestDb(db);
  });

  const unknownPerson: [string, ReturnType<typeof teamsActivity>, RegExp][] = [
    ['writes "hi"', teamsActivity(people.ghost, { type: 'message', text: 'hi' }), /Request device access/],
    ['writes "status"', teamsActivity(people.ghost, { type: 'message', text: 'status' }), /Request device access/],
    ['opens the request form', invoke(people.ghost, Verb.RequestStart, {}), /platform/i],
  ];
  for (const [what, activity, expected] of unknownPerson) {
    it(`when someone Graph does not know (404) ${what}, then they are answered as a person with no roles`, async () => {
      const bot = buildBot(db, sim.url);
      const replies = await bot.turn(activity);
      const all = shown(replies);
      assert.match(all, expected);
      assert.doesNotMatch(all, /Something went wrong|did not work/);
    });
  }

  it("when the employee says I've enrolled before Intune lists the device, then they are told so, what to check and until when the bot looks", async () => {
    const bot = buildBot(db, sim.url, { enrollmentCheckWaitMs: 10_000 });
    const f = FIXTURE_REQUESTS.awaitingEnrollment;
    const id = randomUUID();
    const deadline = new Date(Date.now() + 72 * 3600_000).toISOString();
    const request: OnboardingRequest = await bot.requests.insert({
      ...f,
      _id: id,
      reference: 'DEV-ENROL1',
      requester: { aadObjectId: people.alex.aadObjectId, displayName: people.alex.name, userPrincipalName: 'alexw@contoso.example' },
      approvers: [{ aadObjectId: people.megan.aadObjectId, displayName: people.megan.name }],
      consent: f.consent ? { ...f.consent, at: new Date().toISOString() } : undefined,
      enrollmentDeadline: deadline,
      openKey: people.alex.aadObjectId,
      outbox: [],
      cards: [],
    });
    const replies = await bot.turn(invoke(people.alex, Verb.EnrollmentDone, { requestId: request._id, version: request.version }));
    const notice = shown(replies.filter((r) => r.type === 'message'));
    assert.match(notice, /not in Intune yet/);
    assert.match(notice, /Company Portal/);
    assert.match(notice, /work account \(alexw@\u200b?contoso/);
    assert.match(notice, /keep looking on our own until/);
    assert.match(JSON.stringify(invokeCard(replies)), /I've enrolled/, 'the enrollment steps stay, with the button');
    const after = await bot.service.get(request._id);
    assert.equal(after.state, 'awaitingEnrollment');
    assert.ok(after.nextCheckAt && after.nextCheckAt <= deadline, 'the bot keeps polling until the deadline');
  });

  it('when the manager lookup is still throttled after the retries, then the form comes back with the answers and says Microsoft 365 is busy', async () => {
    const bot = buildBot(db, sim.url);
    sim.controls.injectFault({ path: /\/manager$/, status: 429, count: 50, retryAfterSeconds: 0 });
    const card = JSON.stringify(
      invokeCard(await bot.turn(invoke(people.alex, Verb.RequestSubmit, { platform: 'android', ownership: 'company', model: 'Pixel 9', justification: 'On-call rota for payments' }))),
    );
    assert.match(card, /Microsoft 365 is busy/);
    assert.match(card, /Pixel 9/);
    assert.match(card, /On-call rota for payments/);
    assert.equal(await bot.service.openRequestOf(people.alex.aadObjectId), null, 'nothing was opened');
  });

  it('when one-shot commands are typed, then no dialog state is written; a pending question is saved and removed once answered', async () => {
    const bot = buildBot(db, sim.url);
    const states = () => db.collection(COLLECTIONS.botState).countDocuments();
    await bot.turn(teamsActivity(people.alex, { type: 'message', text: 'hi' }));
    await bot.turn(teamsActivity(people.alex, { type: 'message', text: 'status' }));
    await bot.turn(invoke(people.alex, Verb.RequestStart, {}));
    assert.equal(await states(), 0, 'nothing to remember, nothing written');

    await bot.turn(invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
    await bot.turn(teamsActivity(people.alex, { type: 'message', text: 'cancel' }));
    assert.equal(await states(), 1, 'the open question is saved');
    const answer = await bot.turn(teamsActivity(people.alex, { type: 'message', text: 'no' }));
    assert.match(shown(answer), /stays open/);
    assert.equal(await states(), 0, 'the answered question is gone');
  });

  it('when the same reference arrives again, also after a restart, then it is not rewritten', async () => {
    const ref = { serviceUrl: 'http://connector.test/', conversation: { id: 'a:chat', conversationType: 'personal' }, user: { id: '29:alex' }, bot: { id: 'bot' }, channelId: 'msteams' };
    const first = new ConversationReferenceRepository(db);
    assert.equal(await first.saveUser('u-alex', ref as never, 'turn', '29:alex', 't'), 'written');
    assert.equal(await first.saveUser('u-alex', { ...ref, activityId: 'other' } as never, 'turn', '29:alex', 't'), 'unchanged');
    const restarted = new ConversationReferenceRepository(db);
    assert.equal(await restarted.saveUser('u-alex', ref as never, 'install', '29:alex', 't'), 'unchanged', 'compared with the database on first use');
    assert.equal(await restarted.saveUser('u-alex', { ...ref, serviceUrl: 'http://moved.test/' } as never, 'turn', '29:alex', 't'), 'written');
    assert.equal(await restarted.saveUser('u-alex', ref as never, 'turn', '29:someone-else', 't'), 'refused');
  });
});
