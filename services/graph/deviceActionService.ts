/**
 * Intune's remote device actions through Microsoft Graph: remote lock, retire and wipe
 * (https://learn.microsoft.com/en-us/graph/api/intune-devices-manageddevice-remotelock, …-retire, …-wipe), each
 * a POST that answers 204 No Content, and the device's `deviceActionResults`, where Intune lists the actions it
 * accepted with their state (https://learn.microsoft.com/en-us/graph/api/resources/intune-devices-deviceactionresult).
 */
import type { GraphApi } from './graphApi';
import type { DeviceActionResponse, DeviceActionResult, IntuneDeviceActions } from './graphTypes';

/** IntuneDeviceActions on Microsoft Graph. */
export class GraphDeviceActionService implements IntuneDeviceActions {
  constructor(private readonly api: GraphApi) {}

  async perform(deviceId: string, action: 'remoteLock' | 'retire' | 'wipe'): Promise<DeviceActionResponse> {
    // A wipe with no body is a full factory reset (keepEnrollmentData and keepUserData default to false).
    return this.api.postAction(`deviceManagement/managedDevices/${encodeURIComponent(deviceId)}/${action}`, action === 'wipe' ? { keepEnrollmentData: false, keepUserData: false } : undefined);
  }

  async actionResults(deviceId: string): Promise<DeviceActionResult[] | undefined> {
    const d = await this.api.getOptional<{ deviceActionResults?: DeviceActionResult[] | null }>(`deviceManagement/managedDevices/${encodeURIComponent(deviceId)}`, {
      query: { $select: 'id,deviceActionResults' },
    });
    return d ? (d.deviceActionResults ?? []) : undefined;
  }
}
