import type { Activity, ConversationReference } from 'botbuilder';
import type { Logger } from '../logging/logger';
import type { GraphServices } from '../graph/graphTypes';
import { LeaseLostError, type Lease } from '../jobs/leases';
import { JobQueue } from '../jobs/jobQueue';
import type { DeliveryLog } from '../messaging/deliveryLog';
import { cardActivity, RecipientUnreachableError, statusOf, type Delivery, type Messenger } from '../messaging/proactiveMessenger';
import type { AuditRepository } from '../storage/auditRepository';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import type { RequestRepository } from '../storage/requestRepository';
import { InvalidTransitionError } from '../workflow/errors';
import { CHECKING } from '../workflow/transition';
import type { Effect, OnboardingRequest, PendingEffect, PostedCard } from '../workflow/model';
import type { Outbox, OutboxEntry } from '../outbox/outbox';
import { pickDevice, readComplianceReport } from './complianceReader';
import { REQUEST_AGGREGATE, type EffectDrain, type OnboardingService } from './onboardingService';
import type { CardJson, OnboardingViews } from './views';

/** Options the runner reads from configuration. */
export interface EffectRunnerOptions {
  accessGroupId: string;
  accessGrantTarget: 'user' | 'device';
  /** Give up retrying an effect after this many attempts (it stays recorded with its last error). */
  maxAttempts?: number;
  /**
   * Requests whose effects are carried out at once after a kick (default 16). Their messages leave at the Teams
   * pace, so more would only hold more leases, each renewed while it waits; the others wait their turn in memory
   * with no lease, and their jobs stand in for them if this process stops.
   */
  concurrentDrains?: number;
}

const SYSTEM = { kind: 'system' } as const;
const KIND = 'onboardingRequest' as const;
/** The job kind of a request's enrollment and compliance polling (its `nextCheckAt`). */
export const ENROLLMENT_CHECK = 'enrollmentCheck' as const;
/** A compliance check that failed (Graph unreachable) is tried again after this long. */
const CHECK_RETRY_MS = 30_000;
/** Effects that apply a workflow transition: removed from the queue as soon as they are carried out (see drain). */
const TRANSITIONS = new Set<PendingEffect['effect']['type']>(['checkCompliance', 'grantAccess']);
/** Upper bound on steps one lease runs before handing the request back to the queue. */
const MAX_STEPS = 50;

/** Whether the request's queue has an effect to carry out now. */
function outboxDue(request: OnboardingRequest, now: string): boolean {
  return request.outbox.length > 0 && !(request.outboxNotBefore && request.outboxNotBefore > now);
}

/** Whether the request waits for a compliance check that is due now. */
function checkDue(request: OnboardingRequest, now: string): boolean {
  return CHECKING.includes(request.state) && Boolean(request.nextCheckAt && request.nextCheckAt <= now);
}

/** Whether a card's recipient is still one of the request's approvers (a card without a recipient predates the check). */
function isCurrentApprover(request: OnboardingRequest, recipient: string | undefined): boolean {
  return !recipient || request.approvers.some((p) => p.aadObjectId === recipient);
}

/** When the request's document queue (from before the shared outbox) next needs work, or null. */
function nextDue(request: OnboardingRequest): Date | null {
  return request.outbox.length ? new Date(request.outboxNotBefore ?? 0) : null;
}

/**
 * Carries out a request's pending effects in order, removing each when done, and runs its due compliance checks.
 * A failure defers the effect with backoff and stops this request's queue (order matters: the card update must
 * not overtake the decision). All of it runs under the request's job lease (see JobQueue), held by one instance
 * at a time, renewed while the work runs and checked before each effect, so a drain that outlasts a stalled
 * lease stops instead of racing the instance that took over. Each message is sent once per idempotency key
 * (the outbox entry's id and the recipient), recorded in the delivery log before and after the send.
 */
export class EffectRunner implements EffectDrain {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly heartbeats = new Set<() => void>();
  /** Cards posted by the step in progress of each request's drain, recorded with its completion. */
  private readonly unrecorded = new Map<string, PostedCard[]>();
  private halted = false;
  /** Kicked drains running now, and those waiting for one of them to end (see concurrentDrains). */
  private activeDrains = 0;
  private readonly drainQueue: (() => void)[] = [];
  /** Kicks waiting for a place, by request; runClaimed cancels one whose job the worker claimed meanwhile. */
  private readonly waitingKicks = new Map<string, { cancelled: boolean }>();
  private outbox?: Outbox;
  private onGranted?: (request: OnboardingRequest, access: { groupId: string; memberId: string }) => Promise<void>;

  constructor(
    private readonly requests: RequestRepository,
    private readonly audit: AuditRepository,
    private readonly refs: ConversationReferenceRepository,
    private readonly messenger: Messenger,
    private readonly views: OnboardingViews,
    private readonly graph: GraphServices,
    private readonly service: OnboardingService,
    private readonly jobs: JobQueue,
    private readonly deliveries: DeliveryLog,
    private readonly options: EffectRunnerOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Connects the shared outbox the request's effects are read from (set once in the composition root). */
  useOutbox(outbox: Outbox): void {
    this.outbox = outbox;
  }

  /** Called after access is granted (the enrolled device starts being watched); a failure retries the grant effect. */
  setGrantListener(listener: (request: OnboardingRequest, access: { groupId: string; memberId: string }) => Promise<void>): void {
    this.onGranted = listener;
  }

  /**
   * Makes sure the request's job fires soon even if this process dies before carrying out what comes next. Call
   * the returned function once the write that follows has landed (or failed): from then on a drain here that saw
   * it may end the job at once.
   */
  announce(requestId: string): Promise<() => void> {
    return this.jobs.announceWrite(KIND, requestId, new Date(this.clock().getTime() + this.jobs.options.leaseMs));
  }

  /**
   * Starts the request's work in the background (an invoke must be answered within seconds; this may take
   * longer). If another instance holds the request's lease, it will see the new effects; if it stops before it
   * does, its lease expires and this instance takes over: the kick keeps trying, without giving up, for as long
   * as the request has due effects and someone else holds the lease.
   */
  kick(requestId: string, attempt = 0): void {
    if (this.halted) return;
    if (this.running.has(requestId)) {
      this.again.add(requestId);
      return;
    }
    this.cancelRetry(requestId);
    const waiting = { cancelled: false };
    this.waitingKicks.set(requestId, waiting);
    const run: Promise<void> = (async () => {
      const release = await this.drainSlot();
      if (this.waitingKicks.get(requestId) === waiting) this.waitingKicks.delete(requestId);
      try {
        // The worker took the request's job over while this kick waited for its turn (see runClaimed).
        if (this.halted || waiting.cancelled) return;
        const taken = await this.jobs.take(KIND, requestId);
        if (!('lease' in taken)) {
          if (taken.heldUntil) this.retryLater(requestId, attempt, taken.heldUntil);
          return;
        }
        await this.work(requestId, taken.lease);
      } finally {
        release();
      }
    })()
      .catch((e) => this.logger.error({ err: e, requestId }, 'effect drain failed'))
      .finally(() => {
        if (this.running.get(requestId) === run) this.running.delete(requestId);
        if (!waiting.cancelled && this.again.delete(requestId)) this.kick(requestId);
      });
    this.running.set(requestId, run);
  }

  /** Waits for one of the concurrentDrains places; the returned function hands it to the next in line. */
  private async drainSlot(): Promise<() => void> {
    if (this.activeDrains < (this.options.concurrentDrains ?? 16)) this.activeDrains++;
    else await new Promise<void>((resolve) => this.drainQueue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.drainQueue.shift();
      if (next) next();
      else this.activeDrains--;
    };
  }

  /** Tries the kick again shortly: when the holder lets go, or at the latest just after its lease ends. */
  private retryLater(requestId: string, attempt: number, heldUntil: Date) {
    const untilExpiry = heldUntil.getTime() - this.clock().getTime() + 50;
    const delay = Math.max(50, Math.min(250 * 2 ** Math.min(attempt, 3), untilExpiry));
    const timer = setTimeout(async () => {
      this.retries.delete(requestId);
      try {
        const request = await this.requests.get(requestId);
        // Nothing left to do: the holder carried the effects out.
        if (request && (await this.effectsDue(request, this.clock().toISOString()))) this.kick(requestId, attempt + 1);
      } catch (e) {
        this.logger.warn({ err: e, requestId }, 'effect drain retry failed');
        this.kick(requestId, attempt + 1);
      }
    }, delay);
    timer.unref();
    this.retries.set(requestId, timer);
  }

  private cancelRetry(requestId: string) {
    const t = this.retries.get(requestId);
    if (t) clearTimeout(t);
    this.retries.delete(requestId);
  }

  /**
   * Runs the work of a job the background worker claimed (its lease is already held), registered so that a
   * kick in this process waits for it instead of competing.
   */
  async runClaimed(requestId: string, lease: Lease): Promise<void> {
    // A kick still waiting for its turn (its job came due meanwhile) gives way: the worker holds the lease now.
    const waiting = this.waitingKicks.get(requestId);
    if (waiting) {
      waiting.cancelled = true;
      this.waitingKicks.delete(requestId);
    } else {
      while (this.running.has(requestId)) await this.running.get(requestId);
    }
    const run = this.work(requestId, lease).finally(() => {
      if (this.running.get(requestId) === tracked) this.running.delete(requestId);
      if (this.again.delete(requestId)) this.kick(requestId);
    });
    const tracked = run.catch(() => undefined);
    this.running.set(requestId, tracked);
    await run;
  }

  /**
   * Everything the request needs now, under one lease: due effects, then a due compliance check (whose outcome
   * adds effects, carried out in the same round). The lease is renewed meanwhile; when the work ends the job is
   * rescheduled for the request's next due time, or deleted when it has none.
   */
  private async work(requestId: string, lease: Lease): Promise<void> {
    const stopRenewing = this.jobs.leases.keepAlive(lease, (e) => this.logger.warn({ err: e, requestId }, 'lease renewal failed'));
    this.heartbeats.add(stopRenewing);
    let seenRev: number | undefined;
    let next: Date | null = null;
    try {
      for (let step = 0; ; step++) {
        if (this.halted) return;
        if (step >= MAX_STEPS) {
          next = this.clock();
          break;
        }
        seenRev = await this.jobs.revision(lease);
        const request = await this.requests.get(requestId);
        const now = this.clock().toISOString();
        if (!request) break;
        // One read of the pending entries serves the due check, the drain and the next due time.
        const pending = await this.pendingOf(request);
        if (this.effectsDueIn(request, pending, now) && (await this.drain(requestId, lease, { request, pending }))) continue;
        if (CHECKING.includes(request.state) && request.nextCheckAt && !(await this.jobs.collection.findOne({ _id: JobQueue.id(ENROLLMENT_CHECK, requestId) }, { projection: { _id: 1 } }))) {
          // A check scheduled by a version without enrollment-check jobs: it gets its job now.
          await this.scheduleCheck(requestId, request.nextCheckAt);
        }
        next = this.nextDueIn(request, pending);
        break;
      }
    } catch (e) {
      if (!(e instanceof LeaseLostError)) {
        // Keep the job: it runs again shortly (an unexpected failure must never drop pending work).
        next = new Date(this.clock().getTime() + CHECK_RETRY_MS);
        throw e;
      }
      this.logger.warn({ requestId, owner: lease.owner }, 'lease lost to another instance; stopping this drain');
    } finally {
      stopRenewing();
      this.heartbeats.delete(stopRenewing);
      if (!this.halted && !lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Makes sure the request's enrollment check job fires at `at` (before the write that sets `nextCheckAt`). */
  async scheduleCheck(requestId: string, at: string): Promise<void> {
    await this.jobs.announce(ENROLLMENT_CHECK, requestId, new Date(at));
  }

  /**
   * Runs a request's enrollment check job (claimed by the background worker): when the request waits for a device
   * or for compliance and its check is due, reads Intune and applies the outcome (whose effects the request's own
   * job carries out); then the job waits for the request's next check, or ends when it has none.
   */
  async runCheck(requestId: string, lease: Lease): Promise<void> {
    const stop = this.jobs.leases.keepAlive(lease, (e) => this.logger.warn({ err: e, requestId }, 'lease renewal failed'));
    let seenRev: number | undefined;
    let next: Date | null = null;
    try {
      seenRev = await this.jobs.revision(lease);
      let request = await this.requests.get(requestId);
      if (request && checkDue(request, this.clock().toISOString())) {
        await this.jobs.leases.assertHeld(lease);
        await this.checkCompliance(request, false);
        request = await this.requests.get(requestId);
      }
      next = request && CHECKING.includes(request.state) && request.nextCheckAt ? new Date(request.nextCheckAt) : null;
    } catch (e) {
      if (e instanceof LeaseLostError) return;
      this.logger.warn({ requestId, err: e }, 'compliance check failed; will retry');
      next = new Date(this.clock().getTime() + CHECK_RETRY_MS);
    } finally {
      stop();
      if (!this.halted && !lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Waits for every drain in flight and every scheduled retry (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size || this.retries.size) {
      if (this.running.size) await Promise.all([...this.running.values()]);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Stops at once without releasing anything, as a crashed process would: no more renewals, retries or kicks.
   * Leases it held expire and other instances take the work over.
   */
  halt(): void {
    this.halted = true;
    for (const stop of this.heartbeats) stop();
    this.heartbeats.clear();
    for (const t of this.retries.values()) clearTimeout(t);
    this.retries.clear();
  }

  /**
   * Whether the request has an effect to carry out now: the first of its entries in the shared outbox (or, for a
   * request written before it, of its in-document queue) is due.
   */
  private async effectsDue(request: OnboardingRequest, now: string): Promise<boolean> {
    return outboxDue(request, now) || this.effectsDueIn(request, await this.pendingOf(request), now);
  }

  /** The request's pending entries in the shared outbox, in order (none while its in-document queue has any). */
  private async pendingOf(request: OnboardingRequest): Promise<OutboxEntry[]> {
    return this.outbox && !request.outbox.length ? this.outbox.pendingOf(REQUEST_AGGREGATE, request._id) : [];
  }

  /** {@link effectsDue} on entries already read. */
  private effectsDueIn(request: OnboardingRequest, pending: readonly OutboxEntry[], now: string): boolean {
    if (outboxDue(request, now)) return true;
    const first = pending[0];
    return Boolean(first && first.dueAt.toISOString() <= now);
  }

  /** When the request next needs background work (its entries already read), or null when it needs none. */
  private nextDueIn(request: OnboardingRequest, pending: readonly OutboxEntry[]): Date | null {
    if (request.outbox.length) return nextDue(request);
    const first = pending[0];
    if (!first) return nextDue(request);
    const committed = request.outboxTokens?.includes(first.commitToken);
    // An entry whose write has not landed yet is looked at again once that write has had a lease's time.
    return committed ? first.dueAt : new Date(Math.max(first.dueAt.getTime(), this.clock().getTime() + this.jobs.options.leaseMs));
  }

  /**
   * Carries out due effects of one request now, in the order they are owed, while `lease` still holds the
   * request's job; true when it got anywhere. A request written before the shared outbox has its in-document queue
   * carried out first. Carried-out entries are marked done (the drain is their only writer, so no lock) and the
   * cards they posted recorded (one request write), together when the due effects are done or one fails; carrying
   * an effect out again after a crash or a lost lease repeats nothing: an audit record is written once by its id, a
   * message once per idempotency key (the delivery log), a card edit not at all when the card already shows it.
   * Effects that apply a transition (compliance check, access grant) are marked as soon as they are done, since
   * repeating them is not a no-op. An entry whose write lost its version race (or never happened) is discarded.
   */
  async drain(requestId: string, lease: Lease, known?: { request: OnboardingRequest; pending: OutboxEntry[] }): Promise<boolean> {
    const legacy = await this.drainDocument(requestId, lease, known?.request);
    // Effects from before the shared outbox are older than any in it: while one waits, the newer ones wait too.
    if (!this.outbox || legacy.waiting) return legacy.moved;
    const outbox = this.outbox;
    const carried: string[] = [];
    let moved = legacy.moved;
    const settle = async () => {
      const cards = this.unrecorded.get(requestId) ?? [];
      this.unrecorded.delete(requestId);
      // The cards first: an entry marked done before its card is recorded would leave that card unrecorded for good.
      await this.requests.completeEffects(requestId, [], cards);
      await outbox.markDone(REQUEST_AGGREGATE, requestId, carried.splice(0));
    };
    // The entries and the request are read once (or taken from the caller, who just read them), and again after an
    // effect that applied a transition (it may have owed more); the request also when an entry carries a commit
    // token it has not seen yet (a newer write may have landed meanwhile).
    const fresh = known && !legacy.moved;
    let queue = fresh ? known.pending : await outbox.pendingOf(REQUEST_AGGREGATE, requestId);
    let request: OnboardingRequest | null | undefined = fresh ? known.request : undefined;
    for (;;) {
      if (this.halted) return moved;
      const entry = queue.find((e) => !carried.includes(e._id));
      if (request === undefined || (request && entry && !request.outboxTokens?.includes(entry.commitToken))) request = await this.requests.get(requestId);
      const now = this.clock();
      if (!request || !entry || entry.dueAt > now) {
        await settle();
        return moved;
      }
      if (!request.outboxTokens?.includes(entry.commitToken)) {
        const superseded = request.version >= entry.aggregateVersion;
        const old = now.getTime() - entry.createdAt.getTime() > 2 * this.jobs.options.leaseMs;
        if (!superseded && !old) {
          // Its write may still be on its way: nothing after it goes first.
          await settle();
          return moved;
        }
        await outbox.settle(entry, 'discarded');
        queue = queue.filter((e) => e._id !== entry._id);
        moved = true;
        continue;
      }
      await this.jobs.leases.assertHeld(lease);
      const pending: PendingEffect = { id: entry._id, effect: (entry.payload as { effect: Effect }).effect, createdAt: entry.createdAt.toISOString() };
      try {
        await this.execute(pending, request);
      } catch (e) {
        if (e instanceof LeaseLostError) throw e;
        await settle();
        await this.failEntry(request, entry, pending, e);
        return true;
      }
      carried.push(entry._id);
      moved = true;
      if (TRANSITIONS.has(pending.effect.type)) {
        await settle();
        queue = await outbox.pendingOf(REQUEST_AGGREGATE, requestId);
        request = undefined;
      }
    }
  }

  /** The effect of a shared outbox entry failed: retried later (the request's later effects wait), or given up. */
  private async failEntry(request: OnboardingRequest, entry: OutboxEntry, pending: PendingEffect, e: unknown) {
    const outbox = this.outbox!;
    const attempts = entry.attempts + 1;
    const message = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300);
    if (e instanceof InvalidTransitionError) {
      this.logger.info({ requestId: request._id, effect: pending.effect.type, state: e.state }, 'effect outdated by a newer transition');
      await outbox.markDone(REQUEST_AGGREGATE, request._id, [entry._id]);
      return;
    }
    if (attempts >= (this.options.maxAttempts ?? 6) || e instanceof RecipientUnreachableError) {
      if (pending.effect.type === 'recordAudit') await this.audit.park(pending.effect.entry, message);
      this.logger.error({ requestId: request._id, effect: pending.effect.type, attempts, error: message }, 'effect abandoned');
      await outbox.settle({ ...entry, attempts }, 'failed', message);
      return;
    }
    const delayMs = Math.min(30_000 * 2 ** (attempts - 1), 3_600_000);
    const dueAt = new Date(this.clock().getTime() + delayMs);
    this.logger.warn({ requestId: request._id, effect: pending.effect.type, attempts, error: message, retryAt: dueAt.toISOString() }, 'effect failed; will retry');
    await outbox.defer(entry, dueAt, attempts, message);
  }

  /** Carries out the in-document queue of a request written before the shared outbox (same rules as drain). */
  private async drainDocument(requestId: string, lease: Lease, known?: OnboardingRequest): Promise<{ moved: boolean; waiting: boolean }> {
    const carried: PendingEffect[] = [];
    let moved = false;
    const settle = async () => {
      const cards = this.unrecorded.get(requestId) ?? [];
      this.unrecorded.delete(requestId);
      await this.requests.completeEffects(requestId, carried.splice(0), cards);
    };
    // The caller's fresh read serves the first round (a request with nothing in its in-document queue needs no other).
    let given = known;
    for (;;) {
      if (this.halted) return { moved, waiting: true };
      const request = given ?? (await this.requests.get(requestId));
      given = undefined;
      const now = this.clock().toISOString();
      const next = request?.outbox.find((p) => !carried.some((c) => c.id === p.id));
      if (!request || !next || (request.outboxNotBefore && request.outboxNotBefore > now)) {
        await settle();
        return { moved, waiting: Boolean(next) };
      }
      await this.jobs.leases.assertHeld(lease);
      try {
        await this.execute(next, request);
      } catch (e) {
        if (e instanceof LeaseLostError) throw e;
        await settle();
        await this.fail(request, next, e);
        return { moved: true, waiting: true };
      }
      carried.push(next);
      moved = true;
      if (TRANSITIONS.has(next.effect.type)) await settle();
    }
  }

  private async fail(request: OnboardingRequest, pending: PendingEffect, e: unknown) {
    const attempts = (request.outboxAttempts?.[pending.id] ?? 0) + 1;
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const max = this.options.maxAttempts ?? 6;
    if (e instanceof InvalidTransitionError) {
      // The workflow moved on meanwhile (another check already recorded this outcome): nothing left to do.
      this.logger.info({ requestId: request._id, effect: pending.effect.type, state: e.state }, 'effect outdated by a newer transition');
      await this.requests.completeEffect(request._id, pending);
      return;
    }
    if (attempts >= max || e instanceof RecipientUnreachableError) {
      // Nothing will change by retrying: keep the outcome on record and move on so the rest of the flow proceeds.
      // An audit entry is never dropped: it is parked (and alerted) before it leaves the outbox.
      if (pending.effect.type === 'recordAudit') await this.audit.park(pending.effect.entry, message);
      this.logger.error({ requestId: request._id, effect: pending.effect.type, attempts, error: message }, 'effect abandoned');
      await this.requests.completeEffect(request._id, pending);
      return;
    }
    const delayMs = Math.min(30_000 * 2 ** (attempts - 1), 3_600_000);
    const notBefore = new Date(this.clock().getTime() + delayMs).toISOString();
    this.logger.warn({ requestId: request._id, effect: pending.effect.type, attempts, error: message, retryAt: notBefore }, 'effect failed; will retry');
    await this.requests.deferEffect(request._id, pending.id, attempts, notBefore);
  }

  private async requesterRef(request: OnboardingRequest): Promise<Partial<ConversationReference> | undefined> {
    return (await this.refs.findUser(request.requester.aadObjectId))?.reference;
  }

  private async refreshUserIds(request: OnboardingRequest): Promise<string[]> {
    const ids: string[] = [];
    for (const p of request.approvers.slice(0, 59)) {
      const known = await this.refs.findUser(p.aadObjectId);
      ids.push(known?.teamsUserId ?? `8:orgid:${p.aadObjectId}`);
    }
    return ids;
  }

  private async render(kind: PostedCard['kind'], request: OnboardingRequest, role: PostedCard['role'], recipient?: string): Promise<CardJson> {
    switch (kind) {
      case 'status':
        return this.views.requestStatus(request);
      case 'approval':
        // A former approver (escalated or reassigned away) sees the read-only view that says who decides now.
        return this.views.approval(request, role === 'approver' && isCurrentApprover(request, recipient) ? 'approver' : 'other', await this.refreshUserIds(request));
      case 'it':
        // Posted with IT's view; the card's refresh gives everyone else the read-only view.
        return this.views.it(request, 'it');
      case 'consent':
        return this.views.consent(request);
      case 'enrollment':
        return this.views.enrollment(request);
      case 'compliance':
        return this.views.compliance(request);
    }
  }

  /**
   * Notes where a card went (once, also when a recovery finds it already delivered), so later changes update it
   * in place; written with the step's completion (see drain).
   */
  private remember(request: OnboardingRequest, card: PostedCard) {
    const same = (c: PostedCard) => c.activityId === card.activityId && c.conversationId === card.conversationId;
    const noted = this.unrecorded.get(request._id) ?? [];
    if (request.cards.some(same) || noted.some(same)) return;
    this.unrecorded.set(request._id, [...noted, card]);
  }

  /**
   * Sends one message at most once per idempotency key. The attempt is recorded before the send and the activity
   * id right after it. On recovery a delivered message is not sent again; an attempt whose outcome was never
   * recorded may have reached Teams, so where an earlier card of the same kind went to the same place it is
   * updated in place instead of posting another, and otherwise it is sent again (the remaining at-least-once
   * window: a crash between Teams accepting the message and the activity id being written).
   */
  private async deliverOnce(
    key: string,
    card: CardJson,
    send: (activity: Partial<Activity>) => Promise<Delivery>,
    earlier?: PostedCard,
    via?: Partial<ConversationReference>,
  ): Promise<Delivery> {
    const prior = await this.deliveries.begin(key);
    if (prior.state === 'delivered') {
      this.logger.info({ key }, 'message already delivered before a restart; not sending again');
      return prior.delivery;
    }
    let delivery: Delivery;
    if (prior.state === 'unconfirmed' && earlier) {
      this.logger.warn({ key, attempts: prior.attempts }, 'earlier send unconfirmed; updating the earlier card in place');
      await this.messenger.update(earlier, cardActivity(card), via);
      delivery = { conversationId: earlier.conversationId, activityId: earlier.activityId, serviceUrl: '' };
    } else {
      if (prior.state === 'unconfirmed') this.logger.warn({ key, attempts: prior.attempts }, 'earlier send unconfirmed; sending again');
      try {
        delivery = await send(cardActivity(card));
      } catch (e) {
        // An error answer from Teams means nothing arrived; without one (connection lost) it may have.
        if (statusOf(e) || e instanceof RecipientUnreachableError) await this.deliveries.refused(key);
        throw e;
      }
    }
    await this.deliveries.confirm(key, delivery);
    await this.deliveries.rendered(delivery, card).catch((e) => this.logger.warn({ err: e, key }, 'card digest not recorded'));
    return delivery;
  }

  private async sendToRequester(pending: PendingEffect, request: OnboardingRequest, card: CardJson, kind?: PostedCard['kind']) {
    const to = request.requester.aadObjectId;
    const via = await this.requesterRef(request);
    const earlier = kind ? [...request.cards].reverse().find((c) => c.kind === kind && c.recipientAadObjectId === to) : undefined;
    const d = await this.deliverOnce(`${pending.id}:requester`, card, (a) => this.messenger.sendToUser(to, a, via), earlier, via);
    if (kind) this.remember(request, { role: 'requester', kind, conversationId: d.conversationId, activityId: d.activityId, recipientAadObjectId: to });
  }

  /** Writes the current view onto a posted card, unless the card already shows exactly that. */
  private async refreshCard(request: OnboardingRequest, card: PostedCard, via?: Partial<ConversationReference>) {
    const rendered = await this.render(card.kind, request, card.role, card.recipientAadObjectId);
    if (await this.deliveries.shows(card, rendered)) return;
    await this.messenger.update(card, cardActivity(rendered), via);
    await this.deliveries.rendered(card, rendered);
  }

  private async execute(pending: PendingEffect, request: OnboardingRequest): Promise<void> {
    const { effect } = pending;
    switch (effect.type) {
      case 'recordAudit':
        return this.audit.record(effect.entry);
      case 'sendApprovalRequest': {
        const via = await this.requesterRef(request);
        const userIds = await this.refreshUserIds(request);
        const failures: string[] = [];
        for (const approver of request.approvers) {
          // One unreachable approver must not stop the others.
          try {
            const to = approver.aadObjectId;
            const earlier = request.cards.find((c) => c.kind === 'approval' && c.recipientAadObjectId === to);
            const d = await this.deliverOnce(`${pending.id}:approver:${to}`, this.views.approval(request, 'approver', userIds), (a) => this.messenger.sendToUser(to, a, via), earlier, via);
            this.remember(request, { role: 'approver', kind: 'approval', conversationId: d.conversationId, activityId: d.activityId, recipientAadObjectId: to });
          } catch (e) {
            if (e instanceof LeaseLostError) throw e;
            failures.push(approver.aadObjectId);
            this.logger.warn({ requestId: request._id, err: e }, 'approval card not delivered to an approver');
          }
        }
        if (failures.length === request.approvers.length) throw new Error('approval card could not be delivered to any approver');
        return;
      }
      case 'notifyRequester':
        return this.sendToRequester(pending, request, this.views.notice(request, effect.about, 'requester'), effect.about === 'submitted' ? 'status' : undefined);
      case 'notifyApprovers': {
        const via = await this.requesterRef(request);
        for (const approver of request.approvers) {
          try {
            const to = approver.aadObjectId;
            await this.deliverOnce(`${pending.id}:approver:${to}`, this.views.notice(request, effect.about, 'approver'), (a) => this.messenger.sendToUser(to, a, via));
          } catch (e) {
            this.logger.warn({ requestId: request._id, err: e }, 'approver notice not delivered');
          }
        }
        return;
      }
      case 'postItCard': {
        if (!this.messenger.hasItChannel) return;
        const via = await this.requesterRef(request);
        const earlier = request.cards.find((c) => c.kind === 'it');
        const d = await this.deliverOnce(`${pending.id}:it`, this.views.it(request, 'it'), (a) => this.messenger.sendToItChannel(a, via), earlier, via);
        this.remember(request, { role: 'it', kind: 'it', conversationId: d.conversationId, activityId: d.activityId });
        return;
      }
      case 'alertIt': {
        if (!this.messenger.hasItChannel) return;
        const via = await this.requesterRef(request);
        const itCard = request.cards.find((c) => c.kind === 'it');
        await this.deliverOnce(`${pending.id}:it`, this.views.notice(request, effect.about, 'it'), (a) => this.messenger.sendToItChannel(a, via, itCard?.activityId));
        return;
      }
      case 'sendConsentCard':
        return this.sendToRequester(pending, request, this.views.consent(request), 'consent');
      case 'sendEnrollmentInstructions':
        return this.sendToRequester(pending, request, this.views.enrollment(request), 'enrollment');
      case 'sendRemediation':
        return this.sendToRequester(pending, request, this.views.compliance(request), 'compliance');
      case 'refreshCards': {
        const via = await this.requesterRef(request);
        for (const card of request.cards) {
          try {
            await this.refreshCard(request, card, via);
          } catch (e) {
            this.logger.warn({ requestId: request._id, kind: card.kind, err: e }, 'card update failed');
          }
        }
        return;
      }
      case 'checkCompliance':
        return this.checkCompliance(request, effect.sync);
      case 'grantAccess':
        return this.grantAccess(request);
    }
  }

  /** Step 5: finds the enrolled device and reads its compliance; feeds the outcome back into the workflow. */
  async checkCompliance(request: OnboardingRequest, sync: boolean): Promise<void> {
    const { intune } = this.graph;
    if (!CHECKING.includes(request.state)) return;
    if (sync && request.managedDeviceId) await intune.syncDevice(request.managedDeviceId);
    const devices = request.managedDeviceId
      ? [await intune.getDevice(request.managedDeviceId)].filter((d): d is NonNullable<typeof d> => Boolean(d))
      : await intune.listUserDevices(request.requester.aadObjectId);
    const device = pickDevice(request, devices);
    const now = this.clock().toISOString();
    if (!device) {
      await this.service.apply(request._id, { type: 'deviceNotFound' }, SYSTEM);
      return;
    }
    const report = await readComplianceReport(intune, device, now);
    await this.service.apply(request._id, { type: 'complianceEvaluated', report }, SYSTEM);
  }

  /** Step 6: adds the user (or device) to the group Conditional Access targets. */
  private async grantAccess(request: OnboardingRequest): Promise<void> {
    let memberId = request.requester.aadObjectId;
    if (this.options.accessGrantTarget === 'device') {
      const device = request.managedDeviceId ? await this.graph.intune.getDevice(request.managedDeviceId) : undefined;
      const objectId = device?.azureADDeviceId ? await this.graph.directory.getDeviceObjectId?.(device.azureADDeviceId) : undefined;
      if (!objectId) throw new Error('the device has no Entra device object to add to the access group');
      memberId = objectId;
    }
    const receipt = await this.graph.groups.addMember(this.options.accessGroupId, memberId);
    // Watched from here on; before the transition, so a failure retries the (idempotent) grant and the watch.
    await this.onGranted?.(request, { groupId: this.options.accessGroupId, memberId });
    await this.service.apply(
      request._id,
      { type: 'accessApplied', groupId: this.options.accessGroupId, memberId, graphRequestId: receipt?.requestId ?? null, clientRequestId: receipt?.clientRequestId },
      SYSTEM,
    );
  }
}
