import type { Collection, Db } from 'mongodb';
import type { DeviceState } from '../workflow/deviceTransition';

/** One day's count of managed devices by state, as the daily digest found them. */
export interface ComplianceSnapshot {
  /** The UTC day, YYYY-MM-DD. */
  _id: string;
  at: string;
  counts: Partial<Record<DeviceState, number>>;
  /** Requests granted in the digest's period, by time from submission to access (granted at the first compliant check). */
  timeToAccess?: Partial<Record<TimeToAccessBucket, number>>;
}

/** The time-to-access buckets, shortest first, with their upper bounds in hours. */
export const TIME_TO_ACCESS_BUCKETS = [
  { key: 'under1h', label: 'Under an hour', hours: 1 },
  { key: 'under4h', label: '1 to 4 hours', hours: 4 },
  { key: 'under1d', label: '4 to 24 hours', hours: 24 },
  { key: 'under3d', label: '1 to 3 days', hours: 72 },
  { key: 'under7d', label: '3 to 7 days', hours: 168 },
  { key: 'longer', label: 'More than 7 days', hours: Infinity },
] as const;

export type TimeToAccessBucket = (typeof TIME_TO_ACCESS_BUCKETS)[number]['key'];

/** Counts of durations (submission to access) per bucket. */
export function timeToAccessBuckets(durationsMs: readonly number[]): Partial<Record<TimeToAccessBucket, number>> {
  const out: Partial<Record<TimeToAccessBucket, number>> = {};
  for (const ms of durationsMs) {
    const bucket = TIME_TO_ACCESS_BUCKETS.find((b) => ms < b.hours * 3600 * 1000)!;
    out[bucket.key] = (out[bucket.key] ?? 0) + 1;
  }
  return out;
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
  async record(at: Date, counts: ReadonlyMap<DeviceState, number>, grantedDurationsMs: readonly number[] = []): Promise<void> {
    const day = at.toISOString().slice(0, 10);
    await this.collection.replaceOne({ _id: day }, { at: at.toISOString(), counts: Object.fromEntries(counts), timeToAccess: timeToAccessBuckets(grantedDurationsMs) }, { upsert: true });
  }

  /** The snapshots of the `days` days up to `today`, oldest first; days without one are left out. */
  async lastDays(today: Date, days: number): Promise<ComplianceSnapshot[]> {
    const ids = Array.from({ length: days }, (_, i) => new Date(today.getTime() - (days - 1 - i) * DAY).toISOString().slice(0, 10));
    const found = await Promise.all(ids.map((_id) => this.collection.findOne({ _id })));
    return found.filter((s): s is ComplianceSnapshot => s !== null);
  }
}
