import assert from 'node:assert/strict';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { MongoClient, type Db } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { ProactiveMessenger, RecipientUnreachableError } from '../../../services/messaging/proactiveMessenger';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import type { TeamsAppInstallService } from '../../../services/graph/graphTypes';
import { ScriptedConnector } from '../../support/scriptedConnector';

const TENANT = '00000000-0000-0000-0000-000000000001';
const MEGAN = 'a0000000-0000-4000-8000-000000000001';

describe('proactive messages over a Bot Connector (real HTTP)', function () {
  this.timeout(30_000);
  let connector: ScriptedConnector;
  let client: MongoClient;
  let db: Db;
  let refs: ConversationReferenceRepository;
  const installs: string[] = [];
  const teamsApps: TeamsAppInstallService = {
    async ensureInstalledForUser(userId) {
      installs.push(userId);
      return { installationId: 'i', chatId: '19:chat@unq.gbl.spaces' };
    },
  };

  const messenger = (itTeamId?: string) =>
    new ProactiveMessenger(
      new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})),
      refs,
      teamsApps,
      { appId: '', tenantId: TENANT, catalogAppId: 'catalog-id', itTeamId, itChannelId: itTeamId ? '19:it-security@thread.tacv2' : undefined, baseDelayMs: 10 },
      createLogger('silent'),
    );
  const via = () => ({ serviceUrl: connector.url, channelId: 'msteams', bot: { id: 'bot', name: 'Device Onboarding' }, conversation: { id: 'a:alex', tenantId: TENANT } as never });

  beforeEach(async () => {
    connector = new ScriptedConnector();
    await connector.start();
    client = await MongoClient.connect(process.env.MONGODB_URI!, { ignoreUndefined: true });
    db = client.db(`test_messenger_${process.pid}_${Date.now()}`);
    refs = new ConversationReferenceRepository(db);
    installs.length = 0;
    await refs.saveUser('u-alex', { ...via() }, 'turn', '29:alex', TENANT);
  });
  afterEach(async () => {
    await connector.stop();
    await db.dropDatabase();
    await client.close();
  });

  it('when Teams throttles with 429 and Retry-After, then the send is retried and delivered once', async () => {
    connector.fail('/v3/conversations/a:alex/activities', { status: 429, retryAfter: '0' }, { status: 503 });
    const d = await messenger().sendToUser('u-alex', { type: 'message', text: 'hi' });
    assert.equal(connector.sends('a:alex').length, 3);
    assert.ok(d.activityId.startsWith('activity-'));
  });

  it('when Teams keeps throttling with Retry-After, then every instance is paused through the shared pacer and each send takes a token', async () => {
    // The Bot Framework SDK's HTTP pipeline waits out up to three 429s by itself; the fourth reaches the messenger.
    const throttled = { status: 429, retryAfter: '0' };
    connector.fail('/v3/conversations/a:alex/activities', throttled, throttled, throttled, throttled);
    const calls: string[] = [];
    const pacer = { take: async () => void calls.push('take'), pause: async (ms: number) => void calls.push(`pause ${ms}`) };
    const m = new ProactiveMessenger(new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), refs, teamsApps, { appId: '', tenantId: TENANT, baseDelayMs: 10, pacer }, createLogger('silent'));
    await m.sendToUser('u-alex', { type: 'message', text: 'hi' });
    assert.deepEqual([calls, connector.sends('a:alex').length], [['take', 'pause 0', 'take'], 5]);
  });

  it('when Teams rejects the message, then the failure reaches the caller (so the outbox retries later)', async () => {
    connector.fail('/v3/conversations/a:alex/activities', { status: 400 });
    await assert.rejects(messenger().sendToUser('u-alex', { type: 'message', text: 'hi' }), (e: unknown) => (e as { statusCode?: number }).statusCode === 400);
    assert.equal(connector.sends('a:alex').length, 1, 'a 400 is not retried');
  });

  it('when the manager never talked to the bot, then the app is installed and a 1:1 chat is created for their Teams id', async () => {
    const d = await messenger('19:it-team@thread.tacv2').sendToUser(MEGAN, { type: 'message', text: 'approve?' }, via());
    assert.deepEqual(installs, [MEGAN]);
    const create = connector.calls.find((c) => c.path === '/v3/conversations');
    assert.deepEqual((create?.body.members as { id: string }[]).map((m) => m.id), ['29:megan-teams-id']);
    assert.equal(d.conversationId, 'a:new-chat-with-megan');
    assert.equal((await refs.findUser(MEGAN))?.reference.conversation?.id, 'a:new-chat-with-megan');
  });

  it('when a stored conversation is gone (404), then it is forgotten and re-created once', async () => {
    await refs.saveUser(MEGAN, { ...via(), conversation: { id: 'a:stale' } as never }, 'turn', '29:megan-teams-id', TENANT);
    connector.fail('/v3/conversations/a:stale/activities', { status: 404 });
    const d = await messenger().sendToUser(MEGAN, { type: 'message', text: 'approve?' }, via());
    assert.equal(d.conversationId, 'a:new-chat-with-megan');
  });

  it('when there is no reference and nothing to borrow a service URL from, then the recipient is reported unreachable', async () => {
    await assert.rejects(messenger().sendToUser('u-nobody', { type: 'message', text: 'x' }), RecipientUnreachableError);
  });

  it('when a card is updated, then the original activity is replaced in place', async () => {
    await messenger().update({ conversationId: 'a:alex', activityId: 'act-7' }, { type: 'message', text: 'v2' }, via());
    assert.ok(connector.calls.some((c) => c.method === 'PUT' && decodeURIComponent(c.path) === '/v3/conversations/a:alex/activities/act-7'));
  });
});
