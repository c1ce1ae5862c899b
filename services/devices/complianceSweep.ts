import { randomUUID } from 'node:crypto';
import { GraphRequestError } from '../graph/graphErrors';
import type { Logger } from '../logging/logger';
import { IOS_ENCRYPTION_SETTING } from '../graph/intuneService';
import type { ComplianceSweepSource, SweptDevice, SweptPolicyState } from '../graph/intuneSweep';
import type { Lease } from '../jobs/leases';
import type { JobQueue } from '../jobs/jobQueue';
import type { DeviceEvent } from '../workflow/deviceTransition';
import type { DeviceRepository, EnrolledDevice, WatchedState } from './deviceRepository';
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

/** A watched device Intune listed, as the sweep observes it. */
type Watched = Pick<WatchedState, 'state' | 'version'> & { seen: SweptDevice };

/** Orders ids as the database sorts strings (by UTF-8 bytes), so the merge of two sorted cursors agrees with both. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

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
    /** `pageSize`: watched devices observed at once (default 999, Graph's largest page). */
    private readonly options: { intervalMs: number; scope?: SweepScope; pageSize?: number },
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

  /**
   * One sweep over the tenant, in memory bounded by the page size whatever the number of devices: Intune's
   * listing is recorded page by page as sightings, then merged by device id with the watched devices, both read
   * by cursor; a watched device with a sighting is observed (a page of them at a time), one without is gone.
   */
  async sweep(lease?: Lease): Promise<SweepStats> {
    const stats: SweepStats = { pages: 0, devicesListed: 0, watched: 0, detailRequested: 0, transitions: 0, retired: 0, ms: { graph: 0, transitions: 0, bookkeeping: 0 } };
    let mark = performance.now();
    const lap = (k: keyof SweepStats['ms']) => {
      const t = performance.now();
      stats.ms[k] += t - mark;
      mark = t;
    };
    // Devices watched when the sweep starts; a device enrolled during the sweep waits for the next one.
    const startedAt = this.clock().toISOString();
    const sweepId = randomUUID();
    const scope = this.options.scope ?? { kind: 'tenant' };
    // Outside the whole tenant, only the people listed can have devices found gone; the others are not swept.
    const members = scope.kind === 'groups' ? await this.source.groupMemberIds(scope.groupIds) : null;
    await this.devices.beginSightings(sweepId);
    lap('bookkeeping');
    try {
      const record = async (page: SweptDevice[]) => {
        lap('graph');
        if (lease) await this.jobs.leases.assertHeld(lease);
        stats.pages++;
        stats.devicesListed += page.length;
        await this.devices.recordSightings(sweepId, page);
        lap('bookkeeping');
      };
      if (members) await this.source.forEachDevicePageOf([...members].sort(), record);
      else if (scope.kind === 'enrolled') await this.source.forEachDevicePageOf(this.devices.watchedPeople(startedAt), record);
      else await this.source.forEachDevicePage(record);
      lap('graph');
      const pageSize = this.options.pageSize ?? 999;
      const sightings = this.devices.sightingsInIdOrder(sweepId);
      let seen = await sightings.next();
      let chunk: Watched[] = [];
      let steps = 0;
      for await (const w of this.devices.watchedInIdOrder(startedAt)) {
        if (members && !members.has(w.personId)) continue;
        if (lease && ++steps % pageSize === 0) await this.jobs.leases.assertHeld(lease);
        while (!seen.done && byteOrder(seen.value.id, w._id) < 0) seen = await sightings.next();
        if (!seen.done && seen.value.id === w._id) {
          chunk.push({ seen: seen.value, state: w.state, version: w.version });
          if (chunk.length >= pageSize) {
            await this.observe(chunk, stats, lease, lap);
            chunk = [];
          }
        } else {
          await this.service.apply(w._id, { type: 'deviceGone' });
          stats.retired++;
          lap('transitions');
        }
      }
      await sightings.return(undefined);
      if (chunk.length) await this.observe(chunk, stats, lease, lap);
    } finally {
      await this.devices.endSightings(sweepId);
      lap('bookkeeping');
    }
    for (const k of Object.keys(stats.ms) as (keyof SweepStats['ms'])[]) stats.ms[k] = Math.round(stats.ms[k]);
    return stats;
  }

  /** Observes up to a page of watched devices Intune listed: risks, setting detail where needed, transitions. */
  private async observe(watched: Watched[], stats: SweepStats, lease: Lease | undefined, lap: (k: keyof SweepStats['ms']) => void): Promise<void> {
    if (lease) await this.jobs.leases.assertHeld(lease);
    stats.watched += watched.length;
    for (const risk of this.riskHandler ? watched.flatMap((w) => risksOf(w.seen, this.threatStates)) : []) {
      try {
        await this.riskHandler?.(risk);
      } catch (e) {
        // One device's incident must not stop the sweep of the others; the next sweep sees the risk again.
        this.logger.error({ err: e, deviceId: risk.deviceId, cause: risk.cause }, 'could not open an incident for a device at risk');
      }
    }
    lap('transitions');
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
