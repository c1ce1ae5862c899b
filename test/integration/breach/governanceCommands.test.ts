import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Db } from 'mongodb';
import { OperatorAuditLog } from '../../../services/consent/operatorAuditLog';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { startDemoGraph } from '../bot/botHarness';
import { dropTestDb, testDb } from '../../support/testDb';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** The breach and register doors, run as an operator would, against the demo tenant (Patti: admin; Lynne: IT Security and auditor; Alex: employee). */
describe('breach and third-party register commands from the command line (real processes, database and Graph simulator)', function () {
  this.timeout(120_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    sim = await startDemoGraph();
  });
  after(async () => sim.close());
  beforeEach(async () => {
    db = await testDb('governance_cli');
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

  it('when IT keeps the register from the command line, then each change is in the entry hash chain, and an employee is refused', async () => {
    const added = await cli('thirdParties.ts', ['add', '--as', 'pattif@contoso.example', '--name', 'Acme Payroll', '--data', 'Names and salaries', '--owner', 'meganb@contoso.example', '--purpose', 'Payroll', '--basis', 'contract', '--last', '2026-01-10']);
    const id = /^(TP-[A-Z0-9]{6}) added; next review 2027-01-10\./m.exec(added.stdout)?.[1];
    assert.ok(id, added.stdout);
    await cli('thirdParties.ts', ['review', '--as', 'lynner@contoso.example', '--id', id, '--next', '2027-06-30']);
    const { stdout } = await cli('thirdParties.ts', ['list', '--as', 'lynner@contoso.example']);
    assert.match(stdout, new RegExp(`${id}\\tactive\\tAcme Payroll\\tMegan Bowen\\tcontract\\tlast \\d{4}-\\d{2}-\\d{2}\\tnext 2027-06-30`));
    await assert.rejects(cli('thirdParties.ts', ['remove', '--as', 'alexw@contoso.example', '--id', id]), /may not remove/);
    const chain = (await new AuditRepository(db).verifyAll()).find((r) => r.chain === `request:thirdParty:${id}`);
    assert.equal(chain?.ok, true);
    assert.equal(chain?.stored, 2);
  });

  it('when IT declares a breach and exports it, then the export lists each affected person and is recorded in the operator audit trail', async () => {
    await db.collection('incidents').insertOne({ _id: 'INC-7K3Q2M' as never, state: 'contained', ownerAadObjectId: 'a0000000-0000-4000-8000-000000000000', deviceIds: [], openedAt: '2026-11-01T08:00:00.000Z' });
    await assert.rejects(cli('breach.ts', ['declare', '--as', 'alexw@contoso.example', '--incident', 'INC-7K3Q2M', '--regulations', 'HIPAA', '--people', 'alexw@contoso.example']), /may not declare a breach/);
    const declared = await cli('breach.ts', ['declare', '--as', 'lynner@contoso.example', '--incident', 'INC-7K3Q2M', '--regulations', 'HIPAA,GDPR', '--people', 'alexw@contoso.example,adelev@contoso.example']);
    const id = /^(BR-[A-Z0-9]{6}): draft, 2 people; deadlines HIPAA 2026-12-31T08:00:00.000Z, GDPR 2026-11-04T08:00:00.000Z/m.exec(declared.stdout)?.[1];
    assert.ok(id, declared.stdout);
    const preview = await cli('breach.ts', ['preview', '--as', 'lynner@contoso.example', '--breach', id]);
    assert.match(preview.stdout, /Dear (Alex Wilber|Adele Vance),/);
    const { stdout } = await cli('breachExport.ts', ['--as', 'pattif@contoso.example', '--breach', id, '--format', 'json']);
    const out = JSON.parse(stdout);
    assert.equal(out.people.length, 2);
    assert.deepEqual(out.people.map((p: { state: string }) => p.state), ['pending', 'pending']);
    const [entry] = await new OperatorAuditLog(db).list();
    assert.equal(entry.action, 'breach.export');
    assert.equal(entry.details.breachId, id);

    // The evidence export: the breach, each person, and every chain verified; the register likewise.
    const out2 = mkdtempSync(path.join(tmpdir(), 'evidence-'));
    const ev = await cli('evidence.ts', ['--as', 'pattif@contoso.example', '--breach', id, '--out', out2]);
    assert.match(ev.stdout, /integrity verified/);
    const pack = JSON.parse(readFileSync(path.join(out2, `evidence-breach-${id}.json`), 'utf8'));
    assert.equal(pack.people.length, 2);
    assert.equal(pack.audit.chains.ok, true);
    assert.equal(pack.audit.entries[0].event, 'declared');
    await cli('thirdParties.ts', ['add', '--as', 'lynner@contoso.example', '--name', 'Acme', '--data', 'Names', '--owner', 'meganb@contoso.example', '--purpose', 'Payroll', '--basis', 'contract']);
    const reg = await cli('evidence.ts', ['--as', 'lynner@contoso.example', '--third-parties', '--out', out2]);
    assert.match(reg.stdout, /integrity verified/);
    const register = JSON.parse(readFileSync(path.join(out2, 'evidence-third-party-register.json'), 'utf8'));
    assert.deepEqual(register.entries.map((e: { name: string; history: unknown[] }) => [e.name, e.history.length]), [['Acme', 1]]);
    await assert.rejects(cli('evidence.ts', ['--as', 'alexw@contoso.example', '--third-parties', '--out', out2]), /may not exportEvidence/);
  });
});
