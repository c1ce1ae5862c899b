/**
 * A change of the data-collection notice as people live it, end to end: Alex Wilber (the playground's current
 * user) consents during onboarding; Patti Fernandez, an administrator, publishes a material change from her own
 * chat and confirms it on the card; Alex gets the change notice in his chat, with what changed, and accepts it;
 * his consent history shows he consented again.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { installAppFor, pressAs, requestThroughUi, stepByStep, textOf, waitForChatOpenedWith, waitForSent } from '../support/flowSteps';
import { startE2eStack, type E2eStack, type LogStream, type PlaygroundPage } from '../support/playground';
import type { ConversationTarget } from '../support/playgroundApi';

const REGISTRY = path.resolve(__dirname, '../../services/content/notices/published.json');
const NOTICE = 'We updated how device management works';

describe('e2e consent: an employee receives a change notice and accepts it', function () {
  this.timeout(90000);
  stepByStep();
  let stack: E2eStack;
  let ui: PlaygroundPage;
  let log: LogStream;
  let pattiChat: ConversationTarget;
  const version = `${new Date().toISOString().slice(0, 10)}-e2e`;

  before(async () => {
    // The bot is seeded from a copy of the repository's notices; the publication itself goes to the database.
    const registry = path.join(mkdtempSync(path.join(tmpdir(), 'notices-e2e-')), 'published.json');
    copyFileSync(REGISTRY, registry);
    stack = await startE2eStack({
      name: 'notice-campaign',
      botEnv: { NOTICE_REGISTRY_FILE: registry, WORKER_INTERVAL_SECONDS: '1', WORKER_IDLE_MAX_SECONDS: '2', NOTICE_PROGRESS_SECONDS: '5' },
    });
    try {
      log = await stack.activityLog();
      ui = await stack.openPage();
      await ui.waitForCard('Request device access', 20000);
      pattiChat = await installAppFor(stack.api, stack.api.user('Patti'), log);
    } catch (error) {
      await stack.stop();
      throw error;
    }
  });

  after(async () => {
    await stack?.stop();
  });

  it('when Alex asks, Megan approves and Alex consents, then his consent stands', async () => {
    await requestThroughUi(ui);
    const meganChat = await waitForChatOpenedWith(log, stack.api.user('Megan'));
    const approval = await waitForSent(log, 'Approve device access?', { conversationId: meganChat.id });
    await pressAs(stack.api, log, stack.api.user('Megan'), meganChat, approval, 'Approve');
    await ui.waitForCard(/Consent and terms[\s\S]*I consent/, 20000);
    await ui.clickCardButton('I consent', 'Consent and terms');
    await ui.waitForCard(/Consent and terms[\s\S]*You consented/, 20000);
  });

  it('when Patti publishes a material change in her chat and confirms it, then the version is published and its campaign starts', async () => {
    await stack.api.sendMessageAs(stack.api.user('Patti'), `publish notice personal ${version} material: Compliance records are now kept for three years.`, pattiChat, log);
    const draft = await waitForSent(log, /Publish this notice version\?/, { conversationId: pattiChat.id });
    assert.match(draft.text, /material: people must consent again/);
    const answer = await pressAs(stack.api, log, stack.api.user('Patti'), pattiChat, draft, 'Publish and notify');
    assert.match(textOf(answer.value), /Published: people are being told/);
  });

  it('when the change notice reaches Alex, then it shows what changed and his Accept is recorded as consenting again', async () => {
    const card = await ui.waitForCard(new RegExp(`${NOTICE}[\\s\\S]*Accept`), 45000);
    const text = await card.innerText();
    assert.match(text, /Compliance records are now kept for three years/, 'the summary');
    assert.match(text, new RegExp(`Version ${version}`), 'the changed line');
    await ui.screenshot('change-notice');
    await ui.clickCardButton('Accept', NOTICE);
    await ui.waitForCard(/Thank you: you accepted the updated notice/, 20000);
    await ui.screenshot('change-notice-accepted');
    await ui.sendMessage('my consents');
    await ui.waitForCard(/My consents[\s\S]*Consented again/, 20000);
  });
});
