/**
 * Oversight, wired once: the periodic access review and its due-date reminders, the scheduled retention run,
 * audit entries that could not be stored (an IT alert, then retries until they are), and the auditor's desk. Its
 * work runs as jobs any instance claims; its messages go through the shared outbox.
 */
import type { Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { renderAccessReviewCard } from '../../cards/accessReviewCard';
import { renderNoticeCard } from '../../cards/noticeCard';
import type { GraphServices } from '../graph/graphTypes';
import type { DeliveryLog } from '../messaging/deliveryLog';
import { cardActivity, type Messenger } from '../messaging/proactiveMessenger';
import { dueSlot, type JobKind, type JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import { UNCONDITIONAL, type Outbox } from '../outbox/outbox';
import type { AuditRepository } from '../storage/auditRepository';
import type { AuditEntry } from '../workflow/model';
import type { AccessLog } from './accessLog';
import { AccessReviewService, reviewCardKey, ReviewOutboxKind, type AccessReviewOptions } from './accessReview';
import { AuditDesk } from './auditDesk';
import type { RetentionDays } from './dataCatalog';
import { RetentionJob, type RetentionRun } from './retentionJob';

/** Settings from configuration. */
export interface OversightOptions {
  review: AccessReviewOptions;
  retention: { intervalMs: number; dryRun: boolean; days: RetentionDays; outboxDoneDays?: number };
  auditRetryMs: number;
  dataResidencyRegion?: string;
}

const RETENTION_SUBJECT = 'scheduled';
const AUDIT_RETRY_SUBJECT = 'parked';
const OVERSIGHT_AGGREGATE = 'oversight';

/** Builds the oversight module on the shared jobs and outbox. */
export function createOversightModule(deps: {
  db: Db;
  jobs: JobQueue;
  outbox: Outbox;
  audit: AuditRepository;
  accessLog: AccessLog;
  graph: Pick<GraphServices, 'groups' | 'directory'>;
  /** Updates the review card in the IT channel after a change (absent: the card stays as posted). */
  channel?: { messenger: Messenger; deliveries: DeliveryLog };
  options: OversightOptions;
  logger: Logger;
  clock?: () => Date;
}) {
  const { db, jobs, outbox, audit, options } = deps;
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger.child({ component: 'oversight' });
  const reviews = new AccessReviewService(db, deps.graph, jobs, outbox, renderAccessReviewCard, options.review, logger.child({ component: 'accessReview' }), clock);
  const desk = new AuditDesk(db, audit, deps.accessLog, deps.graph.directory, { dataResidencyRegion: options.dataResidencyRegion }, deps.graph.groups, clock);

  /** Posts a card to IT Security's channel through the outbox (owed by no aggregate write, so always carried out). */
  async function tellIt(key: string, summary: string, card: object): Promise<void> {
    await outbox.stage({ type: OVERSIGHT_AGGREGATE, id: key, version: 0, commitToken: UNCONDITIONAL }, [{ key, kind: ReviewOutboxKind.ItNotice, payload: { summary, card: JSON.stringify(card) } }]);
  }

  /** A parked audit entry: IT is alerted in its channel and the retry job is due. */
  async function parked(entry: AuditEntry, reason: string): Promise<void> {
    await jobs.announce('auditRetry', AUDIT_RETRY_SUBJECT, new Date(clock().getTime() + options.auditRetryMs));
    await tellIt(
      `auditParked:${entry._id}`,
      'An audit entry could not be stored',
      renderNoticeCard({
        title: 'An audit entry could not be stored',
        text: `Entry ${entry.seq} of the audit trail of ${entry.requestId} ("${entry.event}") could not be written to the database after several attempts. It is kept and retried every ${Math.round(options.auditRetryMs / 60_000) || 1} minute(s); audit verification shows it as pending until then. Check the database's health.`,
        tone: 'attention',
        detail: reason.slice(0, 200),
      }),
    );
  }
  audit.onParked(parked);

  /** Shows the review's card in the IT channel as the review now stands (an edit that changes nothing is skipped). */
  outbox.handle(ReviewOutboxKind.CardUpdate, async (entry) => {
    const { reviewId } = entry.payload as { reviewId: string };
    const review = await reviews.get(reviewId);
    const posted = deps.channel && (await deps.channel.deliveries.delivered(reviewCardKey(reviewId)));
    if (!review || !posted || !deps.channel) return;
    const card = renderAccessReviewCard(review, clock());
    if (await deps.channel.deliveries.shows(posted, card)) return;
    await deps.channel.messenger.update(posted, cardActivity(card, 'Access review'));
    await deps.channel.deliveries.rendered(posted, card);
  });

  /** The retry job: writes parked entries; while some still fail, it runs again after the retry period. */
  async function auditRetry(lease: Lease): Promise<void> {
    const seenRev = await jobs.revision(lease);
    let next: Date | null = new Date(clock().getTime() + options.auditRetryMs);
    try {
      const { written, waiting } = await audit.flushPending();
      logger.info({ written, waiting }, 'parked audit entries retried');
      if (!waiting) {
        next = null;
        if (written) {
          await tellIt(`auditStored:${clock().toISOString()}`, 'Audit entries stored', renderNoticeCard({ title: 'Audit entries stored', text: `${written} audit entr${written === 1 ? 'y that was' : 'ies that were'} waiting has now been stored. The audit trail is complete.`, tone: 'good' }));
        }
      }
    } finally {
      if (!lease.lost) await jobs.finish(lease, seenRev, next);
    }
  }

  /** The scheduled retention run (dry run when configured), recorded in the hash-chained retention log. */
  async function retention(lease: Lease): Promise<void> {
    const seenRev = await jobs.revision(lease);
    try {
      await runRetention();
    } finally {
      if (!lease.lost) await jobs.finish(lease, seenRev, new Date(clock().getTime() + options.retention.intervalMs));
    }
  }

  function runRetention(): Promise<RetentionRun> {
    return new RetentionJob(db, options.retention.days, clock, logger.child({ component: 'retention' }), options.retention.outboxDoneDays).run({ dryRun: options.retention.dryRun, trigger: { kind: 'schedule' } });
  }

  /** Creates a recurring job once (two instances starting together create it once). */
  async function schedule(kind: JobKind, subject: string, dueAt: Date): Promise<void> {
    try {
      await jobs.collection.updateOne({ _id: `${kind}:${subject}` }, { $setOnInsert: { kind, subject, dueAt, slot: dueSlot(dueAt), rev: 0 } }, { upsert: true });
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  const handlers: Partial<Record<JobKind, (lease: Lease, subject: string) => Promise<void>>> = {
    accessReview: (lease) => reviews.runClaimed(lease),
    accessReviewDue: (lease, subject) => reviews.dueClaimed(lease, subject),
    retention: (lease) => retention(lease),
    auditRetry: (lease) => auditRetry(lease),
  };

  return {
    reviews,
    desk,
    handlers,
    runRetention,
    async ensureIndexes() {
      await reviews.ensureIndexes();
    },
    /**
     * Schedules the recurring work if no instance has yet: the first access review one interval after the first
     * start (an administrator can run one now with `npm run access-review`), retention one period after it, and a
     * retry of audit entries parked before a restart.
     */
    async start() {
      const now = clock();
      await reviews.schedule(new Date(now.getTime() + options.review.intervalMs));
      await schedule('retention', RETENTION_SUBJECT, new Date(now.getTime() + options.retention.intervalMs));
      if (await audit.parkedCount()) await jobs.announce('auditRetry', AUDIT_RETRY_SUBJECT, now);
    },
  };
}

/** The oversight module's public face. */
export type OversightModule = ReturnType<typeof createOversightModule>;
