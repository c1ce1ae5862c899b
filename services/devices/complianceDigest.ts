import type { Logger } from '../logging/logger';
import { renderComplianceDigestCard } from '../../cards/complianceDigestCard';
import type { Lease } from '../jobs/leases';
import type { JobQueue } from '../jobs/jobQueue';
import { UNCONDITIONAL, type Outbox } from '../outbox/outbox';
import type { AlertRepository } from './alertRepository';
import type { ComplianceSnapshots } from './complianceSnapshots';
import type { DeviceRepository } from './deviceRepository';
import { DEVICE_AGGREGATE, DeviceOutboxKind } from './deviceService';

/**
 * The daily digest for IT Security: alerts opened, still open, fixed, with access removed, undelivered messages,
 * and devices whose grace period ends within `nearingMs`. Posted through the outbox under a key per day, so two
 * instances (or a rerun after a crash) post it once.
 */
export class ComplianceDigest {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly alerts: AlertRepository,
    private readonly outbox: Outbox,
    private readonly jobs: JobQueue,
    private readonly options: { intervalMs: number; nearingMs: number },
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
    /** Where the day's counts by state are kept for the tab's compliance-over-time chart. */
    private readonly snapshots?: ComplianceSnapshots,
    /** Requests granted since a time, with when they were submitted (the time-to-access chart). */
    private readonly grantedSince?: (since: string) => Promise<{ createdAt: string; grantedAt: string }[]>,
  ) {}

  /** The job handler: stage today's digest, then run again a period later. */
  async runClaimed(lease: Lease): Promise<void> {
    const seenRev = await this.jobs.revision(lease);
    let next = new Date(this.clock().getTime() + this.options.intervalMs);
    try {
      await this.post();
    } catch (e) {
      next = new Date(this.clock().getTime() + 60_000);
      throw e;
    } finally {
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Stages the digest for the period ending now. */
  async post(): Promise<void> {
    const now = this.clock();
    const since = new Date(now.getTime() - this.options.intervalMs).toISOString();
    const counts = await this.alerts.countsSince(since);
    const failedCount = await this.outbox.collection.countDocuments({ state: 'failed', doneAt: { $gte: new Date(since) } });
    const nearing = await this.devices.inGraceEndingBefore(new Date(now.getTime() + this.options.nearingMs).toISOString());
    const card = renderComplianceDigestCard({
      since,
      until: now.toISOString(),
      ...counts,
      failedCount,
      nearing: nearing.map((d) => ({ personName: d.person.displayName, deviceName: d.deviceName, graceEndsAt: d.graceEndsAt! })),
    });
    const period = Math.floor(now.getTime() / this.options.intervalMs);
    await this.outbox.stage({ type: DEVICE_AGGREGATE, id: 'digest', version: 0, commitToken: UNCONDITIONAL }, [
      { key: `digest:${period}`, kind: DeviceOutboxKind.ItNotice, payload: { card: JSON.stringify(card), summary: 'Device compliance: daily digest' } },
    ]);
    this.logger.info({ ...counts, failedCount, nearing: nearing.length }, 'compliance digest staged');
    // One read of every device's state a day, in the background job, rather than on each chart view.
    if (this.snapshots) {
      const granted = (await this.grantedSince?.(since)) ?? [];
      await this.snapshots.record(
        now,
        (await this.devices.stateSummary()).counts,
        granted.map((g) => Date.parse(g.grantedAt) - Date.parse(g.createdAt)),
      );
    }
  }
}
