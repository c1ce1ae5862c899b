import { randomUUID } from 'node:crypto';
import type { Logger } from '../../bot/logger';
import { IOS_ENCRYPTION_SETTING } from '../graph/intuneService';
import type { ComplianceSweepSource, SweptDevice, SweptPolicyState } from '../graph/intuneSweep';
import type { Lease } from '../jobs/leases';
import type { JobQueue } from '../jobs/jobQueue';
import type { DeviceEvent } from '../workflow/deviceTransition';
import type { DeviceRepository, EnrolledDevice } from './deviceRepository';
import type { DeviceService } from './deviceService';

/** What one sweep did, for logs and benches. */
export interface SweepStats {
  pages: number;
  devicesListed: number;
  watched: number;
  detailRequested: number;
  transitions: number;
  retired: number;
}

/** Intune states that say the device is out of compliance; any other non-compliant state says nothing yet. */
const NOT_COMPLIANT = new Set(['noncompliant', 'inGracePeriod']);
const FAILING = new Set(['nonCompliant', 'error']);

/** The setting ids that fail, from policy detail (a failing policy without setting detail is named by its policy). */
export function failingSettings(device: SweptDevice, policies: readonly SweptPolicyState[]): string[] {
  const failing = new Set<string>();
  for (const p of policies) {
    const bad = p.settingStates.filter((s) => FAILING.has(s.state)).map((s) => s.setting);
    bad.forEach((s) => failing.add(s));
    if (!bad.length && FAILING.has(p.state)) failing.add(`policy:${p.displayName || p.id}`);
  }
  if (/^(ios|ipados)$/i.test(device.operatingSystem) && device.isEncrypted === false) failing.add(IOS_ENCRYPTION_SETTING);
  return [...failing].sort();
}

/**
 * The scheduled compliance sweep: reads the tenant's managed devices page by page, keeps the enrolled ones,
 * asks for per-setting detail only for devices that are not compliant or whose Intune state changed since the
 * last sweep, and feeds each observation into the device machine. Watched devices Intune no longer lists are
 * retired. Runs under the `complianceSweep` job's lease, so one instance sweeps at a time.
 */
export class ComplianceSweep {
  constructor(
    private readonly source: ComplianceSweepSource,
    private readonly devices: DeviceRepository,
    private readonly service: DeviceService,
    private readonly jobs: JobQueue,
    private readonly options: { intervalMs: number },
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The job handler: one sweep, then the next one `intervalMs` later. */
  async runClaimed(lease: Lease): Promise<void> {
    const stop = this.jobs.leases.keepAlive(lease, (e) => this.logger.warn({ err: e }, 'sweep lease renewal failed'));
    const seenRev = await this.jobs.revision(lease);
    let next = new Date(this.clock().getTime() + this.options.intervalMs);
    try {
      const stats = await this.sweep(lease);
      this.logger.info({ ...stats }, 'compliance sweep finished');
    } catch (e) {
      // Try again sooner than the interval; never lose the schedule.
      next = new Date(this.clock().getTime() + Math.min(this.options.intervalMs, 5 * 60_000));
      throw e;
    } finally {
      stop();
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** One sweep over the tenant. */
  async sweep(lease?: Lease): Promise<SweepStats> {
    const sweepId = randomUUID();
    const startedAt = this.clock().toISOString();
    const stats: SweepStats = { pages: 0, devicesListed: 0, watched: 0, detailRequested: 0, transitions: 0, retired: 0 };
    await this.source.forEachDevicePage(async (page) => {
      if (lease) await this.jobs.leases.assertHeld(lease);
      stats.pages++;
      stats.devicesListed += page.length;
      const watched = await this.devices.watchedAmong(page.map((d) => d.id));
      if (!watched.length) return;
      stats.watched += watched.length;
      const byId = new Map(page.map((d) => [d.id, d]));
      // A compliant device needs no setting detail; a non-compliant one does (its failing set may have changed).
      const needDetail = watched.filter((w) => byId.get(w._id)!.complianceState !== 'compliant').map((w) => w._id);
      stats.detailRequested += needDetail.length;
      const detail = await this.source.policyStates(needDetail);
      const now = this.clock().toISOString();
      for (const w of watched) {
        const seen = byId.get(w._id)!;
        const event = this.observation(w, seen, detail.get(w._id));
        if (event && (await this.service.apply(w._id, event))?.version !== w.version) stats.transitions++;
      }
      await this.devices.sighted(watched.map((w) => ({ id: w._id, intuneState: byId.get(w._id)!.complianceState })), sweepId, now);
    });
    for (const gone of await this.devices.notSeenBy(sweepId, startedAt)) {
      await this.service.apply(gone._id, { type: 'deviceGone' });
      stats.retired++;
    }
    return stats;
  }

  private observation(device: EnrolledDevice, seen: SweptDevice, policies: SweptPolicyState[] | undefined): DeviceEvent | null {
    if (seen.complianceState === 'compliant') return device.state === 'compliant' ? null : { type: 'complianceObserved', compliant: true, failing: [] };
    if (!NOT_COMPLIANT.has(seen.complianceState)) return null;
    const failing = failingSettings(seen, policies ?? []);
    return {
      type: 'complianceObserved',
      compliant: false,
      failing: failing.length ? failing : ['unknown'],
      intuneGraceEndsAt: seen.complianceState === 'inGracePeriod' ? seen.complianceGracePeriodExpirationDateTime : null,
    };
  }
}
