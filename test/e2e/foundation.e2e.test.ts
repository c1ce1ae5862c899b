import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startE2eStack, type E2eStack, type PlaygroundPage } from '../support/playground';

describe('e2e foundation: the bot in the Agents Playground', function () {
  // Starting the bot (tsx) and Chromium on a 2-core machine takes a few seconds each.
  this.timeout(90000);
  let stack: E2eStack;
  let ui: PlaygroundPage;

  before(async () => {
    stack = await startE2eStack({ name: 'foundation' });
    ui = await stack.openPage();
  });

  after(async () => {
    await stack?.stop();
  });

  it('when the app is installed, then the welcome card offers "Request device access"', async () => {
    const card = await ui.waitForCard('Request device access', 20000);
    assert.ok(await card.isVisible());
    const shot = await ui.screenshot('welcome');
    assert.ok(existsSync(shot));
  });

  it('when the user types "help", then the bot replies in the chat', async () => {
    const before = (await ui.messageRows()).length;
    await ui.sendMessage('help');
    await ui.page.waitForFunction(
      (n) => document.querySelectorAll('[aria-label="Message header"]').length >= n + 2,
      before,
      { timeout: 15000 },
    );
    const rows = await ui.messageRows();
    const mine = rows.findIndex((r) => r.from === '(me)' && r.text.endsWith('help'));
    assert.ok(mine >= 0, `my "help" is shown: ${JSON.stringify(rows)}`);
    const reply = rows.slice(mine + 1).find((r) => r.from === stack.config.bot.name);
    assert.ok(reply, `the bot answered after "help": ${JSON.stringify(rows)}`);
    assert.ok(reply.text.length > stack.config.bot.name.length + 10, 'the reply has content');
    await ui.screenshot('help');
  });

  it('when the page shows the chat, then nothing unexpected failed in the browser', () => {
    assert.deepEqual(ui.unexpectedConsoleErrors(), []);
  });
});
