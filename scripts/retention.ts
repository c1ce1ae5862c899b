/**
 * `npm run retention -- --as OPERATOR`: removes what is past its retention period and prints what it removed
 * (counts; the ids are kept in the hash-chained `retentionRuns` record). Administrators only. A scheduler calls
 * RetentionJob directly.
 */
import { parseArgs } from 'node:util';
import { authorize } from '../services/governance/authorization';
import { RetentionJob } from '../services/governance/retentionJob';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({ options: { as: { type: 'string' } } });
  const ctx = await openOperatorContext(values.as);
  try {
    authorize(ctx.actor, 'runRetention');
    const run = await new RetentionJob(ctx.db, ctx.config.governance.retentionDays, undefined, undefined, ctx.config.fleet.outboxDoneRetentionDays).run();
    for (const [collection, r] of Object.entries(run.removed)) console.log(`${collection.padEnd(24)} ${r.count} removed`);
    console.log(`retention run ${run._id} recorded; ${run.pendingAuditWritten} pending audit entries written`);
    return 0;
  } finally {
    await ctx.close();
  }
});
