import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { classifyIntent } from '../../../dialogs/intent';
import { ACCENT_HEX } from '../../../scripts/makeIcons';
import { AppPackageError, buildAppPackage, checkIcon } from '../../../scripts/package';

const MANIFEST_DIR = path.resolve(__dirname, '../../../manifest');
const complete = { MicrosoftAppId: '11111111-2222-4333-8444-555555555555', BOT_DOMAIN: 'bot.contoso.com' };
const template = () => JSON.parse(readFileSync(path.join(MANIFEST_DIR, 'manifest.json'), 'utf8'));

/** A copy of manifest/ that a test may break. */
function manifestCopy(edit?: (m: Record<string, unknown>) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
  for (const f of ['color.png', 'outline.png']) copyFileSync(path.join(MANIFEST_DIR, f), path.join(dir, f));
  const m = template();
  edit?.(m);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

const out = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'pkg-')), 'appPackage.zip');
const rejectsWith = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppPackageError, `expected AppPackageError, got ${String(e)}`);
    assert.ok(e.problems.some((x) => re.test(x)), `no problem matches ${re}: ${e.problems.join(' | ')}`);
    return true;
  });
const manifestIn = async (file: string) => JSON.parse(await (await JSZip.loadAsync(readFileSync(file))).file('manifest.json')!.async('string'));

describe('Teams app package', function () {
  this.timeout(20_000);

  it('when configuration is complete, then the package validates and holds the manifest with ids and both icons', async () => {
    const file = await buildAppPackage(complete, { outFile: out() });
    const zip = await JSZip.loadAsync(readFileSync(file));
    assert.deepEqual(Object.keys(zip.files).sort(), ['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    assert.equal(manifest.bots[0].botId, complete.MicrosoftAppId);
    assert.match(manifest.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(manifest.validDomains, ['bot.contoso.com']);
    assert.equal(manifest.webApplicationInfo.id, complete.MicrosoftAppId);
    assert.equal(manifest.webApplicationInfo.resource, `api://bot.contoso.com/${complete.MicrosoftAppId}`);
    assert.equal(manifest.version, JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')).version);
    assert.doesNotMatch(JSON.stringify(manifest), /\{\{/);
    assert.deepEqual(await zip.file('color.png')!.async('nodebuffer'), readFileSync(path.join(MANIFEST_DIR, 'color.png')));
  });

  it('when every optional setting is given, then each lands in its manifest field', async () => {
    const graph = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const teamsApp = '99999999-8888-4777-8666-555555555555';
    const manifest = await manifestIn(
      await buildAppPackage(
        { ...complete, GRAPH_CLIENT_ID: graph, TEAMS_APP_ID: teamsApp, APP_VERSION: '2.3.4', DEVELOPER_NAME: 'Fabrikam IT', PRIVACY_URL: 'https://fabrikam.com/p' },
        { outFile: out() },
      ),
    );
    assert.equal(manifest.id, teamsApp);
    assert.equal(manifest.version, '2.3.4');
    assert.deepEqual(manifest.webApplicationInfo, { id: graph, resource: `api://bot.contoso.com/${graph}` });
    assert.equal(manifest.bots[0].botId, complete.MicrosoftAppId);
    assert.equal(manifest.developer.name, 'Fabrikam IT');
    assert.equal(manifest.developer.privacyUrl, 'https://fabrikam.com/p');
  });

  it('when the settings come from an Agents Toolkit environment (BOT_ID, APP_NAME_SUFFIX), then they land in the manifest', async () => {
    const botId = '12345678-1234-4234-8234-123456789012';
    const manifest = await manifestIn(await buildAppPackage({ BOT_ID: botId, BOT_DOMAIN: 'abc-3978.euw.devtunnels.ms', APP_NAME_SUFFIX: ' (local)' }, { outFile: out() }));
    assert.equal(manifest.bots[0].botId, botId);
    assert.equal(manifest.webApplicationInfo.id, botId);
    assert.equal(manifest.name.short, 'Device Onboarding (local)');
    assert.deepEqual(manifest.validDomains, ['abc-3978.euw.devtunnels.ms']);
  });

  it('when --dev is used without a registration, then the playground bot id and localhost are filled in', async () => {
    const manifest = await manifestIn(await buildAppPackage({}, { dev: true, outFile: out() }));
    assert.equal(manifest.bots[0].botId, '00000000-0000-0000-0000-000000000011');
    assert.deepEqual(manifest.validDomains, ['localhost']);
  });

  const badSettings: [string, Record<string, string>, RegExp][] = [
    ['no app id', { BOT_DOMAIN: 'bot.contoso.com' }, /MicrosoftAppId is required/],
    ['an app id that is not a GUID', { ...complete, MicrosoftAppId: 'my-bot' }, /MicrosoftAppId must be a GUID/],
    ['a Teams app id that is not a GUID', { ...complete, TEAMS_APP_ID: 'device-onboarding' }, /TEAMS_APP_ID must be a GUID/],
    ['a Graph client id that is not a GUID', { ...complete, GRAPH_CLIENT_ID: '1234' }, /GRAPH_CLIENT_ID must be a GUID/],
    ['no bot domain', { MicrosoftAppId: complete.MicrosoftAppId }, /BOT_DOMAIN is required/],
    ['a bot domain with a scheme', { ...complete, BOT_DOMAIN: 'https://bot.contoso.com' }, /BOT_DOMAIN must be a host name/],
    ['a version that is not x.y.z', { ...complete, APP_VERSION: '1.0' }, /APP_VERSION must look like 1\.2\.3/],
    ['a plain-http privacy URL', { ...complete, PRIVACY_URL: 'http://contoso.com/privacy' }, /PRIVACY_URL must be an https URL/],
  ];
  for (const [name, env, problem] of badSettings) {
    it(`when the configuration has ${name}, then packaging fails naming the setting`, () => rejectsWith(buildAppPackage(env, { outFile: out() }), problem));
  }

  it('when the manifest breaks the schema, then validation reports it', () =>
    rejectsWith(
      buildAppPackage(complete, { manifestDir: manifestCopy((m) => ((m.name as { short: string }).short = 'A name far longer than thirty characters')), outFile: out() }),
      /schema: .*name\/short/,
    ));

  it('when the manifest names a schema that is not bundled, then packaging fails instead of downloading it', () =>
    rejectsWith(
      buildAppPackage(complete, {
        manifestDir: manifestCopy((m) => {
          m.$schema = 'https://developer.microsoft.com/json-schemas/teams/v9.99/MicrosoftTeams.schema.json';
          m.manifestVersion = '9.99';
        }),
        outFile: out(),
      }),
      /bundles no schema v9\.99/,
    ));

  it('when manifestVersion and $schema disagree, then packaging says so', () =>
    rejectsWith(buildAppPackage(complete, { manifestDir: manifestCopy((m) => (m.manifestVersion = '1.22')), outFile: out() }), /manifestVersion 1\.22 does not match \$schema v1\.30/));

  it('when a placeholder has no value, then it is reported', () =>
    rejectsWith(buildAppPackage(complete, { manifestDir: manifestCopy((m) => ((m.developer as { name: string }).name = '${{NOBODY}}')), outFile: out() }), /\$\{\{NOBODY\}\}/));

  it('when an icon has the wrong size or no transparency, then the icon check says so', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'icons-'));
    const opaque = new PNG({ width: 32, height: 32 });
    opaque.data.fill(255);
    writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(opaque));
    writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(new PNG({ width: 100, height: 100 })));
    assert.deepEqual(checkIcon(path.join(dir, 'outline.png'), 32, true), ['outline.png must have a transparent background']);
    assert.deepEqual(checkIcon(path.join(dir, 'color.png'), 192, false), ['color.png must be 192×192 pixels (is 100×100)']);
  });

  it('when an icon is not a PNG, then the signature check says so', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'icons-'));
    writeFileSync(path.join(dir, 'color.png'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]));
    assert.deepEqual(checkIcon(path.join(dir, 'color.png'), 192, false), ['color.png is not a PNG (wrong file signature)']);
  });

  it('when the package is built with a wrong-size colour icon, then it fails naming the icon', () => {
    const dir = manifestCopy();
    writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(new PNG({ width: 96, height: 96 })));
    return rejectsWith(buildAppPackage(complete, { manifestDir: dir, outFile: out() }), /color\.png must be 192×192 pixels \(is 96×96\)/);
  });

  it('when the committed icons are checked, then they meet the Teams rules and the accent colour matches the icon', () => {
    assert.deepEqual(checkIcon(path.join(MANIFEST_DIR, 'color.png'), 192, false), []);
    assert.deepEqual(checkIcon(path.join(MANIFEST_DIR, 'outline.png'), 32, true), []);
    const outline = PNG.sync.read(readFileSync(path.join(MANIFEST_DIR, 'outline.png')));
    for (let i = 0; i < outline.data.length; i += 4) {
      if (outline.data[i + 3]) assert.deepEqual([...outline.data.subarray(i, i + 3)], [255, 255, 255], 'the outline icon is white only');
    }
    assert.equal(template().accentColor.toUpperCase(), ACCENT_HEX);
  });

  it('when a user picks a command from the manifest, then the bot understands it', () => {
    const expected: Record<string, string> = { 'request device access': 'request', status: 'status', cancel: 'cancel', privacy: 'privacy', help: 'help', 'status for': 'lookup', 'my consents': 'myConsents', 'my data': 'myData', 'what can IT see': 'transparency' };
    const lists: { scopes: string[]; commands: { title: string }[] }[] = template().bots[0].commandLists;
    assert.deepEqual(lists.map((l) => l.scopes), [['personal'], ['team']]);
    for (const { title } of lists.flatMap((l) => l.commands)) {
      // Teams puts the title in the compose box; in a channel the message also starts with the bot's @mention.
      const typed = title === 'status for' ? '<at>Device Onboarding</at> status for jane@contoso.com' : title;
      assert.equal(classifyIntent(typed).kind, expected[title], title);
    }
  });
});
