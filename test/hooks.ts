/**
 * Mocha root hooks. Integration tests always run against a real MongoDB-compatible server: MONGODB_URI when
 * set, otherwise ONE embedded FerretDB for the whole run, in a temporary directory removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../bot/logger';
import { findFerretDbBinary, startEmbeddedFerretDb, type EmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { closeTestDatabases, markTestDatabaseUnavailable } from './support/testDb';

let embedded: EmbeddedFerretDb | undefined;
let dataDir: string | undefined;

/** Root hooks picked up through .mocharc.json's `require`. */
export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    if (process.env.MONGODB_URI) return;
    this.timeout(30000);
    let binary: string;
    try {
      binary = findFerretDbBinary();
    } catch (error) {
      // Unit tests need no database, so `mocha test/unit` still runs; tests that ask for one get this reason.
      markTestDatabaseUnavailable((error as Error).message);
      return;
    }
    dataDir = mkdtempSync(path.join(tmpdir(), 'device-onboarding-test-db-'));
    embedded = await startEmbeddedFerretDb({ dataDir, binary, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'error') });
    process.env.MONGODB_URI = embedded.uri;
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(15000);
    await closeTestDatabases();
    if (embedded) {
      await embedded.stop();
      delete process.env.MONGODB_URI;
      embedded = undefined;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
};
