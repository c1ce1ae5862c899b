import assert from 'node:assert/strict';
import {
  consentTextFor,
  consentTextFromLines,
  dataCollectionFor,
  draftConsentText,
  noticeSections,
  sha256Hex,
} from '../../../services/content/consentText';
import { notices } from '../../../services/content/notices/noticeRegistry';
import { enrollmentInstructionsFor } from '../../../services/content/enrollmentInstructions';
import { classifySetting, KNOWN_SETTING_IDS, remediationFor } from '../../../services/content/remediation';
import { COMPLIANCE_STATE_TEXT, REQUEST_STATE_TEXT } from '../../../services/content/stateText';
import { OWNERSHIPS, PLATFORMS, type Platform, type RequestState } from '../../../services/workflow/model';
import type { DeviceComplianceState } from '../../../services/graph/graphTypes';

/** The setting ids the Graph simulator reports, by platform, with the check each belongs to. */
const SETTINGS: [Platform, string, ReturnType<typeof classifySetting>][] = [
  ['ios', 'IosCompliancePolicy.passcodeRequired', 'passcode'],
  ['ios', 'IosCompliancePolicy.osMinimumVersion', 'osVersion'],
  ['ios', 'IosCompliancePolicy.securityBlockJailbrokenDevices', 'jailbreak'],
  ['android', 'AndroidCompliancePolicy.passwordRequired', 'passcode'],
  ['android', 'AndroidCompliancePolicy.storageRequireEncryption', 'encryption'],
  ['android', 'AndroidCompliancePolicy.osMinimumVersion', 'osVersion'],
  ['android', 'AndroidCompliancePolicy.securityBlockJailbrokenDevices', 'jailbreak'],
  ['windows', 'Windows10CompliancePolicy.passwordRequired', 'passcode'],
  ['windows', 'Windows10CompliancePolicy.bitLockerEnabled', 'encryption'],
  ['windows', 'Windows10CompliancePolicy.osMinimumVersion', 'osVersion'],
  ['macos', 'MacOSCompliancePolicy.passwordRequired', 'passcode'],
  ['macos', 'MacOSCompliancePolicy.storageRequireEncryption', 'encryption'],
  ['macos', 'MacOSCompliancePolicy.osMinimumVersion', 'osVersion'],
];

describe('content', () => {
  describe('enrollment instructions', () => {
    for (const platform of PLATFORMS) {
      for (const ownership of OWNERSHIPS) {
        it(`when ${platform} × ${ownership}, then there is a method, a summary and at least 4 short steps`, () => {
          const how = enrollmentInstructionsFor(platform, ownership);
          assert.equal(how.platform, platform);
          assert.equal(how.ownership, ownership);
          assert.ok(how.method && how.summary);
          assert.ok(how.steps.length >= 4, `${how.steps.length} steps`);
          for (const step of how.steps) assert.ok(step.length <= 240, `step too long for a phone: ${step}`);
          for (const link of how.links) assert.match(link.url, /^https:\/\//);
        });
      }
    }

    it('when the device is a personal Android, then it uses a work profile; company Android is fully managed', () => {
      assert.match(enrollmentInstructionsFor('android', 'personal').method, /work profile/);
      assert.match(enrollmentInstructionsFor('android', 'company').steps.join(' '), /afw#setup/);
      assert.match(enrollmentInstructionsFor('windows', 'personal').steps.join(' '), /Access work or school/);
      assert.match(enrollmentInstructionsFor('macos', 'personal').steps.join(' '), /Company Portal/);
    });
  });

  describe('remediation', () => {
    for (const [platform, setting, check] of SETTINGS) {
      it(`when ${setting} fails, then it has its own steps and classifies as ${check}`, () => {
        const fix = remediationFor(platform, setting);
        assert.ok(fix.steps.length >= 1);
        assert.doesNotMatch(fix.title, /^Fix a setting/);
        assert.equal(classifySetting(setting), check);
        assert.ok(KNOWN_SETTING_IDS.includes(setting));
      });
    }

    for (const platform of PLATFORMS) {
      it(`when an unknown ${platform} setting fails, then the generic Company Portal route is given`, () => {
        const fix = remediationFor(platform, 'SomePolicy.somethingNew');
        assert.match(fix.title, /^Fix a setting/);
        assert.match(fix.steps.join(' '), /Company Portal/);
      });
    }

    it('when a setting id is unknown, then it classifies as other', () => {
      assert.equal(classifySetting('Windows10CompliancePolicy.defenderEnabled'), 'other');
      assert.equal(classifySetting(''), 'other');
    });
  });

  describe('consent text', () => {
    for (const ownership of OWNERSHIPS) {
      it(`when ${ownership}, then the hash is the SHA-256 of exactly the text, and the text names its version`, () => {
        const c = consentTextFor(ownership);
        assert.equal(c.version, notices.current(ownership).version);
        assert.equal(c.sha256, sha256Hex(c.text));
        assert.match(c.sha256, /^[0-9a-f]{64}$/);
        assert.equal(c.text, c.lines.join('\n'));
        assert.ok(c.text.includes(`Version ${c.version}`));
      });

      it(`when ${ownership}, then it covers collection, use, storage, retention, access, rights and terms`, () => {
        const text = consentTextFor(ownership).text;
        for (const needle of ['What IT can see', 'What IT can never see', 'passcode', 'encryption', 'OS version', 'jailbroken', 'Microsoft Intune', '6 years', 'HIPAA', 'IT Security', 'auditors', 'withdraw', 'privacy@', 'Terms of acceptable use']) {
          assert.ok(text.includes(needle), needle);
        }
      });
    }

    it('when one character of the text changes, then the hash changes', () => {
      const c = consentTextFor('personal');
      const changed = consentTextFromLines(c.version, c.ownership, [...c.lines.slice(0, -1), `${c.lines[c.lines.length - 1]}.`]);
      assert.notEqual(changed.sha256, c.sha256);
      assert.equal(consentTextFromLines(c.version, c.ownership, c.lines).sha256, c.sha256);
    });

    it('when the content is drafted under the current version, then it is exactly the published text (the privacy card cannot drift from it)', () => {
      for (const ownership of OWNERSHIPS) assert.equal(draftConsentText(ownership, { version: notices.current(ownership).version }).sha256, consentTextFor(ownership).sha256);
    });

    it('when the ownership or privacy contact differs, then the text and hash differ', () => {
      assert.notEqual(consentTextFor('personal').sha256, consentTextFor('company').sha256);
      const custom = draftConsentText('personal', { privacyContact: 'dpo@example.org' });
      assert.ok(custom.text.includes('dpo@example.org'));
      assert.notEqual(custom.sha256, draftConsentText('personal').sha256);
    });

    it('when personal, then IT never sees location or personal apps; when company, IT sees all apps', () => {
      assert.match(dataCollectionFor('personal').neverSees.join(' '), /location/);
      assert.match(dataCollectionFor('personal').canSee.join(' '), /last four digits/);
      assert.match(dataCollectionFor('company').canSee.join(' '), /All installed apps/);
      assert.deepEqual(
        noticeSections('personal').map((s) => s.heading),
        noticeSections('company').map((s) => s.heading),
      );
    });
  });

  describe('state text', () => {
    const states: RequestState[] = [
      'pendingApproval', 'denied', 'cancelled', 'awaitingConsent', 'consentDeclined', 'awaitingEnrollment',
      'nonCompliant', 'complianceUndetermined', 'pendingItReview', 'granting', 'granted', 'expired',
    ];
    const compliance: DeviceComplianceState[] = ['unknown', 'error', 'conflict', 'inGracePeriod', 'configManager', 'noncompliant', 'compliant'];

    it('when any request state, then it has a label and a next-step sentence', () => {
      assert.deepEqual(Object.keys(REQUEST_STATE_TEXT).sort(), [...states].sort());
      for (const s of states) assert.ok(REQUEST_STATE_TEXT[s].label && REQUEST_STATE_TEXT[s].next.endsWith('.'), s);
    });

    it('when any compliance state, then it has its own message', () => {
      assert.deepEqual(Object.keys(COMPLIANCE_STATE_TEXT).sort(), [...compliance].sort());
      const messages = compliance.map((s) => COMPLIANCE_STATE_TEXT[s].next);
      assert.equal(new Set(messages).size, messages.length);
    });
  });
});
