/** The embedded server's storage: a private PostgreSQL cluster, or SQLite files. */
export const EMBEDDED_BACKENDS = ['postgresql', 'sqlite'] as const;
export type EmbeddedBackend = (typeof EMBEDDED_BACKENDS)[number];
/** Chosen by measurement: `npm run bench:db` (see the README, "The embedded database"). */
export const DEFAULT_EMBEDDED_BACKEND: EmbeddedBackend = 'postgresql';

/** EMBEDDED_DB_BACKEND is set to something else than a known backend. */
export class EmbeddedBackendError extends Error {
  constructor(readonly value: string) {
    super(`EMBEDDED_DB_BACKEND=${value} is not one of ${EMBEDDED_BACKENDS.join(', ')}`);
    this.name = 'EmbeddedBackendError';
  }
}

/** The backend EMBEDDED_DB_BACKEND names, or the default when it is unset or empty. */
export function embeddedBackendFromEnv(env: NodeJS.ProcessEnv = process.env): EmbeddedBackend {
  const value = env.EMBEDDED_DB_BACKEND?.trim();
  if (!value) return DEFAULT_EMBEDDED_BACKEND;
  if (!(EMBEDDED_BACKENDS as readonly string[]).includes(value)) throw new EmbeddedBackendError(value);
  return value as EmbeddedBackend;
}
