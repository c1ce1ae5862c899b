import type { ConversationReference } from 'botbuilder';
import type { Logger } from '../../bot/logger';
import type { GraphServices } from '../graph/graphTypes';
import { cardActivity, RecipientUnreachableError, type Messenger } from '../messaging/proactiveMessenger';
import type { AuditRepository } from '../storage/auditRepository';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import type { RequestRepository } from '../storage/requestRepository';
import { InvalidTransitionError } from '../workflow/errors';
import { CHECKING } from '../workflow/transition';
import type { Effect, OnboardingRequest, PendingEffect, PostedCard } from '../workflow/model';
import { pickDevice, readComplianceReport } from './complianceReader';
import type { EffectDrain, OnboardingService } from './onboardingService';
import type { CardJson, OnboardingViews } from './views';

/** Options the runner reads from configuration. */
export interface EffectRunnerOptions {
  accessGroupId: string;
  accessGrantTarget: 'user' | 'device';
  /** Give up retrying an effect after this many attempts (it stays recorded with its last error). */
  maxAttempts?: number;
}

const SYSTEM = { kind: 'system' } as const;
const LEASE_SECONDS = 120;

/**
 * Carries out a request's pending effects in order, removing each when done. A failure defers the effect with
 * backoff and stops this request's queue (order matters: the card update must not overtake the decision), and
 * the worker resumes it later, after a restart too, because the queue lives in the request document.
 */
export class EffectRunner implements EffectDrain {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly retries = new Set<string>();

  constructor(
    private readonly requests: RequestRepository,
    private readonly audit: AuditRepository,
    private readonly refs: ConversationReferenceRepository,
    private readonly messenger: Messenger,
    private readonly views: OnboardingViews,
    private readonly graph: GraphServices,
    private readonly service: OnboardingService,
    private readonly options: EffectRunnerOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Starts draining in the background (an invoke must be answered within seconds; this may take longer). The
   * request's lease makes the drain exclusive across this process's worker and other bot instances; if someone
   * else holds it, they will see the new effects, and a retry shortly after covers the moment they finish.
   */
  kick(requestId: string, attempt = 0): void {
    if (this.running.has(requestId)) {
      this.again.add(requestId);
      return;
    }
    const run = (async () => {
      if (!(await this.requests.tryLease(requestId, this.clock().toISOString(), LEASE_SECONDS))) {
        if (attempt < 5) {
          this.retries.add(requestId);
          setTimeout(() => {
            this.retries.delete(requestId);
            this.kick(requestId, attempt + 1);
          }, 1000).unref();
        }
        return;
      }
      try {
        await this.drain(requestId);
      } finally {
        await this.requests.release(requestId);
      }
    })()
      .catch((e) => this.logger.error({ err: e, requestId }, 'effect drain failed'))
      .finally(() => {
        this.running.delete(requestId);
        if (this.again.delete(requestId)) this.kick(requestId);
      });
    this.running.set(requestId, run);
  }

  /**
   * Runs `work` for a request whose lease the caller already holds (the background worker), registered so that
   * a kick in this process waits instead of draining the same request at the same time.
   */
  async whileHeld(requestId: string, work: () => Promise<void>): Promise<void> {
    while (this.running.has(requestId)) await this.running.get(requestId);
    const run = work().finally(async () => {
      this.running.delete(requestId);
      if (this.again.delete(requestId)) {
        // Hand the lease over to the follow-up drain of effects the work itself produced.
        await this.requests.release(requestId);
        this.kick(requestId);
      }
    });
    this.running.set(requestId, run.catch(() => undefined));
    await run;
  }

  /** Waits for every drain in flight and every scheduled retry (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size || this.retries.size) {
      if (this.running.size) await Promise.all([...this.running.values()]);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Carries out due effects of one request now; the caller holds its lease. */
  async drain(requestId: string): Promise<void> {
    for (;;) {
      const request = await this.requests.get(requestId);
      const now = this.clock().toISOString();
      const next = request?.outbox[0];
      if (!request || !next || (request.outboxNotBefore && request.outboxNotBefore > now)) return;
      try {
        await this.execute(next.effect, request);
        await this.requests.completeEffect(requestId, next);
      } catch (e) {
        await this.fail(request, next, e);
        return;
      }
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
      this.kick(request._id);
      return;
    }
    if (attempts >= max || e instanceof RecipientUnreachableError) {
      // Nothing will change by retrying: keep the outcome on record and move on so the rest of the flow proceeds.
      this.logger.error({ requestId: request._id, effect: pending.effect.type, attempts, error: message }, 'effect abandoned');
      await this.requests.completeEffect(request._id, pending);
      this.kick(request._id);
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

  private async render(kind: PostedCard['kind'], request: OnboardingRequest, role: PostedCard['role']): Promise<CardJson> {
    switch (kind) {
      case 'status':
        return this.views.requestStatus(request);
      case 'approval':
        return this.views.approval(request, role === 'approver' ? 'approver' : 'other', await this.refreshUserIds(request));
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

  /** Records where a card went, so later changes update it in place. */
  private remember(requestId: string, card: PostedCard) {
    return this.requests.addCard(requestId, card);
  }

  private async sendToRequester(request: OnboardingRequest, card: CardJson, kind?: PostedCard['kind']) {
    const via = await this.requesterRef(request);
    const d = await this.messenger.sendToUser(request.requester.aadObjectId, cardActivity(card), via);
    if (kind) await this.remember(request._id, { role: 'requester', kind, conversationId: d.conversationId, activityId: d.activityId, recipientAadObjectId: request.requester.aadObjectId });
  }

  private async execute(effect: Effect, request: OnboardingRequest): Promise<void> {
    switch (effect.type) {
      case 'recordAudit':
        return this.audit.append(effect.entry);
      case 'sendApprovalRequest': {
        const via = await this.requesterRef(request);
        const userIds = await this.refreshUserIds(request);
        const failures: string[] = [];
        for (const approver of request.approvers) {
          // One unreachable approver must not stop the others.
          try {
            const d = await this.messenger.sendToUser(approver.aadObjectId, cardActivity(this.views.approval(request, 'approver', userIds)), via);
            await this.remember(request._id, { role: 'approver', kind: 'approval', conversationId: d.conversationId, activityId: d.activityId, recipientAadObjectId: approver.aadObjectId });
          } catch (e) {
            failures.push(approver.aadObjectId);
            this.logger.warn({ requestId: request._id, err: e }, 'approval card not delivered to an approver');
          }
        }
        if (failures.length === request.approvers.length) throw new Error('approval card could not be delivered to any approver');
        return;
      }
      case 'notifyRequester':
        return this.sendToRequester(request, this.views.notice(request, effect.about, 'requester'), effect.about === 'submitted' ? 'status' : undefined);
      case 'notifyApprovers': {
        const via = await this.requesterRef(request);
        for (const approver of request.approvers) {
          try {
            await this.messenger.sendToUser(approver.aadObjectId, cardActivity(this.views.notice(request, effect.about, 'approver')), via);
          } catch (e) {
            this.logger.warn({ requestId: request._id, err: e }, 'approver notice not delivered');
          }
        }
        return;
      }
      case 'postItCard': {
        if (!this.messenger.hasItChannel) return;
        const d = await this.messenger.sendToItChannel(cardActivity(this.views.it(request, 'it')), await this.requesterRef(request));
        return this.remember(request._id, { role: 'it', kind: 'it', conversationId: d.conversationId, activityId: d.activityId });
      }
      case 'alertIt': {
        if (!this.messenger.hasItChannel) return;
        const itCard = request.cards.find((c) => c.kind === 'it');
        await this.messenger.sendToItChannel(cardActivity(this.views.notice(request, effect.about, 'it')), await this.requesterRef(request), itCard?.activityId);
        return;
      }
      case 'sendConsentCard':
        return this.sendToRequester(request, this.views.consent(request), 'consent');
      case 'sendEnrollmentInstructions':
        return this.sendToRequester(request, this.views.enrollment(request), 'enrollment');
      case 'sendRemediation':
        return this.sendToRequester(request, this.views.compliance(request), 'compliance');
      case 'refreshCards': {
        const via = await this.requesterRef(request);
        for (const card of request.cards) {
          try {
            await this.messenger.update(card, cardActivity(await this.render(card.kind, request, card.role)), via);
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
    await this.graph.groups.addMember(this.options.accessGroupId, memberId);
    await this.service.apply(request._id, { type: 'accessApplied', groupId: this.options.accessGroupId, memberId }, SYSTEM);
  }
}
