import type { Collection, Db } from 'mongodb';
import type { DeviceState } from '../workflow/deviceTransition';

/** One day's count of managed devices by state, as the daily digest found them. */
export interface ComplianceSnapshot {
  /** The UTC day, YYYY-MM-DD. */
  _id: string;
  at: string;
  counts: Partial<Record<DeviceState, number>>;
}

export const COMPLIANCE_SNAPSHOTS_COLLECTION = 'complianceSnapshots';

const DAY = 24 * 3600 * 1000;

/**
 * Compliance over time: the digest job writes one small document a day (counts only, no person or device), and the
 * tab's chart reads the last days by `_id`. The history starts the day the digest first wrote one; nothing is
 * reconstructed for the days before.
 */
export class ComplianceSnapshots {
  private readonly collection: Collection<ComplianceSnapshot>;

  constructor(db: Db) {
    this.collection = db.collection<ComplianceSnapshot>(COMPLIANCE_SNAPSHOTS_COLLECTION);
  }

  /** Writes (or, when the digest runs again the same day, replaces) the day's counts. */
  async record(at: Date, counts: ReadonlyMap<DeviceState, number>): Promise<void> {
    const day = at.toISOString().slice(0, 10);
    await this.collection.replaceOne({ _id: day }, { at: at.toISOString(), counts: Object.fromEntries(counts) }, { upsert: true });
  }

  /** The snapshots of the `days` days up to `today`, oldest first; days without one are left out. */
  async lastDays(today: Date, days: number): Promise<ComplianceSnapshot[]> {
    const ids = Array.from({ length: days }, (_, i) => new Date(today.getTime() - (days - 1 - i) * DAY).toISOString().slice(0, 10));
    const found = await Promise.all(ids.map((_id) => this.collection.findOne({ _id })));
    return found.filter((s): s is ComplianceSnapshot => s !== null);
  }
}
