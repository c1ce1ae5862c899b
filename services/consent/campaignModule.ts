/**
 * Change-notice campaigns and consent withdrawal wired onto the enrolled devices and the shared outbox once: the
 * campaign service, the job handlers any instance runs (the campaign's timer, its progress card, a withdrawal's
 * follow-up), and the door through which a withdrawal reaches a device.
 */
import type { Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import type { DeviceModule, JobHandlers } from '../devices/deviceModule';
import type { JobQueue } from '../jobs/jobQueue';
import type { DeliveryLog } from '../messaging/deliveryLog';
import type { Messenger } from '../messaging/proactiveMessenger';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import type { ConsentLedgerRepository } from './consentLedgerRepository';
import type { WithdrawalDevices } from './consentWithdrawal';
import { NoticeCampaigns, type CampaignOptions } from './noticeCampaigns';

export function createCampaignModule(deps: {
  db: Db;
  jobs: JobQueue;
  devices: DeviceModule;
  ledger: ConsentLedgerRepository;
  messenger: Messenger;
  deliveries: DeliveryLog;
  refs: ConversationReferenceRepository;
  options: CampaignOptions;
  logger: Logger;
  clock?: () => Date;
}) {
  const { devices } = deps;
  const campaigns = new NoticeCampaigns(
    deps.db,
    deps.jobs,
    devices.outbox,
    deps.ledger,
    { repository: devices.devices, service: devices.service },
    deps.messenger,
    deps.deliveries,
    deps.refs,
    deps.options,
    deps.logger.child({ component: 'campaigns' }),
    deps.clock,
  );
  campaigns.register(devices.outbox);

  /** A withdrawal reaches the device the request brought in through the device's own event. */
  const withdrawalDevices: WithdrawalDevices = {
    async deviceFor(aadObjectId, requestId) {
      const list = await devices.devices.collection.find({ 'person.aadObjectId': aadObjectId }, { projection: { _id: 1, state: 1, requestId: 1 } }).toArray();
      return list.find((d) => d.requestId === requestId && d.state !== 'retired') ?? null;
    },
    async withdraw(deviceId, actor) {
      await devices.service.apply(deviceId, { type: 'consentWithdrawn' }, { kind: 'user', ...actor });
    },
  };

  const handlers: JobHandlers = {
    noticeCampaign: (lease, subject) => campaigns.runClaimed(lease, subject),
    noticeProgress: (lease, subject) => campaigns.runProgress(lease, subject),
  };

  return {
    campaigns,
    withdrawalDevices,
    handlers,
    ensureIndexes: () => campaigns.ensureIndexes(),
  };
}

export type CampaignModule = ReturnType<typeof createCampaignModule>;
