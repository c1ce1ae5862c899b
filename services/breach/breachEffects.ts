import type { Activity, ConversationReference } from 'botbuilder';
import type { Logger } from '../logging/logger';
import { renderBreachNoticeCard } from '../../cards/breachNoticeCard';
import { renderBreachStatusCard, SHOWN_UNREACHABLE } from '../../cards/breachStatusCard';
import { renderNoticeCard } from '../../cards/noticeCard';
import { GraphRequestError } from '../graph/graphErrors';
import type { DeliveryLog } from '../messaging/deliveryLog';
import { cardActivity, RecipientUnreachableError, statusOf, type Delivery, type Messenger } from '../messaging/proactiveMessenger';
import type { Outbox, OutboxEntry } from '../outbox/outbox';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import type { Breach, BreachRepository } from './breachRepository';
import { noticeId } from './breachRepository';
import { BREACH_AGGREGATE, BreachOutboxKind, noticeDeliveryKey, type BreachService } from './breachService';
import { renderNotice } from './noticeTemplate';

/** Keeps sends of one process at most `perSecond` a second (the outbox drain runs in one instance at a time). */
export class Pacer {
  private next = 0;
  constructor(private readonly perSecond: number) {}
  async wait(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}

/** Why a person cannot be reached, when the failure says so for good (not installed, blocked, unknown). */
function unreachableReason(e: unknown): string | undefined {
  if (e instanceof RecipientUnreachableError) return e.reason;
  if (e instanceof GraphRequestError && (e.status === 403 || e.status === 404)) return `the app could not be installed for them (Graph ${e.status})`;
  const status = statusOf(e);
  if (status === 403 || status === 404) return `Teams refused the message (${status}: blocked or app removed)`;
  return undefined;
}

/** The notice text for one person. */
export function noticeTextFor(b: Pick<Breach, '_id' | 'incidentId' | 'discoveredAt' | 'notice'>, displayName: string): string {
  return renderNotice(b.notice.template, { name: displayName, reference: b._id, incident: b.incidentId, discoveredOn: b.discoveredAt.slice(0, 10) });
}

/**
 * Carries out what breaches owe, as outbox handlers: each person's notice (once per breach and person, through
 * the delivery log; people the bot cannot reach are recorded as unreachable for IT), reminders to people who
 * have not acknowledged, reminders to IT as a deadline nears, and IT's status card (posted once, then updated in
 * place). Notices and reminders are paced to stay within Teams' limits.
 */
export class BreachEffects {
  private readonly pacer: Pacer;

  constructor(
    private readonly repo: BreachRepository,
    private readonly service: BreachService,
    private readonly messenger: Messenger,
    private readonly deliveries: DeliveryLog,
    private readonly refs: ConversationReferenceRepository,
    private readonly options: { sendPerSecond: number; maxAttempts: number },
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.pacer = new Pacer(options.sendPerSecond);
  }

  /** Registers the handlers and the breach aggregate's commit record. */
  register(outbox: Outbox): void {
    outbox.aggregate(BREACH_AGGREGATE, async (id) => {
      const b = await this.repo.breaches.findOne({ _id: id }, { projection: { version: 1, outboxTokens: 1 } });
      return b ? { version: b.version, outboxTokens: b.outboxTokens ?? [] } : null;
    });
    outbox.handle(BreachOutboxKind.Notice, (e) => this.notice(e));
    outbox.handle(BreachOutboxKind.Reminder, (e) => this.reminder(e));
    outbox.handle(BreachOutboxKind.ItReminder, (e) => this.itReminder(e));
    outbox.handle(BreachOutboxKind.ItCard, (e) => this.itCard(e));
  }

  /** A reference to borrow a service URL and bot account from: the person's own, else the declarer's. */
  private async via(...people: string[]): Promise<Partial<ConversationReference> | undefined> {
    for (const p of people) {
      const ref = (await this.refs.findUser(p))?.reference;
      if (ref) return ref;
    }
    return undefined;
  }


  private async notice(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { breachId: string; aadObjectId: string };
    const id = noticeId(p.breachId, p.aadObjectId);
    const [breach, notice] = await Promise.all([this.repo.get(p.breachId), this.repo.getNotice(id)]);
    if (!breach || !notice) return;
    if (notice.state !== 'pending') {
      await this.service.noticeSettled(p.breachId);
      return;
    }
    const card = renderBreachNoticeCard({ breachId: breach._id, text: noticeTextFor(breach, notice.person.displayName) });
    const key = noticeDeliveryKey(breach._id, p.aadObjectId);
    let delivery: Delivery;
    try {
      const via = await this.via(p.aadObjectId, breach.declaredBy.aadObjectId);
      const prior = await this.deliveries.begin(key);
      if (prior.state === 'delivered') {
        delivery = prior.delivery;
      } else {
        await this.pacer.wait();
        try {
          delivery = await this.messenger.sendToUser(p.aadObjectId, cardActivity(card, 'Security notice') as Partial<Activity>, via);
        } catch (e) {
          if (statusOf(e) !== undefined) await this.deliveries.refused(key);
          throw e;
        }
        await this.deliveries.confirm(key, delivery);
      }
    } catch (e) {
      const reason = unreachableReason(e) ?? (entry.attempts + 1 >= this.options.maxAttempts ? `not delivered after ${entry.attempts + 1} attempts` : undefined);
      if (!reason) throw e;
      this.logger.warn({ breachId: breach._id, entry: entry._id }, 'breach notice: person unreachable');
      await this.service.applyNotice(id, { type: 'unreachable', reason }, { kind: 'system' });
      await this.service.noticeSettled(breach._id);
      return;
    }
    await this.service.applyNotice(id, { type: 'delivered' }, { kind: 'system' }, { delivery });
    await this.service.noticeSettled(breach._id);
  }

  private async reminder(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { breachId: string; aadObjectId: string; round: number };
    const id = noticeId(p.breachId, p.aadObjectId);
    const [breach, notice] = await Promise.all([this.repo.get(p.breachId), this.repo.getNotice(id)]);
    if (!breach || !notice || notice.state !== 'sent' || notice.remindersSent >= p.round || breach.state === 'closed') return;
    const card = renderBreachNoticeCard({ breachId: breach._id, text: noticeTextFor(breach, notice.person.displayName), reminder: p.round });
    try {
      await this.deliveries.sendOnce(`breach:${breach._id}:reminder:${p.round}:${p.aadObjectId}`, async () => {
        await this.pacer.wait();
        return this.messenger.sendToUser(p.aadObjectId, cardActivity(card, 'Reminder: security notice') as Partial<Activity>, await this.via(p.aadObjectId, breach.declaredBy.aadObjectId));
      });
    } catch (e) {
      if (!unreachableReason(e)) throw e;
      this.logger.warn({ breachId: breach._id, entry: entry._id }, 'breach reminder: person no longer reachable');
      return;
    }
    await this.service.applyNotice(id, { type: 'reminded', round: p.round }, { kind: 'system' });
  }

  private async itReminder(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { breachId: string; regulation: string; hoursBefore: number; dueAt: string };
    if (!this.messenger.hasItChannel) return;
    const breach = await this.repo.get(p.breachId);
    if (!breach) return;
    const counts = await this.repo.counts(breach._id);
    const told = counts.sent + counts.acknowledged;
    const when = p.hoursBefore > 0 ? `is due in ${p.hoursBefore} hours` : 'has passed and is not met';
    const card = renderNoticeCard({
      title: p.hoursBefore > 0 ? `Breach ${breach._id}: ${p.regulation} deadline nears` : `Breach ${breach._id}: ${p.regulation} deadline missed`,
      text: `The ${p.regulation} notification deadline (${p.dueAt.slice(0, 16).replace('T', ' ')} UTC) ${when}. ${told} of ${breach.recipientCount} people told, ${counts.acknowledged} acknowledged, ${counts.unreachable} unreachable, ${counts.pending} waiting.`,
      tone: p.hoursBefore > 0 ? 'warning' : 'attention',
      reference: breach._id,
    });
    const thread = await this.deliveries.begin(`breach:${breach._id}:itCard`);
    const via = await this.via(breach.declaredBy.aadObjectId);
    await this.deliveries.sendOnce(entry._id, () => this.messenger.sendToItChannel(cardActivity(card, 'Breach deadline'), via, thread.state === 'delivered' ? thread.delivery.activityId : undefined));
  }

  /** Posts IT's status card once, then updates it in place (skipping an edit that changes nothing). */
  private async itCard(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { breachId: string };
    if (!this.messenger.hasItChannel) return;
    const breach = await this.repo.get(p.breachId);
    if (!breach) return;
    const counts = await this.repo.counts(breach._id);
    const unreachable = await this.repo.notices.find({ breachId: breach._id, state: 'unreachable' }, { projection: { person: 1 } }).sort({ _id: 1 }).limit(SHOWN_UNREACHABLE).toArray();
    const card = renderBreachStatusCard({
      breachId: breach._id,
      version: breach.version,
      incidentId: breach.incidentId,
      state: breach.state,
      recipientCount: breach.recipientCount,
      counts,
      deadlines: breach.deadlines,
      unreachable: unreachable.map((n) => n.person.displayName),
      // To the minute, so a refresh within the same minute that changes no count is not sent again.
      now: new Date(Math.floor(this.clock().getTime() / 60_000) * 60_000).toISOString(),
    });
    const key = `breach:${breach._id}:itCard`;
    const prior = await this.deliveries.begin(key);
    if (prior.state === 'delivered') {
      if (await this.deliveries.shows(prior.delivery, card)) return;
      await this.messenger.update(prior.delivery, cardActivity(card, `Breach ${breach._id}`));
      await this.deliveries.rendered(prior.delivery, card);
      return;
    }
    const delivery = await this.messenger.sendToItChannel(cardActivity(card, `Breach ${breach._id}`), await this.via(breach.declaredBy.aadObjectId));
    await this.deliveries.confirm(key, delivery);
    await this.deliveries.rendered(delivery, card);
  }
}
