/**
 * Builds the Teams tab's front end (tab/ → tab/dist) with Vite, or skips the build when the output is newer than
 * every source, so `npm run dev` and `npm test` stay quick once it is built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './demoEnvironment';

/** The tab could not be built; Vite's output says why. */
export class TabBuildError extends Error {
  constructor(readonly status: number | null) {
    super(`Building the tab failed (vite exited with ${status}); run npm run build:tab to see why`);
    this.name = 'TabBuildError';
  }
}

const TAB_DIR = path.join(REPO_ROOT, 'tab');
/** The built tab, as the bot serves it by default (TAB_DIST_DIR). */
export const TAB_DIST_DIR = path.join(TAB_DIR, 'dist');
/** Sources outside tab/ that the tab imports types from. */
const SHARED_SOURCES = [path.join(REPO_ROOT, 'bot', 'tabViewTypes.ts'), path.join(REPO_ROOT, 'package-lock.json')];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const s = statSync(entry);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(entry)
    .filter((name) => name !== 'dist' && name !== 'node_modules')
    .reduce((max, name) => Math.max(max, newestMtime(path.join(entry, name))), s.mtimeMs);
}

/** Whether tab/dist is missing or older than a source. */
export function tabBuildIsStale(): boolean {
  const built = path.join(TAB_DIST_DIR, 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(newestMtime(TAB_DIR), ...SHARED_SOURCES.map(newestMtime));
  return sources > statSync(built).mtimeMs;
}

/** Runs `vite build` for the tab; with `ifStale`, only when tab/dist is missing or stale. Returns whether it built. */
export function buildTab(options: { ifStale?: boolean; log?: (line: string) => void } = {}): boolean {
  if (options.ifStale && !tabBuildIsStale()) return false;
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', path.join(TAB_DIR, 'vite.config.mts')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new TabBuildError(result.status);
  return true;
}
