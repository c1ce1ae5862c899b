/**
 * The manager step as people live it, end to end: Megan Bowen, going on leave, is asked back in words about a
 * delegation typed in her own chat, then sets one on the delegation card: its people picker is answered by the bot
 * from the directory (the `application/search` invoke, sent through the playground to the bot over HTTP) and the
 * card is submitted with the person picked;
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

/** Waits for a question the bot asked in a conversation; Teams shows a confirm prompt as a hero card with Yes / No. */
async function waitForQuestion(log: LogStream, conversationId: string, pattern: RegExp, timeoutMs = 20000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of log.frames) {
      const body = f.request?.body as { type?: string; conversation?: { id?: string }; text?: string; attachments?: { content?: { text?: string } }[] } | undefined;
      if (f.from !== 'User Application' || body?.type !== 'message' || body.conversation?.id !== conversationId) continue;
      const text = [body.text ?? '', ...(body.attachments ?? []).map((a) => a.content?.text ?? '')].join('\n');
      if (pattern.test(text)) return text;
    }
    assert.ok(Date.now() < deadline, `the bot asked nothing matching ${pattern}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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

  it('when Megan types "delegate approvals to Adele for 1 week", then the bot asks back with the days in words, and "no" changes nothing', async () => {
    await stack.api.sendMessageAs(stack.api.user('Megan'), 'delegate approvals to Adele for 1 week', meganChat, log);
    const question = await waitForQuestion(log, meganChat.id, /Delegate to Adele Vance from \w{3} \d{1,2} \w{3} to \w{3} \d{1,2} \w{3}\?/);
    assert.doesNotMatch(question, /\d{4}-\d{2}-\d{2}/, 'days in words, not as dates');
    await stack.api.sendMessageAs(stack.api.user('Megan'), 'no', meganChat, log);
    await waitForSent(log, /nothing was changed/, { conversationId: meganChat.id });
  });

  it('when Megan types "delegate approvals", then the card with the people picker opens; the bot answers its search from the directory and the picked person is saved', async () => {
    const megan = stack.api.user('Megan');
    await stack.api.sendMessageAs(megan, 'delegate approvals', meganChat, log);
    const form = await waitForSent(log, 'Delegate your approvals', { conversationId: meganChat.id });
    const picker = JSON.stringify(cardOf(form));
    assert.match(picker, /"choices\.data":\{"type":"Data\.Query","dataset":"graph\.people"\}/, 'a typeahead over the directory');
    // The playground's card renderer answers Data.Query itself with an empty list and never sends the
    // application/search invoke, so the typing is sent as Teams sends it: an invoke from Megan, through the playground.
    const frame = await stack.api.sendCustomActivity(
      stack.api.activityFrom(megan, meganChat, { type: 'invoke', name: 'application/search', value: { queryText: 'ade', queryOptions: { skip: 0, top: 15 }, dataset: 'graph.people' } }),
      log,
    );
    assert.equal(frame?.response?.statusCode, 200);
    const search = frame?.response?.body as { type: string; value: { results: { title: string; value: string }[] } };
    assert.equal(search.type, 'application/vnd.microsoft.search.searchResponse');
    assert.deepEqual(search.value.results.map((r) => r.title), ['Adele Vance (adelev@contoso.example)']);
    const adele = search.value.results[0].value;
    assert.match(picker, new RegExp(`"value":"${adele}"`), 'Adele, one of her direct reports, is also offered before anything is typed');

    // The card starts on Megan's today in her own time zone (Los Angeles), which is not always the UTC date.
    const first = /"id":"delegateFrom"[^}]*"value":"(\d{4}-\d{2}-\d{2})"/.exec(picker)?.[1];
    assert.ok(first, 'the first day is filled in');
    const last = new Date(Date.parse(`${first}T12:00:00.000Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
    const refused = await pressAs(stack.api, log, megan, meganChat, form, 'Delegate', { delegateTo: megan.aadObjectId, delegateFrom: first, delegateUntil: last });
    assert.match(textOf(refused.value), /cannot delegate approvals to yourself/);
    const saved = await pressAs(stack.api, log, megan, meganChat, form, 'Delegate', { delegateTo: adele, delegateFrom: first, delegateUntil: last });
    assert.match(textOf(saved.value), /Approvals delegated[\s\S]*Adele Vance, who decides on your behalf/);
    assert.doesNotMatch(textOf(saved.value), /It starts on the first day/, 'it runs from now');
    await stack.api.sendMessageAs(megan, 'my delegation', meganChat, log);
    const mine = await waitForSent(log, /^My delegation\n[\s\S]*History/, { conversationId: meganChat.id });
    assert.match(mine.text, /Adele Vance decides on your behalf[\s\S]*Set: Adele Vance/);
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
    const told = await ui.waitForCard(/Approved[\s\S]*approved request/, 20000);
    assert.match(await told.innerText(), /Adele Vance approved request DEV-\w+ on behalf of your manager Megan Bowen/, 'never "your manager approved"');
    assert.match(reference, /^DEV-/);
    await ui.screenshot('approved-on-behalf');
  });
});
