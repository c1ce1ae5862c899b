/**
 * The Teams tab's view models as types: what the API answers and the front end (tab/) renders. Types only, so the
 * browser build imports them without any server code.
 */
import type { Tone } from '../services/content/stateText';
import type { RequestState } from '../services/workflow/model';
import type { Role } from '../services/workflow/transition';

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
  /** The employee's consent answer, with the exact text when it is the text this version of the app shows. */
  consent?: { outcome: 'consented' | 'declined'; version: string; at: string; textSha256: string; text?: string };
  /** What IT can, may in some cases, and can never see on a device of this ownership (the consent notice). */
  privacy: { canSee: string[]; sometimes: string[]; neverSees: string[] };
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
