/**
 * The Teams tab's view models: plain data built from a request, with the same words as the cards
 * (services/content), so the tab and the chat never describe a request differently. Pure: no I/O. The types are
 * in tabViewTypes.ts, which the front end imports.
 */
import { consentTextFor, dataCollectionFor } from '../services/content/consentText';
import { remediationFor } from '../services/content/remediation';
import { complianceStateText, requestStateText } from '../services/content/stateText';
import { PLATFORM_LABELS, type AuditEntry, type OnboardingRequest } from '../services/workflow/model';
import { isApprover, isItSecurity, type Actor, type Role } from '../services/workflow/transition';
import type { AuditView, RequestView, TabPage } from './tabViewTypes';

export type { AuditEntryView, AuditView, FailingSettingView, MeView, RequestView, TabPage } from './tabViewTypes';
export * from './tabViewsMore';

/** The pages a person may open, from their roles (everyone has requests of their own and may be an approver). */
export function pagesFor(roles: readonly Role[]): TabPage[] {
  const pages: TabPage[] = ['employee', 'manager'];
  if (roles.includes('itSecurity')) pages.push('it');
  if (mayAudit(roles)) pages.push('auditor');
  return pages;
}

/** Whether the roles may read and verify audit trails. */
export const mayAudit = (roles: readonly Role[]) => roles.some((r) => r === 'auditor' || r === 'admin' || r === 'itSecurity');

/** The tab's view of a request for `viewer`. */
export function requestView(r: OnboardingRequest, viewer: Actor): RequestView {
  const text = requestStateText(r.state);
  const c = r.compliance;
  return {
    id: r._id,
    reference: r.reference,
    version: r.version,
    state: r.state,
    stateLabel: text.label,
    tone: text.tone,
    nextStep: text.next,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    requester: r.requester.displayName,
    device: {
      platform: PLATFORM_LABELS[r.device.platform],
      ownership: r.device.ownership === 'personal' ? 'Personal' : 'Company',
      model: r.device.model,
      justification: r.device.justification,
    },
    approvers: r.approvers.map((p) => p.displayName),
    onBehalfOf: r.approval?.onBehalfOf?.displayName,
    decision: r.decision && { outcome: r.decision.outcome, by: r.decision.by.displayName, at: r.decision.at, reason: r.decision.reason },
    compliance: c && {
      deviceName: c.deviceName,
      stateLabel: complianceStateText(c.complianceState).label,
      evaluatedAt: c.evaluatedAt,
      graceEndsAt: c.gracePeriodEndsAt ?? undefined,
      failing: c.settings
        .filter((s) => s.state === 'nonCompliant')
        .map((s) => {
          const fix = remediationFor(r.device.platform, s.setting);
          return { label: s.label, fixTitle: fix.title, steps: [...fix.steps] };
        }),
    },
    itReview: r.itReview && { outcome: r.itReview.outcome, by: r.itReview.by.displayName, at: r.itReview.at, reason: r.itReview.reason },
    consent: r.consent && consentView(r),
    privacy: privacyView(r),
    canDecide: r.state === 'pendingApproval' && isApprover(r, viewer),
  };
}

/** What IT can and cannot see for the device's ownership, as the consent notice says. */
function privacyView(r: OnboardingRequest): RequestView['privacy'] {
  const c = dataCollectionFor(r.device.ownership);
  return { canSee: [...c.canSee], sometimes: [...c.sometimes], neverSees: [...c.neverSees] };
}

/** The consent answer; the text is shown only when its fingerprint matches the text the app has for that version. */
function consentView(r: OnboardingRequest): RequestView['consent'] {
  const c = r.consent!;
  const current = consentTextFor(r.device.ownership);
  const text = current.version === c.textVersion && current.sha256 === c.textHash ? current.text : undefined;
  return { outcome: c.outcome, version: c.textVersion, at: c.at, textSha256: c.textHash, text };
}

/** Whether the viewer may see a request at all: its requester, an approver, IT Security, an auditor or admin. */
export function maySee(r: OnboardingRequest, viewer: Actor): boolean {
  if (viewer.kind !== 'user') return false;
  return viewer.aadObjectId === r.requester.aadObjectId || isApprover(r, viewer) || isItSecurity(r, viewer) || mayAudit(viewer.roles);
}

/** The audit trail of a request with its verification. */
export function auditView(r: OnboardingRequest, entries: AuditEntry[], firstBrokenSeq: number | null, viewer: Actor): AuditView {
  const lastSeq = entries.at(-1)?.seq ?? 0;
  // The records of the latest transitions may still wait in the request's outbox (written after the state).
  const queued = new Map(r.outbox.flatMap((p) => (p.effect.type === 'recordAudit' ? [[p.effect.entry.seq, p.effect.entry.hash] as const] : [])));
  const tail = (seq: number) => (seq === lastSeq ? entries.at(-1)?.hash : queued.get(seq));
  let status: AuditView['chain']['status'] = 'intact';
  let broken = firstBrokenSeq;
  if (broken !== null) status = 'broken';
  else if (lastSeq > r.auditHead.seq) [status, broken] = ['broken', r.auditHead.seq + 1];
  else if (lastSeq < r.auditHead.seq) {
    // A removed tail leaves an intact chain that ends before the head the request records.
    const missing = Array.from({ length: r.auditHead.seq - lastSeq }, (_, i) => lastSeq + 1 + i).find((seq) => !queued.has(seq));
    [status, broken] = missing === undefined && tail(r.auditHead.seq) === r.auditHead.hash ? ['pending', null] : ['broken', missing ?? lastSeq + 1];
  } else if (tail(lastSeq) !== r.auditHead.hash && lastSeq > 0) [status, broken] = ['broken', lastSeq];
  const view = requestView(r, viewer);
  return {
    request: { id: view.id, reference: view.reference, state: view.state, stateLabel: view.stateLabel, requester: view.requester },
    entries: entries.map((e) => ({
      seq: e.seq,
      at: e.at,
      actor: e.actor.kind === 'system' ? 'The bot' : (e.actor.displayName ?? 'Unknown user'),
      event: e.event,
      from: e.from,
      to: e.to,
      procedureStep: e.procedureStep,
      controls: e.controls,
      hash: e.hash,
    })),
    chain: { status, firstBrokenSeq: broken, headSeq: r.auditHead.seq, records: entries.length },
  };
}
