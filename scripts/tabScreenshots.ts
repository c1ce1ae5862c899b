/**
 * `npm run tab:screenshots`: runs the tab's end-to-end test with TAB_SCREENSHOTS=docs/tab, so the README's
 * pictures of each page come from the same real flow the test checks.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './lib/demoEnvironment';

const mocha = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const result = spawnSync(process.execPath, [mocha, path.join('test', 'e2e', 'tab.e2e.test.ts')], {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  env: { ...process.env, TAB_SCREENSHOTS: process.env.TAB_SCREENSHOTS ?? path.join('docs', 'tab') },
});
if (result.status === 0) console.log('[tab] screenshots written to docs/tab/');
process.exit(result.status ?? 1);
