/**
 * The Bot Connector time limit, through the real CloudAdapter and a real HTTP connector that never answers.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudAdapter, type ConversationReference } from 'botbuilder';
import { TimedBotFrameworkAuthentication } from '../../../services/messaging/connectorTimeout';

describe('Bot Connector time limit (real CloudAdapter, real HTTP)', () => {
  let server: http.Server;
  let serviceUrl: string;
  let received = 0;

  before(async () => {
    // Accepts every request and never answers, like a connector that hangs.
    server = http.createServer(() => {
      received += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('when the connector never answers a send, then the send fails once the configured time is up', async () => {
    const adapter = new CloudAdapter(new TimedBotFrameworkAuthentication({}, 300));
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl,
      conversation: { id: 'a:personal-chat', isGroup: false, conversationType: 'personal', name: '' },
      bot: { id: 'bot', name: 'bot' },
      user: { id: 'user', name: 'user' },
    };
    const outcome = await Promise.race([
      adapter.continueConversationAsync('', reference, async (context) => {
        await context.sendActivity('hello');
      }).then(
        () => 'sent',
        (e: Error) => e,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000).unref()),
    ]);
    assert.ok(outcome instanceof Error, `expected the send to fail, got ${String(outcome)}`);
    assert.ok(received >= 1, `the request reached the connector (${(outcome as Error).message})`);
  });
});
