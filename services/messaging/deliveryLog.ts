import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { statusOf, type Delivery } from './proactiveMessenger';

/** What is known about earlier attempts to deliver one message. */
export type PriorAttempt =
  | { state: 'none' }
  /** Teams accepted it and the activity id was recorded: never send again. */
  | { state: 'delivered'; delivery: Delivery }
  /** A send was started but its outcome was never recorded (the sender stopped): it may or may not have arrived. */
  | { state: 'unconfirmed'; attempts: number };

interface DeliveryDocument {
  /** The idempotency key: the outbox entry's id and the step within it (one message per recipient). */
  _id: string;
  startedAt: Date;
  attempts: number;
  deliveredAt?: Date;
  conversationId?: string;
  activityId?: string;
  serviceUrl?: string;
}

interface RenderDocument {
  /** A digest of the conversation and activity ids, so ids of any shape make a plain key. */
  _id: string;
  hash: string;
  at: Date;
}

export const DELIVERIES_COLLECTION = 'deliveries';
export const CARD_RENDERS_COLLECTION = 'cardRenders';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A stable digest of a rendered card (same JSON, same digest). */
export function cardDigest(card: unknown): string {
  return sha256(JSON.stringify(card));
}

/**
 * The record of outgoing messages, keyed by idempotency key: an attempt is written before the send and the
 * activity id right after it, so whoever resumes an interrupted outbox entry knows whether its message already
 * reached Teams. Also keeps the digest of the card last posted or written to each activity, so an update that
 * would change nothing is not sent (every edit counts against Teams' rate limits).
 */
export class DeliveryLog {
  private readonly deliveries: Collection<DeliveryDocument>;
  private readonly renders: Collection<RenderDocument>;

  constructor(
    db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.deliveries = db.collection<DeliveryDocument>(DELIVERIES_COLLECTION);
    this.renders = db.collection<RenderDocument>(CARD_RENDERS_COLLECTION);
  }

  /**
   * Records that a send of `key` starts now and tells what earlier attempts left behind. Only the holder of the
   * outbox entry's lease calls this, so attempts of one key never run at the same time.
   */
  async begin(key: string): Promise<PriorAttempt> {
    try {
      await this.deliveries.insertOne({ _id: key, startedAt: this.clock(), attempts: 1 });
      return { state: 'none' };
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
    const prior = await this.deliveries.findOne({ _id: key });
    if (prior?.activityId && prior.conversationId) {
      return { state: 'delivered', delivery: { conversationId: prior.conversationId, activityId: prior.activityId, serviceUrl: prior.serviceUrl ?? '' } };
    }
    await this.deliveries.updateOne({ _id: key }, { $inc: { attempts: 1 }, $set: { startedAt: this.clock() } });
    return { state: 'unconfirmed', attempts: prior?.attempts ?? 1 };
  }

  /** Records where the message landed (right after Teams answers). */
  async confirm(key: string, delivery: Delivery): Promise<void> {
    await this.deliveries.updateOne(
      { _id: key },
      { $set: { deliveredAt: this.clock(), conversationId: delivery.conversationId, activityId: delivery.activityId, serviceUrl: delivery.serviceUrl } },
    );
  }

  /** Where the message sent under `key` landed, once Teams accepted it. */
  async delivered(key: string): Promise<Delivery | null> {
    const d = await this.deliveries.findOne({ _id: key });
    return d?.activityId && d.conversationId ? { conversationId: d.conversationId, activityId: d.activityId, serviceUrl: d.serviceUrl ?? '' } : null;
  }

  /**
   * Sends at most once under `key`: a key already delivered returns where it landed without sending; a send Teams
   * refused (an HTTP error) is forgotten so the next attempt starts afresh; a send whose outcome is unknown (no
   * answer) keeps its mark, and the next attempt sends again (at least once, never silently dropped).
   */
  async sendOnce(key: string, send: () => Promise<Delivery>): Promise<Delivery> {
    const prior = await this.begin(key);
    if (prior.state === 'delivered') return prior.delivery;
    let delivery: Delivery;
    try {
      delivery = await send();
    } catch (e) {
      if (statusOf(e) !== undefined) await this.refused(key);
      throw e;
    }
    await this.confirm(key, delivery);
    return delivery;
  }

  /** Teams refused the send (it answered with an error), so nothing was delivered: the next attempt starts afresh. */
  async refused(key: string): Promise<void> {
    await this.deliveries.deleteOne({ _id: key, activityId: { $exists: false } });
  }

  private renderKey(target: { conversationId: string; activityId: string }) {
    return sha256(`${target.conversationId}\n${target.activityId}`);
  }

  /** Whether `card` is exactly what the activity shows already. */
  async shows(target: { conversationId: string; activityId: string }, card: unknown): Promise<boolean> {
    const last = await this.renders.findOne({ _id: this.renderKey(target) });
    return last?.hash === cardDigest(card);
  }

  /** Remembers what the activity shows now. */
  async rendered(target: { conversationId: string; activityId: string }, card: unknown): Promise<void> {
    await this.renders.updateOne({ _id: this.renderKey(target) }, { $set: { hash: cardDigest(card), at: this.clock() } }, { upsert: true });
  }
}
