/**
 * The employee's compliance card (OP-PROC-002 steps 5 and 7): the verdict from the latest Intune report, and for
 * every failing setting the steps that fix it, with "Check again". Intune's own push text cannot be customised, so
 * this is where the employee learns what exactly to change.
 */
import { COMPANY_PORTAL_RECHECK, remediationFor } from '../services/content/remediation';
import { complianceStateText, requestStateText } from '../services/content/stateText';
import { PLATFORM_LABELS, type OnboardingRequest } from '../services/workflow/model';
import { actionData, cardDateTime, containerStyle, failingSettings, settingStateLabel } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/compliance.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('compliance', template);

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

interface Verdict {
  style: string;
  headline: string;
  message: string;
}

function verdict(r: OnboardingRequest): Verdict {
  const c = r.compliance;
  if (!c) {
    return {
      style: 'warning',
      headline: 'Device not found in Intune yet',
      message: 'We have not found this device in Intune yet. Finish the enrollment steps; we keep checking.',
    };
  }
  const text = complianceStateText(c.complianceState);
  if (c.complianceState === 'compliant') {
    const state = requestStateText(r.state);
    return { style: 'good', headline: text.label, message: `${text.next} ${state.next}` };
  }
  if (c.complianceState === 'noncompliant' || c.complianceState === 'inGracePeriod') {
    const n = failingSettings(c).length;
    const fixes = `${n} thing${n === 1 ? '' : 's'} to fix`;
    const headline =
      c.complianceState === 'inGracePeriod' && c.gracePeriodEndsAt ? `${fixes} by ${cardDateTime(c.gracePeriodEndsAt)}` : `${text.label}: ${fixes}`;
    return { style: containerStyle(text.tone), headline, message: text.next };
  }
  return { style: containerStyle(text.tone), headline: text.label, message: text.next };
}

/** Renders the compliance verdict with per-setting remediation and "Check again" while the device is being checked. */
export function renderComplianceCard(request: OnboardingRequest): AdaptiveCard {
  const r = request;
  const c = r.compliance;
  const platform = r.device.platform;
  const failing = c && (c.complianceState === 'noncompliant' || c.complianceState === 'inGracePeriod') ? failingSettings(c) : [];
  const fixes = failing.map((s) => {
    const fix = remediationFor(platform, s.setting);
    const current = s.currentValue != null && s.currentValue !== '' ? `, currently ${s.currentValue}` : '';
    return {
      title: fix.title,
      reported: escapeCardText(`${s.label || s.setting} (${settingStateLabel(s.state)}${current})`, { maxLength: 160 }),
      steps: fix.steps.map((text, i) => ({ number: i + 1, text })),
    };
  });
  const canRecheck = r.state === 'nonCompliant' || r.state === 'complianceUndetermined';
  return cardTemplate.render({
    subtitle: `Reference ${r.reference} · ${PLATFORM_LABELS[platform]}`,
    deviceLine: c ? escapeCardText(`${c.deviceName} · ${c.operatingSystem} ${c.osVersion}`, { maxLength: 160 }) : undefined,
    ...verdict(r),
    fixes,
    recheckHint: canRecheck ? `When you have made the changes, ${lowerFirst(COMPANY_PORTAL_RECHECK[platform])} Then tap **Check again** here.` : undefined,
    evaluated: c ? `Last evaluated by Intune ${cardDateTime(c.evaluatedAt)}` : undefined,
    canRecheck,
    canReportEnrollment: !c && r.state === 'awaitingEnrollment',
    recheck: actionData(Verb.ComplianceRecheck, r),
    enrolled: actionData(Verb.EnrollmentDone, r),
  });
}
