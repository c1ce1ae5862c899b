/**
 * The Teams tab's view models: plain data built from a request, with the same words as the cards
 * (services/content), so the tab and the chat never describe a request differently. Pure: no I/O. The tab's
 * front end imports these types.
 */
import { complianceStateText, requestStateText, type Tone } from '../services/content/stateText';
import { remediationFor } from '../services/content/remediation';
import { PLATFORM_LABELS, type AuditEntry, type OnboardingRequest, type RequestState } from '../services/workflow/model';
import { isApprover, isItSecurity, type Actor, type Role } from '../services/workflow/transition';

/** A page of the tab. */
export type TabPage = 'employee' | 'manager' | 'it' | 'auditor';

/** GET /api/tab/me. */
export interface MeView {
  aadObjectId: string;
  displayName: string;
  roles: Role[];
  /** The pages this person may open; the server checks again on every call. */
  pages: TabPage[];
}

/** One failing compliance setting and how to fix it. */
export interface FailingSettingView {
  label: string;
  fixTitle: string;
  steps: string[];
}

/** A request as the tab shows it. */
export interface RequestView {
  id: string;
  reference: string;
  version: number;
  state: RequestState;
  stateLabel: string;
  tone: Tone;
  /** What happens next, written for the employee. */
  nextStep: string;
  createdAt: string;
  updatedAt: string;
  requester: string;
  device: { platform: string; ownership: 'Personal' | 'Company'; model: string; justification: string };
  approvers: string[];
  decision?: { outcome: 'approved' | 'denied'; by: string; at: string; reason?: string };
  compliance?: { deviceName: string; stateLabel: string; evaluatedAt: string; graceEndsAt?: string; failing: FailingSettingView[] };
  itReview?: { outcome: 'confirmed' | 'denied'; by: string; at: string; reason?: string };
  /** Whether the viewer may approve or deny it now (same guard as the card). */
  canDecide: boolean;
}

/** One audit record as the auditor sees it. */
export interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  event: string;
  from: RequestState | null;
  to: RequestState;
  procedureStep: number;
  controls: string[];
  hash: string;
}

/** GET /api/tab/audit/:requestId. */
export interface AuditView {
  request: Pick<RequestView, 'id' | 'reference' | 'state' | 'stateLabel' | 'requester'>;
  entries: AuditEntryView[];
  /**
   * intact: every record links to the one before, hashes to what it says, and the last is the head the request
   * records; pending: intact so far, the newest records still in the request's outbox; broken: at firstBrokenSeq.
   */
  chain: { status: 'intact' | 'pending' | 'broken'; firstBrokenSeq: number | null; headSeq: number; records: number };
}

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
    canDecide: r.state === 'pendingApproval' && isApprover(r, viewer),
  };
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
