/**
 * `npm run verify -- [--request ID|REFERENCE] --as OPERATOR [--quiet]`: verifies audit chains against their
 * committed heads (every request's, or one), plus the access log and the retention record, and prints per chain
 * OK or the first bad entry. Exit code 0 when everything verifies, 1 when a chain fails. Auditors and
 * administrators only; the run itself is recorded in the access log.
 */
import { parseArgs } from 'node:util';
import { OperatorAuditLog } from '../services/consent/operatorAuditLog';
import { authorize } from '../services/governance/authorization';
import { HeadedChain, type ChainReport } from '../services/storage/auditRepository';
import { COLLECTIONS } from '../services/storage/mongoConnection';
import { NotFoundError } from '../services/workflow/errors';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({ options: { request: { type: 'string' }, as: { type: 'string' }, quiet: { type: 'boolean' } } });
  const ctx = await openOperatorContext(values.as);
  try {
    authorize(ctx.actor, 'verifyAudit');
    const started = Date.now();
    let reports: ChainReport[];
    if (values.request) {
      const r = await ctx.db.collection<{ _id: string }>(COLLECTIONS.requests).findOne({ $or: [{ _id: values.request }, { reference: values.request.toUpperCase() }] }, { projection: { _id: 1 } });
      const id = r?._id ?? values.request;
      await ctx.accessLog.record({ actor: ctx.actor, door: 'cli', action: 'verifyAudit', subject: { kind: 'audit', id } });
      const report = await ctx.audit.verifyRequest(id);
      if (!r && report.stored === 0) throw new NotFoundError('request', values.request);
      reports = [report];
    } else {
      await ctx.accessLog.record({ actor: ctx.actor, door: 'cli', action: 'verifyAudit', subject: { kind: 'audit', id: 'all' } });
      reports = [...(await ctx.audit.verifyAll()), ...(await ctx.accessLog.verify()), ...(await new HeadedChain(ctx.db, COLLECTIONS.retentionRuns).verify()),
        ...(await new HeadedChain(ctx.db, COLLECTIONS.delegationAudit).verify()),
        await new OperatorAuditLog(ctx.db).verifyReport(),
      ];
    }
    const bad = reports.filter((r) => !r.ok);
    for (const r of reports) {
      if (r.ok && values.quiet) continue;
      const counts = `${r.stored} stored${r.pending ? `, ${r.pending} pending` : ''}`;
      console.log(r.ok ? `OK   ${r.chain} (${counts})` : `BAD  ${r.chain}: entry ${r.firstBad!.seq} ${r.firstBad!.problem} — ${r.firstBad!.detail}`);
    }
    console.log(`${reports.length} chains, ${bad.length} failing, verified in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    return bad.length ? 1 : 0;
  } finally {
    await ctx.close();
  }
});
