import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { draftConsentText } from '../../../services/content/consentText';
import { NoticeRegistry, noticeHash } from '../../../services/content/notices/noticeRegistry';
import { exportConsents } from '../../../services/consent/consentExport';
import { ConsentLedgerRepository, ensureConsentLedgerIndexes } from '../../../services/consent/consentLedgerRepository';
import { ConsentService } from '../../../services/consent/consentService';
import { NoticePublicationError, NoticePublisher } from '../../../services/consent/noticePublisher';
import { NoticeVersionStore } from '../../../services/consent/noticeVersions';
import { OPERATOR_AUDIT_COLLECTION, OperatorAuditLog, OperatorNotAuthorizedError, type Operator } from '../../../services/consent/operatorAuditLog';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { RequestRepository } from '../../../services/storage/requestRepository';
import type { Role } from '../../../services/workflow/transition';
import { useTestDb } from '../../support/testDb';

const as = (...roles: Role[]): Operator => ({ aadObjectId: `op-${roles.join('-') || 'none'}`, displayName: 'Operator', roles });

describe('operator actions: publishing a notice and exporting consents, audited', () => {
  const store = useTestDb('operator');
  let db: Db;
  let versions: NoticeVersionStore;
  let audit: OperatorAuditLog;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureConsentLedgerIndexes(db);
    versions = new NoticeVersionStore(db);
    await versions.seed();
    audit = new OperatorAuditLog(db, () => new Date('2026-12-01T00:00:00Z'));
  });

  const draft = (version: string, lines = draftConsentText('personal', { version }).lines) => ({ ownership: 'personal' as const, version, summary: 'Retention shortened to 3 years.', material: false, lines, publishedAt: '2026-12-15T00:00:00Z' });

  it('when an administrator publishes a version, then the registry gains it, it is in force from its date, and the publication is audited', async () => {
    const { notice, created } = await new NoticePublisher(versions, audit).publish(draft('2026-12-15'), as('admin'));
    assert.equal(created, true);
    const registry = new NoticeRegistry(await versions.list());
    assert.equal(registry.current('personal', new Date('2026-12-14T00:00:00Z')).version, '2026-11-01');
    assert.equal(registry.current('personal', new Date('2026-12-16T00:00:00Z')).sha256, notice.sha256);
    const [entry] = await audit.list();
    assert.deepEqual([entry.action, entry.details.version, entry.details.sha256, entry.operator.aadObjectId], ['notice.publish', '2026-12-15', notice.sha256, 'op-admin']);
    assert.equal(await audit.verify(), null);
  });

  const TAMPER: [string, (db: Db) => Promise<unknown>, number][] = [
    ['its last entry is deleted', (d) => d.collection(OPERATOR_AUDIT_COLLECTION).deleteOne({ seq: 3 }), 3],
    ['an entry is altered', (d) => d.collection(OPERATOR_AUDIT_COLLECTION).updateOne({ seq: 2 }, { $set: { 'details.rows': 0 } }), 2],
    ['the whole trail is replaced by a shorter, consistent one', async (d) => {
      await d.collection(OPERATOR_AUDIT_COLLECTION).deleteMany({ seq: { $gt: 1 } });
    }, 2],
  ];
  for (const [name, tamper, seq] of TAMPER) {
    it(`when the operator audit trail is tampered with (${name}), then verification against its stored head finds entry ${seq}`, async () => {
      for (let i = 0; i < 3; i++) await audit.record(as('auditor'), 'consents.export', { rows: i + 1, format: 'csv' });
      assert.equal(await audit.verify(), null);
      await tamper(db);
      assert.equal(await audit.verify(), seq);
    });
  }

  it('when the same version is published again with the same text, then nothing changes; with another text, it is refused', async () => {
    const publisher = new NoticePublisher(versions, audit);
    await publisher.publish(draft('2026-12-15'), as('admin'));
    assert.equal((await publisher.publish(draft('2026-12-15'), as('admin'))).created, false);
    assert.equal((await audit.list()).length, 1);
    await assert.rejects(publisher.publish(draft('2026-12-15', ['Another text']), as('admin')), NoticePublicationError);
  });

  const REFUSED: [string, Operator, () => ReturnType<typeof draft>, new (...a: never[]) => Error][] = [
    ['an auditor', as('auditor'), () => draft('2026-12-15'), OperatorNotAuthorizedError],
    ['IT Security', as('itSecurity'), () => draft('2026-12-15'), OperatorNotAuthorizedError],
    ['someone with no role', as(), () => draft('2026-12-15'), OperatorNotAuthorizedError],
    ['an administrator, dated before the version in force', as('admin'), () => ({ ...draft('2026-10-01'), publishedAt: '2026-10-01T00:00:00Z' }), NoticePublicationError],
    ['an administrator, reusing a published version name for another text', as('admin'), () => draft('2026-11-01', ['Another text']), NoticePublicationError],
    ['an administrator, without a summary', as('admin'), () => ({ ...draft('2026-12-15'), summary: ' ' }), NoticePublicationError],
  ];
  for (const [who, operator, d, error] of REFUSED) {
    it(`when ${who} publishes, then it is refused and neither the registry nor the audit trail changes`, async () => {
      const before = await versions.list();
      await assert.rejects(new NoticePublisher(versions, audit).publish(d(), operator), error);
      assert.deepEqual(await versions.list(), before);
      assert.equal((await audit.list()).length, 0);
    });
  }

  describe('export', () => {
    let service: ConsentService;
    beforeEach(async () => {
      const ledger = new ConsentLedgerRepository(db);
      service = new ConsentService(ledger, new ConsentRepository(db, ledger), new RequestRepository(db), new AuditRepository(db), db);
      const device = (requestId: string) => ({ requestId, platform: 'ios' as const, ownership: 'personal' as const });
      const h = noticeHash(['x']);
      await ledger.append({ kind: 'consented', at: '2026-11-02T10:00:00.000Z', subject: { aadObjectId: 'u-alex', displayName: 'Alex, "the" =tester' }, device: device('r1'), noticeVersion: '2026-11-01', textHash: h });
      await ledger.append({ kind: 'withdrawn', at: '2026-11-20T10:00:00.000Z', subject: { aadObjectId: 'u-alex', displayName: 'Alex' }, device: device('r1'), noticeVersion: '2026-11-01', textHash: h });
      await ledger.append({ kind: 'declined', at: '2026-11-05T10:00:00.000Z', subject: { aadObjectId: 'u-bea', displayName: 'Bea' }, device: device('r2'), noticeVersion: '2026-11-01', textHash: h });
    });

    it('when an auditor exports by date range as CSV, then the rows match, cells are quoted and defused, and the export is audited with its hash', async () => {
      const result = await exportConsents(service, audit, as('auditor'), { from: '2026-11-01T00:00:00.000Z', to: '2026-11-10T00:00:00.000Z' }, 'csv');
      const lines = result.text.trim().split('\r\n');
      assert.equal(lines.length, 3);
      assert.match(lines[0], /^at,aadObjectId,displayName,/);
      assert.match(lines[1], /"Alex, ""the"" =tester"/);
      const [entry] = await audit.list();
      assert.deepEqual([entry.action, entry.details.rows, entry.details.sha256, entry.details.format], ['consents.export', 2, result.sha256, 'csv']);
    });

    it('when an administrator exports one person as JSON, then only their entries come back, in order', async () => {
      const result = await exportConsents(service, audit, as('admin'), { aadObjectId: 'u-alex' }, 'json');
      assert.deepEqual((JSON.parse(result.text) as { kind: string }[]).map((r) => r.kind), ['consented', 'withdrawn']);
    });

    it('when IT Security or someone with no role exports, then it is refused and nothing is audited', async () => {
      await assert.rejects(exportConsents(service, audit, as('itSecurity'), {}, 'csv'), OperatorNotAuthorizedError);
      await assert.rejects(exportConsents(service, audit, as(), {}, 'json'), OperatorNotAuthorizedError);
      assert.equal(await db.collection(OPERATOR_AUDIT_COLLECTION).countDocuments(), 0);
    });
  });
});
