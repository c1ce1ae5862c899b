import { existsSync, readFileSync } from 'node:fs';

/**
 * Parses a `.env` file: `KEY=value` lines, `#` comments, optional `export `, single or double quotes
 * (double quotes understand \n). Deliberately small: no interpolation, no multi-line values.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^"(?:[^"\\]|\\.)*"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    else if (/^'[^']*'$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '').trim();
    out[m[1]] = value;
  }
  return out;
}

/** Copies the settings of `file` into `env` where `env` has none yet (the shell wins); returns the keys set. */
export function loadDotEnv(file: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(file)) return [];
  const applied: string[] = [];
  for (const [key, value] of Object.entries(parseDotEnv(readFileSync(file, 'utf8')))) {
    if (env[key] !== undefined) continue;
    env[key] = value;
    applied.push(key);
  }
  return applied;
}
