/** `npm run build:tab`: builds the Teams tab into tab/dist (`--if-stale`: only when a source changed). */
import { buildTab, TabBuildError } from './lib/tabBuild';

const started = Date.now();
try {
  const built = buildTab({ ifStale: process.argv.includes('--if-stale') });
  console.log(`[tab] ${built ? `built tab/dist in ${Date.now() - started} ms` : 'tab/dist is up to date'}`);
} catch (e) {
  console.error(`[tab] ${e instanceof TabBuildError ? e.message : String(e)}`);
  process.exit(1);
}
