/**
 * The IT Security channel card (OP-PROC-002 steps 2→3, 5, 6, 7): one message per request, edited in place as the
 * request moves, so the channel reads as a list of requests rather than a stream of alerts.
 *
 * Refresh: no `userIds`. Teams then refreshes automatically for every member who looks at the card, as long as the
 * conversation has at most 60 members (an IT Security channel normally does), so each viewer gets the view for their
 * role: IT Security the buttons, anyone else (an auditor in the channel) the read-only view. A list of userIds would
 * have to name every IT member (at most 60) and go stale as the team changes; `userIds: []` would make everyone refresh
 * by hand. In a channel of more than 60 members everyone sees the posted view until they choose "Refresh card", so
 * post the 'it' view to the IT Security channel; the handlers check the role again whatever the card shows.
 */
import { complianceStateText, requestStateText } from '../services/content/stateText';
import type { OnboardingRequest } from '../services/workflow/model';
import {
  actionData,
  cardDate,
  cardDateTime,
  deciderName,
  containerStyle,
  deviceKindLabel,
  failingSettings,
  note,
  personName,
  personNames,
  settingStateColor,
  settingStateLabel,
  shortHash,
  type Field,
  type Note,
} from './cardHelpers';
import { escapeCardText, escapedLines } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/it.json';
import { InputId, Verb } from './verbs';

const cardTemplate = compileTemplate('it', template);

/** Who is looking at the IT card. */
export interface ItCardOptions {
  viewer: 'it' | 'other';
}

interface Alert {
  style: string;
  title: string;
  text?: string;
  failing: string[];
}

function alertFor(r: OnboardingRequest, viewer: ItCardOptions['viewer']): Alert {
  const plain = (title: string, text?: string): Alert => ({ style: containerStyle(requestStateText(r.state).tone), title, text, failing: [] });
  switch (r.state) {
    case 'pendingApproval':
      return plain('Waiting for manager approval');
    case 'denied':
      return r.itReview?.outcome === 'denied'
        ? { style: 'attention', title: 'Access denied by IT Security', failing: [] }
        : { style: 'emphasis', title: 'Not approved by the manager', failing: [] };
    case 'cancelled':
      return plain('Cancelled by the employee');
    case 'awaitingConsent':
      return plain("Approved: waiting for the employee's consent");
    case 'consentDeclined':
      return { style: 'attention', title: 'The employee declined consent', text: 'The device will not be enrolled; the request is closed.', failing: [] };
    case 'awaitingEnrollment':
      return plain('Waiting for enrollment', r.enrollmentDeadline ? `Enroll by ${cardDateTime(r.enrollmentDeadline)}` : undefined);
    case 'nonCompliant': {
      const failing = r.compliance ? failingSettings(r.compliance) : [];
      const grace = r.compliance?.complianceState === 'inGracePeriod';
      const count = `${failing.length} setting${failing.length === 1 ? '' : 's'} failing`;
      return {
        style: grace ? 'warning' : 'attention',
        title: grace ? `In grace period: ${count}` : `Not compliant: ${count}`,
        text:
          grace && r.compliance?.gracePeriodEndsAt
            ? `Access continues until the grace period ends ${cardDateTime(r.compliance.gracePeriodEndsAt)}. The employee has the fix steps.`
            : 'Access stays blocked. The employee has the fix steps for each setting.',
        failing: failing.map((s) => escapeCardText(s.label || s.setting, { maxLength: 120 })),
      };
    }
    case 'complianceUndetermined': {
      const label = r.compliance ? complianceStateText(r.compliance.complianceState).label : 'Device not found yet';
      return { style: 'warning', title: `Compliance not determined: ${label}`, text: 'The bot keeps checking with Intune.', failing: [] };
    }
    case 'pendingItReview':
      return viewer === 'it'
        ? { style: 'accent', title: 'Compliant: your review is needed', text: 'Check the report below, then confirm or deny access.', failing: [] }
        : { style: 'accent', title: 'Compliant: waiting for IT Security review', failing: [] };
    case 'granting':
      return plain('Confirmed: access is being granted');
    case 'granted':
      return plain('Access granted', r.access?.grantedAt ? cardDateTime(r.access.grantedAt) : undefined);
    case 'expired':
      return plain('Expired: not enrolled by the deadline');
    default: {
      const unreachable: never = r.state;
      throw new Error(`Unknown state ${String(unreachable)}`);
    }
  }
}

function fieldsFor(r: OnboardingRequest): Field[] {
  const upn = r.requester.userPrincipalName ? ` (${escapeCardText(r.requester.userPrincipalName, { maxLength: 120 })})` : '';
  const fields: Field[] = [
    { label: 'Requester', typed: `${personName(r.requester)}${upn}` },
    { label: 'Device', text: deviceKindLabel(r.device) },
    { label: 'Model', typed: escapeCardText(r.device.model, { maxLength: 80 }) },
  ];
  if (r.decision) {
    fields.push(
      { label: 'Manager', typed: `${r.decision.outcome === 'approved' ? 'Approved' : 'Denied'} by ${deciderName(r)}` },
      { label: 'Decided', text: cardDateTime(r.decision.at) },
    );
  } else {
    fields.push({ label: 'Approver', typed: personNames(r.approvers) });
  }
  if (r.consent) {
    const answer = r.consent.outcome === 'consented' ? 'Consented' : 'Declined';
    fields.push({ label: 'Consent', text: `${answer} ${cardDate(r.consent.at)} · text ${r.consent.textVersion} · ${shortHash(r.consent.textHash)}` });
  } else if (r.decision?.outcome === 'approved') {
    fields.push({ label: 'Consent', text: 'Not given yet' });
  }
  if (r.compliance) {
    const c = r.compliance;
    fields.push(
      { label: 'Intune device', typed: escapeCardText(`${c.deviceName} · ${c.operatingSystem} ${c.osVersion}`, { maxLength: 160 }) },
      { label: 'Compliance', text: `${complianceStateText(c.complianceState).label} · evaluated ${cardDateTime(c.evaluatedAt)}` },
    );
  }
  if (r.itReview) {
    fields.push({ label: 'IT review', typed: `${r.itReview.outcome === 'confirmed' ? 'Confirmed' : 'Denied'} by ${personName(r.itReview.by)}` });
  }
  const access =
    r.state === 'granted' ? `Granted ${r.access?.grantedAt ? cardDate(r.access.grantedAt) : ''}`.trim() : r.state === 'granting' ? 'Being granted' : 'Not granted';
  fields.push({ label: 'Access', text: access });
  return fields;
}

/** Renders the IT Security card; in pendingItReview IT sees Confirm access and Deny, in checking states Check again. */
export function renderItCard(request: OnboardingRequest, options: ItCardOptions): AdaptiveCard {
  const r = request;
  const alert = alertFor(r, options.viewer);
  const isIt = options.viewer === 'it';
  const notes: Note[] = [
    { label: 'Business justification', lines: escapedLines(r.device.justification) },
    ...note("Manager's reason", r.decision?.reason),
    ...note("Manager's comment", r.decision?.comment),
    ...note('IT Security reason', r.itReview?.reason),
  ].filter((n) => n.lines.length > 0);
  const settings = (r.compliance?.settings ?? []).map((s) => ({
    label: escapeCardText(s.label || s.setting, { maxLength: 120 }),
    current: s.currentValue != null && s.currentValue !== '' ? escapeCardText(s.currentValue, { maxLength: 80 }) : undefined,
    stateLabel: settingStateLabel(s.state),
    color: settingStateColor(s.state),
  }));
  return cardTemplate.render({
    subtitle: `Reference ${r.reference} · ${requestStateText(r.state).label} · updated ${cardDateTime(r.updatedAt)}`,
    alertStyle: alert.style,
    alertTitle: alert.title,
    alertText: alert.text,
    failing: alert.failing,
    fields: fieldsFor(r),
    settingsHeading: 'Compliance settings',
    settings,
    notes,
    canReview: isIt && r.state === 'pendingItReview',
    canRecheck: isIt && (r.state === 'nonCompliant' || r.state === 'complianceUndetermined'),
    inputs: { reason: InputId.Reason },
    confirm: actionData(Verb.ItConfirm, r),
    deny: actionData(Verb.ItDeny, r),
    recheck: actionData(Verb.ComplianceRecheck, r),
    refreshAction: { verb: Verb.ItRefresh, requestId: r._id },
  });
}
