/**
 * What a compliance sweep reads from Intune: the tenant's managed devices page by page with `$select` (a few
 * fields, Graph's largest page), and per-policy, per-setting detail for chosen devices through JSON batching,
 * 20 requests per `$batch`, each throttled sub-request retried after its own Retry-After
 * (https://learn.microsoft.com/en-us/graph/json-batching, https://learn.microsoft.com/en-us/graph/throttling).
 */
import type * as MSGraph from '@microsoft/microsoft-graph-types';
import type { Logger } from '../logging/logger';
import type { GraphApi } from './graphApi';
import { GraphRequestError } from './graphErrors';
import { parseRetryAfterMs } from './graphRetryHandler';
import type { ComplianceSettingState, ComplianceStatus, DeviceComplianceState } from './graphTypes';

/** The fields a sweep reads of each device. */
export interface SweptDevice {
  id: string;
  userId: string;
  operatingSystem: string;
  complianceState: DeviceComplianceState;
  complianceGracePeriodExpirationDateTime?: string | null;
  isEncrypted?: boolean | null;
  /** Intune's jailbreak/root detection: "True", "False" or "Unknown". */
  jailBroken?: string | null;
  /** A Mobile Threat Defense partner's verdict (managedDevicePartnerReportedHealthState). */
  partnerReportedThreatState?: string | null;
}

/** A policy's state on a device with its settings, as the sweep needs it. */
export interface SweptPolicyState {
  id: string;
  displayName: string;
  state: ComplianceStatus;
  settingStates: Pick<ComplianceSettingState, 'setting' | 'state'>[];
}

/** Whether a person can still sign in: as Entra says, or gone from the directory. */
export type AccountStatus = 'enabled' | 'disabled' | 'deleted';

/** The Intune and Entra reads of a sweep; the seam tests and benches replace or count. */
export interface ComplianceSweepSource {
  /** Visits every managed device of the tenant, one page at a time. */
  forEachDevicePage(visit: (devices: SweptDevice[]) => Promise<void>): Promise<void>;
  /** Visits the managed devices of these people (20 people per $batch), one batch at a time, reading the ids as it goes. */
  forEachDevicePageOf(userIds: Iterable<string> | AsyncIterable<string>, visit: (devices: SweptDevice[]) => Promise<void>): Promise<void>;
  /** Object ids of the users in these groups, nested groups included. */
  groupMemberIds(groupIds: readonly string[]): Promise<Set<string>>;
  /** Policy and setting states of each device (a device whose detail could not be read is left out). */
  policyStates(deviceIds: readonly string[]): Promise<Map<string, SweptPolicyState[]>>;
  /** Whether each person can still sign in (20 per $batch); a person whose answer could not be read is left out. */
  accountStatuses(userIds: readonly string[]): Promise<Map<string, AccountStatus>>;
}

/** Options of the Graph sweep reader. */
export interface IntuneSweepOptions {
  /** Devices per page ($top; Graph serves at most 999 here). */
  pageSize?: number;
  /** Rounds of retrying throttled sub-requests before giving up on them for this sweep. */
  maxBatchRounds?: number;
  sleep?: (ms: number) => Promise<void>;
}

const SELECT = 'id,userId,operatingSystem,complianceState,complianceGracePeriodExpirationDateTime,isEncrypted,jailBroken,partnerReportedThreatState';
/** Graph's limit on requests in one $batch. */
export const BATCH_SIZE = 20;

interface BatchItemResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}
interface BatchResponse {
  responses?: BatchItemResponse[];
}

/** ComplianceSweepSource on Microsoft Graph. */
export class GraphComplianceSweepSource implements ComplianceSweepSource {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly api: GraphApi,
    private readonly logger: Logger,
    private readonly options: IntuneSweepOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async forEachDevicePage(visit: (devices: SweptDevice[]) => Promise<void>): Promise<void> {
    await this.api.forEachPage<MSGraph.ManagedDevice>(
      'deviceManagement/managedDevices',
      { query: { $select: SELECT, $top: String(this.options.pageSize ?? 999) } },
      async (items) => {
        await visit(items.map(toSweptDevice));
      },
    );
  }

  async forEachDevicePageOf(userIds: Iterable<string> | AsyncIterable<string>, visit: (devices: SweptDevice[]) => Promise<void>): Promise<void> {
    let chunk: string[] = [];
    for await (const id of userIds) {
      chunk.push(id);
      if (chunk.length === BATCH_SIZE) {
        await this.visitPeople(chunk, visit);
        chunk = [];
      }
    }
    if (chunk.length) await this.visitPeople(chunk, visit);
  }

  private async visitPeople(chunk: readonly string[], visit: (devices: SweptDevice[]) => Promise<void>): Promise<void> {
    const answers = await this.batchGet(chunk, (id) => `/users/${encodeURIComponent(id)}/managedDevices?$select=${SELECT}&$top=999`, 'v1.0');
    const devices: SweptDevice[] = [];
    for (const [userId, r] of answers) {
      if (r.status !== 200) continue;
      if (typeof r.body?.['@odata.nextLink'] === 'string') {
        // A person with more than a page of devices (rare): read all of theirs page by page instead.
        await this.api.forEachPage<MSGraph.ManagedDevice>(`users/${encodeURIComponent(userId)}/managedDevices`, { query: { $select: SELECT, $top: '999' } }, (items) => void devices.push(...items.map(toSweptDevice)));
      } else {
        devices.push(...((r.body?.value as MSGraph.ManagedDevice[] | undefined) ?? []).map(toSweptDevice));
      }
    }
    await visit(devices);
  }

  async groupMemberIds(groupIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const g of groupIds) {
      await this.api.forEachPage<{ id?: string; '@odata.type'?: string }>(`groups/${encodeURIComponent(g)}/transitiveMembers`, { query: { $select: 'id', $top: '999' } }, (items) => {
        for (const m of items) if (m.id && (!m['@odata.type'] || m['@odata.type'] === '#microsoft.graph.user')) out.add(m.id.toLowerCase());
      });
    }
    return out;
  }

  /**
   * Beta's deviceCompliancePolicyStates carries settingStates (v1.0 returns them empty), so one GET per device
   * gives policy and setting detail; 20 of them go in one $batch.
   */
  async policyStates(deviceIds: readonly string[]): Promise<Map<string, SweptPolicyState[]>> {
    const out = new Map<string, SweptPolicyState[]>();
    for (let i = 0; i < deviceIds.length; i += BATCH_SIZE) {
      const answers = await this.batchGet(deviceIds.slice(i, i + BATCH_SIZE), (id) => `/deviceManagement/managedDevices/${encodeURIComponent(id)}/deviceCompliancePolicyStates`, 'beta');
      for (const [id, r] of answers) {
        if (r.status === 200) out.set(id, ((r.body?.value as MSGraph.DeviceCompliancePolicyState[] | undefined) ?? []).map(toPolicyState));
        else this.logger.warn({ status: r.status }, 'no compliance detail for a device in a batch');
      }
    }
    return out;
  }

  /** Deleted users answer 404; `accountEnabled: false` is a disabled sign-in (https://learn.microsoft.com/en-us/graph/api/user-get). */
  async accountStatuses(userIds: readonly string[]): Promise<Map<string, AccountStatus>> {
    const out = new Map<string, AccountStatus>();
    for (let i = 0; i < userIds.length; i += BATCH_SIZE) {
      const answers = await this.batchGet(userIds.slice(i, i + BATCH_SIZE), (id) => `/users/${encodeURIComponent(id)}?$select=id,accountEnabled`, 'v1.0');
      for (const [id, r] of answers) {
        if (r.status === 404) out.set(id, 'deleted');
        else if (r.status === 200) out.set(id, r.body?.accountEnabled === false ? 'disabled' : 'enabled');
      }
    }
    return out;
  }

  /**
   * GETs up to 20 urls in one $batch, each throttled or failed (5xx) item retried after its own Retry-After;
   * answers by key. Items still throttled after the last round fail the whole read.
   */
  private async batchGet(keys: readonly string[], urlOf: (key: string) => string, version: 'v1.0' | 'beta'): Promise<Map<string, BatchItemResponse>> {
    const out = new Map<string, BatchItemResponse>();
    let pending = [...keys];
    // Only rounds that make no progress count against the limit: under steady throttling each round gets some
    // items through, and waiting out each Retry-After is exactly the pace Intune allows.
    for (let round = 0, stalled = 0; pending.length && stalled < (this.options.maxBatchRounds ?? 5); round++) {
      const body = { requests: pending.map((k, n) => ({ id: String(n), method: 'GET', url: urlOf(k) })) };
      const answer = (await this.api.post<BatchResponse>('$batch', body, { version, idempotent: true })) ?? {};
      const retry: string[] = [];
      let waitMs = 0;
      for (const r of answer.responses ?? []) {
        const key = pending[Number(r.id)];
        if (key === undefined) continue;
        if (r.status === 429 || r.status >= 500) {
          retry.push(key);
          const header = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
          waitMs = Math.max(waitMs, parseRetryAfterMs(header) ?? 1000 * 2 ** Math.min(round, 5));
        } else {
          out.set(key, r);
        }
      }
      stalled = retry.length === pending.length ? stalled + 1 : 0;
      pending = retry;
      if (pending.length) await this.sleep(waitMs);
    }
    if (pending.length) throw new GraphRequestError({ method: 'POST', path: '/$batch', status: 429, code: 'BatchItemsStillThrottled' });
    return out;
  }
}

function toSweptDevice(d: MSGraph.ManagedDevice): SweptDevice {
  return {
    id: d.id ?? '',
    userId: d.userId ?? '',
    operatingSystem: d.operatingSystem ?? '',
    complianceState: (d.complianceState ?? 'unknown') as DeviceComplianceState,
    complianceGracePeriodExpirationDateTime: d.complianceGracePeriodExpirationDateTime ?? null,
    isEncrypted: d.isEncrypted ?? null,
    jailBroken: d.jailBroken ?? null,
    partnerReportedThreatState: d.partnerReportedThreatState ?? null,
  };
}

function toPolicyState(p: MSGraph.DeviceCompliancePolicyState): SweptPolicyState {
  return {
    id: p.id ?? '',
    displayName: p.displayName ?? '',
    state: (p.state ?? 'unknown') as ComplianceStatus,
    settingStates: (p.settingStates ?? []).map((s) => ({ setting: s.setting ?? '', state: (s.state ?? 'unknown') as ComplianceStatus })),
  };
}
