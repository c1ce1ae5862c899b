/**
 * The auditors' export of consents (privacy SOP §1 and §3): by person, date range and notice version, as CSV or
 * JSON, for administrators and auditors only, and every export is itself recorded in the operator audit trail.
 */
import { createHash } from 'node:crypto';
import type { LedgerQuery } from './consentLedgerRepository';
import { toCsv, type ConsentService } from './consentService';
import { requireRole, type Operator, type OperatorAuditLog } from './operatorAuditLog';

/** An export ready to write: its text, row count and fingerprint (as recorded in the audit trail). */
export interface ConsentExport {
  format: 'csv' | 'json';
  text: string;
  rows: number;
  sha256: string;
}

/** Exports consents for an administrator or auditor, audited. */
export async function exportConsents(
  consent: ConsentService,
  audit: OperatorAuditLog,
  operator: Operator,
  query: LedgerQuery,
  format: 'csv' | 'json',
): Promise<ConsentExport> {
  requireRole(operator, ['admin', 'auditor'], 'export consents');
  const rows = await consent.exportRows(query);
  const text = format === 'csv' ? toCsv(rows) : `${JSON.stringify(rows, null, 2)}\n`;
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  await audit.record(operator, 'consents.export', {
    person: query.aadObjectId ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    noticeVersion: query.noticeVersion ?? null,
    format,
    rows: rows.length,
    sha256,
  });
  return { format, text, rows: rows.length, sha256 };
}
