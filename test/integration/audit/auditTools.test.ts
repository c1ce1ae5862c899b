import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { EVIDENCE_PACK_SCHEMA } from '../../../services/evidence/evidenceSchema';
import { hashAuditEntry } from '../../../services/storage/auditRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import type { AuditEntry } from '../../../services/workflow/model';
import { createRequest } from '../../../services/workflow/transition';
import { useTestDb } from '../../support/testDb';

const ROOT = path.resolve(__dirname, '../../..');
const DEBRA = 'debrab@contoso.example';
const ALEX = 'alexw@contoso.example';
const PATTI = 'pattif@contoso.example';

function trail(requestId: string, n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const e: Omit<AuditEntry, 'hash'> = {
      _id: `${requestId}:${seq}`, requestId, seq, at: '2026-11-23T10:00:00.000Z', actor: { kind: 'system' }, event: 'x', from: null, to: 'pendingApproval',
      procedureStep: 1, controls: ['SOC 2 CC6.1'], details: { n: seq }, prevHash: out.at(-1)?.hash ?? '',
    };
    out.push({ ...e, hash: hashAuditEntry(e) });
  }
  return out;
}

describe('command-line audit tools (verify, evidence, retention, access-log)', function () {
  this.timeout(120_000);
  const t = useTestDb('audit_tools');
  let sim: Awaited<ReturnType<typeof startGraphSimulator>>;

  function run(script: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MONGODB_URI: process.env.MONGODB_URI,
      MONGODB_DB: t.db.databaseName,
      GRAPH_BASE_URL: sim.url,
      ACCESS_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a1',
      IT_SECURITY_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a3',
      ADMIN_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a4',
      AUDITOR_GROUP_ID: 'b0000000-0000-4000-8000-0000000000a5',
      DATA_RESIDENCY_REGION: 'EU (West Europe)',
      LOG_LEVEL: 'silent',
    };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    });
  }

  const NOW = '2026-11-23T10:00:00.000Z';
  async function seedRequest(id: string, n: number) {
    const entries = trail(id, n);
    await t.db.collection(COLLECTIONS.audit).insertMany(entries as never[]);
    const base = createRequest(
      { id, reference: `DEV-${id.slice(-6).toUpperCase()}`, tenantId: 't', requester: { aadObjectId: 'a0000000-0000-4000-8000-000000000000', displayName: 'Alex' }, device: { platform: 'ios', ownership: 'personal', model: 'iPhone', justification: 'x' }, approvers: [{ aadObjectId: 'a0000000-0000-4000-8000-000000000001', displayName: 'Megan' }], approverSource: 'manager' },
      NOW,
    ).next;
    await t.db.collection(COLLECTIONS.requests).insertOne({ ...base, openKey: `closed:${id}`, auditHead: { seq: n, hash: entries.at(-1)!.hash }, outboxCount: 0 } as never);
  }

  before(async () => {
    await ensureIndexes(t.db);
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.join(ROOT, 'graphsim/tenants/demo.json')) });
    await seedRequest('req-good01', 4);
    await seedRequest('req-bad001', 4);
    await t.db.collection(COLLECTIONS.audit).updateOne({ _id: 'req-bad001:3' as never }, { $set: { event: 'forged' } });
  });
  after(() => sim.close());

  it('when an auditor verifies everything, then each chain is reported and the altered entry is named, exit code 1', async () => {
    const r = await run('verify.ts', ['--as', DEBRA]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /OK {3}request:req-good01 \(4 stored\)/);
    assert.match(r.out, /BAD {2}request:req-bad001: entry 3 altered/);
    assert.match(r.out, /OK {3}accessLog:\d{4}-\d{2}-\d{2}/, 'the access log verifies too');
  });

  it('when an auditor verifies one request by reference, then only that chain is reported, exit code 0', async () => {
    const r = await run('verify.ts', ['--request', 'DEV-GOOD01', '--as', DEBRA]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^OK {3}request:req-good01/m);
    assert.match(r.out, /1 chains, 0 failing/);
  });

  const refused: [string, string, string[]][] = [
    ['an employee runs verify', 'verify.ts', ['--as', ALEX]],
    ['a manager runs evidence', 'evidence.ts', ['--request', 'req-good01', '--as', 'meganb@contoso.example']],
    ['an auditor runs retention', 'retention.ts', ['--as', DEBRA]],
    ['an employee reads the access log', 'accessLog.ts', ['--as', ALEX]],
    ['an auditor runs an access review', 'accessReview.ts', ['--as', DEBRA]],
    ['an employee lists the access reviews', 'accessReview.ts', ['--list', '--as', ALEX]],
    ['nobody is named', 'verify.ts', []],
  ];
  for (const [name, script, args] of refused) {
    it(`when ${name}, then it is refused with a named error`, async () => {
      const r = await run(script, args);
      assert.equal(r.code, 2);
      assert.match(r.err, /ActionNotPermittedError|OperatorError/);
    });
  }

  it('when an auditor exports evidence for a request, then a schema-valid JSON and an HTML summary are written', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'evidence-'));
    const r = await run('evidence.ts', ['--request', 'req-good01', '--as', DEBRA, '--out', out]);
    assert.equal(r.code, 0, r.err);
    const pack = JSON.parse(readFileSync(path.join(out, 'evidence-request-req-good01.json'), 'utf8'));
    const validate = new Ajv2020({ strict: false }).compile(EVIDENCE_PACK_SCHEMA);
    assert.ok(validate(pack), JSON.stringify(validate.errors));
    assert.equal(pack.dataResidency.region, 'EU (West Europe)');
    assert.match(readFileSync(path.join(out, 'evidence-request-req-good01.html'), 'utf8'), /all 1 chains verified/);
  });

  it('when an auditor reads the access log, then earlier reads are listed with who, door and action', async () => {
    const r = await run('accessLog.ts', ['--subject', 'req-good01', '--as', DEBRA]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /a0000000-0000-4000-8000-000000000006 \(auditor\)\s+cli\s+exportEvidence\s+evidence:req-good01/);
  });

  it('when an administrator runs retention, then it reports per collection and nothing recent is removed', async () => {
    const r = await run('retention.ts', ['--as', PATTI]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /auditEvents\s+0 removed/);
  });

  it('when an administrator runs retention as a dry run, then it lists and keeps, and the run names the operator', async () => {
    const r = await run('retention.ts', ['--dry-run', '--as', PATTI]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /auditEvents\s+0 past retention \(dry run: kept\)/);
    const last = (await t.db.collection('retentionRuns').find({}).sort({ seq: -1 }).limit(1).toArray())[0];
    assert.deepEqual([last.dryRun, last.trigger], [true, { kind: 'operator', aadObjectId: 'a0000000-0000-4000-8000-000000000004' }]);
  });

  it('when an administrator runs an access review, then role holders and discrepancies are printed, and an auditor lists it with its chain verified', async () => {
    const r = await run('accessReview.ts', ['--as', PATTI]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Administrators\s+Patti Fernandez/);
    assert.match(r.out, /Auditors\s+Lynne Robbins, Debra Berger/);
    const list = await run('accessReview.ts', ['--list', '--as', DEBRA]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /review-\S+ .* OPEN, due .* chain OK/);
  });

  it('when thousands of chains are verified, then it takes seconds (time logged)', async () => {
    const docs: AuditEntry[] = [];
    const heads: object[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = `bulk-${i}`;
      const entries = trail(id, 6);
      docs.push(...entries);
      heads.push({ _id: id, reference: `DEV-B${i}`, openKey: `closed:${id}`, auditHead: { seq: 6, hash: entries[5].hash }, outbox: [] });
    }
    await t.db.collection(COLLECTIONS.audit).insertMany(docs as never[]);
    await t.db.collection(COLLECTIONS.requests).insertMany(heads as never[]);
    const r = await run('verify.ts', ['--as', DEBRA, '--quiet']);
    const summary = r.out.trim().split('\n').at(-1);
    console.log(`      ${summary}`);
    assert.match(summary ?? '', /^20\d\d chains, 1 failing/);
  });
});
