/**
 * `npm run retention -- --as OPERATOR [--dry-run]`: removes what is past its retention period (or, with
 * `--dry-run`, only lists it) and prints what it removed (counts; the ids are kept in the hash-chained
 * `retentionRuns` record, with the operator). Administrators only. The bot runs the same job on a schedule
 * (RETENTION_INTERVAL_HOURS, RETENTION_DRY_RUN).
 */
import { parseArgs } from 'node:util';
import { authorize } from '../services/governance/authorization';
import { RetentionJob } from '../services/governance/retentionJob';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({ options: { as: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  const ctx = await openOperatorContext(values.as);
  try {
    authorize(ctx.actor, 'runRetention');
    const dryRun = Boolean(values['dry-run']);
    const run = await new RetentionJob(ctx.db, ctx.config.governance.retentionDays, undefined, undefined, ctx.config.fleet.outboxDoneRetentionDays).run({ dryRun, trigger: { kind: 'operator', aadObjectId: ctx.actor.aadObjectId } });
    for (const [collection, r] of Object.entries(run.removed)) console.log(`${collection.padEnd(24)} ${r.count} ${dryRun ? 'past retention (dry run: kept)' : 'removed'}`);
    console.log(`retention run ${run._id} recorded; ${run.pendingAuditWritten} pending audit entries written`);
    return 0;
  } finally {
    await ctx.close();
  }
});
