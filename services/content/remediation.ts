/**
 * What an employee does to fix each failing Intune compliance setting (OP-PROC-002 step 7). Keyed by the setting
 * ids Intune reports in deviceCompliancePolicyStates/settingStates (e.g. "IosCompliancePolicy.passcodeRequired"),
 * which the Graph simulator uses too. Intune's own push text cannot be customised, so the bot says it here.
 */
import type { Platform, SettingResult } from '../workflow/model';

/** The product-level kind of a compliance setting. */
export type SettingCheck = SettingResult['check'];

/** Steps that fix one failing setting. */
export interface Remediation {
  title: string;
  /** Bot-authored markdown (bold UI labels only). */
  steps: readonly string[];
  /** Microsoft's end-user help for this setting. */
  helpUrl?: string;
}

/** How to make Intune re-evaluate the device from the device itself; shown once under the fix steps. */
export const COMPANY_PORTAL_RECHECK: Record<Platform, string> = {
  ios: 'Open **Company Portal › Devices**, pick this device and tap **Check Settings**.',
  android: 'Open **Company Portal › Devices**, pick this device and tap **Check device settings**.',
  windows: 'Open **Company Portal › Devices**, pick this PC and select **Check access**.',
  macos: 'Open **Company Portal › Devices**, pick this Mac and select **Check settings**.',
};

const BY_SETTING: Record<string, Remediation> = {
  'IosCompliancePolicy.passcodeRequired': {
    title: 'Set a passcode',
    steps: [
      'Open **Settings › Face ID & Passcode** (or **Touch ID & Passcode**).',
      'Tap **Turn Passcode On** and choose a passcode that meets the rule Company Portal shows (at least 6 digits).',
    ],
  },
  'IosCompliancePolicy.osMinimumVersion': {
    title: 'Update iOS / iPadOS',
    steps: [
      'Connect to Wi-Fi and power.',
      'Open **Settings › General › Software Update** and tap **Update Now** (or **Download and Install**).',
      'If no update is offered, this device may be too old for the required version; contact IT Security.',
    ],
  },
  'IosCompliancePolicy.securityBlockJailbrokenDevices': {
    title: 'Remove the jailbreak',
    steps: [
      'A jailbroken device cannot access company data, and settings alone cannot undo a jailbreak.',
      'Back up your personal data, then restore the device with Finder (Mac) or the Apple Devices app or iTunes (Windows) and choose **Restore iPhone**.',
      'Enroll again after the restore. If you think this is a mistake, contact IT Security.',
    ],
  },
  // iOS policies have no encryption setting: an iPhone or iPad encrypts its storage once a passcode is set, and
  // the Graph client reports the device's isEncrypted flag under this synthetic id.
  'Synthetic.iosStorageEncryption': {
    title: 'Turn on data protection',
    steps: [
      'iPhone and iPad encrypt their storage when a passcode is set: open **Settings › Face ID & Passcode** and turn the passcode on.',
      'Restart the device, then check again. If it still fails, contact IT Security.',
    ],
  },
  'AndroidCompliancePolicy.passwordRequired': {
    title: 'Set a screen lock',
    steps: [
      'Open **Settings › Security** (on some phones **Security & privacy › Device unlock**).',
      'Tap **Screen lock** and choose a PIN, pattern or password that meets the rule Company Portal shows.',
    ],
  },
  'AndroidCompliancePolicy.storageRequireEncryption': {
    title: 'Encrypt the device',
    steps: [
      'Android 10 and later encrypts storage once a screen lock is set: set a PIN or password under **Settings › Security › Screen lock**.',
      'On older Android versions, open **Settings › Security › Encrypt phone**, keep it charging, and wait until it restarts.',
    ],
  },
  'AndroidCompliancePolicy.osMinimumVersion': {
    title: 'Update Android',
    steps: [
      'Connect to Wi-Fi and power.',
      'Open **Settings › System › Software update** (Samsung: **Settings › Software update**) and install the update.',
      'If no update is offered, this device may be too old for the required version; contact IT Security.',
    ],
  },
  'AndroidCompliancePolicy.securityBlockJailbrokenDevices': {
    title: 'Remove root access',
    steps: [
      'A rooted device cannot access company data.',
      "Uninstall root tools (such as Magisk or SuperSU) and install the manufacturer's official software; a factory reset alone may not remove root.",
      'Enroll again afterwards. If you think this is a mistake, contact IT Security.',
    ],
  },
  'Windows10CompliancePolicy.passwordRequired': {
    title: 'Set a sign-in password or PIN',
    steps: ['Open **Settings › Accounts › Sign-in options**.', 'Set a **Password** or a **PIN (Windows Hello)** that meets the rule Company Portal shows.'],
  },
  'Windows10CompliancePolicy.bitLockerEnabled': {
    title: 'Turn on BitLocker',
    steps: [
      'Windows Pro or Enterprise: open **Control Panel › BitLocker Drive Encryption** and select **Turn on BitLocker**. Windows Home: **Settings › Privacy & security › Device encryption**.',
      'Save the recovery key to your work account when asked, and let encryption finish.',
      'Restart the PC: Windows reports BitLocker to Intune only at startup.',
    ],
  },
  'Windows10CompliancePolicy.osMinimumVersion': {
    title: 'Update Windows',
    steps: [
      'Open **Settings › Windows Update** and select **Check for updates**.',
      'Install every update offered, including the feature update if one is listed, and restart.',
    ],
  },
  'MacOSCompliancePolicy.passwordRequired': {
    title: 'Set a login password',
    steps: [
      'Open **System Settings › Users & Groups** and set a password for your account that meets the rule Company Portal shows.',
      'In **System Settings › Lock Screen**, require the password soon after sleep or the screen saver starts.',
    ],
  },
  'MacOSCompliancePolicy.storageRequireEncryption': {
    title: 'Turn on FileVault',
    steps: [
      'Open **System Settings › Privacy & Security › FileVault** and select **Turn On**.',
      'Keep the recovery key as instructed, keep the Mac plugged in, and let encryption finish.',
    ],
  },
  'MacOSCompliancePolicy.osMinimumVersion': {
    title: 'Update macOS',
    steps: ['Open **System Settings › General › Software Update**.', 'Install the update offered and restart.'],
  },
};

const PLATFORM_NAME: Record<Platform, string> = { ios: 'device', android: 'device', windows: 'PC', macos: 'Mac' };

/** Fix steps for a failing setting; a generic Company Portal route when the setting id is not one we know. */
export function remediationFor(platform: Platform, settingId: string): Remediation {
  const known = BY_SETTING[settingId];
  if (known) return known;
  return {
    title: `Fix a setting on your ${PLATFORM_NAME[platform]}`,
    steps: [
      COMPANY_PORTAL_RECHECK[platform],
      'Follow **How to resolve** for each item Company Portal lists.',
      'If nothing is listed or it still fails, contact IT Security.',
    ],
  };
}

/** The setting ids with their own remediation text (for tests and the Graph simulator). */
export const KNOWN_SETTING_IDS: readonly string[] = Object.keys(BY_SETTING);

/** Classifies an Intune setting id into the product-level check it belongs to. */
export function classifySetting(settingId: string): SettingCheck {
  const name = (settingId.split('.').pop() ?? '').toLowerCase();
  if (name.includes('jailbroken') || name.includes('rooted')) return 'jailbreak';
  if (name.includes('encryption') || name.includes('bitlocker') || name.includes('filevault')) return 'encryption';
  if (name.startsWith('osminimum') || name.startsWith('osmaximum') || name.includes('osversion') || name.includes('minimumosversion'))
    return 'osVersion';
  if (name.includes('passcode') || name.includes('password')) return 'passcode';
  return 'other';
}
