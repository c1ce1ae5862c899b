/**
 * The framework's ceiling, for `npm run bench`: a bare botbuilder echo bot on restify with CloudAdapter, served the
 * way bot/server.ts serves the product (same body parser, no authentication without an app id). A message is echoed
 * through the Bot Connector (serviceUrl); an Adaptive Card action is answered with a small card. No Graph, and no
 * database unless ECHO_DB_READS is set: then each message first reads that many documents by `_id` from
 * MONGODB_URI (the dialog state and the person's open-request key, as the product's plain turn does), which makes
 * it the floor of a bot that must consult its database on every turn.
 *
 *   PORT=N node --import tsx bench/echoBot.ts   → prints {"url": "http://127.0.0.1:N"} when listening
 */
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, type AdaptiveCardInvokeResponse, type TurnContext } from 'botbuilder';
import { MongoClient, type Db } from 'mongodb';
import restify from 'restify';

const CARD = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Echo', wrap: true }] };

const READ_COLLECTIONS = ['botState', 'openRequestKeys'];

class EchoBot extends ActivityHandler {
  constructor(db?: Db, reads = 0) {
    super();
    this.onMessage(async (context, next) => {
      for (let i = 0; i < reads; i++) {
        const collection = READ_COLLECTIONS[i % READ_COLLECTIONS.length];
        await db!.collection<{ _id: string }>(collection).findOne({ _id: collection === 'botState' ? `msteams/conversations/${context.activity.conversation.id}/` : String(context.activity.from.aadObjectId) });
      }
      await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
    return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: CARD as never };
  }
}

async function main(): Promise<void> {
  const reads = Number(process.env.ECHO_DB_READS ?? 0);
  const db = reads ? (await MongoClient.connect(process.env.MONGODB_URI!)).db(process.env.MONGODB_DB ?? 'bench_echo_floor') : undefined;
  const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: '', MicrosoftAppTenantId: '' });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    console.error('turn failed', (error as Error).message);
    await context.sendActivity('Echo failed');
  };
  const bot = new EchoBot(db, reads);
  const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false, rejectUnknown: true }));
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res as never, (context) => bot.run(context));
  });
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }));
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (require.main === module) void main();
