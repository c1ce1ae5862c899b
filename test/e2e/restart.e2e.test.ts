import assert from 'node:assert/strict';
import { requestThroughUi, sentMessages, waitForChatOpenedWith, waitForSent } from '../support/flowSteps';
import { startE2eStack, type E2eStack, type LogStream, type PlaygroundPage } from '../support/playground';

describe('e2e restart: the bot is killed mid-conversation and started again', function () {
  this.timeout(120000);
  let stack: E2eStack;
  let ui: PlaygroundPage;
  let log: LogStream;

  before(async () => {
    stack = await startE2eStack({ name: 'restart' });
    log = await stack.activityLog();
    ui = await stack.openPage();
    await ui.waitForCard('Request device access', 20000);
  });

  after(async () => {
    await stack?.stop();
  });

  it('when the bot is SIGKILLed between a question and its answer, then the answer is understood and proactive messages still reach the manager', async () => {
    await requestThroughUi(ui);
    const meganChat = await waitForChatOpenedWith(log, stack.api.user('Megan'));
    await waitForSent(log, 'Approve device access?', { conversationId: meganChat.id });

    await ui.sendMessage('cancel');
    await ui.waitForBotMessage(/Cancel your request DEV-/, 15000);
    await ui.screenshot('cancel-question');

    // No shutdown code runs: whatever survives comes from the database.
    await stack.restartBot('SIGKILL');

    await ui.sendMessage('yes');
    await ui.waitForCard(/Your device access request[\s\S]*Cancelled/, 20000);
    await ui.screenshot('cancelled-after-restart');

    // Megan never wrote to the bot: this notice goes through the reference stored before the kill.
    const withdrawn = await waitForSent(log, 'Request withdrawn', { conversationId: meganChat.id });
    assert.equal(withdrawn.action, 'create');
    assert.equal(sentMessages(log).filter((m) => m.action === 'create' && m.conversationId === meganChat.id && m.text.includes('Approve device access?')).length, 1);
  });
});
