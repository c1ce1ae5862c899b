import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Db } from 'mongodb';
import { ConsentLedgerRepository, ensureConsentLedgerIndexes } from '../../../services/consent/consentLedgerRepository';
import { NoticeVersionStore } from '../../../services/consent/noticeVersions';
import { OperatorAuditLog } from '../../../services/consent/operatorAuditLog';
import { startDemoGraph } from '../bot/botHarness';
import { dropTestDb, testDb } from '../../support/testDb';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** The command-line doors, run as an operator would, against the Graph simulator's demo tenant (Patti: admin; Lynne: auditor). */
describe('operator commands from the command line (real processes, database and Graph simulator)', function () {
  this.timeout(90_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    sim = await startDemoGraph();
  });
  after(async () => sim.close());
  beforeEach(async () => {
    db = await testDb('operator_cli');
    await ensureConsentLedgerIndexes(db);
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MONGODB_URI: process.env.MONGODB_URI,
      MONGODB_DB: db.databaseName,
      GRAPH_BASE_URL: sim.url,
      ACCESS_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a1',
      IT_SECURITY_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a3',
      ADMIN_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a4',
      AUDITOR_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a5',
    };
  });
  afterEach(async () => dropTestDb(db));

  const cli = (script: string, args: string[]) => run(TSX, [path.join(ROOT, 'scripts', script), ...args], { env, cwd: ROOT });

  it('when the auditor exports consents as CSV, then the rows come out and the export is audited; an employee is refused with exit code 3', async () => {
    await new ConsentLedgerRepository(db).append({
      kind: 'consented',
      at: '2026-11-02T10:00:00.000Z',
      subject: { aadObjectId: 'a0000000-0000-4000-8000-000000000000', displayName: 'Alex Wilber' },
      device: { requestId: 'r1', platform: 'ios', ownership: 'personal' },
      noticeVersion: '2026-11-01',
      textHash: 'h',
    });
    const { stdout } = await cli('consentsExport.ts', ['--as', 'lynner@contoso.example', '--from', '2026-11-01', '--format', 'csv']);
    assert.match(stdout, /^at,aadObjectId,displayName,/);
    assert.match(stdout, /Alex Wilber,r1,ios,personal,consented,2026-11-01/);
    const [entry] = await new OperatorAuditLog(db).list();
    assert.deepEqual([entry.action, entry.operator.aadObjectId, entry.details.rows], ['consents.export', 'a0000000-0000-4000-8000-000000000005', 1]);

    await assert.rejects(cli('consentsExport.ts', ['--as', 'alexw@contoso.example']), (e: { code?: number; stderr?: string }) => e.code === 3 && /may not export consents/.test(e.stderr ?? ''));
    assert.equal((await new OperatorAuditLog(db).list()).length, 1);
  });

  it('when the administrator publishes a new version, then the database gains it, the seed file does not change, and the publication is audited; the auditor may not publish', async () => {
    const seed = readFileSync(path.join(ROOT, 'services/content/notices/published.json'), 'utf8');
    const args = ['publish', '--ownership', 'company', '--version', '2027-01-01', '--summary', 'Wording of the terms clarified', '--at', '2027-01-01'];
    await assert.rejects(cli('notice.ts', [...args, '--as', 'lynner@contoso.example']), (e: { code?: number }) => e.code === 3);
    const { stdout } = await cli('notice.ts', [...args, '--as', 'pattif@contoso.example']);
    assert.match(stdout, /Published company@2027-01-01 \(minor\)/);
    const versions = (await new NoticeVersionStore(db).list()).map((n) => `${n.ownership}@${n.version}`);
    assert.ok(versions.includes('company@2027-01-01'));
    assert.ok(versions.includes('personal@2026-11-01'), 'the seed versions are stored too');
    assert.equal(readFileSync(path.join(ROOT, 'services/content/notices/published.json'), 'utf8'), seed);
    assert.match((await cli('notice.ts', ['verify', '--as', 'lynner@contoso.example'])).stdout, /Every published notice matches its SHA-256/);
    const [entry, started] = await new OperatorAuditLog(db).list();
    assert.deepEqual([entry.action, entry.details.version, entry.operator.aadObjectId], ['notice.publish', '2027-01-01', 'a0000000-0000-4000-8000-000000000004']);
    // The new version's change-notice campaign starts, for the running bot to carry out.
    assert.match(stdout, /Campaign company@2027-01-01 started/);
    assert.deepEqual([started.action, started.details.campaignId], ['notice.campaign', 'company@2027-01-01']);
    const view = await cli('notice.ts', ['campaign', '--ownership', 'company', '--version', '2027-01-01', '--as', 'debrab@contoso.example']);
    assert.match(view.stdout, /company@2027-01-01 {2}minor {2}sending\n {4}concerned 0 {2}told 0/);
    await assert.rejects(cli('notice.ts', ['campaign', '--as', 'alexw@contoso.example']), (e: { code?: number }) => e.code === 3);
  });
});
