import type { Logger } from '../logging/logger';
import { renderNoticeCard } from '../../cards/noticeCard';
import type { AccountStatus, ComplianceSweepSource } from '../graph/intuneSweep';
import type { JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import { UNCONDITIONAL, type Outbox } from '../outbox/outbox';
import type { DeviceRepository } from './deviceRepository';
import { DEVICE_AGGREGATE, DeviceOutboxKind, type DeviceService } from './deviceService';

/** The onboarding requests of people, as the people check needs them (the request's own use cases do the work). */
export interface OpenRequests {
  /** Entra object ids of everyone with an open request. */
  requesters(): Promise<string[]>;
  /** Cancels the person's open requests through the request's cancel use case, as the bot; returns their references. */
  cancelFor(aadObjectId: string): Promise<string[]>;
}

/** What one check found and did. */
export interface PeopleCheckStats {
  checked: number;
  left: number;
  devicesRetired: number;
  requestsCancelled: number;
}

const stripMarkdown = (s: string) => s.replace(/[*_[\]()`<>]/g, '');

/**
 * Someone who leaves (their Entra account deleted or its sign-in disabled) keeps no device access and no open
 * request: a periodic check of the people the product knows (those with watched devices or open requests), 20
 * per Graph `$batch`, retires their enrolled devices (the device machine's `personLeft`: access removed through
 * the access-group path, audited on the device's chain), cancels their open requests through the request's
 * cancel use case (audited on the request's chain) and tells IT once per person.
 *
 * A periodic check rather than `/users/delta`: the product knows a few people, not the directory, and a delta
 * token needs the whole directory read once and kept; checking the known people costs one request per person.
 */
export class PeopleCheck {
  constructor(
    private readonly source: ComplianceSweepSource,
    private readonly devices: DeviceRepository,
    private readonly service: DeviceService,
    private readonly outbox: Outbox,
    private readonly jobs: JobQueue,
    private readonly requests: OpenRequests | undefined,
    private readonly options: { intervalMs: number },
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The job handler: one check, then the next one `intervalMs` later. */
  async runClaimed(lease: Lease): Promise<void> {
    const stop = this.jobs.leases.keepAlive(lease, (e) => this.logger.warn({ err: e }, 'people check lease renewal failed'));
    const seenRev = await this.jobs.revision(lease);
    let next = new Date(this.clock().getTime() + this.options.intervalMs);
    try {
      this.logger.info({ ...(await this.check()) }, 'people check finished');
    } catch (e) {
      next = new Date(this.clock().getTime() + Math.min(this.options.intervalMs, 5 * 60_000));
      throw e;
    } finally {
      stop();
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Checks every known person once. */
  async check(): Promise<PeopleCheckStats> {
    const watched = await this.devices.watchedStates();
    const people = new Set([...watched.values()].map((w) => w.personId));
    for (const id of (await this.requests?.requesters()) ?? []) people.add(id.toLowerCase());
    const statuses = await this.source.accountStatuses([...people].sort());
    const stats: PeopleCheckStats = { checked: people.size, left: 0, devicesRetired: 0, requestsCancelled: 0 };
    for (const [personId, status] of statuses) {
      if (status === 'enabled') continue;
      stats.left++;
      const deviceIds = [...watched].filter(([, w]) => w.personId === personId.toLowerCase()).map(([id]) => id);
      const r = await this.personLeft(personId, status, deviceIds);
      stats.devicesRetired += r.devices.length;
      stats.requestsCancelled += r.requests.length;
    }
    return stats;
  }

  private async personLeft(personId: string, status: Exclude<AccountStatus, 'enabled'>, deviceIds: string[]): Promise<{ devices: string[]; requests: string[] }> {
    const retired: { id: string; name: string }[] = [];
    let who: string | undefined;
    for (const id of deviceIds) {
      const after = await this.service.apply(id, { type: 'personLeft' });
      who ??= after?.person.displayName;
      if (after?.state === 'retired') retired.push({ id, name: after.deviceName });
    }
    const cancelled = (await this.requests?.cancelFor(personId)) ?? [];
    who ??= 'A person';
    this.logger.info({ status, devices: retired.length, requests: cancelled.length }, 'person left: devices retired and requests cancelled');
    if (retired.length || cancelled.length) {
      const lines = [
        `**${stripMarkdown(who)}** ${status === 'deleted' ? 'was deleted from' : 'can no longer sign in to'} Entra ID.`,
        retired.length ? `Devices retired and removed from the access group: ${retired.map((d) => stripMarkdown(d.name)).join(', ')}.` : '',
        cancelled.length ? `Open requests cancelled: ${cancelled.join(', ')}.` : '',
        'Retire or wipe the devices in Intune if company data may remain on them.',
      ].filter(Boolean);
      await this.outbox.stage({ type: DEVICE_AGGREGATE, id: `person:${personId}`, version: 0, commitToken: UNCONDITIONAL }, [
        {
          key: `personLeft:${personId}:${[...retired.map((d) => d.id), ...cancelled].sort().join(',')}`.slice(0, 900),
          kind: DeviceOutboxKind.ItNotice,
          payload: { summary: 'Someone with device access left', card: JSON.stringify(renderNoticeCard({ title: 'A person with device access left', text: lines.join('\n\n'), tone: 'attention' })) },
        },
      ]);
    }
    return { devices: retired.map((d) => d.id), requests: cancelled };
  }
}

/**
 * OpenRequests over the request repository and the request's use cases: open requests are found through the
 * one-open-request-per-person keys, and cancelled with the `cancel` event as the bot (audited like any cancel).
 */
export function openRequestsFrom(deps: {
  keys: { find(filter: object, options: object): { toArray(): Promise<{ _id: string }[]> } };
  findOpenByRequester(aadObjectId: string): Promise<{ _id: string; reference: string } | null>;
  apply(requestId: string, event: { type: 'cancel' }, actor: { kind: 'system' }): Promise<unknown>;
}): OpenRequests {
  return {
    requesters: async () => (await deps.keys.find({}, { projection: { _id: 1 } }).toArray()).map((k) => k._id),
    async cancelFor(aadObjectId) {
      const open = (await deps.findOpenByRequester(aadObjectId)) ?? (await deps.findOpenByRequester(aadObjectId.toLowerCase()));
      if (!open) return [];
      await deps.apply(open._id, { type: 'cancel' }, { kind: 'system' });
      return [open.reference];
    },
  };
}
