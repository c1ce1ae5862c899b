/**
 * `npm run consents:export -- --as auditor@contoso.com [--person UPN|id] [--from 2026-11-01] [--to 2026-12-01]
 * [--version 2026-11-01] [--format csv|json] [--out file]`: consents for auditors (Administrator and Auditor roles
 * only), oldest first; the export is recorded in the operator audit trail with its SHA-256.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportConsents } from '../services/consent/consentExport';
import { ConsentLedgerRepository } from '../services/consent/consentLedgerRepository';
import { ConsentService } from '../services/consent/consentService';
import { OperatorAuditLog } from '../services/consent/operatorAuditLog';
import { AuditRepository } from '../services/storage/auditRepository';
import { ConsentRepository } from '../services/storage/consentRepository';
import { RequestRepository } from '../services/storage/requestRepository';
import { operatorContext, runCommand, UsageError } from './lib/operatorContext';

const day = (value: string | undefined, name: string) => {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--${name} must be a date such as 2026-11-01`);
  return new Date(t).toISOString();
};

runCommand(async () => {
  const { values } = parseArgs({
    options: {
      as: { type: 'string' },
      person: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      version: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
    },
  });
  if (values.format !== 'csv' && values.format !== 'json') throw new UsageError('--format must be csv or json');
  const from = day(values.from, 'from');
  const to = day(values.to, 'to');
  const ctx = await operatorContext(values.as);
  try {
    const db = ctx.db;
    const ledger = new ConsentLedgerRepository(db);
    const consents = new ConsentRepository(db, ledger);
    const service = new ConsentService(ledger, consents, new RequestRepository(db), new AuditRepository(db), db);
    // A person may be named by object id or by user principal name (as recorded in their requests).
    let person = values.person;
    if (person?.includes('@')) {
      const request = await db.collection('requests').findOne({ 'requester.userPrincipalName': person });
      if (!request) throw new UsageError(`No requests by ${person} are stored.`);
      person = (request.requester as { aadObjectId: string }).aadObjectId;
    }
    const result = await exportConsents(service, new OperatorAuditLog(db), ctx.operator, { aadObjectId: person, from, to, noticeVersion: values.version }, values.format);
    if (values.out) writeFileSync(values.out, result.text);
    else process.stdout.write(result.text);
    process.stderr.write(`${result.rows} consent entries exported (${result.format}, SHA-256 ${result.sha256}); the export is recorded in the audit trail.\n`);
  } finally {
    await ctx.close();
  }
});
