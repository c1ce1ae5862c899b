import type { Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { renderBreachNoticeCard } from '../../cards/breachNoticeCard';
import type { AdaptiveCard } from '../../cards/renderTemplate';
import type { DirectoryService } from '../graph/graphTypes';
import type { JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import type { DeliveryLog } from '../messaging/deliveryLog';
import type { Messenger } from '../messaging/proactiveMessenger';
import type { Outbox } from '../outbox/outbox';
import { AggregateChain } from '../storage/aggregateChain';
import type { AuditRepository } from '../storage/auditRepository';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import { NotFoundError } from '../workflow/errors';
import type { Actor } from '../workflow/transition';
import { BreachEffects, noticeTextFor } from './breachEffects';
import { BreachRepository, type Breach } from './breachRepository';
import { BREACH_TIMER, BreachRoleError, BreachService, type BreachOptions, type DeclareBreachInput } from './breachService';
import { mayRunBreach } from '../workflow/breachTransition';

/** What declaring a breach gives back: the draft, and the notice as the first affected person will see it. */
export interface DeclaredBreach {
  breach: Breach;
  preview: AdaptiveCard;
}

/**
 * Breach notification, wired once: the breaches and their notices, their effects on the shared outbox (which
 * the device module owns and drains), and the breach timer as a job handler any instance runs.
 */
export function createBreachModule(deps: {
  db: Db;
  jobs: JobQueue;
  audit: AuditRepository;
  outbox: Outbox;
  messenger: Messenger;
  deliveries: DeliveryLog;
  refs: ConversationReferenceRepository;
  directory: DirectoryService;
  options: BreachOptions & { maxAttempts: number };
  logger: Logger;
  clock?: () => Date;
}) {
  const { db, jobs, logger, options } = deps;
  const clock = deps.clock ?? (() => new Date());
  const repo = new BreachRepository(db);
  const service = new BreachService(db, repo, new AggregateChain(db, deps.audit), deps.outbox, jobs, deps.directory, options, logger.child({ component: 'breach' }), clock);
  const effects = new BreachEffects(repo, service, deps.messenger, deps.deliveries, deps.refs, { sendPerSecond: options.sendPerSecond, maxAttempts: options.maxAttempts }, logger.child({ component: 'breach-effects' }), clock);
  effects.register(deps.outbox);

  /** Runs a breach's timer under its lease, then schedules the next run (or none). */
  async function breachTimer(lease: Lease, breachId: string): Promise<void> {
    const seenRev = await jobs.revision(lease);
    let next: Date | null = null;
    try {
      next = await service.runTimer(breachId);
    } catch (e) {
      next = new Date(clock().getTime() + 60_000);
      throw e;
    } finally {
      if (!lease.lost) await jobs.finish(lease, seenRev, next);
    }
  }

  /** The notice as one affected person will read it (IT's preview before sending). */
  async function preview(breachId: string, actor: Actor): Promise<AdaptiveCard> {
    if (actor.kind !== 'user' || !mayRunBreach(actor.roles)) throw new BreachRoleError(actor.kind === 'user' ? actor.aadObjectId : 'system', 'preview a breach notice');
    const breach = await repo.get(breachId);
    if (!breach) throw new NotFoundError('breach', breachId);
    const [first] = await repo.notices.find({ breachId }).sort({ _id: 1 }).limit(1).toArray();
    return renderBreachNoticeCard({ breachId, text: noticeTextFor(breach, first?.person.displayName ?? 'Alex Example'), preview: true });
  }

  /**
   * Declares a breach from an incident (the incident card's "Declare breach" and the command line call this):
   * IT Security or an administrator only; the draft's status card goes to the IT channel with Send.
   */
  async function declareBreach(input: DeclareBreachInput): Promise<DeclaredBreach> {
    const breach = await service.declare(input);
    return { breach, preview: await preview(breach._id, input.actor) };
  }

  return {
    repo,
    service,
    effects,
    declareBreach,
    preview,
    handlers: { [BREACH_TIMER]: breachTimer },
    ensureIndexes: () => repo.ensureIndexes(),
  };
}

/** The breach module's public face. */
export type BreachModule = ReturnType<typeof createBreachModule>;
