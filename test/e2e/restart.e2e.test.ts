import assert from 'node:assert/strict';
import { latestVersionOf, pressAs, requestThroughUi, sentMessages, textOf, waitForChatOpenedWith, waitForSent } from '../support/flowSteps';
import { startE2eStack, type E2eStack, type LogStream, type PlaygroundPage } from '../support/playground';

describe('e2e restart: the bot is killed mid-conversation and started again', function () {
  this.timeout(120000);
  let stack: E2eStack;
  let ui: PlaygroundPage;
  let log: LogStream;

  before(async () => {
    // A short lease, so a test can wait for a killed process's lease to lapse.
    stack = await startE2eStack({ name: 'restart', botEnv: { LEASE_SECONDS: '5' } });
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

  it('when the bot is SIGKILLed right after sending the approval card, then after Megan approves on the restarted bot the consent card follows within seconds', async () => {
    const since = Date.now();
    await requestThroughUi(ui);
    const meganChat = await waitForChatOpenedWith(log, stack.api.user('Megan'));
    const approval = await waitForSent(log, 'Approve device access?', { conversationId: meganChat.id, since });

    // The killed process still holds the lease on the request's background work.
    await stack.restartBot('SIGKILL');

    const answer = await pressAs(stack.api, log, stack.api.user('Megan'), meganChat, latestVersionOf(log, approval), 'Approve');
    assert.match(textOf(answer.value), /Approved by Megan Bowen/, 'the answer is recorded at once');
    // Once the dead process's lease (5 s here) lapses, the new process takes the work over: seconds, not minutes.
    await ui.waitForCard(/Consent and terms[\s\S]*I consent/, 30000);
    await ui.screenshot('consent-after-kill');
  });
});
