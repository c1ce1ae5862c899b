/**
 * The record of a breach notification for IT, auditors and regulators: who was told when, who acknowledged and
 * when, and who could not be reached, as CSV or JSON. For IT Security, administrators and auditors; every export
 * is recorded in the operator audit trail with its SHA-256, like the consent export.
 */
import { createHash } from 'node:crypto';
import { requireRole, type Operator, type OperatorAuditLog } from '../consent/operatorAuditLog';
import { NotFoundError } from '../workflow/errors';
import type { Breach, BreachRepository } from './breachRepository';

/** One affected person's line. */
export interface BreachExportRow {
  breachId: string;
  incidentId: string;
  aadObjectId: string;
  displayName: string;
  selectedBy: string;
  state: string;
  sentAt: string;
  acknowledgedAt: string;
  unreachableReason: string;
  remindersSent: number;
  activityId: string;
}

/** An export ready to write. */
export interface BreachExport {
  format: 'csv' | 'json';
  text: string;
  rows: number;
  sha256: string;
}

const COLUMNS: (keyof BreachExportRow)[] = ['breachId', 'incidentId', 'aadObjectId', 'displayName', 'selectedBy', 'state', 'sentAt', 'acknowledgedAt', 'unreachableReason', 'remindersSent', 'activityId'];

/** CSV with a header; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function breachCsv(rows: readonly BreachExportRow[]): string {
  const cell = (v: unknown) => {
    let s = String(v ?? '');
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** The breach with one row per affected person, in person order. */
export async function breachRecord(repo: BreachRepository, breachId: string): Promise<{ breach: Breach; rows: BreachExportRow[] }> {
  const breach = await repo.get(breachId);
  if (!breach) throw new NotFoundError('breach', breachId);
  const rows = (await repo.noticesOf(breachId)).map((n) => ({
    breachId,
    incidentId: breach.incidentId,
    aadObjectId: n.person.aadObjectId,
    displayName: n.person.displayName,
    selectedBy: n.selectedBy,
    state: n.state,
    sentAt: n.sentAt ?? '',
    acknowledgedAt: n.acknowledgedAt ?? '',
    unreachableReason: n.unreachableReason ?? '',
    remindersSent: n.remindersSent,
    activityId: n.delivery?.activityId ?? '',
  }));
  return { breach, rows };
}

/** Exports one breach's notification record, audited. */
export async function exportBreach(repo: BreachRepository, audit: OperatorAuditLog, operator: Operator, breachId: string, format: 'csv' | 'json'): Promise<BreachExport> {
  requireRole(operator, ['itSecurity', 'admin', 'auditor'], 'export a breach notification record');
  const { breach, rows } = await breachRecord(repo, breachId);
  const text =
    format === 'csv'
      ? breachCsv(rows)
      : `${JSON.stringify(
          {
            breach: {
              id: breach._id,
              incidentId: breach.incidentId,
              state: breach.state,
              declaredBy: breach.declaredBy,
              declaredAt: breach.declaredAt,
              discoveredAt: breach.discoveredAt,
              deadlines: breach.deadlines,
              noticeSha256: breach.notice.sha256,
              recipientCount: breach.recipientCount,
              settledAt: breach.settledAt ?? null,
              closedAt: breach.closedAt ?? null,
            },
            people: rows,
          },
          null,
          2,
        )}\n`;
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  await audit.record(operator, 'breach.export', { breachId, format, rows: rows.length, sha256 });
  return { format, text, rows: rows.length, sha256 };
}
