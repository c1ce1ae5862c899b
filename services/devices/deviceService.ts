import type { Logger } from '../logging/logger';
import { renderDeviceNoticeCard } from '../../cards/deviceNoticeCard';
import { renderNoticeCard } from '../../cards/noticeCard';
import type { JobQueue } from '../jobs/jobQueue';
import { committedEntryKey, Outbox, type NewOutboxEntry } from '../outbox/outbox';
import { hashAuditEntry, type AuditRepository } from '../storage/auditRepository';
import { ConcurrencyError } from '../workflow/errors';
import {
  deviceTransition,
  InvalidDeviceTransitionError,
  type DeviceEffect,
  type DeviceEvent,
  type DevicePolicy,
  type DeviceState,
} from '../workflow/deviceTransition';
import type { AuditEntry, PersonRef, Platform, RequestState } from '../workflow/model';
import { alertIdFor } from './alertRepository';
import type { DeviceRepository, EnrolledDevice } from './deviceRepository';

/** Who caused a device event: the system (sweep, timer) or a person (Check again). */
export type DeviceActor = { kind: 'system' } | { kind: 'user'; aadObjectId: string; displayName: string };

/** What the grant gives a new enrolled device. */
export interface EnrollInput {
  intuneDeviceId: string;
  person: PersonRef;
  requestId: string;
  consentId?: string;
  platform: Platform;
  deviceName: string;
  operatingSystem: string;
  access: { groupId: string; memberId: string };
}

/** The outbox kinds devices use. */
export const DeviceOutboxKind = {
  Message: 'deviceMessage',
  Alert: 'deviceAlert',
  Access: 'deviceAccess',
  ItNotice: 'itNotice',
} as const;

export const DEVICE_AGGREGATE = 'device';
/** The audit stream of a device: its own hash chain, apart from any request's. */
export const deviceAuditStream = (deviceId: string) => `device:${deviceId}`;
/** OP-PROC-002: the user keeps the device compliant; access is denied while it is not. */
const CONTROLS = ['OP-PROC-002 §7 continuous compliance', 'OP-PROC-002 §6 access follows compliance'];
const PROCEDURE_STEP = 7;
const MAX_CONFLICT_RETRIES = 5;

function auditDetails(event: DeviceEvent | { type: 'enrolled' }, device: EnrolledDevice): AuditEntry['details'] {
  const d: AuditEntry['details'] = { failing: device.failing.join(',') || null, graceEndsAt: device.graceEndsAt ?? null };
  if (event.type === 'complianceObserved') d.intuneGraceEndsAt = event.intuneGraceEndsAt ?? null;
  if (event.type === 'consentLapsed' || event.type === 'consentRenewed') d.noticeVersion = event.noticeVersion;
  if (event.type === 'membershipApplied') Object.assign(d, { op: event.op, groupId: event.groupId, memberId: event.memberId, graphRequestId: event.graphRequestId ?? null, clientRequestId: event.clientRequestId ?? null });
  if (event.type === 'enrolled') Object.assign(d, { requestId: device.requestId, consentId: device.consentId ?? null, groupId: device.access.groupId, memberId: device.access.memberId });
  return d;
}

/**
 * The enrolled device's use cases: created at grant, then moved by sweeps, timers and Check again through the
 * pure machine. Each change is one version-checked write of the device carrying its new audit chain head and
 * the commit token of the outbox entries it owes (staged just before, see Outbox); the audit entry follows the
 * write and is re-appended before the next change, so it is never left out.
 */
export class DeviceService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly audit: AuditRepository,
    private readonly outbox: Outbox,
    private readonly jobs: JobQueue,
    private readonly policy: DevicePolicy,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async get(id: string): Promise<EnrolledDevice | null> {
    return this.devices.get(id);
  }

  /**
   * Starts watching a device whose access was just granted. Granting again (a retried effect, or a new request
   * for a device that was retired) links the device to the newer request.
   */
  async enroll(input: EnrollInput): Promise<EnrolledDevice> {
    const existing = await this.devices.get(input.intuneDeviceId);
    if (existing && existing.state !== 'retired' && existing.requestId === input.requestId) return existing;
    const now = this.clock().toISOString();
    const seq = (existing?.auditHead.seq ?? 0) + 1;
    const base: Omit<EnrolledDevice, 'auditHead'> = {
      _id: input.intuneDeviceId,
      version: (existing?.version ?? 0) + 1,
      person: input.person,
      requestId: input.requestId,
      consentId: input.consentId,
      platform: input.platform,
      deviceName: input.deviceName,
      operatingSystem: input.operatingSystem,
      access: input.access,
      state: 'compliant',
      failing: [],
      remindersSent: [],
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      outboxTokens: existing?.outboxTokens ?? [],
    };
    const entry = this.auditEntry(base as EnrolledDevice, seq, existing?.auditHead.hash ?? '', { type: 'enrolled' }, existing?.state ?? null, { kind: 'system' }, now);
    const device: EnrolledDevice = { ...base, auditHead: entry };
    if (existing) {
      await this.audit.append(existing.auditHead);
      await this.devices.save(device, existing.version);
    } else if (!(await this.devices.create(device))) {
      return (await this.devices.get(input.intuneDeviceId))!;
    }
    await this.audit.append(entry);
    await this.devices.publishHead(entry);
    this.logger.info({ deviceId: device._id, requestId: device.requestId }, 'enrolled device watched');
    return device;
  }

  /** Applies an event; retries on a concurrent change. Null when the device is unknown. A retired device ignores events. */
  async apply(deviceId: string, event: DeviceEvent, actor: DeviceActor = { kind: 'system' }): Promise<EnrolledDevice | null> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.devices.get(deviceId);
      if (!current) return null;
      const now = this.clock();
      let result;
      try {
        result = deviceTransition(current, event, this.policy, now);
      } catch (e) {
        if (e instanceof InvalidDeviceTransitionError) {
          this.logger.info({ deviceId, state: e.state, event: e.event }, 'device event ignored');
          return current;
        }
        throw e;
      }
      if (!result.changed) return current;
      try {
        return await this.commit(current, result.next, result.effects, event, actor, now);
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_CONFLICT_RETRIES) throw e;
      }
    }
  }

  private async commit(current: EnrolledDevice, changed: EnrolledDevice, effects: DeviceEffect[], event: DeviceEvent, actor: DeviceActor, now: Date): Promise<EnrolledDevice> {
    const at = now.toISOString();
    const version = current.version + 1;
    const commitToken = Outbox.newCommitToken();
    const alertEffect = effects.find((e): e is Extract<DeviceEffect, { type: 'alertIt' }> => e.type === 'alertIt');
    const alertId = alertEffect && alertEffect.status === 'open' ? alertIdFor(current._id, alertEffect.failing) : current.alertId;
    const draft: EnrolledDevice = { ...changed, version, updatedAt: at, alertId, outboxTokens: [...current.outboxTokens, commitToken].slice(-50) };
    const entry = this.auditEntry(draft, current.auditHead.seq + 1, current.auditHead.hash, event, current.state, actor, at);
    const next: EnrolledDevice = { ...draft, auditHead: entry };
    const staged = this.outboxEntries(next, effects, version, commitToken, now, current.state === 'inGrace' ? current.alertId : undefined);
    // The previous head first: a crash after the last write but before its audit append loses nothing.
    await this.audit.append(current.auditHead);
    await this.devices.publishHead(current.auditHead);
    if (next.timerAt) await this.jobs.announce('deviceGrace', next._id, new Date(next.timerAt));
    await this.outbox.stage({ type: DEVICE_AGGREGATE, id: next._id, version, commitToken }, staged);
    await this.devices.save(next, current.version);
    await this.audit.append(entry);
    await this.devices.publishHead(entry);
    this.logger.info({ deviceId: next._id, event: event.type, from: current.state, to: next.state, effects: effects.map((e) => e.type) }, 'device transition');
    return next;
  }

  private auditEntry(
    device: EnrolledDevice,
    seq: number,
    prevHash: string,
    event: DeviceEvent | { type: 'enrolled' },
    from: DeviceState | null,
    actor: DeviceActor,
    at: string,
  ): AuditEntry {
    const stream = deviceAuditStream(device._id);
    // The shared audit collection types states as request states; a device's chain records its own states.
    const unsigned: Omit<AuditEntry, 'hash'> = {
      _id: `${stream}:${seq}`,
      requestId: stream,
      seq,
      at,
      actor: actor.kind === 'user' ? { kind: 'user', aadObjectId: actor.aadObjectId, displayName: actor.displayName } : { kind: 'system' },
      event: event.type,
      from: from as RequestState | null,
      to: device.state as unknown as RequestState,
      procedureStep: PROCEDURE_STEP,
      controls: [...CONTROLS],
      details: auditDetails(event, device),
      prevHash,
    };
    return { ...unsigned, hash: hashAuditEntry(unsigned) };
  }

  /** The outbox entries a change owes, in order (the drain takes entries due together in key order). */
  private outboxEntries(device: EnrolledDevice, effects: DeviceEffect[], version: number, commitToken: string, now: Date, previousAlertId?: string): NewOutboxEntry[] {
    // IT's card goes first so that "employee told" updates an existing card.
    const ordered = [...effects].sort((a, b) => Number(b.type === 'alertIt') - Number(a.type === 'alertIt'));
    return ordered.map((effect, i) => {
      const key = committedEntryKey({ type: DEVICE_AGGREGATE, id: device._id, version, commitToken }, i);
      const dueAt = now;
      switch (effect.type) {
        case 'notifyEmployee':
          return {
            key,
            dueAt,
            kind: DeviceOutboxKind.Message,
            payload: {
              deviceId: device._id,
              aadObjectId: device.person.aadObjectId,
              personName: device.person.displayName,
              about: effect.about,
              alertId: effect.about === 'drift' ? (device.alertId ?? null) : null,
              // As JSON text: a card's "$schema" key is not a valid field name in a stored document.
              card: JSON.stringify(renderDeviceNoticeCard({
                about: effect.about,
                deviceId: device._id,
                version,
                platform: device.platform,
                deviceName: device.deviceName,
                failing: effect.failing,
                graceEndsAt: effect.graceEndsAt,
              })),
            },
          };
        case 'alertIt':
          return {
            key,
            dueAt,
            kind: DeviceOutboxKind.Alert,
            payload: {
              deviceId: device._id,
              alertId: alertIdFor(device._id, effect.failing),
              // A new set of failing settings replaces the alert of the previous set.
              previousAlertId: effect.status === 'open' && previousAlertId && previousAlertId !== alertIdFor(device._id, effect.failing) ? previousAlertId : null,
              status: effect.status,
              failing: [...effect.failing],
              graceEndsAt: device.graceEndsAt ?? null,
            },
          };
        case 'removeAccess':
        case 'restoreAccess':
          return {
            key,
            dueAt,
            kind: DeviceOutboxKind.Access,
            payload: { deviceId: device._id, op: effect.type === 'removeAccess' ? 'remove' : 'add', groupId: device.access.groupId, memberId: device.access.memberId },
          };
        case 'tellIt':
          return {
            key,
            dueAt,
            kind: DeviceOutboxKind.ItNotice,
            payload: {
              summary: 'Consent withdrawn',
              viaAadObjectId: device.person.aadObjectId,
              card: JSON.stringify(renderNoticeCard({
                title: 'Consent withdrawn',
                text: `**${device.person.displayName.replace(/[*_[\]()`<>]/g, '')}** withdrew consent to management of **${device.deviceName.replace(/[*_[\]()`<>]/g, '')}** (Intune device ${device._id}). The device has left the access group. Retire the device in Intune to remove work apps and data.`,
                tone: 'warning',
              })),
            },
          };
      }
    });
  }
}
