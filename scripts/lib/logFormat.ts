/**
 * Turns child output into readable terminal lines: a coloured `[name]` prefix, and pino JSON lines shown as
 * `12:00:01 INFO  message key=value`.
 */

const COLORS = [36, 35, 33, 32, 34, 31] as const;
const LEVEL_NAMES: Record<string, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<string, number> = { TRACE: 90, DEBUG: 90, INFO: 32, WARN: 33, ERROR: 31, FATAL: 31 };
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'v']);

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);

/** Renders a value for a `key=value` pair, keeping it on one line. */
function compact(value: unknown): string {
  if (typeof value === 'string') return /[\s"]/.test(value) ? JSON.stringify(value) : value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Formats one pino JSON line; other lines come back unchanged. */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof record.msg !== 'string' && record.level === undefined) return line;
  const level = LEVEL_NAMES[String(record.level)] ?? String(record.level ?? '').toUpperCase();
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 19) : '';
  const fields = Object.entries(record)
    .filter(([k]) => !HIDDEN_KEYS.has(k))
    .map(([k, v]) => `${k}=${compact(v)}`)
    .join(' ');
  return [time, paint(LEVEL_COLORS[level] ?? 0, level.padEnd(5)), String(record.msg ?? ''), paint(90, fields)].filter(Boolean).join(' ');
}

let nextColor = 0;

/** A line sink that writes `[name] line` to stdout, pretty-printing JSON log lines. */
export function prefixedPrinter(name: string, width = 10): (line: string) => void {
  const color = COLORS[nextColor++ % COLORS.length];
  const prefix = paint(color, `[${name}]`.padEnd(width + 2));
  return (line: string) => {
    if (line.trim()) process.stdout.write(`${prefix} ${formatLogLine(line)}\n`);
  };
}
