import assert from 'node:assert/strict';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsInfo, type ConversationReference, type TurnContext } from 'botbuilder';
import { startStubConnector, teamsLimits, type StubConnector } from '../../../bench/stubConnector';

describe('benchmark stub Bot Connector (botbuilder CloudAdapter against it over HTTP)', () => {
  let stub: StubConnector;
  let adapter: CloudAdapter;
  let reference: Partial<ConversationReference>;

  before(async () => {
    stub = await startStubConnector();
    adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: '', MicrosoftAppTenantId: '' }));
    reference = {
      channelId: 'msteams',
      serviceUrl: `${stub.url}/`,
      bot: { id: '28:bot', name: 'Bot' },
      conversation: { id: 'a:chat-1', conversationType: 'personal', isGroup: false, name: '' },
    };
  });
  after(() => stub.close());

  /** Runs `fn` in a proactive turn and rethrows what it threw (CloudAdapter would hand it to onTurnError). */
  async function inTurn<T>(fn: (ctx: TurnContext) => Promise<T>): Promise<T> {
    let result: { value?: T; error?: unknown } = {};
    await adapter.continueConversationAsync('', reference, async (ctx) => {
      try {
        result = { value: await fn(ctx) };
      } catch (error) {
        result = { error };
      }
    });
    if (result.error) throw result.error;
    return result.value as T;
  }

  it('when the bot sends, replies, updates and reads a roster, then each call gets what the Bot Connector answers', async () => {
    const sent = await inTurn((ctx) => ctx.sendActivity('hello'));
    assert.ok(sent?.id);
    const reply = await inTurn((ctx) => ctx.sendActivity({ type: 'message', text: 'reply', replyToId: sent.id }));
    assert.ok(reply?.id);
    await inTurn((ctx) => ctx.updateActivity({ type: 'message', id: sent.id, text: 'edited' }));
    const roster = await inTurn((ctx) => TeamsInfo.getPagedTeamMembers(ctx, '19:team@thread.tacv2', 500));
    assert.deepEqual(roster.members, []);
    // In a turn botbuilder posts every message as a reply to the turn's activity.
    assert.deepEqual(stub.stats.byRoute, {
      'POST /v3/conversations/{id}/activities/{id}': 2,
      'PUT /v3/conversations/{id}/activities/{id}': 1,
      'GET /v3/conversations/{id}/pagedmembers': 1,
    });
  });

  it('when the bot opens a 1:1 chat, then it gets a new conversation id', async () => {
    let created: string | undefined;
    await adapter.createConversationAsync('', 'msteams', `${stub.url}/`, '', { isGroup: false, bot: { id: '28:bot', name: 'Bot' }, members: [{ id: '29:someone', name: '' }] } as never, async (ctx) => {
      created = ctx.activity.conversation.id;
    });
    assert.match(created ?? '', /^a:conv-/);
  });

  it("when a message carries the bot's error card text, then it is counted as an error card", async () => {
    const before = stub.stats.errorCards;
    await inTurn((ctx) => ctx.sendActivity('That did not work. Please try again in a moment.'));
    await inTurn((ctx) => ctx.sendActivity('All good'));
    assert.equal(stub.stats.errorCards, before + 1);
  });
});

describe("benchmark stub Bot Connector enforcing Teams' rate limits", () => {
  let stub: StubConnector;
  afterEach(() => stub.close());

  const post = (conversation: string) =>
    fetch(`${stub.url}/v3/conversations/${encodeURIComponent(conversation)}/activities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'hi' }) });

  it('when an eighth message goes to one conversation within a second, then it is 429 with a Retry-After and another conversation still gets through', async () => {
    stub = await startStubConnector(0, { limits: teamsLimits(), clock: () => 1_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await post('a:one')).status);
    assert.deepEqual(statuses, [...Array(7).fill(201), 429]);
    assert.equal((await post('a:two')).status, 201);
    assert.equal(stub.stats.throttled, 1);
    assert.equal(stub.stats.sentByConversation['a:one'], 7);
  });

  it('when the app sends more than its per-second limit across conversations, then the excess is 429', async () => {
    stub = await startStubConnector(0, { limits: teamsLimits(0.1), clock: () => 1_000 });
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => post(`a:p${i}`).then((r) => r.status)));
    assert.equal(statuses.filter((s) => s === 201).length, 5);
    assert.equal(statuses.filter((s) => s === 429).length, 3);
  });
});
