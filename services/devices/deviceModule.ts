import type { Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { renderDeviceNoticeCard } from '../../cards/deviceNoticeCard';
import type { GraphServices } from '../graph/graphTypes';
import { dueSlot, type JobKind, type JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import type { DeliveryLog } from '../messaging/deliveryLog';
import type { Messenger } from '../messaging/proactiveMessenger';
import { Outbox } from '../outbox/outbox';
import type { AuditRepository } from '../storage/auditRepository';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import { NotAuthorizedError } from '../workflow/errors';
import type { DevicePolicy } from '../workflow/deviceTransition';
import type { OnboardingRequest } from '../workflow/model';
import type { CardJson } from '../onboarding/views';
import { AlertRepository } from './alertRepository';
import { ComplianceDigest } from './complianceDigest';
import { ComplianceSnapshots } from './complianceSnapshots';
import { ComplianceSweep, failingSettings, type SweepScope } from './complianceSweep';
import { PeopleCheck, type OpenRequests } from './peopleCheck';
import { DeviceEffects } from './deviceEffects';
import { DeviceRepository, type EnrolledDevice } from './deviceRepository';
import { DeviceService } from './deviceService';

/** Continuous compliance settings, from configuration. */
export interface DeviceModuleOptions {
  policy: DevicePolicy;
  sweepIntervalMs: number;
  digestIntervalMs: number;
  /** A device whose grace ends within this is listed in the digest. */
  digestNearingMs: number;
  outbox: { maxAttempts: number; baseDelayMs: number; concurrency?: number };
  /** Which devices a sweep reads (default: the whole tenant). */
  sweepScope?: SweepScope;
  /** How often the people the product knows are checked for having left (default: hourly). */
  peopleCheckIntervalMs?: number;
}

/** A job handler by kind, for the background worker. */
export type JobHandlers = Partial<Record<JobKind, (lease: Lease, subject: string) => Promise<void>>>;

const SWEEP_SUBJECT = 'tenant';
const DIGEST_SUBJECT = 'daily';
const PEOPLE_SUBJECT = 'known';

/**
 * Continuous compliance after access is granted, wired once: enrolled devices, their alerts, the shared outbox
 * that carries their messages and access changes, the sweep, the grace timers and the digest, as job handlers
 * any instance runs.
 */
export function createDeviceModule(deps: {
  db: Db;
  jobs: JobQueue;
  audit: AuditRepository;
  messenger: Messenger;
  deliveries: DeliveryLog;
  refs: ConversationReferenceRepository;
  graph: GraphServices;
  options: DeviceModuleOptions;
  /** Open onboarding requests, so a person who leaves has theirs cancelled. */
  openRequests?: OpenRequests;
  /** Requests granted since a time, with when they were submitted (the daily time-to-access count). */
  grantedSince?: (since: string) => Promise<{ createdAt: string; grantedAt: string }[]>;
  logger: Logger;
  clock?: () => Date;
  /** The process's one shared outbox (the onboarding request writes to it too); made here when not given. */
  outbox?: Outbox;
}) {
  const { db, jobs, logger, options } = deps;
  const clock = deps.clock ?? (() => new Date());
  const devices = new DeviceRepository(db);
  const alerts = new AlertRepository(db);
  const outbox = deps.outbox ?? new Outbox(db, jobs, options.outbox, logger.child({ component: 'outbox' }), clock);
  const service = new DeviceService(devices, deps.audit, outbox, jobs, options.policy, logger.child({ component: 'devices' }), clock);
  const effects = new DeviceEffects(devices, service, alerts, deps.messenger, deps.deliveries, deps.refs, deps.graph.groups, logger.child({ component: 'device-effects' }), clock);
  effects.register(outbox);
  const sweep = deps.graph.complianceSweep
    ? new ComplianceSweep(deps.graph.complianceSweep, devices, service, jobs, { intervalMs: options.sweepIntervalMs, scope: options.sweepScope }, logger.child({ component: 'sweep' }), clock)
    : undefined;
  const people = deps.graph.complianceSweep
    ? new PeopleCheck(deps.graph.complianceSweep, devices, service, outbox, jobs, deps.openRequests, { intervalMs: options.peopleCheckIntervalMs ?? 3_600_000 }, logger.child({ component: 'people' }), clock)
    : undefined;
  const snapshots = new ComplianceSnapshots(db);
  const digest = new ComplianceDigest(devices, alerts, outbox, jobs, { intervalMs: options.digestIntervalMs, nearingMs: options.digestNearingMs }, logger.child({ component: 'digest' }), clock, snapshots, deps.grantedSince);

  /** Runs a device's grace timer: a reminder or the end of grace, then the next timer (or none). */
  async function graceTimer(lease: Lease, deviceId: string): Promise<void> {
    const seenRev = await jobs.revision(lease);
    let next: Date | null = null;
    try {
      const device = await service.apply(deviceId, { type: 'graceTimer' });
      next = device?.timerAt && device.state !== 'retired' ? new Date(device.timerAt) : null;
    } catch (e) {
      next = new Date(clock().getTime() + 60_000);
      throw e;
    } finally {
      if (!lease.lost) await jobs.finish(lease, seenRev, next);
    }
  }

  /** Creates a recurring job once (two instances starting together create it once). */
  async function schedule(kind: JobKind, subject: string, dueAt: Date): Promise<void> {
    try {
      await jobs.collection.updateOne({ _id: `${kind}:${subject}` }, { $setOnInsert: { kind, subject, dueAt, slot: dueSlot(dueAt), rev: 0 } }, { upsert: true });
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** Check again from the employee's device notice: only the device's own person may ask. */
  async function recheck(deviceId: string, actor: { aadObjectId: string; displayName: string }): Promise<CardJson> {
    const device = await devices.get(deviceId);
    if (!device || device.person.aadObjectId !== actor.aadObjectId) throw new NotAuthorizedError(deviceId, actor.aadObjectId, 'device.recheck');
    const seen = await deps.graph.intune.getDevice(deviceId);
    let current: EnrolledDevice | null = device;
    if (!seen) {
      current = await service.apply(deviceId, { type: 'deviceGone' }, { kind: 'user', ...actor });
    } else if (seen.complianceState === 'compliant') {
      current = await service.apply(deviceId, { type: 'complianceObserved', compliant: true, failing: [] }, { kind: 'user', ...actor });
    } else if (seen.complianceState === 'noncompliant' || seen.complianceState === 'inGracePeriod') {
      const policies = await deps.graph.intune.getCompliancePolicyStates(deviceId);
      const failing = failingSettings({ ...seen, isEncrypted: null }, policies);
      current = await service.apply(
        deviceId,
        { type: 'complianceObserved', compliant: false, failing: failing.length ? failing : ['unknown'], intuneGraceEndsAt: seen.complianceState === 'inGracePeriod' ? seen.complianceGracePeriodExpirationDateTime : null },
        { kind: 'user', ...actor },
      );
    }
    const d = current ?? device;
    const about = d.state === 'compliant' ? (device.state === 'accessRemoved' ? 'accessRestored' : 'fixed') : d.state === 'accessRemoved' ? 'accessRemoved' : 'reminder';
    return renderDeviceNoticeCard({ about, deviceId: d._id, version: d.version, platform: d.platform, deviceName: d.deviceName, failing: d.failing, graceEndsAt: d.graceEndsAt });
  }

  /** The grant effect's hook: the request's device becomes an enrolled device (linking person, device, request, consent). */
  async function enrollFromGrant(request: OnboardingRequest, access: { groupId: string; memberId: string }): Promise<void> {
    if (!request.managedDeviceId) {
      logger.warn({ requestId: request._id }, 'access granted without a managed device id; nothing to watch');
      return;
    }
    await service.enroll({
      intuneDeviceId: request.managedDeviceId,
      person: { aadObjectId: request.requester.aadObjectId, displayName: request.requester.displayName },
      requestId: request._id,
      consentId: request.consent?.consentId,
      platform: request.device.platform,
      deviceName: request.compliance?.deviceName ?? request.device.model,
      operatingSystem: request.compliance?.operatingSystem ?? '',
      access,
    });
  }

  const handlers: JobHandlers = {
    outbox: (lease) => outbox.runClaimed(lease),
    deviceGrace: (lease, subject) => graceTimer(lease, subject),
    complianceDigest: (lease) => digest.runClaimed(lease),
    ...(sweep ? { complianceSweep: (lease: Lease) => sweep.runClaimed(lease) } : {}),
    ...(people ? { peopleCheck: (lease: Lease) => people.runClaimed(lease) } : {}),
  };

  return {
    devices,
    alerts,
    outbox,
    service,
    sweep,
    people,
    digest,
    snapshots,
    handlers,
    recheck,
    enrollFromGrant,
    async ensureIndexes() {
      await Promise.all([devices.ensureIndexes(), alerts.ensureIndexes(), outbox.ensureIndexes()]);
    },
    /** Checks the configured sweep scope against Entra (throws SweepScopeError for a group that does not exist). */
    async checkSweepScope() {
      await sweep?.checkScope();
    },
    /** Schedules the first sweep and digest if no instance has yet. */
    async start() {
      const now = clock();
      if (sweep) await schedule('complianceSweep', SWEEP_SUBJECT, now);
      if (people) await schedule('peopleCheck', PEOPLE_SUBJECT, now);
      await schedule('complianceDigest', DIGEST_SUBJECT, new Date(now.getTime() + options.digestIntervalMs));
    },
  };
}

/** The device module's public face. */
export type DeviceModule = ReturnType<typeof createDeviceModule>;
