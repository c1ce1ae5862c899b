/**
 * The employee's view of one request: where it stands, what happens next, and the decisions so far.
 */
import { remediationFor } from '../services/content/remediation';
import { complianceStateText, requestStateText } from '../services/content/stateText';
import { TERMINAL_STATES, type OnboardingRequest } from '../services/workflow/model';
import {
  actionData,
  approvalHistoryFields,
  cardDate,
  cardDateTime,
  containerStyle,
  deciderName,
  deviceKindLabel,
  failingSettings,
  note,
  personName,
  personNames,
  timeUntil,
  type Field,
  type Note,
} from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/requestStatus.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('requestStatus', template);

/** Whether the employee may still cancel: open, and not already switching access on. */
export function isCancellable(request: Pick<OnboardingRequest, 'state'>): boolean {
  return !TERMINAL_STATES.includes(request.state) && request.state !== 'granting';
}

function decisionFields(r: OnboardingRequest): { fields: Field[]; notes: Note[] } {
  const fields: Field[] = [];
  const notes: Note[] = [];
  if (r.decision) {
    const verb = r.decision.outcome === 'approved' ? 'Approved' : 'Denied';
    fields.push({ label: 'Decision', typed: `${verb} by ${deciderName(r)}` }, { label: 'Decided', text: cardDateTime(r.decision.at) });
    const fromManager = !r.decision.onBehalfOf && r.approverSource === 'manager';
    notes.push(...note('Reason', r.decision.reason), ...note(fromManager ? 'Comment from your manager' : 'Comment from the approver', r.decision.comment));
  }
  if (r.itReview?.outcome === 'denied') {
    fields.push({ label: 'IT Security', typed: `Denied by ${personName(r.itReview.by)}` });
    notes.push(...note('Reason from IT Security', r.itReview.reason));
  }
  return { fields, notes };
}

/** Renders the employee's status card; Cancel (with a confirmation) while the request is cancellable. */
export function renderRequestStatusCard(request: OnboardingRequest, options: { now: string }): AdaptiveCard {
  const r = request;
  const state = requestStateText(r.state);
  const fields: Field[] = [
    { label: 'Device', text: deviceKindLabel(r.device) },
    { label: 'Model', typed: escapeCardText(r.device.model, { maxLength: 80 }) },
  ];
  // Once someone has decided, the decision row names them; before that, say who is being asked.
  if (!r.decision) fields.push({ label: r.approvers.length > 1 ? 'Approvers' : 'Approver', typed: personNames(r.approvers) });
  const decided = decisionFields(r);
  fields.push(...decided.fields);
  const history = r.state === 'pendingApproval' ? approvalHistoryFields(r) : { fields: [], notes: [] };
  fields.push(...history.fields);
  if (r.state === 'awaitingEnrollment' && r.enrollmentDeadline) {
    fields.push({ label: 'Enroll by', text: `${cardDateTime(r.enrollmentDeadline)} (${timeUntil(r.enrollmentDeadline, options.now)})` });
  }
  let fixes: string[] = [];
  if (r.compliance) {
    const c = complianceStateText(r.compliance.complianceState);
    fields.push({ label: 'Compliance', text: `${c.label}, checked ${cardDateTime(r.compliance.evaluatedAt)}` });
    if (r.state === 'nonCompliant') fixes = failingSettings(r.compliance).map((s) => remediationFor(r.device.platform, s.setting).title);
  }
  if (r.access?.grantedAt) fields.push({ label: 'Access since', text: cardDate(r.access.grantedAt) });

  return cardTemplate.render({
    subtitle: `Reference ${r.reference} · submitted ${cardDate(r.createdAt)}`,
    statusStyle: containerStyle(state.tone),
    stateLabel: state.label,
    next: state.next,
    fields,
    notes: [...history.notes, ...decided.notes],
    fixes: [...new Set(fixes)],
    canCancel: isCancellable(r),
    refresh: actionData(Verb.RequestStatus, r),
    cancel: actionData(Verb.RequestCancel, r),
  });
}
