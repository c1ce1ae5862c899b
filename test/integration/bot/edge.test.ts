import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../../bot/config';
import { startApp, type RunningApp } from '../../../bot/index';
import { createLogger } from '../../../bot/logger';
import { Verb } from '../../../cards/verbs';
import { uniqueDbName } from '../../support/testDb';
import { IT_SECURITY_GROUP, people, startDemoGraph, TENANT, type Person } from './botHarness';
import { StubConnector } from './stubConnector';

const GROUPS = { ACCESS_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a1', IT_SECURITY_GROUP_ID: IT_SECURITY_GROUP };

describe('the bot edge over real HTTP (activity shape, tenant, references, long messages)', function () {
  this.timeout(60_000);
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;
  let connector: StubConnector;
  let app: RunningApp;
  let base: string;
  let client: MongoClient;
  const dbName = uniqueDbName('edge');

  before(async () => {
    sim = await startDemoGraph();
    connector = new StubConnector();
    await connector.start();
    const config = loadConfig({
      ...GROUPS,
      PORT: '0',
      GRAPH_BASE_URL: sim.url,
      MONGODB_URI: process.env.MONGODB_URI,
      MONGODB_DB: dbName,
      MicrosoftAppTenantId: TENANT,
      IT_TEAM_ID: '19:it-team@thread.tacv2',
      IT_CHANNEL_ID: '19:it-security@thread.tacv2',
      ENROLLMENT_CHECK_WAIT_SECONDS: '0',
      LOG_LEVEL: 'silent',
    });
    app = await startApp(config, createLogger('silent'));
    base = `http://127.0.0.1:${app.port}`;
    client = await MongoClient.connect(process.env.MONGODB_URI!);
  });
  after(async () => {
    await app.stop();
    await client.db(dbName).dropDatabase();
    await client.close();
    await connector.stop();
    await sim.close();
  });

  let seq = 0;
  /** A Teams-shaped activity from `who` in their personal chat, with the stub connector as serviceUrl. */
  const activity = (who: Person, extra: Record<string, unknown> = {}) => ({
    type: 'message',
    id: `in-${++seq}`,
    channelId: 'msteams',
    serviceUrl: connector.url,
    locale: 'en-US',
    from: { id: who.id, name: who.name, aadObjectId: who.aadObjectId },
    recipient: { id: '28:bot', name: 'Device Onboarding' },
    conversation: { id: `a:personal-${who.id}`, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    ...extra,
  });
  const post = (body: unknown) => fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const refs = () => client.db(dbName).collection<{ _id: string; teamsUserId?: string; reference: { serviceUrl?: string }; updatedAt: Date }>('conversationReferences');

  const valid = () => activity(people.alex, { text: 'hi' });
  const withFrom = (from: unknown) => ({ ...valid(), from });
  const malformed: [string, () => unknown][] = [
    ['serviceUrl is a number', () => ({ ...valid(), serviceUrl: 42 })],
    ['serviceUrl is an object', () => ({ ...valid(), serviceUrl: { href: 'http://127.0.0.1/' } })],
    ['serviceUrl is an array', () => ({ ...valid(), serviceUrl: ['http://127.0.0.1/'] })],
    ['serviceUrl is null', () => ({ ...valid(), serviceUrl: null })],
    ['serviceUrl is file:', () => ({ ...valid(), serviceUrl: 'file:///etc/passwd' })],
    ['serviceUrl is gopher:', () => ({ ...valid(), serviceUrl: 'gopher://127.0.0.1:70/' })],
    ['serviceUrl is not loopback in local mode', () => ({ ...valid(), serviceUrl: 'http://connector.evil.example/' })],
    ['serviceUrl carries credentials', () => ({ ...valid(), serviceUrl: 'http://user:pw@127.0.0.1/' })],
    ['serviceUrl is huge', () => ({ ...valid(), serviceUrl: `http://127.0.0.1/${'x'.repeat(5000)}` })],
    ['locale is 1.5', () => ({ ...valid(), locale: 1.5 })],
    ['recipient.aadObjectId is false', () => ({ ...valid(), recipient: { id: '28:bot', aadObjectId: false } })],
    ['from.aadObjectId is an operator object', () => withFrom({ id: 'u', aadObjectId: { $ne: null } })],
    ['from.aadObjectId is an array', () => withFrom({ id: 'u', aadObjectId: ['a'] })],
    ['from is null', () => withFrom(null)],
    ['from is an array', () => withFrom([{ id: 'u' }])],
    ['from.id is a number', () => withFrom({ id: 7 })],
    ['from.id is huge', () => withFrom({ id: 'x'.repeat(5000) })],
    ['conversation.id is an object', () => ({ ...valid(), conversation: { id: { a: 1 }, conversationType: 'personal' } })],
    ['conversation is missing', () => ({ ...valid(), conversation: undefined })],
    ['value is an array', () => ({ ...valid(), value: [1, 2] })],
    ['value is a string', () => ({ ...valid(), value: 'approve' })],
    ['text is a number', () => ({ ...valid(), text: 12 })],
    ['channelData is an array', () => ({ ...valid(), channelData: [] })],
    ['channelData.tenant.id is a number', () => ({ ...valid(), channelData: { tenant: { id: 7 } } })],
    ['membersAdded is an object', () => ({ ...valid(), type: 'conversationUpdate', membersAdded: { id: 'x' } })],
    ['type is empty', () => ({ ...valid(), type: '' })],
    ['type is an object', () => ({ ...valid(), type: { toString: 'message' } })],
  ];
  for (const [name, body] of malformed) {
    it(`when an activity's ${name}, then it is answered 400 without a turn and the server keeps serving`, async () => {
      const before = connector.sent.length;
      const res = await post(body());
      assert.equal(res.status, 400);
      const answer = (await res.json()) as Record<string, unknown>;
      assert.equal(answer.error, 'Malformed activity');
      assert.equal(connector.sent.length, before, 'no turn ran');
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });
  }

  it('when the table of malformed activities is done, then a valid activity is still answered', async () => {
    const res = await post(activity(people.alex, { text: 'hi' }));
    assert.equal(res.status, 200);
    await connector.next(`a:personal-${people.alex.id}`, /Request device access/);
  });

  for (const verb of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`when a card action's verb is "${verb}", then the answer is "Unknown action"`, async () => {
      const res = await post(activity(people.alex, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data: { verb } } } }));
      assert.equal(res.status, 200);
      assert.match(JSON.stringify(await res.json()), /Unknown action/);
    });
  }

  const tenants: [string, Record<string, unknown>][] = [
    ['another tenant', { channelData: { tenant: { id: '99999999-0000-0000-0000-000000000009' } }, conversation: { id: 'a:x', conversationType: 'personal', tenantId: '99999999-0000-0000-0000-000000000009' } }],
    ['no tenant at all', { channelData: {}, conversation: { id: 'a:x', conversationType: 'personal' } }],
  ];
  for (const [name, extra] of tenants) {
    it(`when an activity comes from ${name}, then it is refused with 403 and no turn runs`, async () => {
      const before = connector.sent.length;
      const stored = await refs().countDocuments();
      const res = await post(activity(people.adele, { text: 'hi', ...extra }));
      assert.equal(res.status, 403);
      assert.equal(connector.sent.length, before);
      assert.equal(await refs().countDocuments(), stored, 'no reference stored');
    });
  }

  it("when someone claims another person's Entra id from another Teams user id, then the stored reference stays", async () => {
    await post(activity(people.megan, { text: 'hi' }));
    const original = await refs().findOne({ _id: people.megan.aadObjectId });
    assert.equal(original?.teamsUserId, people.megan.id);
    const impostor = { ...people.megan, id: 'user-id-impostor' };
    const res = await post(activity(impostor, { text: 'hi', conversation: { id: 'a:impostor-chat', conversationType: 'personal', tenantId: TENANT } }));
    assert.equal(res.status, 200);
    const after = await refs().findOne({ _id: people.megan.aadObjectId });
    assert.deepEqual(after?.reference, original?.reference);
    assert.equal(after?.teamsUserId, people.megan.id);
  });

  it('when the same person writes again from the same chat, then the stored reference is not rewritten', async () => {
    await post(activity(people.adele, { text: 'hi' }));
    const first = await refs().findOne({ _id: people.adele.aadObjectId });
    await post(activity(people.adele, { text: 'status' }));
    const second = await refs().findOne({ _id: people.adele.aadObjectId });
    assert.ok(first && second);
    assert.equal(second.updatedAt.getTime(), first.updatedAt.getTime());
  });

  const channelTurns: [string, Person, string, boolean][] = [
    ['an employee in the IT team', people.adele, '19:it-team@thread.tacv2', false],
    ['IT Security in another team', people.lynne, '19:other-team@thread.tacv2', false],
    ['IT Security in the IT team', people.lynne, '19:it-team@thread.tacv2', true],
  ];
  for (const [who, person, teamId, stored] of channelTurns) {
    it(`when ${who} writes in a channel, then the channel reference is ${stored ? '' : 'not '}stored`, async () => {
      const channelId = `19:channel-${seq + 1}@thread.tacv2`;
      const res = await post(
        activity(person, {
          text: '<at>Device Onboarding</at> help',
          conversation: { id: channelId, conversationType: 'channel', isGroup: true, tenantId: TENANT },
          channelData: { tenant: { id: TENANT }, team: { id: teamId }, channel: { id: channelId } },
        }),
      );
      assert.equal(res.status, 200);
      const found = await client.db(dbName).collection('channels').findOne({ _id: `${teamId}|${channelId}` as never });
      assert.equal(Boolean(found), stored);
    });
  }

  it('when a message of thousands of characters arrives while the cancel question is pending, then another person is answered meanwhile and the question still stands', async () => {
    const alexChat = `a:personal-${people.alex.id}`;
    const submitted = await post(
      activity(people.alex, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: Verb.RequestSubmit, data: { verb: Verb.RequestSubmit, platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' } } },
      }),
    );
    assert.equal(submitted.status, 200);
    await post(activity(people.alex, { text: 'cancel' }));
    await connector.next(alexChat, /Cancel your request DEV-/);
    const asked = connector.sent.filter((a) => a.conversationId === alexChat && /Cancel your request/.test(JSON.stringify(a.body))).length;

    // "one hundred " repeated drives botbuilder's number recognizer into heavy backtracking (tens of seconds).
    const long = post(activity(people.alex, { text: 'one hundred '.repeat(300) }));
    const other = await post(activity(people.adele, { text: 'hi' }));
    assert.equal(other.status, 200);
    await connector.next(`a:personal-${people.adele.id}`, /Request device access/);
    assert.equal((await long).status, 200);
    const askedAgain = connector.sent.filter((a) => a.conversationId === alexChat && /Cancel your request/.test(JSON.stringify(a.body))).length;
    assert.equal(askedAgain, asked + 1, 'the long message was not taken as an answer; the question was asked again');

    assert.equal((await post(activity(people.alex, { text: 'yes' }))).status, 200);
    await connector.next(alexChat, /cancelled/i);
  });
});
