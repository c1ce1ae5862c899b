import type { Activity, ConversationReference } from 'botbuilder';
import type { Logger } from '../logging/logger';
import { renderIncidentCard } from '../../cards/incidentCard';
import { renderIncidentStatusCard } from '../../cards/incidentStatusCard';
import { renderNoticeCard } from '../../cards/noticeCard';
import { DeviceOutboxKind } from '../devices/deviceService';
import type { DeviceService } from '../devices/deviceService';
import { GraphRequestError } from '../graph/graphErrors';
import type { IntuneDeviceActions } from '../graph/graphTypes';
import type { DeliveryLog } from '../messaging/deliveryLog';
import { cardActivity, statusOf, type Delivery, type Messenger } from '../messaging/proactiveMessenger';
import { isRetryable, OutboxDeliveryError, UNCONDITIONAL, type Outbox, type OutboxEntry } from '../outbox/outbox';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import { DEVICE_ACTION_LABELS, type DeviceActionOutcome, type DeviceActionRecord } from '../workflow/incidentTransition';
import type { Incident, IncidentRepository } from './incidentRepository';
import { INCIDENT_AGGREGATE, IncidentOutboxKind, type IncidentService } from './incidentService';

/**
 * How far before our own clock's "first sent" an entry in the device's action results still counts as that
 * POST, by default: Intune stamps `startDateTime` with its clock, which may run behind ours.
 */
const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

const OWNER_SUMMARY: Record<string, string> = {
  opened: 'Your report was received',
  actionTaken: 'IT Security acted on your device',
  closed: 'Your device report is closed',
};

/**
 * Carries out what incident changes owe, as outbox handlers: the access hold on each device (through the
 * enrolled device's own machine and its removal path), IT Security's incident card (posted once, then updated
 * in place), messages to the owner, and the device actions in Intune.
 *
 * A device action is never repeated blindly: the POST is recorded as started (an audited change) before it is
 * sent, and whenever a started POST has no recorded answer (a crash, a 500, a timeout) the device's
 * `deviceActionResults` are read first; the action is sent again only if Intune does not list it.
 */
export class IncidentEffects {
  constructor(
    private readonly incidents: IncidentRepository,
    private readonly service: IncidentService,
    private readonly devices: DeviceService,
    private readonly actions: IntuneDeviceActions | undefined,
    private readonly messenger: Messenger,
    private readonly deliveries: DeliveryLog,
    private readonly refs: ConversationReferenceRepository,
    private readonly options: { maxAttempts: number; clockSkewMs?: number },
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Registers the handlers and the incident aggregate's commit record. */
  register(outbox: Outbox): void {
    outbox.aggregate(INCIDENT_AGGREGATE, async (id) => {
      const d = await this.incidents.collection.findOne({ _id: id }, { projection: { version: 1, outboxTokens: 1 } });
      return d ? { version: d.version, outboxTokens: d.outboxTokens ?? [] } : null;
    });
    outbox.handle(IncidentOutboxKind.Hold, (e) => this.hold(e));
    outbox.handle(IncidentOutboxKind.ItCard, (e) => this.itCard(e));
    outbox.handle(IncidentOutboxKind.OwnerMessage, (e) => this.ownerMessage(e));
    outbox.handle(IncidentOutboxKind.DeviceAction, (e) => this.deviceAction(e));
    outbox.onFailed((e) => this.reportFailure(outbox, e));
  }

  /** A message to the owner that finally failed is shown to IT Security, never dropped silently. */
  private async reportFailure(outbox: Outbox, entry: OutboxEntry): Promise<void> {
    if (entry.kind !== IncidentOutboxKind.OwnerMessage) return;
    const incidentId = String(entry.payload.incidentId);
    this.logger.error({ entry: entry._id, incidentId, attempts: entry.attempts }, 'incident message to the owner not delivered; telling IT');
    await outbox.stage({ type: INCIDENT_AGGREGATE, id: incidentId, version: 0, commitToken: UNCONDITIONAL }, [
      {
        key: `${entry._id}:undelivered`,
        kind: DeviceOutboxKind.ItNotice,
        payload: {
          summary: 'An incident message was not delivered',
          card: JSON.stringify(
            renderNoticeCard({
              title: 'A message could not be delivered',
              text: `The bot could not tell the owner of incident ${incidentId} about it after ${entry.attempts} attempts. Please contact them directly.`,
              tone: 'attention',
              reference: incidentId,
              detail: entry.lastError,
            }),
          ),
        },
      },
    ]);
  }

  private async hold(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { incidentId: string; deviceId: string; hold: boolean };
    await this.devices.apply(p.deviceId, { type: p.hold ? 'incidentOpened' : 'incidentClosed', incidentId: p.incidentId });
  }

  private async via(aadObjectId: string | undefined): Promise<Partial<ConversationReference> | undefined> {
    return aadObjectId ? (await this.refs.findUser(aadObjectId))?.reference : undefined;
  }


  /** The incident's card in the IT channel: posted once (key `<incident>:card`), then updated to the current state. */
  private async itCard(entry: OutboxEntry): Promise<void> {
    if (!this.messenger.hasItChannel) return;
    const incident = await this.incidents.get(String(entry.payload.incidentId));
    if (!incident) return;
    const card = renderIncidentCard(incident);
    const activity = cardActivity(card, `Incident ${incident._id}`) as Partial<Activity>;
    const via = await this.via(incident.ownerAadObjectId);
    const key = `${incident._id}:card`;
    const prior = await this.deliveries.begin(key);
    if (prior.state === 'delivered') {
      if (await this.deliveries.shows(prior.delivery, card)) return;
      await this.messenger.update(prior.delivery, activity, via);
      await this.deliveries.rendered(prior.delivery, card);
      return;
    }
    let delivery: Delivery;
    try {
      delivery = await this.messenger.sendToItChannel(activity, via);
    } catch (e) {
      if (statusOf(e) !== undefined) await this.deliveries.refused(key);
      throw e;
    }
    await this.deliveries.confirm(key, delivery);
    await this.deliveries.rendered(delivery, card);
  }

  private async ownerMessage(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { incidentId: string; about: string; actionId: string | null };
    const incident = await this.incidents.get(p.incidentId);
    if (!incident) return;
    const action = p.actionId ? incident.actions.find((a) => a.id === p.actionId) : undefined;
    const title =
      p.about === 'opened'
        ? `Report ${incident._id} received`
        : p.about === 'actionTaken' && action
          ? `${DEVICE_ACTION_LABELS[action.action].split(' (')[0]} sent to your device`
          : `Report ${incident._id} closed`;
    const card = renderIncidentStatusCard([incident], title);
    const via = await this.via(incident.ownerAadObjectId);
    await this.deliveries.sendOnce(entry._id, () => this.messenger.sendToUser(incident.ownerAadObjectId, cardActivity(card, OWNER_SUMMARY[p.about]) as Partial<Activity>, via));
  }

  private async deviceAction(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { incidentId: string; actionId: string };
    const incident = await this.incidents.get(p.incidentId);
    const action = incident?.actions.find((a) => a.id === p.actionId);
    if (!incident || !action || action.status === 'accepted' || action.status === 'failed') return;
    if (!this.actions) throw new OutboxDeliveryError(entry._id, entry.kind, 'device actions are not configured');
    if (action.status === 'sending') {
      // A POST went out before and its answer was never recorded: Intune may have accepted it.
      const seen = await this.findOnDevice(incident, action);
      if (seen === 'gone') return this.settle(incident, action, { outcome: 'failed', httpStatus: 404, code: 'ResourceNotFound', verifiedBy: 'deviceActionResults' });
      if (seen) return this.settle(incident, action, { outcome: 'accepted', httpStatus: 0, verifiedBy: 'deviceActionResults' });
    }
    await this.service.apply(incident._id, { type: 'deviceActionStarted', actionId: action.id }, { kind: 'system' });
    const started = (await this.incidents.get(incident._id))!.actions.find((a) => a.id === action.id)!;
    try {
      const r = await this.actions.perform(action.deviceId, action.action);
      this.logger.info({ incidentId: incident._id, action: action.action, status: r.status, requestId: r.requestId }, 'device action accepted');
      await this.settle(incident, action, { outcome: 'accepted', httpStatus: r.status, requestId: r.requestId, clientRequestId: r.clientRequestId, verifiedBy: 'response' });
    } catch (e) {
      const graph = e instanceof GraphRequestError ? e : undefined;
      this.logger.warn({ incidentId: incident._id, action: action.action, status: graph?.status, code: graph?.code, requestId: graph?.requestId }, 'device action not confirmed');
      const failure = {
        outcome: 'failed' as const,
        httpStatus: graph?.status ?? 0,
        code: graph?.code ?? 'NoAnswer',
        requestId: graph?.requestId,
        clientRequestId: graph?.clientRequestId,
        verifiedBy: 'response' as const,
      };
      if (graph && !isRetryable(graph)) return this.settle(incident, action, failure);
      if (entry.attempts + 1 >= this.options.maxAttempts) {
        // The last attempt: whatever the answers said, the device's action results decide.
        const seen = await this.findOnDevice(incident, started).catch(() => undefined);
        if (seen && seen !== 'gone') return this.settle(incident, action, { outcome: 'accepted', httpStatus: 0, verifiedBy: 'deviceActionResults' });
        return this.settle(incident, action, failure);
      }
      throw e;
    }
  }

  /** Whether Intune lists this action on the device since it was first sent; 'gone' when Intune no longer has the device. */
  private async findOnDevice(incident: Incident, action: DeviceActionRecord): Promise<boolean | 'gone'> {
    const results = await this.actions!.actionResults(action.deviceId);
    if (results === undefined) return 'gone';
    const since = Date.parse(action.firstSentAt ?? action.requestedAt) - (this.options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS);
    const found = results.some((r) => r.actionName.toLowerCase() === action.action.toLowerCase() && Date.parse(r.startDateTime) >= since);
    this.logger.info({ incidentId: incident._id, action: action.action, found }, 'device action results read before any retry');
    return found;
  }

  private async settle(incident: Incident, action: DeviceActionRecord, outcome: Omit<DeviceActionOutcome, 'at'>): Promise<void> {
    await this.service.apply(incident._id, { type: 'deviceActionSettled', actionId: action.id, ...outcome, at: this.clock().toISOString() }, { kind: 'system' });
  }
}
