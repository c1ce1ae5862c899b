/**
 * `npm run verify -- [--request ID|REFERENCE] --as OPERATOR [--quiet]`: verifies audit chains against their
 * committed heads (every request's and device's, or one request's), plus the access log, the retention record and
 * the access reviews, and prints per chain OK or the first bad entry. Exit code 0 when everything verifies, 1 when a chain fails. Auditors and
 * administrators only; the run itself is recorded in the access log.
 */
import { parseArgs } from 'node:util';
import { AuditDesk } from '../services/governance/auditDesk';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({ options: { request: { type: 'string' }, as: { type: 'string' }, quiet: { type: 'boolean' } } });
  const ctx = await openOperatorContext(values.as);
  try {
    const desk = new AuditDesk(ctx.db, ctx.audit, ctx.accessLog, ctx.graph.directory, { dataResidencyRegion: ctx.config.governance.dataResidencyRegion });
    const summary = await desk.verify(ctx.actor, 'cli', values.request);
    for (const r of summary.reports) {
      if (r.ok && values.quiet) continue;
      const counts = `${r.stored} stored${r.pending ? `, ${r.pending} pending` : ''}`;
      console.log(r.ok ? `OK   ${r.chain} (${counts})` : `BAD  ${r.chain}: entry ${r.firstBad!.seq} ${r.firstBad!.problem} — ${r.firstBad!.detail}`);
    }
    console.log(`${summary.chains} chains, ${summary.failing.length} failing, verified in ${(summary.elapsedMs / 1000).toFixed(2)} s`);
    return summary.failing.length ? 1 : 0;
  } finally {
    await ctx.close();
  }
});
