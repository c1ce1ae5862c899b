import { GraphRequestError } from '../graph/graphErrors';
import type { Logger } from '../logging/logger';
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
  /** Milliseconds spent reading Intune, applying transitions, and recording sightings. */
  ms: { graph: number; transitions: number; bookkeeping: number };
}

/** Partner-reported threat states that count as a high threat level by default (INCIDENT_THREAT_STATES). */
export const HIGH_THREAT_STATES: readonly string[] = ['highSeverity', 'compromised'];

/** A device at risk, as the sweep saw it: jailbroken or rooted, or a high threat level. */
export interface DeviceRisk {
  deviceId: string;
  cause: 'jailbreak' | 'threat';
  detail: string;
}

/** The risks a swept device shows (none for most). */
export function risksOf(d: SweptDevice, threatStates: readonly string[] = HIGH_THREAT_STATES): DeviceRisk[] {
  const risks: DeviceRisk[] = [];
  if (d.jailBroken === 'True') risks.push({ deviceId: d.id, cause: 'jailbreak', detail: 'Intune reports the device jailbroken or rooted (jailBroken: True)' });
  if (d.partnerReportedThreatState && threatStates.includes(d.partnerReportedThreatState)) {
    risks.push({ deviceId: d.id, cause: 'threat', detail: `The threat defense partner reports ${d.partnerReportedThreatState}` });
  }
  return risks;
}

/** Which devices a sweep reads: the whole tenant, the devices of members of Entra groups, or of the people the product enrolled. */
export type SweepScope = { kind: 'tenant' } | { kind: 'groups'; groupIds: readonly string[] } | { kind: 'enrolled' };

/** A configured sweep group that Entra does not have (a typo, or a deleted group): the sweep would read nobody. */
export class SweepScopeError extends Error {
  override readonly name = 'SweepScopeError';
  constructor(readonly groupId: string) {
    super(`COMPLIANCE_SWEEP_GROUP_IDS names group ${groupId}, which does not exist in Entra ID`);
  }
}

/** Intune states that say the device is out of compliance; any other non-compliant state says nothing yet. */
const NOT_COMPLIANT = new Set(['noncompliant', 'inGracePeriod']);
const FAILING = new Set(['nonCompliant', 'error']);
/** Device transitions applied at once during a sweep. */
const TRANSITION_CONCURRENCY = 8;

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
  private riskHandler?: (risk: DeviceRisk) => Promise<void>;
  private threatStates: readonly string[] = HIGH_THREAT_STATES;

  constructor(
    private readonly source: ComplianceSweepSource,
    private readonly devices: DeviceRepository,
    private readonly service: DeviceService,
    private readonly jobs: JobQueue,
    private readonly options: { intervalMs: number; scope?: SweepScope },
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Who hears of a watched device at risk (the incident module opens an incident, once per device and cause). */
  onRisk(handler: (risk: DeviceRisk) => Promise<void>, threatStates: readonly string[] = HIGH_THREAT_STATES): void {
    this.riskHandler = handler;
    this.threatStates = threatStates;
  }

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

  /**
   * Start-up check of the scope: every configured group must exist. Only a definite 404 fails; Graph being
   * unreachable at start-up is left to the sweep's own retries.
   */
  async checkScope(): Promise<void> {
    const scope = this.options.scope;
    if (scope?.kind !== 'groups') return;
    for (const g of scope.groupIds) {
      try {
        await this.source.groupMemberIds([g]);
      } catch (e) {
        if (e instanceof GraphRequestError && e.status === 404) throw new SweepScopeError(g);
        this.logger.warn({ status: (e as { status?: number }).status }, 'sweep scope could not be checked at start-up');
      }
    }
  }

  /** One sweep over the tenant. */
  async sweep(lease?: Lease): Promise<SweepStats> {
    const stats: SweepStats = { pages: 0, devicesListed: 0, watched: 0, detailRequested: 0, transitions: 0, retired: 0, ms: { graph: 0, transitions: 0, bookkeeping: 0 } };
    let mark = performance.now();
    const lap = (k: keyof SweepStats['ms']) => {
      const t = performance.now();
      stats.ms[k] += t - mark;
      mark = t;
    };
    // Devices watched when the sweep starts (id, state, version: a few dozen bytes each); a device enrolled during
    // the sweep waits for the next one. Whatever Intune lists is removed from it, so what is left is gone.
    const unseen = await this.devices.watchedStates();
    const scope = this.options.scope ?? { kind: 'tenant' };
    // Outside the whole tenant, only the people listed can have devices found gone; the others are not swept.
    let listed: Set<string> | null = null;
    if (scope.kind === 'groups') listed = await this.source.groupMemberIds(scope.groupIds);
    if (scope.kind === 'enrolled') listed = new Set([...unseen.values()].map((w) => w.personId));
    if (listed) for (const [id, w] of unseen) if (!listed.has(w.personId)) unseen.delete(id);
    lap('bookkeeping');
    const visitPage = async (page: SweptDevice[]) => {
      lap('graph');
      if (lease) await this.jobs.leases.assertHeld(lease);
      stats.pages++;
      stats.devicesListed += page.length;
      const watched = page.filter((d) => unseen.has(d.id)).map((d) => ({ seen: d, ...unseen.get(d.id)! }));
      for (const w of watched) unseen.delete(w.seen.id);
      if (!watched.length) return;
      stats.watched += watched.length;
      for (const risk of this.riskHandler ? watched.flatMap((w) => risksOf(w.seen, this.threatStates)) : []) {
        try {
          await this.riskHandler?.(risk);
        } catch (e) {
          // One device's incident must not stop the sweep of the others; the next sweep sees the risk again.
          this.logger.error({ err: e, deviceId: risk.deviceId, cause: risk.cause }, 'could not open an incident for a device at risk');
        }
      }
      // A compliant device needs no setting detail; a non-compliant one does (its failing set may have changed).
      const needDetail = watched.filter((w) => w.seen.complianceState !== 'compliant').map((w) => w.seen.id);
      stats.detailRequested += needDetail.length;
      const detail = await this.source.policyStates(needDetail);
      lap('graph');
      // Devices are independent aggregates: a few transitions at a time keep the database busy, not waiting.
      const changes = watched.map((w) => ({ w, event: this.observation(w.state, w.seen, detail.get(w.seen.id)) })).filter((c) => c.event);
      for (let i = 0; i < changes.length; i += TRANSITION_CONCURRENCY) {
        const results = await Promise.all(changes.slice(i, i + TRANSITION_CONCURRENCY).map(({ w, event }) => this.service.apply(w.seen.id, event!)));
        stats.transitions += results.filter((r, n) => r && r.version !== changes[i + n].w.version).length;
      }
      lap('transitions');
    };
    if (listed) await this.source.forEachDevicePageOf([...listed].sort(), visitPage);
    else await this.source.forEachDevicePage(visitPage);
    lap('graph');
    for (const id of unseen.keys()) {
      await this.service.apply(id, { type: 'deviceGone' });
      stats.retired++;
    }
    lap('bookkeeping');
    for (const k of Object.keys(stats.ms) as (keyof SweepStats['ms'])[]) stats.ms[k] = Math.round(stats.ms[k]);
    return stats;
  }

  private observation(state: EnrolledDevice['state'], seen: SweptDevice, policies: SweptPolicyState[] | undefined): DeviceEvent | null {
    if (seen.complianceState === 'compliant') return state === 'compliant' ? null : { type: 'complianceObserved', compliant: true, failing: [] };
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
