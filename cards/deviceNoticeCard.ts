/**
 * What the employee is told about an enrolled device after access was granted: it drifted out of compliance
 * (with the steps that fix each failing setting and Check again), a reminder before the grace period ends,
 * access removed (why, and how to get it back), fixed, or access restored.
 */
import { COMPANY_PORTAL_RECHECK, remediationFor } from '../services/content/remediation';
import type { DeviceNotice } from '../services/workflow/deviceTransition';
import { PLATFORM_LABELS, type Platform } from '../services/workflow/model';
import { cardDateTime } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/deviceNotice.json';
import { Verb, type CardActionData } from './verbs';

const cardTemplate = compileTemplate('deviceNotice', template);

/** The device facts a notice shows; ids and a version only go into the action data. */
export interface DeviceNoticeInput {
  about: DeviceNotice;
  deviceId: string;
  version: number;
  platform: Platform;
  deviceName: string;
  failing: readonly string[];
  graceEndsAt?: string;
}

const HEADLINES: Record<DeviceNotice, (i: DeviceNoticeInput) => { title: string; style: string; headline: string; message: string }> = {
  drift: (i) => ({
    title: 'Your device needs attention',
    style: 'warning',
    headline: i.graceEndsAt ? `Fix ${i.failing.length === 1 ? 'this' : 'these'} by ${cardDateTime(i.graceEndsAt)}` : 'Fix these settings',
    message: 'Your device no longer meets the company security requirements. Until it is fixed you keep access for a short grace period; after that, access to work data is removed until the device complies again.',
  }),
  reminder: (i) => ({
    title: 'Reminder: your device still needs attention',
    style: 'warning',
    headline: i.graceEndsAt ? `Access ends ${cardDateTime(i.graceEndsAt)} unless this is fixed` : 'Access ends soon unless this is fixed',
    message: 'The settings below still fail. Fix them and tap Check again.',
  }),
  accessRemoved: () => ({
    title: 'Access to work data removed',
    style: 'attention',
    headline: 'The grace period has ended and the device still does not comply',
    message: 'Your access to work data from this device has been removed (OP-PROC-002). Fix the settings below and tap Check again: access comes back on its own once Intune reports the device compliant.',
  }),
  fixed: () => ({
    title: 'Your device is compliant again',
    style: 'good',
    headline: 'Thank you: nothing more to do',
    message: 'Intune reports the device compliant again; your access continues.',
  }),
  consentLapsed: () => ({
    title: 'Access to work data paused',
    style: 'attention',
    headline: 'The updated data-collection notice was not accepted by its deadline',
    message: 'Your access to work data from this device is paused until you accept the updated notice. Press Accept on the notice card in this chat (type "my consents" to see it again): access comes back on its own once you do.',
  }),
  accessRestored: () => ({
    title: 'Access restored',
    style: 'good',
    headline: 'Your device complies again',
    message: 'Access to work data from this device has been restored.',
  }),
};

/** Renders a device notice; failing settings get their remediation steps and Check again. */
export function renderDeviceNoticeCard(input: DeviceNoticeInput): AdaptiveCard {
  const fixes = input.failing.map((setting) => {
    const fix = remediationFor(input.platform, setting);
    return { title: fix.title, steps: fix.steps.map((text, n) => ({ number: n + 1, text })), helpUrl: fix.helpUrl };
  });
  const canRecheck = input.failing.length > 0;
  const recheck: CardActionData = { verb: Verb.DeviceRecheck, deviceId: input.deviceId, version: input.version };
  return cardTemplate.render({
    ...HEADLINES[input.about](input),
    deviceLine: escapeCardText(`${input.deviceName} · ${PLATFORM_LABELS[input.platform]}`, { maxLength: 160 }),
    fixes,
    recheckHint: canRecheck ? `When you have made the changes, ${COMPANY_PORTAL_RECHECK[input.platform].charAt(0).toLowerCase()}${COMPANY_PORTAL_RECHECK[input.platform].slice(1)} Then tap **Check again** here.` : undefined,
    canRecheck,
    recheck,
  });
}
