import assert from 'node:assert/strict';
import { GENERIC_HELP_URL, KNOWN_SETTING_IDS, remediationFor } from '../../../services/content/remediation';
import type { Platform } from '../../../services/workflow/model';

const PLATFORM_OF: Record<string, Platform> = {
  IosCompliancePolicy: 'ios',
  Synthetic: 'ios',
  AndroidCompliancePolicy: 'android',
  Windows10CompliancePolicy: 'windows',
  MacOSCompliancePolicy: 'macos',
};
const HELP_HOSTS = ['learn.microsoft.com', 'support.microsoft.com', 'support.apple.com', 'support.google.com'];

/** The settings OP-PROC-002's compliance policies check, per platform, that must have their own steps. */
const REQUIRED: [string, Platform, string][] = [
  ['passcode', 'ios', 'IosCompliancePolicy.passcodeRequired'],
  ['passcode', 'android', 'AndroidCompliancePolicy.passwordRequired'],
  ['passcode', 'windows', 'Windows10CompliancePolicy.passwordRequired'],
  ['passcode', 'macos', 'MacOSCompliancePolicy.passwordRequired'],
  ['encryption', 'ios', 'Synthetic.iosStorageEncryption'],
  ['encryption', 'android', 'AndroidCompliancePolicy.storageRequireEncryption'],
  ['BitLocker', 'windows', 'Windows10CompliancePolicy.bitLockerEnabled'],
  ['FileVault', 'macos', 'MacOSCompliancePolicy.storageRequireEncryption'],
  ['minimum OS', 'ios', 'IosCompliancePolicy.osMinimumVersion'],
  ['minimum OS', 'android', 'AndroidCompliancePolicy.osMinimumVersion'],
  ['minimum OS', 'windows', 'Windows10CompliancePolicy.osMinimumVersion'],
  ['minimum OS', 'macos', 'MacOSCompliancePolicy.osMinimumVersion'],
  ['jailbreak', 'ios', 'IosCompliancePolicy.securityBlockJailbrokenDevices'],
  ['root', 'android', 'AndroidCompliancePolicy.securityBlockJailbrokenDevices'],
  ['screen-lock timeout', 'ios', 'IosCompliancePolicy.passcodeMinutesOfInactivityBeforeLock'],
  ['screen-lock timeout', 'android', 'AndroidCompliancePolicy.passwordMinutesOfInactivityBeforeLock'],
  ['screen-lock timeout', 'windows', 'Windows10CompliancePolicy.passwordMinutesOfInactivityBeforeLock'],
  ['screen-lock timeout', 'macos', 'MacOSCompliancePolicy.passwordMinutesOfInactivityBeforeLock'],
  ['threat level', 'ios', 'IosCompliancePolicy.deviceThreatProtectionRequiredSecurityLevel'],
  ['threat level', 'android', 'AndroidCompliancePolicy.deviceThreatProtectionRequiredSecurityLevel'],
  ['threat level', 'windows', 'Windows10CompliancePolicy.deviceThreatProtectionRequiredSecurityLevel'],
  ['threat level', 'macos', 'MacOSCompliancePolicy.deviceThreatProtectionRequiredSecurityLevel'],
  ['Play Integrity', 'android', 'AndroidCompliancePolicy.securityRequireSafetyNetAttestationBasicIntegrity'],
  ['firewall', 'windows', 'Windows10CompliancePolicy.activeFirewallRequired'],
  ['firewall', 'macos', 'MacOSCompliancePolicy.firewallEnabled'],
];

describe('remediation catalogue', () => {
  describe('every entry', () => {
    for (const id of KNOWN_SETTING_IDS) {
      it(`when ${id} fails, then it has a title, numbered-ready steps and a help link on a vendor's help site`, () => {
        const platform = PLATFORM_OF[id.split('.')[0]];
        assert.ok(platform, `setting id ${id} names a known policy type`);
        const fix = remediationFor(platform, id);
        assert.ok(fix.title && !/^Fix a setting/.test(fix.title));
        assert.ok(fix.steps.length >= 1 && fix.steps.every((s) => s.length > 10 && !s.includes('${')));
        assert.ok(fix.helpUrl, 'has a help link');
        const url = new URL(fix.helpUrl);
        assert.equal(url.protocol, 'https:');
        assert.ok(HELP_HOSTS.includes(url.hostname), url.hostname);
      });
    }
  });

  describe('the settings the procedure checks', () => {
    for (const [what, platform, id] of REQUIRED) {
      it(`when ${what} fails on ${platform}, then it has its own entry`, () => {
        assert.ok(KNOWN_SETTING_IDS.includes(id), id);
        assert.doesNotMatch(remediationFor(platform, id).title, /^Fix a setting/);
      });
    }
  });

  it('when a setting is unknown, then generic steps say how to reach IT and link to Microsoft help', () => {
    for (const platform of ['ios', 'android', 'windows', 'macos'] as const) {
      const fix = remediationFor(platform, 'Future.brandNewSetting');
      assert.match(fix.steps.join(' '), /IT Security/);
      assert.equal(fix.helpUrl, GENERIC_HELP_URL);
    }
    assert.match(remediationFor('ios', '__proto__').title, /^Fix a setting/, 'a prototype key is just unknown');
  });
});
