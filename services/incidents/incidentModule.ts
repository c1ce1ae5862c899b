import type { Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import type { DeviceModule } from '../devices/deviceModule';
import type { GraphServices } from '../graph/graphTypes';
import type { JobQueue } from '../jobs/jobQueue';
import type { DeliveryLog } from '../messaging/deliveryLog';
import type { Messenger } from '../messaging/proactiveMessenger';
import type { AuditRepository } from '../storage/auditRepository';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import { IncidentEffects } from './incidentEffects';
import { IncidentRepository } from './incidentRepository';
import { IncidentService, type OwnershipLookup } from './incidentService';

/** Rounds of the outbox drained right after an incident change: the hold, then the device's own access removal. */
const KICK_ROUNDS = 4;

/**
 * Device incidents, wired once on top of the device module: the repository, the use cases, the outbox
 * handlers (they share the device module's outbox and its drain job), and the sweep's risk hook that opens
 * incidents on a jailbreak or a high threat level.
 */
export function createIncidentModule(deps: {
  db: Db;
  jobs: JobQueue;
  audit: AuditRepository;
  devices: DeviceModule;
  messenger: Messenger;
  deliveries: DeliveryLog;
  refs: ConversationReferenceRepository;
  graph: GraphServices;
  ownershipOf: OwnershipLookup;
  options: { maxAttempts: number; clockSkewMs?: number; autoOpen?: boolean; threatStates?: readonly string[] };
  logger: Logger;
  clock?: () => Date;
}) {
  const { db, jobs, devices, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const incidents = new IncidentRepository(db);
  const service = new IncidentService(incidents, devices.devices, deps.audit, devices.outbox, deps.ownershipOf, logger.child({ component: 'incidents' }), clock);
  const effects = new IncidentEffects(
    incidents,
    service,
    devices.service,
    deps.graph.deviceActions,
    deps.messenger,
    deps.deliveries,
    deps.refs,
    deps.options,
    logger.child({ component: 'incident-effects' }),
    clock,
  );
  effects.register(devices.outbox);

  /**
   * Drains the outbox now, when its job is free: removing access must not wait for the worker's next round. Busy
   * (another instance drains) is fine: that instance carries the entries out.
   */
  async function drainNow(): Promise<void> {
    for (let round = 0; round < KICK_ROUNDS; round++) {
      const due = await devices.outbox.nextDue();
      if (!due || due > clock()) return;
      const held = await jobs.take('outbox', 'all');
      if (!('lease' in held)) return;
      await devices.outbox.runClaimed(held.lease);
    }
  }
  service.setKick(drainNow);
  if (deps.options.autoOpen !== false) {
    devices.sweep?.onRisk(async (risk) => {
      const opened = await service.openAutomatic(risk.deviceId, risk.cause, risk.detail);
      if (opened?.created) logger.warn({ incidentId: opened.incident._id, deviceId: risk.deviceId, cause: risk.cause }, 'incident opened automatically');
    }, deps.options.threatStates);
  }

  return {
    incidents,
    service,
    effects,
    drainNow,
    async ensureIndexes() {
      await incidents.ensureIndexes();
    },
  };
}

/** The incident module's public face. */
export type IncidentModule = ReturnType<typeof createIncidentModule>;
