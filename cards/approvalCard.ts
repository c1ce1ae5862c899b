/**
 * The manager's approval card (OP-PROC-002 step 2). The approver sees inputs and buttons only while the request waits
 * for a decision; everyone else, and everyone afterwards, sees who decided, when and why. Universal Actions refresh
 * gives each person the view for their role (refresh.userIds, at most 60).
 */
import { dataCollectionFor } from '../services/content/consentText';
import { requestStateText } from '../services/content/stateText';
import type { OnboardingRequest } from '../services/workflow/model';
import { actionData, approvalHistoryFields, cardDateTime, deciderName, containerStyle, deviceKindLabel, note, personName, personNames, type Field, type Note } from './cardHelpers';
import { escapeCardText, escapedLines } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/approval.json';
import { InputId, Verb } from './verbs';

const cardTemplate = compileTemplate('approval', template);

/** Teams allows at most 60 user ids in refresh.userIds. */
export const MAX_REFRESH_USER_IDS = 60;

/** Who is looking at the approval card. */
export interface ApprovalCardOptions {
  viewer: 'approver' | 'other';
  /** Teams user MRIs that get an automatic refresh (the approvers and the requester); empty omits refresh. */
  refreshUserIds: string[];
}

function status(r: OnboardingRequest): { headline: string; when?: string; style: string; progress?: string; notes: Note[] } {
  const progress = requestStateText(r.state);
  if (r.decision) {
    const approved = r.decision.outcome === 'approved';
    return {
      headline: `${approved ? 'Approved' : 'Denied'} by ${deciderName(r)}`,
      when: cardDateTime(r.decision.at),
      style: approved ? 'good' : 'attention',
      progress: approved ? `Now: ${progress.label}` : undefined,
      notes: [...note('Reason', r.decision.reason), ...note('Comment', r.decision.comment)],
    };
  }
  if (r.state === 'pendingApproval') {
    const last = r.approval?.handovers.at(-1);
    const moved = last ? `${last.kind === 'escalated' ? 'Escalated' : 'Reassigned'} to ${personNames(r.approvers)}: waiting for their decision` : undefined;
    return { headline: moved ?? `Waiting for ${personNames(r.approvers)}`, when: last ? cardDateTime(last.at) : undefined, style: 'accent', notes: [] };
  }
  return { headline: progress.label, when: r.closedAt ? cardDateTime(r.closedAt) : undefined, style: containerStyle(progress.tone), notes: [] };
}

/** Renders the approval card for an approver (Approve / Deny while pending) or anyone else (read-only). */
export function renderApprovalCard(request: OnboardingRequest, options: ApprovalCardOptions): AdaptiveCard {
  const r = request;
  const canDecide = options.viewer === 'approver' && r.state === 'pendingApproval';
  const s = status(r);
  const collection = dataCollectionFor(r.device.ownership);
  const fields: Field[] = [
    { label: 'Device', text: deviceKindLabel(r.device) },
    { label: 'Model', typed: escapeCardText(r.device.model, { maxLength: 80 }) },
    { label: 'Submitted', text: cardDateTime(r.createdAt) },
  ];
  const history = approvalHistoryFields(r);
  fields.push(...history.fields);
  return cardTemplate.render({
    title: canDecide ? 'Approve device access?' : 'Device access request',
    subtitle: `Reference ${r.reference}`,
    requesterName: personName(r.requester),
    approverNote:
      r.approverSource === 'fallbackGroup' && canDecide
        ? 'You are asked as a fallback approver because the employee has no manager in the directory. The first decision counts.'
        : undefined,
    fields,
    justification: escapedLines(r.device.justification),
    collectionHeading: `If approved, Intune manages this ${r.device.ownership === 'personal' ? 'personal' : 'company-owned'} device`,
    sees: collection.canSee,
    neverSees: collection.neverSees,
    showStatus: !canDecide,
    statusHeadline: s.headline,
    statusWhen: s.when,
    statusStyle: s.style,
    progress: s.progress,
    notes: [...history.notes, ...(canDecide ? [] : s.notes)],
    canDecide,
    inputs: { comment: InputId.Comment, reason: InputId.Reason },
    approve: actionData(Verb.ApprovalApprove, r),
    deny: actionData(Verb.ApprovalDeny, r),
    reassign: actionData(Verb.ApprovalReassign, r),
    reassignInputs: { to: InputId.ReassignTo, reason: InputId.ReassignReason },
    refreshAction: { verb: Verb.ApprovalRefresh, requestId: r._id },
    refreshUserIds: options.refreshUserIds.slice(0, MAX_REFRESH_USER_IDS),
  });
}
