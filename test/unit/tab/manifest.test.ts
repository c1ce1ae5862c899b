import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { buildAppPackage } from '../../../scripts/package';

describe('Teams app package: the tab', function () {
  this.timeout(20_000);

  it('when packaged, then it has a personal tab and a channel tab on the bot domain, and SSO for the app id URI', async () => {
    const appId = '11111111-2222-4333-8444-555555555555';
    const file = await buildAppPackage({ MicrosoftAppId: appId, BOT_DOMAIN: 'bot.contoso.com' }, { outFile: path.join(mkdtempSync(path.join(os.tmpdir(), 'pkg-')), 'appPackage.zip') });
    const manifest = JSON.parse(await (await JSZip.loadAsync(readFileSync(file))).file('manifest.json')!.async('string'));
    const personal = manifest.staticTabs.find((t: { entityId: string }) => t.entityId === 'home');
    assert.equal(personal.contentUrl, 'https://bot.contoso.com/tab/');
    assert.deepEqual(personal.scopes, ['personal']);
    // Adding a static tab hides the bot's chat unless "conversations" is listed.
    assert.ok(manifest.staticTabs.some((t: { entityId: string }) => t.entityId === 'conversations'));
    assert.deepEqual(manifest.configurableTabs, [{ configurationUrl: 'https://bot.contoso.com/tab/?config', canUpdateConfiguration: true, scopes: ['team'], context: ['channelTab'] }]);
    assert.deepEqual(manifest.webApplicationInfo, { id: appId, resource: `api://bot.contoso.com/${appId}` });
    assert.deepEqual(manifest.validDomains, ['bot.contoso.com']);
  });
});
