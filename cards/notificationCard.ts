/**
 * The words of every workflow notification (NotifyTopic × audience), as notice cards. Bot-authored text never
 * includes anything typed (a reason or comment a person wrote goes in the notice's escaped `detail`); the only names
 * in it are directory names of who decides or decided, escaped, so a delegate's decision is never "your manager's".
 * The bot's card views can implement `OnboardingViews.notice` with this directly.
 */
import { complianceStateText, requestStateText } from '../services/content/stateText';
import { PLATFORM_LABELS, type NotifyTopic, type OnboardingRequest } from '../services/workflow/model';
import { cardDateTime, decisionWords, failingSettings, personName } from './cardHelpers';
import { renderNoticeCard, type NoticeAction, type NoticeCardInput } from './noticeCard';
import type { AdaptiveCard } from './renderTemplate';
import { Verb } from './verbs';

/** Who a notification is for. */
export type NotificationAudience = 'requester' | 'approver' | 'it';

const joinTyped = (...parts: (string | undefined)[]) => parts.filter((p) => p && p.trim()).join('\n');

/** The notice for a topic and audience: title, text, tone, typed detail and buttons. */
export function notificationFor(request: OnboardingRequest, topic: NotifyTopic, audience: NotificationAudience): NoticeCardInput {
  const r = request;
  const ref = r.reference;
  const base = { reference: ref };
  const status: NoticeAction = { title: 'My status', verb: Verb.RequestStatus, requestId: r._id, version: r.version };
  const startAgain: NoticeAction = { title: 'Start a new request', verb: Verb.RequestStart };
  const device = `${PLATFORM_LABELS[r.device.platform]} device`;

  if (audience === 'requester') {
    switch (topic) {
      case 'submitted': {
        const to =
          r.approverSource === 'delegate' && r.approval?.onBehalfOf
            ? `${personName(r.approvers[0])}, who decides on behalf of your manager ${personName(r.approval.onBehalfOf)} while they are away,`
            : r.approverSource === 'fallbackGroup'
              ? 'the approvers for people without a manager in the directory'
              : 'your manager';
        return { ...base, title: 'Request sent', tone: 'accent', text: `Your request ${ref} went to ${to} for approval. I will message you as soon as they decide.`, actions: [status] };
      }
      case 'approved': {
        const { who, behalf } = decisionWords(r);
        return { ...base, title: 'Approved', tone: 'good', text: `${who} approved request ${ref}${behalf}. Next, read and answer the consent and terms card.`, detail: r.decision?.comment };
      }
      case 'denied': {
        const { who, behalf } = decisionWords(r);
        return { ...base, title: 'Not approved', tone: 'attention', text: `${who} did not approve request ${ref}${behalf}. Their reason:`, detail: joinTyped(r.decision?.reason, r.decision?.comment), actions: [startAgain] };
      }
      case 'cancelled':
        return { ...base, title: 'Request cancelled', tone: 'default', text: `Request ${ref} is cancelled. Start a new one whenever you need to.`, actions: [startAgain] };
      case 'consentDeclined':
        return { ...base, title: 'Request closed', tone: 'default', text: `You declined the consent and terms, so request ${ref} is closed and the device will not be enrolled.`, actions: [startAgain] };
      case 'enrollmentReminder':
        return {
          ...base,
          title: 'Reminder: enroll your device',
          tone: 'warning',
          text: `Request ${ref} is waiting for you to enroll your ${device}.${r.enrollmentDeadline ? ` Please finish by ${cardDateTime(r.enrollmentDeadline)}.` : ''}`,
          actions: [{ title: "I've enrolled", verb: Verb.EnrollmentDone, requestId: r._id, version: r.version }, status],
        };
      case 'nonCompliant':
        return { ...base, title: 'Your device needs fixing', tone: 'attention', text: requestStateText('nonCompliant').next, actions: [status] };
      case 'complianceUndetermined':
        return {
          ...base,
          title: 'Still checking your device',
          tone: 'warning',
          text: r.compliance ? complianceStateText(r.compliance.complianceState).next : requestStateText('complianceUndetermined').next,
          actions: [status],
        };
      case 'pendingItReview':
        return { ...base, title: 'Your device is compliant', tone: 'accent', text: `IT Security is reviewing request ${ref} and will confirm access.` };
      case 'itDenied':
        return { ...base, title: 'Access denied by IT Security', tone: 'attention', text: `IT Security did not grant access for request ${ref}. Their reason:`, detail: r.itReview?.reason, actions: [startAgain] };
      case 'granted':
        return { ...base, title: 'Access granted', tone: 'good', text: `Your ${device} can now reach company resources. Keep it compliant to keep access.` };
      case 'expired':
        return { ...base, title: 'Request expired', tone: 'default', text: `The enrollment deadline for request ${ref} passed. Start a new request when you are ready.`, actions: [startAgain] };
      case 'escalated':
        return {
          ...base,
          title: 'Your request moved up',
          tone: 'accent',
          text: `Request ${ref} had no answer, so it now waits for the next approver. Nothing for you to do; I will message you when they decide.`,
          actions: [status],
        };
      case 'reassigned':
        return { ...base, title: 'New approver', tone: 'accent', text: `Request ${ref} was handed to another approver. I will message you when they decide.`, actions: [status] };
      case 'approvalExpired':
        return {
          ...base,
          title: 'Request expired',
          tone: 'default',
          text: `Request ${ref} expired because nobody decided on it in time. To ask again, choose Start a new request (or type "request"); you may want to let your manager know first.`,
          actions: [startAgain],
        };
    }
  }

  if (audience === 'approver') {
    if (topic === 'cancelled') return { ...base, title: 'Request withdrawn', tone: 'default', text: `The employee cancelled request ${ref}. No decision is needed.` };
    if (topic === 'approvalReminder') {
      const n = r.approval?.reminders.length ?? 1;
      return {
        ...base,
        title: `Reminder ${n}: a request waits for you`,
        tone: 'warning',
        text: `Request ${ref} has waited for your decision since ${cardDateTime(r.approval?.assignedAt ?? r.createdAt)}. Please approve or deny it on the approval card I sent you (it is updated with this reminder).`,
      };
    }
    if (topic === 'consentDeclined')
      return { ...base, title: 'Terms declined', tone: 'default', text: `The employee declined the consent and terms for request ${ref}, so it is closed and the device will not be enrolled.` };
  }

  if (audience === 'it') {
    if (topic === 'consentDeclined')
      return { ...base, title: 'Consent declined', tone: 'attention', text: `The employee declined the consent and terms for request ${ref}. It is closed; nothing to do.` };
    if (topic === 'pendingItReview')
      return { ...base, title: 'Review needed', tone: 'accent', text: `Request ${ref} is compliant and waits for IT Security to confirm access on its card.` };
    if (topic === 'nonCompliant') {
      const failing = r.compliance ? failingSettings(r.compliance) : [];
      const grace = r.compliance?.complianceState === 'inGracePeriod';
      return {
        ...base,
        title: grace ? 'Device in grace period' : 'Device not compliant',
        tone: grace ? 'warning' : 'attention',
        text: `Request ${ref}: ${failing.length} setting${failing.length === 1 ? '' : 's'} failing. The employee has the fix steps.`,
        detail: failing.map((s) => s.label || s.setting).join('\n'),
      };
    }
  }

  const state = requestStateText(r.state);
  return { ...base, title: state.label, tone: state.tone, text: `Request ${ref} is now: ${state.label}.` };
}

/** Renders the notification for a topic and audience as a notice card. */
export function renderNotificationCard(request: OnboardingRequest, topic: NotifyTopic, audience: NotificationAudience): AdaptiveCard {
  return renderNoticeCard(notificationFor(request, topic, audience));
}
