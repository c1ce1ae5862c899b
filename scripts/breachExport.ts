/**
 * `npm run breach:export -- --breach BR-… --as OPERATOR [--format csv|json] [--out file]`: who was told when, who
 * acknowledged and who could not be reached, for IT Security, administrators and auditors; the export is recorded
 * in the operator audit trail with its SHA-256.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportBreach } from '../services/breach/breachExport';
import { OperatorAuditLog } from '../services/consent/operatorAuditLog';
import { governanceContext } from './lib/governanceContext';
import { runCommand, UsageError } from './lib/operatorContext';

runCommand(async () => {
  const { values } = parseArgs({ options: { breach: { type: 'string' }, as: { type: 'string' }, format: { type: 'string', default: 'csv' }, out: { type: 'string' } } });
  if (!values.breach) throw new UsageError('Usage: npm run breach:export -- --breach BR-XXXXXX --as OPERATOR [--format csv|json] [--out file]');
  if (values.format !== 'csv' && values.format !== 'json') throw new UsageError('--format must be csv or json');
  const ctx = await governanceContext(values.as);
  try {
    const result = await exportBreach(ctx.breachRepo, new OperatorAuditLog(ctx.db), ctx.actor, values.breach.toUpperCase(), values.format);
    if (values.out) writeFileSync(values.out, result.text);
    else process.stdout.write(result.text);
    process.stderr.write(`${result.rows} people exported (${result.format}, SHA-256 ${result.sha256}); the export is recorded in the audit trail.\n`);
  } finally {
    await ctx.close();
  }
});
