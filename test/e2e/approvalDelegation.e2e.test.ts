/**
 * The manager step as people live it, end to end: Megan Bowen, going on leave, types a delegation in her own chat;
 * Alex Wilber (the playground's current user) asks in the real UI; his request goes to Adele Vance on Megan's
 * behalf; Adele does not answer at once and her existing approval card is updated with the reminder (plus a short
 * message), never sent twice; she then approves on Megan's behalf. Timings are shortened through configuration.
 */
import assert from 'node:assert/strict';
import {
  buttonTitles,
  cardOf,
  installAppFor,
  latestVersionOf,
  pressAs,
  referenceIn,
  requestThroughUi,
  sentMessages,
  stepByStep,
  textOf,
  waitForChatOpenedWith,
  waitForSent,
  waitForVersion,
  type SentMessage,
} from '../support/flowSteps';
import { startE2eStack, type E2eStack, type LogStream, type PlaygroundPage } from '../support/playground';
import type { ConversationTarget } from '../support/playgroundApi';

describe('e2e approvals: a delegation set in chat, and a reminder arriving on the existing approval card', function () {
  this.timeout(90000);
  stepByStep();
  let stack: E2eStack;
  let ui: PlaygroundPage;
  let log: LogStream;
  let meganChat: ConversationTarget;
  let adeleChat: ConversationTarget;
  let reference: string;
  let approvalCard: SentMessage;

  before(async () => {
    stack = await startE2eStack({
      name: 'approval-delegation',
      botEnv: {
        // A reminder two seconds after the request reaches its approver, at any hour, once.
        APPROVAL_REMINDER_AFTER_HOURS: '0.0006',
        APPROVAL_REMINDER_MAX: '1',
        APPROVAL_WORKING_HOURS: '00:00-24:00',
        APPROVAL_WORKING_DAYS: 'sunday,monday,tuesday,wednesday,thursday,friday,saturday',
        WORKER_INTERVAL_SECONDS: '1',
        WORKER_IDLE_MAX_SECONDS: '2',
      },
    });
    try {
      log = await stack.activityLog();
      ui = await stack.openPage();
      await ui.waitForCard('Request device access', 20000);
      meganChat = await installAppFor(stack.api, stack.api.user('Megan'), log);
    } catch (error) {
      await stack.stop();
      throw error;
    }
  });

  after(async () => {
    await stack?.stop();
  });

  it('when Megan types "delegate approvals to adelev@… until …" in her chat, then the bot confirms Adele decides for her until then', async () => {
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await stack.api.sendMessageAs(stack.api.user('Megan'), `delegate approvals to adelev@contoso.example until ${until}`, meganChat, log);
    const reply = await waitForSent(log, /Approvals delegated/, { conversationId: meganChat.id });
    assert.match(reply.text, /Adele Vance/);
    assert.match(reply.text, new RegExp(until));
  });

  it("when Alex asks, then his status names Adele on Megan's behalf and Adele gets the approval card", async () => {
    await requestThroughUi(ui);
    const status = await ui.waitForCard(/Your device access request[\s\S]*Waiting for approval/);
    const text = await status.innerText();
    assert.match(text, /Adele Vance/);
    assert.match(text, /On behalf of[\s\S]*Megan Bowen/);
    reference = referenceIn(text);
    adeleChat = await waitForChatOpenedWith(log, stack.api.user('Adele'));
    approvalCard = await waitForSent(log, 'Approve device access?', { conversationId: adeleChat.id });
    assert.equal(approvalCard.action, 'create');
    assert.match(approvalCard.text, /On behalf of[\s\S]*Megan Bowen/);
    assert.ok(buttonTitles(cardOf(approvalCard)).includes('Reassign'), `buttons: ${buttonTitles(cardOf(approvalCard)).join(', ')}`);
    await ui.screenshot('status-delegated');
  });

  it("when Adele does not answer, then her existing card says the reminder was sent and a short message follows, never a second card", async () => {
    const reminded = await waitForVersion(log, approvalCard, /Reminder 1/, 45000);
    assert.equal(reminded.action, 'update', 'the card Adele already has is edited in place');
    await waitForSent(log, /Reminder 1: a request waits for you/, { conversationId: adeleChat.id });
    const cards = sentMessages(log).filter((m) => m.action === 'create' && m.conversationId === adeleChat.id && m.text.includes('Approve device access?'));
    assert.equal(cards.length, 1, 'one approval card');
  });

  it("when Adele approves, then the decision is recorded on Megan's behalf and Alex is told", async () => {
    const current = latestVersionOf(log, approvalCard);
    const answer = await pressAs(stack.api, log, stack.api.user('Adele'), adeleChat, current, 'Approve');
    assert.match(textOf(answer.value), /Approved by Adele Vance on behalf of Megan Bowen/);
    await ui.waitForCard(/Approved[\s\S]*approved request/, 20000);
    assert.match(reference, /^DEV-/);
    await ui.screenshot('approved-on-behalf');
  });
});
