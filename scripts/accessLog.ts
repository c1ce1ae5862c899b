/**
 * `npm run access-log -- [--day YYYY-MM-DD | --subject ID] --as OPERATOR`: who read which sensitive record,
 * when and through which door. Auditors and administrators only; reading the log is itself logged.
 */
import { parseArgs } from 'node:util';
import { authorize } from '../services/governance/authorization';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({ options: { day: { type: 'string' }, subject: { type: 'string' }, as: { type: 'string' } } });
  const ctx = await openOperatorContext(values.as);
  try {
    authorize(ctx.actor, 'readAccessLog');
    const day = values.day ?? new Date().toISOString().slice(0, 10);
    await ctx.accessLog.record({ actor: ctx.actor, door: 'cli', action: 'readAccessLog', subject: { kind: 'accessLog', id: values.subject ?? day } });
    const entries = values.subject ? await ctx.accessLog.listForSubject(values.subject) : await ctx.accessLog.listDay(day);
    for (const e of entries) console.log(`${e.at}  ${e.actor.aadObjectId} (${e.actor.roles.join(',') || 'no role'})  ${e.door.padEnd(5)}  ${e.action}  ${e.subject.kind}:${e.subject.id}`);
    console.log(`${entries.length} reads`);
    return 0;
  } finally {
    await ctx.close();
  }
});
