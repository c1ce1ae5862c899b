import type { Logger } from '../../bot/logger';
import type { RequestRepository } from '../storage/requestRepository';
import type { EffectRunner } from './effectRunner';

/**
 * The background loop shared by every bot instance: claims requests with due effects or compliance checks
 * (a lease in the document, so two instances never work on the same request) and runs them. Work in
 * progress lives in the database, so a restart simply picks it up again.
 */
export class BackgroundWorker {
  private timer?: NodeJS.Timeout;
  private tick?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly requests: RequestRepository,
    private readonly runner: EffectRunner,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly leaseSeconds = 120,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Starts polling. */
  start() {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the current round to finish. */
  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tick;
    await this.runner.idle();
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.runOnce()
        .then(() => undefined)
        .catch((e) => this.logger.error({ err: e }, 'background round failed'))
        .finally(() => this.schedule(this.intervalMs));
    }, ms);
    this.timer.unref();
  }

  /** One round: works through everything due now (bounded, so a backlog cannot starve shutdown). */
  async runOnce(maxItems = 50): Promise<number> {
    let done = 0;
    while (!this.stopped && done < maxItems) {
      const claim = await this.requests.claimDue(this.clock().toISOString(), this.leaseSeconds);
      if (!claim) break;
      done++;
      try {
        const id = claim.request._id;
        if (claim.reason === 'outbox') await this.runner.whileHeld(id, () => this.runner.drain(id));
        else await this.runner.whileHeld(id, async () => this.runner.checkCompliance((await this.requests.get(id)) ?? claim.request, false));
      } catch (e) {
        this.logger.warn({ requestId: claim.request._id, reason: claim.reason, err: e }, 'background item failed');
      } finally {
        await this.requests.release(claim.request._id);
      }
    }
    return done;
  }
}
