/**
 * `npm run access-review -- --as OPERATOR [--list]`: runs an access review now (the bot runs one every
 * ACCESS_REVIEW_INTERVAL_DAYS) and prints who holds which role and the access group's discrepancies; the running
 * bot posts its card to the IT channel, where an administrator attests it. `--list` prints the latest reviews with
 * their attestation and chain verification instead. Administrators (run) and auditors (list); recorded in the
 * access log.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../bot/logger';
import { renderAccessReviewCard } from '../cards/accessReviewCard';
import { AccessReviewService, REVIEWED_ROLE_LABELS } from '../services/governance/accessReview';
import { authorize } from '../services/governance/authorization';
import { JobQueue } from '../services/jobs/jobQueue';
import { newInstanceId } from '../services/jobs/leases';
import { Outbox } from '../services/outbox/outbox';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({ options: { as: { type: 'string' }, list: { type: 'boolean' } } });
  const ctx = await openOperatorContext(values.as);
  try {
    const c = ctx.config;
    const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
    const jobs = new JobQueue(ctx.db, { owner: newInstanceId('access-review-cli'), leaseMs: c.leases.ttlSeconds * 1000 });
    const reviews = new AccessReviewService(
      ctx.db,
      ctx.graph,
      jobs,
      new Outbox(ctx.db, jobs, c.outbox, logger),
      renderAccessReviewCard,
      {
        intervalMs: c.oversight.accessReviewIntervalMs,
        dueMs: c.oversight.accessReviewDueMs,
        reminderMs: c.oversight.accessReviewReminderMs,
        groups: { access: c.groups.access, admins: c.groups.admins, auditors: c.groups.auditors, itSecurity: c.groups.itSecurity, fallbackApprovers: c.groups.fallbackApprovers },
      },
      logger,
    );
    if (values.list) {
      authorize(ctx.actor, 'readAccessLog');
      await ctx.accessLog.record({ actor: ctx.actor, door: 'cli', action: 'readAccessLog', subject: { kind: 'accessLog', id: 'accessReviews' } });
      for (const r of await reviews.list()) {
        const [report] = await reviews.verify(r._id);
        const attested = r.attestation ? `attested by ${r.attestation.by.displayName} at ${r.attestation.at}` : `OPEN, due ${r.dueBy}`;
        console.log(`${r._id}  ${r.startedAt}  ${attested}  unexpected ${r.access.unexpected.length}, missing ${r.access.missing.length}, removed ${r.revocations.length}  chain ${report?.ok ? 'OK' : 'BAD'}`);
      }
      return 0;
    }
    authorize(ctx.actor, 'attestAccessReview');
    const r = await reviews.run();
    for (const role of r.roles) console.log(`${REVIEWED_ROLE_LABELS[role.role].padEnd(20)} ${role.members.map((m) => m.name ?? m.id).join(', ') || 'nobody'}`);
    console.log(`Access group         ${r.access.members} members, ${r.access.expected} enrolled compliant devices`);
    for (const m of r.access.unexpected) console.log(`  in the group without an enrolled compliant device: ${m.name ?? ''} ${m.id}`);
    for (const m of r.access.missing) console.log(`  enrolled compliant device not in the group: ${m.name ?? ''} ${m.id}`);
    console.log(`review ${r._id} recorded; its card is posted to the IT channel by the running bot; due ${r.dueBy}`);
    return 0;
  } finally {
    await ctx.close();
  }
});
