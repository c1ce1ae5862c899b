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
  // ---- More of Intune's common settings, per platform ----
  'IosCompliancePolicy.passcodeMinimumLength': {
    title: 'Use a longer passcode',
    steps: ['Open **Settings › Face ID & Passcode** and tap **Change Passcode**.', 'Tap **Passcode Options** and choose a passcode at least as long as Company Portal asks.'],
    helpUrl: 'https://support.apple.com/HT204060',
  },
  'IosCompliancePolicy.passcodeBlockSimple': {
    title: 'Use a passcode that is not simple',
    steps: ['Open **Settings › Face ID & Passcode** and tap **Change Passcode**.', 'Avoid repeated or sequential digits such as 1111 or 1234.'],
    helpUrl: 'https://support.apple.com/HT204060',
  },
  'IosCompliancePolicy.passcodeMinutesOfInactivityBeforeLock': {
    title: 'Lock the screen sooner',
    steps: ['Open **Settings › Display & Brightness › Auto-Lock**.', 'Choose a time no longer than Company Portal asks (for example 5 minutes).'],
    helpUrl: 'https://support.apple.com/HT204060',
  },
  'IosCompliancePolicy.passcodeMinutesOfInactivityBeforeScreenTimeout': {
    title: 'Turn the screen off sooner',
    steps: ['Open **Settings › Display & Brightness › Auto-Lock**.', 'Choose a time no longer than Company Portal asks.'],
    helpUrl: 'https://support.apple.com/HT204060',
  },
  'IosCompliancePolicy.deviceThreatProtectionRequiredSecurityLevel': {
    title: 'Resolve the threats your security app found',
    steps: [
      'Open **Microsoft Defender** (or the security app your company uses) and follow what it asks: remove the flagged app or profile, or update the device.',
      'Open Company Portal and check the device again once the app reports no threats.',
    ],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'AndroidCompliancePolicy.passwordMinimumLength': {
    title: 'Use a longer PIN or password',
    steps: ['Open **Settings › Security › Screen lock**.', 'Enter your current lock, then choose a PIN or password at least as long as Company Portal asks.'],
    helpUrl: 'https://support.google.com/android/answer/9079129',
  },
  'AndroidCompliancePolicy.passwordMinutesOfInactivityBeforeLock': {
    title: 'Lock the screen sooner',
    steps: ['Open **Settings › Display › Screen timeout** and choose a shorter time.', 'Under **Settings › Security › Screen lock** settings, set **Lock after screen timeout** to immediately or a short time.'],
    helpUrl: 'https://support.google.com/android/answer/9079129',
  },
  'AndroidCompliancePolicy.deviceThreatProtectionRequiredSecurityLevel': {
    title: 'Resolve the threats your security app found',
    steps: ['Open **Microsoft Defender** (or the security app your company uses) and remove the apps it flags.', 'Open Company Portal and check the device again once the app reports no threats.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'AndroidCompliancePolicy.securityRequireSafetyNetAttestationBasicIntegrity': {
    title: 'Pass Google Play Integrity',
    steps: [
      'Google Play Integrity fails on rooted devices, unlocked bootloaders and unofficial system software.',
      "Install the manufacturer's official software update, lock the bootloader and remove root tools; then restart.",
      'If the device is unmodified and still fails, contact IT Security.',
    ],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'AndroidCompliancePolicy.securityRequireSafetyNetAttestationCertifiedDevice': {
    title: 'Use a Google-certified device',
    steps: ['Open **Play Store › Settings › About** and check **Play Protect certification**.', 'An uncertified device cannot access company data; contact IT Security about using another device.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'AndroidCompliancePolicy.securityRequireVerifyApps': {
    title: 'Turn on Google Play Protect',
    steps: ['Open **Play Store**, tap your profile picture, then **Play Protect › Settings**.', 'Turn on **Scan apps with Play Protect**.'],
    helpUrl: 'https://support.google.com/googleplay/answer/2812853',
  },
  'AndroidCompliancePolicy.securityPreventInstallAppsFromUnknownSources': {
    title: 'Block apps from unknown sources',
    steps: ['Open **Settings › Apps › Special app access › Install unknown apps**.', 'Turn the permission off for every app listed.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'AndroidCompliancePolicy.minAndroidSecurityPatchLevel': {
    title: 'Install the latest security update',
    steps: ['Open **Settings › Security › Security update** (or **Settings › System › Software update**) and install what is offered.', 'If none is offered, this device may no longer get updates; contact IT Security.'],
    helpUrl: 'https://support.google.com/android/answer/7680439',
  },
  'Windows10CompliancePolicy.passwordMinimumLength': {
    title: 'Use a longer password or PIN',
    steps: ['Open **Settings › Accounts › Sign-in options**.', 'Change your **Password** or **PIN** to one at least as long as Company Portal asks.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'Windows10CompliancePolicy.passwordMinutesOfInactivityBeforeLock': {
    title: 'Lock the screen sooner',
    steps: ['Open **Settings › Personalization › Lock screen › Screen timeout** (or **Screen saver**).', 'Choose a time no longer than Company Portal asks and require sign-in on resume.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'Windows10CompliancePolicy.storageRequireEncryption': {
    title: 'Encrypt the drive',
    steps: ['Open **Settings › Privacy & security › Device encryption** (Windows Home) or **Control Panel › BitLocker Drive Encryption** and turn encryption on.', 'Let it finish, then restart.'],
    helpUrl: 'https://support.microsoft.com/windows/turn-on-device-encryption-0c453637-bc88-5f74-5105-741561aae838',
  },
  'Windows10CompliancePolicy.activeFirewallRequired': {
    title: 'Turn on the firewall',
    steps: ['Open **Windows Security › Firewall & network protection**.', 'Turn **Microsoft Defender Firewall** on for the active network (and for every profile if asked).'],
    helpUrl: 'https://support.microsoft.com/windows/turn-microsoft-defender-firewall-on-or-off-ec0844f7-aebd-0583-67fe-601ecf5d774f',
  },
  'Windows10CompliancePolicy.defenderEnabled': {
    title: 'Turn on Microsoft Defender Antivirus',
    steps: ['Open **Windows Security › Virus & threat protection › Manage settings**.', 'Turn on **Real-time protection**, then select **Check for updates** under protection updates.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'Windows10CompliancePolicy.secureBootEnabled': {
    title: 'Turn on Secure Boot',
    steps: ['Secure Boot is switched on in the PC firmware (UEFI) settings; the steps differ by manufacturer.', 'Contact IT Security if you are not sure: a wrong firmware change can stop the PC from starting.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'Windows10CompliancePolicy.tpmRequired': {
    title: 'Turn on the TPM',
    steps: ['The TPM (security chip) is switched on in the PC firmware settings.', 'Contact IT Security for help: the steps differ by manufacturer.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'Windows10CompliancePolicy.deviceThreatProtectionRequiredSecurityLevel': {
    title: 'Resolve the threats Defender found',
    steps: ['Open **Windows Security › Virus & threat protection** and remove or quarantine every threat listed.', 'Run a **Quick scan**, restart, and check again in Company Portal.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'MacOSCompliancePolicy.passwordMinimumLength': {
    title: 'Use a longer login password',
    steps: ['Open **System Settings › Users & Groups**, select your account and **Change Password**.', 'Choose one at least as long as Company Portal asks.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'MacOSCompliancePolicy.passwordMinutesOfInactivityBeforeLock': {
    title: 'Lock the screen sooner',
    steps: ['Open **System Settings › Lock Screen**.', 'Set **Require password after screen saver begins or display is turned off** to immediately or a short time, and shorten the screen saver and display-off times.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'MacOSCompliancePolicy.firewallEnabled': {
    title: 'Turn on the firewall',
    steps: ['Open **System Settings › Network › Firewall**.', 'Turn the firewall on.'],
    helpUrl: 'https://support.apple.com/guide/mac-help/mh34041/mac',
  },
  'MacOSCompliancePolicy.systemIntegrityProtectionEnabled': {
    title: 'Turn System Integrity Protection back on',
    steps: ['System Integrity Protection is switched off only from macOS Recovery; contact IT Security to switch it back on safely.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'MacOSCompliancePolicy.gatekeeperAllowedAppSource': {
    title: 'Allow apps only from trusted sources',
    steps: ['Open **System Settings › Privacy & Security**.', 'Under **Allow applications from**, choose **App Store** or **App Store and identified developers**.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
  'MacOSCompliancePolicy.deviceThreatProtectionRequiredSecurityLevel': {
    title: 'Resolve the threats your security app found',
    steps: ['Open **Microsoft Defender** and remove every threat it lists.', 'Check again in Company Portal once it reports no threats.'],
    helpUrl: 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  },
};

/** Microsoft's or the platform maker's user help for the settings above that do not name their own. */
const HELP: Record<string, string> = {
  'IosCompliancePolicy.passcodeRequired': 'https://support.apple.com/HT204060',
  'IosCompliancePolicy.osMinimumVersion': 'https://support.apple.com/HT204204',
  'IosCompliancePolicy.securityBlockJailbrokenDevices': 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  'Synthetic.iosStorageEncryption': 'https://support.apple.com/HT204060',
  'AndroidCompliancePolicy.passwordRequired': 'https://support.google.com/android/answer/9079129',
  'AndroidCompliancePolicy.storageRequireEncryption': 'https://learn.microsoft.com/mem/intune/user-help/encrypt-your-device-android',
  'AndroidCompliancePolicy.osMinimumVersion': 'https://support.google.com/android/answer/7680439',
  'AndroidCompliancePolicy.securityBlockJailbrokenDevices': 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  'Windows10CompliancePolicy.passwordRequired': 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  'Windows10CompliancePolicy.bitLockerEnabled': 'https://support.microsoft.com/windows/turn-on-device-encryption-0c453637-bc88-5f74-5105-741561aae838',
  'Windows10CompliancePolicy.osMinimumVersion': 'https://support.microsoft.com/windows/update-windows-3c5ae7fc-9fb6-9af1-1984-b5e0412c556a',
  'MacOSCompliancePolicy.passwordRequired': 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources',
  'MacOSCompliancePolicy.storageRequireEncryption': 'https://support.apple.com/guide/mac-help/mh11785/mac',
  'MacOSCompliancePolicy.osMinimumVersion': 'https://support.apple.com/HT201541',
};

/** Where an unknown setting sends the employee: Microsoft's general troubleshooting for company access. */
export const GENERIC_HELP_URL = 'https://learn.microsoft.com/mem/intune/user-help/fix-common-problems-accessing-company-resources';

const PLATFORM_NAME: Record<Platform, string> = { ios: 'device', android: 'device', windows: 'PC', macos: 'Mac' };

/** Fix steps for a failing setting; a generic Company Portal route when the setting id is not one we know. */
export function remediationFor(platform: Platform, settingId: string): Remediation {
  const known = Object.hasOwn(BY_SETTING, settingId) ? BY_SETTING[settingId] : undefined;
  if (known) return { ...known, helpUrl: known.helpUrl ?? HELP[settingId] ?? GENERIC_HELP_URL };
  return {
    title: `Fix a setting on your ${PLATFORM_NAME[platform]}`,
    steps: [
      COMPANY_PORTAL_RECHECK[platform],
      'Follow **How to resolve** for each item Company Portal lists.',
      'If nothing is listed or it still fails, contact IT Security: reply in this chat or reach them in the IT Security channel in Teams.',
    ],
    helpUrl: GENERIC_HELP_URL,
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
