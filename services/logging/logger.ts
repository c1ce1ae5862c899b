import pino from 'pino';

/** Structured logger used everywhere; fields, never message bodies or secrets. */
export type Logger = pino.Logger;

/**
 * Keys that must never reach a log line, wherever they appear in a logged object: credentials, tokens,
 * and user-typed text (justifications, comments, chat messages).
 */
const REDACTED_PATHS = [
  'password',
  'secret',
  'token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.clientSecret',
  '*.MicrosoftAppPassword',
  '*.GRAPH_CLIENT_SECRET',
  'text',
  '*.text',
  'justification',
  '*.justification',
  'comment',
  '*.comment',
];

/** Creates the root logger; `level` "silent" turns it off (tests). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'device-onboarding-bot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
