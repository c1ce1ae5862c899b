import type { Logger } from '../logging/logger';
import type { JobKind, JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import type { RequestRepository } from '../storage/requestRepository';
import { ENROLLMENT_CHECK, type EffectRunner } from './effectRunner';

/** How often the worker looks for due jobs. */
export interface WorkerOptions {
  /** Shortest pause between rounds. */
  intervalMs: number;
  /** Longest pause when nothing is due (the worker wakes earlier when the next job is due sooner). */
  idleMaxMs: number;
}

/** Why the worker started a round: its planned pause ran out, or a job was announced in this process before it would. */
export type WakeReason = 'timer' | 'announce';

/**
 * The background loop shared by every bot instance: claims due jobs (an indexed due time in the small jobs
 * collection, never a scan of the requests) under a lease, and runs them. Work in progress lives in the
 * database, so a restart, or another instance once the lease has expired, simply picks it up again. When idle
 * it sleeps until the next job is due, at most `idleMaxMs`.
 */
export class BackgroundWorker {
  private timer?: NodeJS.Timeout;
  private tick?: Promise<void>;
  private stopped = false;
  /** When the sleeping worker plans to wake (epoch ms); undefined while a round runs. */
  private sleepingUntil?: number;
  /** The earliest job announced while a round ran (epoch ms), which that round's claimDue may not have seen. */
  private announcedDuringRound?: number;
  private unsubscribe?: () => void;
  private readonly wakeListeners = new Set<(reason: WakeReason) => void>();
  /** Runners of job kinds other than the request's effects and checks. */
  private readonly kinds = new Map<JobKind, (subject: string, lease: Lease) => Promise<void>>();

  constructor(
    private readonly jobs: JobQueue,
    private readonly requests: RequestRepository,
    private readonly runner: EffectRunner,
    private readonly logger: Logger,
    private readonly options: WorkerOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Gives pending work a job, then starts polling; the promise settles when polling has started. */
  start(): Promise<void> {
    this.stopped = false;
    this.unsubscribe?.();
    this.unsubscribe = this.jobs.onAnnounce((_kind, dueAt) => this.announced(dueAt));
    this.tick = this.adoptUnscheduledWork()
      .then(() => undefined)
      .catch((e) => this.logger.error({ err: e }, 'could not schedule work found at start-up'))
      .finally(() => this.schedule(0));
    return this.tick;
  }

  /** Routes claimed jobs of a kind to their runner (set up in the composition root). */
  on(kind: JobKind, run: (subject: string, lease: Lease) => Promise<void>): this {
    this.kinds.set(kind, run);
    return this;
  }

  /** Stops polling and waits for the current round to finish. */
  async stop() {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    await this.tick;
    await this.runner.idle();
  }

  /** Requests with pending work but no job (written by a version without jobs) get one. */
  async adoptUnscheduledWork(): Promise<number> {
    const pending = await this.requests.listWithPendingWork();
    if (!pending.length) return 0;
    const jobs = await this.jobs.collection.find({ kind: { $in: ['onboardingRequest', ENROLLMENT_CHECK] } }, { projection: { kind: 1, subject: 1 } }).toArray();
    const scheduled = new Set(jobs.map((j) => `${j.kind}:${j.subject}`));
    let adopted = 0;
    for (const r of pending) {
      const kind = r.check ? ENROLLMENT_CHECK : 'onboardingRequest';
      if (scheduled.has(`${kind}:${r._id}`)) continue;
      await this.jobs.announce(kind, r._id, new Date(r.dueAt || this.clock().toISOString()));
      adopted++;
    }
    if (adopted) this.logger.info({ adopted }, 'scheduled pending work found at start-up');
    return adopted;
  }

  /** Calls `listener` at the start of every round, with why the worker woke. */
  onWake(listener: (reason: WakeReason) => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  /**
   * A job was announced in this process. When it comes due before the sleeping worker would wake, the worker's
   * timer is moved to the job's due time (at once when already due), so a reminder due in a second is not left
   * for the idle pause. During a round, the pause that follows is cut short instead. Other instances see the job
   * at their next round, within their own pause.
   */
  private announced(dueAt: Date) {
    if (this.stopped) return;
    const due = dueAt.getTime();
    if (this.sleepingUntil === undefined) {
      this.announcedDuringRound = Math.min(this.announcedDuringRound ?? Infinity, due);
      return;
    }
    if (due >= this.sleepingUntil) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(Math.max(0, due - this.clock().getTime()), 'announce');
  }

  private schedule(ms: number, reason: WakeReason = 'timer') {
    if (this.stopped) return;
    this.sleepingUntil = this.clock().getTime() + ms;
    this.timer = setTimeout(() => {
      this.sleepingUntil = undefined;
      this.announcedDuringRound = undefined;
      for (const listener of this.wakeListeners) listener(reason);
      this.tick = this.runOnce()
        .then((done) => (done ? this.options.intervalMs : this.idlePause()))
        .catch((e) => {
          this.logger.error({ err: e }, 'background round failed');
          return this.options.intervalMs;
        })
        .then((pause) => {
          const announced = this.announcedDuringRound;
          const now = this.clock().getTime();
          // Work announced during the round, due before the pause ends: wake when it is due.
          if (announced !== undefined && announced < now + pause) this.schedule(Math.max(0, announced - now), 'announce');
          else this.schedule(pause);
        });
    }, ms);
    this.timer.unref();
  }

  /** How long to sleep when nothing was due: until the next job, within [intervalMs, idleMaxMs]. */
  private idlePause(): number {
    const { intervalMs, idleMaxMs } = this.options;
    const next = this.jobs.nextDueAt();
    if (!next) return idleMaxMs;
    return Math.min(idleMaxMs, Math.max(intervalMs, next.getTime() - this.clock().getTime()));
  }

  /** One round: works through everything due now (bounded, so a backlog cannot starve shutdown). */
  async runOnce(maxItems = 50): Promise<number> {
    let done = 0;
    while (!this.stopped && done < maxItems) {
      const claim = await this.jobs.claimDue();
      if (!claim) break;
      done++;
      try {
        const run = this.kinds.get(claim.job.kind);
        if (run) await run(claim.job.subject, claim.lease);
        else if (claim.job.kind === ENROLLMENT_CHECK) await this.runner.runCheck(claim.job.subject, claim.lease);
        else await this.runner.runClaimed(claim.job.subject, claim.lease);
      } catch (e) {
        this.logger.warn({ job: claim.job._id, err: e }, 'background job failed');
      }
    }
    return done;
  }
}
