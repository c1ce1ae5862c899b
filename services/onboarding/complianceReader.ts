import { classifySetting } from '../content/remediation';
import type { IntuneService, ManagedDevice } from '../graph/graphTypes';
import type { ComplianceReport, OnboardingRequest, Platform, SettingResult } from '../workflow/model';

const OS_BY_PLATFORM: Record<Platform, RegExp> = {
  ios: /^(ios|ipados)$/i,
  android: /^android/i,
  windows: /^windows/i,
  macos: /^mac ?os/i,
};

/** How far before the request an enrollment still counts as "for this request" (the employee may enroll first). */
const LOOKBACK_MS = 24 * 3600 * 1000;

/**
 * Picks the device this request is about: the one already bound to it, else the newest device of the requester
 * on the requested platform enrolled since shortly before the request.
 */
export function pickDevice(request: OnboardingRequest, devices: ManagedDevice[]): ManagedDevice | undefined {
  if (request.managedDeviceId) return devices.find((d) => d.id === request.managedDeviceId);
  const since = Date.parse(request.createdAt) - LOOKBACK_MS;
  return devices
    .filter((d) => d.userId === request.requester.aadObjectId)
    .filter((d) => OS_BY_PLATFORM[request.device.platform].test(d.operatingSystem))
    .filter((d) => Date.parse(d.enrolledDateTime) >= since)
    .sort((a, b) => Date.parse(b.enrolledDateTime) - Date.parse(a.enrolledDateTime))[0];
}

/** Reads a device's compliance from Intune and builds the compliance verification report (OP-PROC-002 §6 artifact). */
export async function readComplianceReport(intune: IntuneService, device: ManagedDevice, now: string): Promise<ComplianceReport> {
  const policies = await intune.getCompliancePolicyStates(device.id);
  const settings: SettingResult[] = policies.flatMap((p) =>
    p.settingStates.map((s) => ({
      policy: p.displayName,
      setting: s.setting,
      check: classifySetting(s.setting),
      label: s.settingName ?? s.setting,
      state: s.state,
      currentValue: s.currentValue ?? null,
    })),
  );
  return {
    deviceId: device.id,
    deviceName: device.deviceName,
    operatingSystem: device.operatingSystem,
    osVersion: device.osVersion,
    complianceState: device.complianceState,
    evaluatedAt: now,
    lastSyncDateTime: device.lastSyncDateTime ?? null,
    gracePeriodEndsAt: device.complianceState === 'inGracePeriod' ? (device.complianceGracePeriodExpirationDateTime ?? null) : null,
    policies: policies.map((p) => ({ id: p.id, displayName: p.displayName, state: p.state })),
    settings,
  };
}
