import type { Activity, ConversationReference } from 'botbuilder';
import type { Logger } from '../logging/logger';
import { renderDeviceAlertCard } from '../../cards/deviceAlertCard';
import { renderNoticeCard } from '../../cards/noticeCard';
import type { GroupService } from '../graph/graphTypes';
import type { DeliveryLog } from '../messaging/deliveryLog';
import { cardActivity, type Messenger } from '../messaging/proactiveMessenger';
import { UNCONDITIONAL, type Outbox, type OutboxEntry } from '../outbox/outbox';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import type { AlertStatus } from '../workflow/deviceTransition';
import type { AlertRepository, DeviceAlert } from './alertRepository';
import type { DeviceRepository } from './deviceRepository';
import { DEVICE_AGGREGATE, DeviceOutboxKind, type DeviceService } from './deviceService';

const SUMMARY: Record<string, string> = {
  drift: 'Your device needs attention',
  reminder: 'Reminder: your device still needs attention',
  accessRemoved: 'Access to work data removed',
  fixed: 'Your device is compliant again',
  accessRestored: 'Access restored',
};

/**
 * Carries out what device changes owe, as outbox handlers: messages to the employee (once per idempotency key,
 * through the delivery log), IT's alert card (posted once, then updated in place), access group changes, and
 * notices to IT, including one for every message that finally could not be delivered.
 */
export class DeviceEffects {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly service: DeviceService,
    private readonly alerts: AlertRepository,
    private readonly messenger: Messenger,
    private readonly deliveries: DeliveryLog,
    private readonly refs: ConversationReferenceRepository,
    private readonly groups: GroupService,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Registers the handlers, the device aggregate's commit record, and the failed-delivery notice. */
  register(outbox: Outbox): void {
    outbox.aggregate(DEVICE_AGGREGATE, async (id) => {
      const d = await this.devices.collection.findOne({ _id: id }, { projection: { version: 1, outboxTokens: 1 } });
      return d ? { version: d.version, outboxTokens: d.outboxTokens ?? [] } : null;
    });
    outbox.handle(DeviceOutboxKind.Message, (e) => this.message(e));
    outbox.handle(DeviceOutboxKind.Alert, (e) => this.alert(e));
    outbox.handle(DeviceOutboxKind.Access, (e) => this.access(e));
    outbox.handle(DeviceOutboxKind.ItNotice, (e) => this.itNotice(e));
    outbox.onFailed((e) => this.reportFailure(outbox, e));
  }

  private async via(aadObjectId: string | undefined): Promise<Partial<ConversationReference> | undefined> {
    return aadObjectId ? (await this.refs.findUser(aadObjectId))?.reference : undefined;
  }

  /**
   * Sends once per key: recorded before the send and confirmed with the activity id after it; a delivered key is
   * never sent again. An attempt whose outcome was never recorded (a crash mid-send) is sent again: the one
   * at-least-once window, as for requests.
   */

  private async message(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { aadObjectId: string; about: string; alertId: string | null; card: string };
    const via = await this.via(p.aadObjectId);
    await this.deliveries.sendOnce(entry._id, () => this.messenger.sendToUser(p.aadObjectId, cardActivity(JSON.parse(p.card) as object, SUMMARY[p.about]) as Partial<Activity>, via));
    if (p.alertId) {
      const alert = await this.alerts.get(p.alertId);
      if (alert && alert.status === 'open') await this.show(await this.alerts.moveTo({ ...alert, status: 'employeeTold' }, this.clock().toISOString()));
    }
  }

  private async alert(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { deviceId: string; alertId: string; previousAlertId?: string | null; status: AlertStatus; failing: string[]; graceEndsAt: string | null };
    if (p.previousAlertId) {
      const previous = await this.alerts.get(p.previousAlertId);
      if (previous && (previous.status === 'open' || previous.status === 'employeeTold')) {
        await this.show(await this.alerts.moveTo({ ...previous, status: 'superseded' }, this.clock().toISOString()));
      }
    }
    const device = await this.devices.get(p.deviceId);
    if (!device) return;
    const alert = await this.alerts.moveTo(
      {
        _id: p.alertId,
        deviceId: device._id,
        person: device.person,
        deviceName: device.deviceName,
        platform: device.platform,
        failing: p.failing,
        status: p.status,
        graceEndsAt: p.graceEndsAt ?? undefined,
      },
      this.clock().toISOString(),
    );
    await this.show(alert);
  }

  /** Posts the alert's card the first time, then updates that same card (skipping an edit that changes nothing). */
  private async show(alert: DeviceAlert): Promise<void> {
    if (!this.messenger.hasItChannel) return;
    const card = renderDeviceAlertCard({
      status: alert.status,
      personName: alert.person.displayName,
      deviceName: alert.deviceName,
      platform: alert.platform,
      intuneDeviceId: alert.deviceId,
      failing: alert.failing,
      graceEndsAt: alert.graceEndsAt,
      openedAt: alert.openedAt,
      history: alert.history,
    });
    const via = await this.via(alert.person.aadObjectId);
    if (alert.card) {
      if (await this.deliveries.shows(alert.card, card)) return;
      await this.messenger.update(alert.card, cardActivity(card, 'Device compliance alert'), via);
      await this.deliveries.rendered(alert.card, card);
      return;
    }
    const delivery = await this.deliveries.sendOnce(`${alert._id}:card`, () => this.messenger.sendToItChannel(cardActivity(card, 'Device compliance alert'), via));
    await this.alerts.postedAt(alert._id, delivery);
    await this.deliveries.rendered(delivery, card);
  }

  private async access(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { deviceId: string; op: 'add' | 'remove'; groupId: string; memberId: string };
    const receipt = p.op === 'remove' ? await this.groups.removeMember(p.groupId, p.memberId) : await this.groups.addMember(p.groupId, p.memberId);
    await this.service.apply(p.deviceId, { type: 'membershipApplied', op: p.op, groupId: p.groupId, memberId: p.memberId, graphRequestId: receipt?.requestId ?? null, clientRequestId: receipt?.clientRequestId });
  }

  private async itNotice(entry: OutboxEntry): Promise<void> {
    const p = entry.payload as { card: string; viaAadObjectId?: string; summary?: string };
    if (!this.messenger.hasItChannel) return;
    const via = await this.via(p.viaAadObjectId);
    await this.deliveries.sendOnce(entry._id, () => this.messenger.sendToItChannel(cardActivity(JSON.parse(p.card) as object, p.summary), via));
  }

  /** A message that finally failed is shown to IT, never dropped silently. */
  private async reportFailure(outbox: Outbox, entry: OutboxEntry): Promise<void> {
    if (entry.kind !== DeviceOutboxKind.Message) return;
    const p = entry.payload as { aadObjectId: string; personName?: string; about: string };
    this.logger.error({ entry: entry._id, attempts: entry.attempts }, 'device message not delivered; telling IT');
    await outbox.stage({ type: DEVICE_AGGREGATE, id: String(entry.aggregateId), version: 0, commitToken: UNCONDITIONAL }, [
      {
        key: `${entry._id}:undelivered`,
        kind: DeviceOutboxKind.ItNotice,
        payload: {
          summary: 'A device message was not delivered',
          viaAadObjectId: p.aadObjectId,
          card: JSON.stringify(renderNoticeCard({
            title: 'A message could not be delivered',
            text: `The bot could not tell **${(p.personName ?? 'an employee').replace(/[*_[\]()`<>]/g, '')}** about their device ("${SUMMARY[p.about] ?? p.about}") after ${entry.attempts} attempts. Please contact them directly.`,
            tone: 'attention',
            detail: entry.lastError,
          })),
        },
      },
    ]);
  }
}
