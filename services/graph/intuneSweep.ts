/**
 * What a compliance sweep reads from Intune: the tenant's managed devices page by page with `$select` (a few
 * fields, Graph's largest page), and per-policy, per-setting detail for chosen devices through JSON batching,
 * 20 requests per `$batch`, each throttled sub-request retried after its own Retry-After
 * (https://learn.microsoft.com/en-us/graph/json-batching, https://learn.microsoft.com/en-us/graph/throttling).
 */
import type * as MSGraph from '@microsoft/microsoft-graph-types';
import type { Logger } from '../../bot/logger';
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

/** The Intune reads of a sweep; the seam tests and benches replace or count. */
export interface ComplianceSweepSource {
  /** Visits every managed device of the tenant, one page at a time. */
  forEachDevicePage(visit: (devices: SweptDevice[]) => Promise<void>): Promise<void>;
  /** Policy and setting states of each device (a device whose detail could not be read is left out). */
  policyStates(deviceIds: readonly string[]): Promise<Map<string, SweptPolicyState[]>>;
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

interface BatchResponse {
  responses?: { id: string; status: number; headers?: Record<string, string>; body?: { value?: MSGraph.DeviceCompliancePolicyState[] } }[];
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
        await visit(
          items.map((d) => ({
            id: d.id ?? '',
            userId: d.userId ?? '',
            operatingSystem: d.operatingSystem ?? '',
            complianceState: (d.complianceState ?? 'unknown') as DeviceComplianceState,
            complianceGracePeriodExpirationDateTime: d.complianceGracePeriodExpirationDateTime ?? null,
            isEncrypted: d.isEncrypted ?? null,
            jailBroken: d.jailBroken ?? null,
            partnerReportedThreatState: d.partnerReportedThreatState ?? null,
          })),
        );
      },
    );
  }

  /**
   * Beta's deviceCompliancePolicyStates carries settingStates (v1.0 returns them empty), so one GET per device
   * gives policy and setting detail; 20 of them go in one $batch.
   */
  async policyStates(deviceIds: readonly string[]): Promise<Map<string, SweptPolicyState[]>> {
    const out = new Map<string, SweptPolicyState[]>();
    for (let i = 0; i < deviceIds.length; i += BATCH_SIZE) {
      let pending = deviceIds.slice(i, i + BATCH_SIZE);
      for (let round = 0; pending.length && round < (this.options.maxBatchRounds ?? 5); round++) {
        const body = {
          requests: pending.map((id, n) => ({ id: String(n), method: 'GET', url: `/deviceManagement/managedDevices/${encodeURIComponent(id)}/deviceCompliancePolicyStates` })),
        };
        const answer = (await this.api.post<BatchResponse>('$batch', body, { version: 'beta', idempotent: true })) ?? {};
        const retry: string[] = [];
        let waitMs = 0;
        for (const r of answer.responses ?? []) {
          const id = pending[Number(r.id)];
          if (id === undefined) continue;
          if (r.status === 200) {
            out.set(id, (r.body?.value ?? []).map(toPolicyState));
          } else if (r.status === 429 || r.status >= 500) {
            retry.push(id);
            const header = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
            waitMs = Math.max(waitMs, parseRetryAfterMs(header) ?? 1000 * 2 ** round);
          } else {
            this.logger.warn({ status: r.status }, 'no compliance detail for a device in a batch');
          }
        }
        pending = retry;
        if (pending.length) await this.sleep(waitMs);
      }
      if (pending.length) {
        throw new GraphRequestError({ method: 'POST', path: '/$batch', status: 429, code: 'BatchItemsStillThrottled' });
      }
    }
    return out;
  }
}

function toPolicyState(p: MSGraph.DeviceCompliancePolicyState): SweptPolicyState {
  return {
    id: p.id ?? '',
    displayName: p.displayName ?? '',
    state: (p.state ?? 'unknown') as ComplianceStatus,
    settingStates: (p.settingStates ?? []).map((s) => ({ setting: s.setting ?? '', state: (s.state ?? 'unknown') as ComplianceStatus })),
  };
}
