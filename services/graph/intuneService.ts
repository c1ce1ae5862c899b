/**
 * Intune managed devices and their compliance through Microsoft Graph: device lists filtered by user in code,
 * policy states from v1.0 with per-setting detail from beta, and the sync action.
 */
import type * as MSGraph from '@microsoft/microsoft-graph-types';
import type { Logger } from '../logging/logger';
import type { GraphApi } from './graphApi';
import { GraphRequestError } from './graphErrors';
import type { CompliancePolicyState, ComplianceSettingState, ComplianceStatus, DeviceComplianceState, IntuneService, ManagedDevice } from './graphTypes';
import { userSegment } from './directoryService';

/**
 * Setting id of the synthetic encryption check on iOS/iPadOS. Intune's iOS compliance policy has no encryption
 * setting (iOS encrypts storage once a passcode is set), so the device's own `isEncrypted` is reported as a
 * setting of a synthetic policy; its last segment contains "encryption" so it classifies as an encryption check.
 */
export const IOS_ENCRYPTION_SETTING = 'Synthetic.iosStorageEncryption';
/** Id of the synthetic policy state that carries IOS_ENCRYPTION_SETTING. */
export const IOS_ENCRYPTION_POLICY_ID = 'synthetic-ios-encryption';

/** v1.0 properties read; managementState is left out because the v1.0 schema (typings 2.43.1) does not list it. */
const DEVICE_FIELDS = [
  'id',
  'userId',
  'deviceName',
  'operatingSystem',
  'osVersion',
  'model',
  'manufacturer',
  'complianceState',
  'managedDeviceOwnerType',
  'isEncrypted',
  'enrolledDateTime',
  'lastSyncDateTime',
  'complianceGracePeriodExpirationDateTime',
  'azureADDeviceId',
].join(',');

type DeviceJson = MSGraph.ManagedDevice & { managementState?: string | null };

function toManagedDevice(d: DeviceJson): ManagedDevice {
  return {
    id: d.id ?? '',
    userId: d.userId ?? '',
    deviceName: d.deviceName ?? '',
    operatingSystem: d.operatingSystem ?? '',
    osVersion: d.osVersion ?? '',
    model: d.model ?? null,
    manufacturer: d.manufacturer ?? null,
    complianceState: (d.complianceState ?? 'unknown') as DeviceComplianceState,
    managementState: d.managementState ?? null,
    managedDeviceOwnerType: d.managedDeviceOwnerType ?? null,
    isEncrypted: d.isEncrypted ?? null,
    enrolledDateTime: d.enrolledDateTime ?? '',
    lastSyncDateTime: d.lastSyncDateTime ?? null,
    complianceGracePeriodExpirationDateTime: d.complianceGracePeriodExpirationDateTime ?? null,
    azureADDeviceId: d.azureADDeviceId ?? null,
  };
}

function toSetting(s: MSGraph.DeviceCompliancePolicySettingState): ComplianceSettingState {
  return {
    setting: s.setting ?? '',
    settingName: s.settingName ?? null,
    state: (s.state ?? 'unknown') as ComplianceStatus,
    currentValue: s.currentValue ?? null,
    errorDescription: s.errorDescription ?? null,
  };
}

function isAppleMobile(operatingSystem: string | null | undefined): boolean {
  return /^(ios|ipados)$/i.test(operatingSystem ?? '');
}

/** IntuneService on Microsoft Graph. */
export class GraphIntuneService implements IntuneService {
  constructor(
    private readonly api: GraphApi,
    private readonly logger: Logger,
  ) {}

  /**
   * Lists /users/{id}/managedDevices and keeps only devices whose primary user is this user. The check stays in
   * code because Graph does not guarantee it: a `userId` $filter on the tenant list is silently ignored
   * (https://github.com/microsoftgraph/microsoft-graph-explorer-v4/issues/3125).
   */
  async listUserDevices(userId: string): Promise<ManagedDevice[]> {
    const all = await this.api.listAll<DeviceJson>(`${userSegment(userId)}/managedDevices`, { query: { $select: DEVICE_FIELDS } });
    const mine = all.filter((d) => d.userId?.toLowerCase() === userId.toLowerCase());
    if (mine.length !== all.length) this.logger.warn({ userId, dropped: all.length - mine.length }, "dropped devices of other users from a user's device list");
    return mine.map(toManagedDevice);
  }

  async getDevice(deviceId: string): Promise<ManagedDevice | undefined> {
    const d = await this.api.getOptional<DeviceJson>(`deviceManagement/managedDevices/${encodeURIComponent(deviceId)}`, { query: { $select: DEVICE_FIELDS } });
    return d ? toManagedDevice(d) : undefined;
  }

  /**
   * Policy states come from v1.0, where settingStates is reported to come back empty; the per-setting detail is
   * read from beta …/deviceCompliancePolicyStates/{id}/settingStates
   * (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/1984). iOS devices also get the
   * synthetic encryption setting (IOS_ENCRYPTION_SETTING).
   */
  async getCompliancePolicyStates(deviceId: string): Promise<CompliancePolicyState[]> {
    const base = `deviceManagement/managedDevices/${encodeURIComponent(deviceId)}`;
    const [policies, device] = await Promise.all([
      this.api.listAll<MSGraph.DeviceCompliancePolicyState>(`${base}/deviceCompliancePolicyStates`),
      this.api.getOptional<DeviceJson>(base, { query: { $select: 'id,operatingSystem,isEncrypted' } }),
    ]);
    const states = await Promise.all(
      policies.map(async (p): Promise<CompliancePolicyState> => {
        const inline = (p.settingStates ?? []).map(toSetting);
        const settings = inline.length > 0 ? inline : await this.betaSettingStates(base, p.id ?? '');
        return {
          id: p.id ?? '',
          displayName: p.displayName ?? '',
          platformType: p.platformType ?? null,
          state: (p.state ?? 'unknown') as ComplianceStatus,
          settingStates: settings,
        };
      }),
    );
    if (device && isAppleMobile(device.operatingSystem) && typeof device.isEncrypted === 'boolean') {
      const state: ComplianceStatus = device.isEncrypted ? 'compliant' : 'nonCompliant';
      states.push({
        id: IOS_ENCRYPTION_POLICY_ID,
        displayName: 'Device encryption (reported by the device)',
        platformType: 'iOS',
        state,
        settingStates: [{ setting: IOS_ENCRYPTION_SETTING, settingName: 'Storage encryption', state, currentValue: String(device.isEncrypted), errorDescription: null }],
      });
    }
    return states;
  }

  /** Asks the device to check in (204, asynchronous). Repeating a sync is harmless, so 503/504 may be retried. */
  async syncDevice(deviceId: string): Promise<void> {
    await this.api.post(`deviceManagement/managedDevices/${encodeURIComponent(deviceId)}/syncDevice`, undefined, { idempotent: true });
  }

  private async betaSettingStates(base: string, policyId: string): Promise<ComplianceSettingState[]> {
    if (!policyId) return [];
    try {
      const settings = await this.api.listAll<MSGraph.DeviceCompliancePolicySettingState>(
        `${base}/deviceCompliancePolicyStates/${encodeURIComponent(policyId)}/settingStates`,
        { version: 'beta' },
      );
      return settings.map(toSetting);
    } catch (e) {
      // Beta can lag or drop a navigation; the policy-level state still stands without its settings.
      if (e instanceof GraphRequestError && (e.status === 404 || e.status === 400)) {
        this.logger.warn({ policyId, status: e.status, code: e.code }, 'no per-setting compliance detail from beta');
        return [];
      }
      throw e;
    }
  }
}
