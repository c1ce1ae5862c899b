/**
 * Words for where a request stands and what a device's Intune compliance state means, written for the employee.
 * One place, so the status card, notices and the IT card never describe the same state differently.
 */
import type { DeviceComplianceState } from '../graph/graphTypes';
import type { RequestState } from '../workflow/model';

/** How a state should look: maps to Adaptive Card container styles. */
export type Tone = 'good' | 'warning' | 'attention' | 'accent' | 'default';

/** A state's short label, the sentence telling the employee what happens next, and its tone. */
export interface StateText {
  label: string;
  next: string;
  tone: Tone;
}

const REQUEST_STATES: Record<RequestState, StateText> = {
  pendingApproval: {
    label: 'Waiting for approval',
    next: 'Your manager has been asked to approve. You will get a message here as soon as they decide.',
    tone: 'accent',
  },
  denied: {
    label: 'Denied',
    next: 'This request was denied, so the device will not get access. The reason is shown with it; you can start a new request if things change.',
    tone: 'attention',
  },
  cancelled: {
    label: 'Cancelled',
    next: 'This request was cancelled. Start a new one whenever you need to.',
    tone: 'default',
  },
  awaitingConsent: {
    label: 'Waiting for consent',
    next: 'Your request was approved. Read the consent and terms card and choose "I consent" or "I decline".',
    tone: 'accent',
  },
  consentDeclined: {
    label: 'Consent declined',
    next: 'You declined the terms, so the device cannot be enrolled or get access. Start a new request if you change your mind.',
    tone: 'default',
  },
  awaitingEnrollment: {
    label: 'Waiting for enrollment',
    next: 'Follow the enrollment steps on your device, then tap "I\'ve enrolled". We also check automatically.',
    tone: 'accent',
  },
  nonCompliant: {
    label: 'Needs fixing',
    next: 'Your device is enrolled but does not meet every security requirement yet. Follow the steps for each item, then tap "Check again".',
    tone: 'attention',
  },
  complianceUndetermined: {
    label: 'Checking compliance',
    next: 'Intune has not finished evaluating your device. We keep checking; opening Company Portal on the device can speed it up.',
    tone: 'warning',
  },
  pendingItReview: {
    label: 'With IT Security',
    next: 'Your device is compliant. IT Security is reviewing the compliance report and will confirm access.',
    tone: 'accent',
  },
  granting: {
    label: 'Granting access',
    next: 'Everything checks out. Access is being switched on; this usually takes a few minutes.',
    tone: 'good',
  },
  granted: {
    label: 'Access granted',
    next: 'You are all set: this device can now reach company resources. Keep it compliant to keep access.',
    tone: 'good',
  },
  expired: {
    label: 'Expired',
    next: 'The enrollment deadline passed before the device was enrolled. Start a new request when you are ready.',
    tone: 'default',
  },
};

const COMPLIANCE_STATES: Record<DeviceComplianceState, StateText> = {
  compliant: { label: 'Compliant', next: 'Your device meets every security requirement.', tone: 'good' },
  noncompliant: {
    label: 'Not compliant',
    next: 'Your device does not meet the security requirements below. Access stays blocked until they are fixed.',
    tone: 'attention',
  },
  inGracePeriod: {
    label: 'In grace period',
    next: 'Your device misses a requirement but is still inside its grace period. Fix the items below before the deadline to keep access.',
    tone: 'warning',
  },
  unknown: {
    label: 'Not evaluated yet',
    next: 'Intune has not reported this device\'s compliance yet. That usually takes a few minutes after enrollment; opening Company Portal can speed it up.',
    tone: 'warning',
  },
  error: {
    label: 'Evaluation error',
    next: 'Intune could not evaluate this device because of an error. Open Company Portal and check the device status; if the error stays, contact IT Security.',
    tone: 'warning',
  },
  conflict: {
    label: 'Policy conflict',
    next: 'Two compliance policies give this device conflicting settings. IT Security has to resolve this; contact them if it does not clear within a day.',
    tone: 'warning',
  },
  configManager: {
    label: 'Reported by Configuration Manager',
    next: 'This device is co-managed, and its compliance comes from Configuration Manager and has not reached Intune yet. We keep checking.',
    tone: 'warning',
  },
};

/** Label, next step and tone for a request state. */
export function requestStateText(state: RequestState): StateText {
  return REQUEST_STATES[state];
}

/** Label, meaning and tone for an Intune device compliance state. */
export function complianceStateText(state: DeviceComplianceState): StateText {
  return COMPLIANCE_STATES[state];
}

/** Every request state's text, for tests and documentation. */
export const REQUEST_STATE_TEXT: Readonly<Record<RequestState, StateText>> = REQUEST_STATES;
/** Every compliance state's text, for tests and documentation. */
export const COMPLIANCE_STATE_TEXT: Readonly<Record<DeviceComplianceState, StateText>> = COMPLIANCE_STATES;
