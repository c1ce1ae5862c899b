import assert from 'node:assert/strict';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { Db } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { consentTextFor } from '../../../services/content/consentText';
import type { TeamsAppInstallService } from '../../../services/graph/graphTypes';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import type { Delivery } from '../../../services/messaging/proactiveMessenger';
import { ProactiveMessenger } from '../../../services/messaging/proactiveMessenger';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { RequestRepository } from '../../../services/storage/requestRepository';
import type { PendingEffect, PostedCard } from '../../../services/workflow/model';
import { ALEX, MEGAN, alex, eventually, form, megan, never, onboardingInstance, sleep, useGraphSimulator } from '../../support/onboardingInstance';
import { ScriptedConnector } from '../../support/scriptedConnector';
import { useTestDb } from '../../support/testDb';

const TENANT = '00000000-0000-0000-0000-000000000001';
const LEASE_MS = 400;
const IT_CHANNEL = '19:it-security@thread.tacv2';
const CONSENT = /Consent and terms/;
const APPROVAL = /iPhone 15/;

describe('each message reaches Teams once, also across a crash (Bot Connector over real HTTP)', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('exactly_once');
  let db: Db;
  let connector: ScriptedConnector;

  const teamsApps: TeamsAppInstallService = { ensureInstalledForUser: async () => ({ installationId: 'i', chatId: 'c' }) };
  const via = (conversation: string) => ({ serviceUrl: connector.url, channelId: 'msteams', bot: { id: 'bot', name: 'Device Onboarding' }, conversation: { id: conversation, tenantId: TENANT } as never });

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await sim.reset();
    connector = new ScriptedConnector();
    await connector.start();
    const refs = new ConversationReferenceRepository(db);
    await refs.saveUser(ALEX, via('a:alex'), 'turn', '29:alex', TENANT);
    await refs.saveUser(MEGAN, via('a:megan'), 'turn', '29:megan', TENANT);
  });
  afterEach(async () => connector.stop());

  /** One bot instance whose messages go through the real messenger to the scripted Bot Connector. */
  function instance(name: string, o: { requests?: RequestRepository; deliveries?: DeliveryLog; leaseMs?: number } = {}) {
    const messenger = new ProactiveMessenger(
      new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})),
      new ConversationReferenceRepository(db),
      teamsApps,
      { appId: '', tenantId: TENANT, itTeamId: '19:it-team@thread.tacv2', itChannelId: IT_CHANNEL, baseDelayMs: 10 },
      createLogger('silent'),
    );
    return onboardingInstance(db, sim.url, { name, leaseMs: o.leaseMs ?? LEASE_MS, messenger, ...o });
  }

  const posts = (conversation: string, pattern: RegExp) => connector.sends(conversation).filter((c) => pattern.test(JSON.stringify(c.body)));

  /** Runs the flow up to the approve; the consent card goes out as part of the approve's effects. */
  async function approve(app: ReturnType<typeof instance>) {
    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await app.runner.idle();
    r = await app.service.apply(r._id, { type: 'approve' }, megan, (await app.service.get(r._id)).version);
    return r;
  }

  /** A new instance takes the crashed one's work over (once its lease has expired) and finishes it. */
  async function recover(requestId: string) {
    const fresh = instance('fresh', { leaseMs: 10_000 });
    await sleep(LEASE_MS + 100);
    fresh.runner.kick(requestId);
    await fresh.runner.idle();
    await eventually(async () => (await fresh.pendingEffects(requestId)) === 0, 10_000, 'the outbox drained');
    return fresh;
  }

  it('when an instance dies after Teams accepted the consent card and its id was recorded, then the new instance does not send it again', async () => {
    const requests = new RequestRepository(db);
    const app = instance('dies', { requests });
    const completeEffects = requests.completeEffects.bind(requests);
    requests.completeEffects = async (id: string, done: readonly PendingEffect[], cards: readonly PostedCard[] = []) => {
      if (cards.some((card) => card.kind === 'consent')) {
        app.crash();
        return never();
      }
      return completeEffects(id, done, cards);
    };
    const r = await approve(app);
    await eventually(() => posts('a:alex', CONSENT).length === 1, 10_000, 'the consent card');
    const fresh = await recover(r._id);

    assert.equal(posts('a:alex', CONSENT).length, 1, 'one consent card');
    const cards = (await fresh.service.get(r._id)).cards.filter((c) => c.kind === 'consent');
    assert.equal(cards.length, 1, 'the card that was sent is the one recorded, so it is updated in place later');
    const sentId = (await db.collection('deliveries').findOne({ activityId: cards[0].activityId }))?.activityId;
    assert.equal(sentId, cards[0].activityId);

    await fresh.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await fresh.runner.idle();
    assert.ok(connector.updates('a:alex').some((u) => decodeURIComponent(u.path).endsWith(`/activities/${cards[0].activityId}`)), 'the consent card is updated in place after consenting');
  });

  it('when an instance dies between the send and recording it, and a card of that kind was posted before, then that card is updated in place instead of posting another', async () => {
    const deliveries = new DeliveryLog(db);
    const app = instance('dies', { deliveries });
    const r = await approve(app);
    await app.runner.idle();
    assert.equal(posts('a:alex', CONSENT).length, 1);
    const earlier = (await app.service.get(r._id)).cards.find((c) => c.kind === 'consent')!;

    // The consent card is sent again (say the text was reissued); the instance dies right after Teams accepts it.
    const confirm = deliveries.confirm.bind(deliveries);
    deliveries.confirm = async (key: string, d: Delivery) => {
      if (d.conversationId === 'a:alex') {
        app.crash();
        return never();
      }
      return confirm(key, d);
    };
    const pending = { id: 'reissued-consent', effect: { type: 'sendConsentCard' as const }, createdAt: new Date().toISOString() };
    await app.runner.announce(r._id);
    await db.collection('requests').updateOne({ _id: r._id as never }, { $push: { outbox: pending as never }, $inc: { outboxCount: 1 } });
    app.runner.kick(r._id);
    await eventually(() => posts('a:alex', CONSENT).length === 2, 10_000, 'the reissued consent card');

    await recover(r._id);
    assert.equal(posts('a:alex', CONSENT).length, 2, 'no third consent card');
    assert.ok(connector.updates('a:alex').some((u) => decodeURIComponent(u.path).endsWith(`/activities/${earlier.activityId}`)), 'the earlier card was updated in place');
  });

  it('when an instance dies between the send and recording it and no earlier card exists, then it is sent again (the documented at-least-once window)', async () => {
    const deliveries = new DeliveryLog(db);
    const app = instance('dies', { deliveries });
    const confirm = deliveries.confirm.bind(deliveries);
    deliveries.confirm = async (key: string, d: Delivery) => {
      if (d.conversationId === 'a:megan') {
        app.crash();
        return never();
      }
      return confirm(key, d);
    };
    const r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, form);
    await eventually(() => posts('a:megan', APPROVAL).length === 1, 10_000, 'the approval card');
    const fresh = await recover(r._id);
    assert.equal(posts('a:megan', APPROVAL).length, 2, 'sent again: Teams may or may not have it');
    const approval = (await fresh.service.get(r._id)).cards.filter((c) => c.kind === 'approval');
    assert.equal(approval.length, 1, 'only the confirmed copy is recorded');
  });

  it('when Teams refused an attempt, then the next attempt is a fresh send, not a recovery of an unconfirmed one', async () => {
    const log = new DeliveryLog(db);
    const table: [string, (key: string) => Promise<void>, string][] = [
      ['refused with an error answer', (key) => log.refused(key), 'none'],
      ['interrupted without an answer', async () => undefined, 'unconfirmed'],
      ['delivered', (key) => log.confirm(key, { conversationId: 'a:alex', activityId: 'x1', serviceUrl: connector.url }), 'delivered'],
    ];
    for (const [what, outcome, expected] of table) {
      const key = `effect-${what}:requester`;
      assert.equal((await log.begin(key)).state, 'none');
      await outcome(key);
      assert.equal((await log.begin(key)).state, expected, what);
    }
  });

  it('when a transition leaves a posted card as it was, then the card is not rewritten', async () => {
    const app = instance('one');
    const r = await approve(app);
    await app.runner.idle();
    await app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await app.runner.idle();
    await app.service.apply(r._id, { type: 'enrollmentReported' }, alex);
    await app.runner.idle();
    // Every edit of an activity changes what it shows compared with its previous post or edit.
    const last = new Map<string, string>();
    let edits = 0;
    for (const c of connector.calls) {
      const path = decodeURIComponent(c.path);
      const card = JSON.stringify((c.body.attachments as { content?: unknown }[] | undefined)?.[0]?.content ?? null);
      if (c.method === 'POST' && /\/activities$/.test(path)) {
        const conv = path.split('/')[3];
        const id = `activity-${connector.calls.indexOf(c) + 1}`;
        last.set(`${conv}/${id}`, card);
      } else if (c.method === 'PUT') {
        const [, , , conv, , id] = path.split('/');
        assert.notEqual(last.get(`${conv}/${id}`), card, `edit ${path} changes nothing`);
        last.set(`${conv}/${id}`, card);
        edits++;
      }
    }
    assert.ok(edits > 0, 'cards were edited when they changed');
  });
});

describe('DeliveryLog.sendOnce: the one send-at-most-once step of every outbox that messages people', function () {
  const store = useTestDb('send_once');
  const landed: Delivery = { conversationId: 'a:1', activityId: 'act-1', serviceUrl: 'https://smba.example/' };
  const httpError = Object.assign(new Error('Forbidden'), { statusCode: 403 });
  const noAnswer = new Error('socket hang up');

  beforeEach(async () => {
    await store.db.dropDatabase();
    await ensureIndexes(store.db);
  });

  const rows: { when: string; first: 'ok' | Error; sendsOnSecondTry: number }[] = [
    { when: 'the first send landed', first: 'ok', sendsOnSecondTry: 0 },
    { when: 'Teams refused the first send with an HTTP error', first: httpError, sendsOnSecondTry: 1 },
    { when: 'the first send got no answer', first: noAnswer, sendsOnSecondTry: 1 },
  ];
  for (const row of rows) {
    it(`when ${row.when}, then a second attempt of the key sends ${row.sendsOnSecondTry} time(s) and ends delivered`, async () => {
      const log = new DeliveryLog(store.db);
      let sends = 0;
      const first = async () => {
        sends++;
        if (row.first !== 'ok') throw row.first;
        return landed;
      };
      if (row.first === 'ok') assert.deepEqual(await log.sendOnce('k', first), landed);
      else await assert.rejects(log.sendOnce('k', first), row.first);
      sends = 0;
      assert.deepEqual(await log.sendOnce('k', async () => (sends++, landed)), landed);
      assert.equal(sends, row.sendsOnSecondTry);
      assert.deepEqual(await log.delivered('k'), landed);
    });
  }
});
