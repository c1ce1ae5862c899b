import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { AppPackageError, buildAppPackage, checkIcon } from '../../../scripts/package';

const MANIFEST_DIR = path.resolve(__dirname, '../../../manifest');
const complete = { MicrosoftAppId: '11111111-2222-4333-8444-555555555555', BOT_DOMAIN: 'bot.contoso.com' };

/** A copy of manifest/ that a test may break. */
function manifestCopy(edit?: (m: Record<string, unknown>) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
  for (const f of ['color.png', 'outline.png']) copyFileSync(path.join(MANIFEST_DIR, f), path.join(dir, f));
  const m = JSON.parse(readFileSync(path.join(MANIFEST_DIR, 'manifest.json'), 'utf8'));
  edit?.(m);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

const out = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'pkg-')), 'appPackage.zip');
const rejectsWith = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof AppPackageError && e.problems.some((x) => re.test(x)));

describe('Teams app package', function () {
  this.timeout(20_000);

  it('when configuration is complete, then the package validates and holds the manifest with ids and both icons', async () => {
    const file = await buildAppPackage(complete, { outFile: out() });
    const zip = await JSZip.loadAsync(readFileSync(file));
    assert.deepEqual(Object.keys(zip.files).sort(), ['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    assert.equal(manifest.bots[0].botId, complete.MicrosoftAppId);
    assert.deepEqual(manifest.validDomains, ['bot.contoso.com']);
    assert.equal(manifest.webApplicationInfo.id, complete.MicrosoftAppId);
    assert.doesNotMatch(JSON.stringify(manifest), /\{\{/);
  });

  it('when --dev is used without a registration, then the playground bot id and localhost are filled in', async () => {
    const zip = await JSZip.loadAsync(readFileSync(await buildAppPackage({}, { dev: true, outFile: out() })));
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    assert.equal(manifest.bots[0].botId, '00000000-0000-0000-0000-000000000011');
  });

  const badSettings: [string, Record<string, string>, RegExp][] = [
    ['no app id', { BOT_DOMAIN: 'bot.contoso.com' }, /MicrosoftAppId is required/],
    ['an app id that is not a GUID', { ...complete, MicrosoftAppId: 'my-bot' }, /MicrosoftAppId must be a GUID/],
    ['a bot domain with a scheme', { ...complete, BOT_DOMAIN: 'https://bot.contoso.com' }, /BOT_DOMAIN must be a host name/],
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

  it('when a placeholder has no value, then it is reported', () =>
    rejectsWith(buildAppPackage(complete, { manifestDir: manifestCopy((m) => ((m.developer as { name: string }).name = '{{NOBODY}}')), outFile: out() }), /\{\{NOBODY\}\}/));

  it('when an icon has the wrong size or no transparency, then the icon check says so', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'icons-'));
    const opaque = new PNG({ width: 32, height: 32 });
    opaque.data.fill(255);
    writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(opaque));
    writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(new PNG({ width: 100, height: 100 })));
    assert.deepEqual(checkIcon(path.join(dir, 'outline.png'), 32, true), ['outline.png must have a transparent background']);
    assert.deepEqual(checkIcon(path.join(dir, 'color.png'), 192, false), ['color.png must be 192×192 pixels (is 100×100)']);
    assert.deepEqual(checkIcon(path.join(MANIFEST_DIR, 'outline.png'), 32, true), []);
  });
});
