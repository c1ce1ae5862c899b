import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { KeyLists } from '../storage/keyLists';
import type { Delivery } from '../messaging/proactiveMessenger';
import type { AlertStatus } from '../workflow/deviceTransition';
import type { PersonRef, Platform } from '../workflow/model';

/** One IT alert: a device and one set of failing settings. Seeing the same set again is the same alert. */
export interface DeviceAlert {
  _id: string;
  deviceId: string;
  person: PersonRef;
  deviceName: string;
  platform: Platform;
  failing: string[];
  status: AlertStatus;
  graceEndsAt?: string;
  openedAt: string;
  updatedAt: string;
  history: { status: AlertStatus; at: string }[];
  /** Where the channel card is, once posted; later statuses update it in place. */
  card?: Delivery;
}

export const ALERTS_COLLECTION = 'deviceAlerts';
/** Ids of the open alerts (`open`), as a key document read by `_id` (see KeyLists). */
export const ALERT_LISTS_COLLECTION = 'deviceAlertLists';
/** Alert statuses that still need IT's attention. */
export const OPEN_ALERT_STATUSES: readonly AlertStatus[] = ['open', 'employeeTold', 'accessRemoved'];

/** The alert id for a device and its failing settings (order does not matter). */
export function alertIdFor(deviceId: string, failing: readonly string[]): string {
  const key = `${deviceId}\n${[...new Set(failing)].sort().join('\n')}`;
  return `alert-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/**
 * IT alerts. Written only by the outbox drain (one instance at a time, under the outbox lease), so status
 * changes of one alert never race each other.
 */
export class AlertRepository {
  readonly collection: Collection<DeviceAlert>;
  private readonly lists: KeyLists;

  constructor(db: Db) {
    this.collection = db.collection<DeviceAlert>(ALERTS_COLLECTION);
    this.lists = new KeyLists(db, ALERT_LISTS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ updatedAt: 1 }, { name: 'by_update' });
    await this.collection.createIndex({ status: 1 }, { name: 'by_status' });
  }

  async get(id: string): Promise<DeviceAlert | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Creates the alert or moves it to `status` (a repeated status adds nothing to its history). */
  async moveTo(alert: Omit<DeviceAlert, 'history' | 'openedAt' | 'updatedAt' | 'card'>, at: string): Promise<DeviceAlert> {
    const current = await this.get(alert._id);
    if (OPEN_ALERT_STATUSES.includes(alert.status)) await this.lists.join(['open'], alert._id);
    if (!current) {
      const created: DeviceAlert = { ...alert, openedAt: at, updatedAt: at, history: [{ status: alert.status, at }] };
      await this.collection.insertOne(created);
      return created;
    }
    if (current.status === alert.status) return current;
    const next: DeviceAlert = { ...current, status: alert.status, graceEndsAt: alert.graceEndsAt ?? current.graceEndsAt, updatedAt: at, history: [...current.history, { status: alert.status, at }].slice(-20) };
    await this.collection.replaceOne({ _id: current._id }, next);
    return next;
  }

  /** Records where the alert's card was posted. */
  async postedAt(id: string, card: Delivery): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { card } });
  }

  /** Counts for the digest. */
  async countsSince(since: string): Promise<{ newCount: number; openCount: number; fixedCount: number; removedCount: number }> {
    const [newCount, openCount, fixedCount, removedCount] = await Promise.all([
      this.collection.countDocuments({ openedAt: { $gte: since } }),
      this.collection.countDocuments({ status: { $in: ['open', 'employeeTold'] } }),
      this.collection.countDocuments({ status: { $in: ['fixed', 'restored'] }, updatedAt: { $gte: since } }),
      this.collection.countDocuments({ status: 'accessRemoved' }),
    ]);
    return { newCount, openCount, fixedCount, removedCount };
  }

  /** One page of the open alerts, the latest opened first, after the alert id `after` (a key document). */
  pageOpen(after: string | undefined, limit: number): Promise<{ items: DeviceAlert[]; next?: string }> {
    return this.lists.page('open', { after, limit, oldestFirst: false, read: (id) => this.get(id), belongs: (a) => OPEN_ALERT_STATUSES.includes(a.status) });
  }
}
