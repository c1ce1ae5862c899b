import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDotEnv } from '../../../scripts/lib/dotenv';

const ROOT = path.resolve(__dirname, '../../..');
const manifestText = readFileSync(path.join(ROOT, 'manifest', 'manifest.json'), 'utf8');
const placeholders = [...new Set([...manifestText.matchAll(/\$\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}/g)].map((m) => m[1]))];

describe('Microsoft 365 Agents Toolkit project', () => {
  it('when the manifest is read, then it is on the newest released schema that @microsoft/app-manifest bundles', () => {
    const schemas = readdirSync(path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams'));
    const newest = schemas
      .filter((v) => /^v\d+\.\d+$/.test(v))
      .map((v) => v.slice(1))
      .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
      .at(-1);
    assert.equal(JSON.parse(manifestText).manifestVersion, newest);
  });

  it('when the manifest is read, then it uses only the Toolkit placeholder syntax ${{NAME}}', () => {
    assert.ok(placeholders.length > 0);
    assert.doesNotMatch(manifestText.replace(/\$\{\{[^}]*\}\}/g, ''), /\{\{/);
  });

  for (const environment of ['local', 'dev']) {
    it(`when the Toolkit builds the package for "${environment}", then every manifest placeholder is defined in env/.env.${environment} or by provision`, () => {
      const defined = Object.keys(parseDotEnv(readFileSync(path.join(ROOT, 'env', `.env.${environment}`), 'utf8')));
      const missing = placeholders.filter((p) => !defined.includes(p));
      assert.deepEqual(missing, []);
    });
  }

  for (const file of ['m365agents.yml', 'm365agents.local.yml']) {
    it(`when ${file} is read, then it points the Toolkit at manifest/ and the env folder`, () => {
      const yml = readFileSync(path.join(ROOT, file), 'utf8');
      assert.match(yml, /^version: v1\.\d+$/m);
      assert.match(yml, /^environmentFolderPath: \.\/env$/m);
      const manifestPaths = [...yml.matchAll(/manifestPath: (\S+)/g)].map((m) => m[1]);
      assert.ok(manifestPaths.length > 0);
      for (const p of manifestPaths) assert.equal(p, './manifest/manifest.json');
      assert.ok(existsSync(path.join(ROOT, 'manifest', 'manifest.json')));
    });
  }

  it('when secrets are written by the Toolkit, then git ignores them', () => {
    const ignore = readFileSync(path.join(ROOT, '.gitignore'), 'utf8');
    assert.match(ignore, /^env\/\.env\.\*\.user$/m);
    assert.match(ignore, /^\.localConfigs$/m);
  });
});
