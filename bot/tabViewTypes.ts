/**
 * The Teams tab's view models as types: what the API answers and the front end (tab/) renders. Types only, so the
 * browser build imports them without any server code.
 */
import type { Tone } from '../services/content/stateText';
import type { PrivilegedAction } from '../services/governance/authorization';
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
  /** The privileged actions their roles grant (evidence, exports, person look-up); the server checks again. */
  permissions: PrivilegedAction[];
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
  /** The manager a delegate decides for ("on behalf of"), when the request was routed through a delegation. */
  onBehalfOf?: string;
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

/** One enrolled device as its owner or IT sees it. */
export interface DeviceView {
  id: string;
  deviceName: string;
  platform: string;
  state: 'compliant' | 'inGrace' | 'accessRemoved' | 'consentWithdrawn' | 'consentLapsed' | 'retired';
  stateLabel: string;
  tone: Tone;
  /** When the running grace period ends (only while in grace). */
  graceEndsAt?: string;
  failing: (FailingSettingView & { helpUrl: string })[];
  requestId: string;
  owner: string;
  updatedAt: string;
  /** Whether the viewer may ask for a new compliance check (only the device's own person, as in chat). */
  canCheckAgain: boolean;
}

/** One line of a person's consent history. */
export interface ConsentEntryView {
  id: string;
  kind: string;
  at: string;
  noticeVersion: string;
  textHash: string;
}

/** A person's consent for one device, with the exact text of the version it refers to. */
export interface ConsentView {
  requestId: string;
  reference?: string;
  platform: string;
  ownership: 'Personal' | 'Company';
  status: string;
  since?: string;
  noticeVersion?: string;
  /** The exact notice text of the standing version, when this build holds it. */
  text?: string;
  entries: ConsentEntryView[];
  /** Whether the person may withdraw it now (a consent that stands). */
  canWithdraw: boolean;
  /** What IT can, may in some cases, and can never see on a device of this ownership. */
  privacy: { canSee: string[]; sometimes: string[]; neverSees: string[] };
}

/** GET /api/tab/devices/mine. */
export interface MyDevicesView {
  devices: DeviceView[];
}

/** GET /api/tab/consents/mine. */
export interface MyConsentsView {
  consents: ConsentView[];
}

/** One IT alert. */
export interface AlertView {
  id: string;
  deviceId: string;
  deviceName: string;
  person: string;
  platform: string;
  status: string;
  statusLabel: string;
  failing: string[];
  graceEndsAt?: string;
  openedAt: string;
  updatedAt: string;
}

/** A page of a list, with the cursor of the next page (absent on the last). */
export interface PageView<T> {
  items: T[];
  next?: string;
}

/** A person found by IT's search. */
export interface PersonHit {
  aadObjectId: string;
  displayName: string;
  mail?: string;
  /** Where the person was found: the product's records, or the directory (Microsoft Graph). */
  source: 'records' | 'directory';
}

/** GET /api/tab/it/people/:id: everything about one person IT Security may see. */
export interface PersonView {
  person: { aadObjectId: string; displayName: string };
  requests: RequestView[];
  devices: DeviceView[];
  consents: ConsentView[];
  audit: { requestId: string; reference: string; status: AuditView['chain']['status']; records: number; entries: AuditEntryView[] }[];
}

/** One bar of a chart. */
export interface ChartBar {
  key: string;
  label: string;
  value: number;
}

/** GET /api/tab/it/charts. */
export interface ChartsView {
  requestsByState: ChartBar[];
  devicesByState: ChartBar[];
  failingSettings: ChartBar[];
  /** Managed devices by state, one column a day, from the daily snapshots the digest job writes. */
  complianceOverTime?: DailySeriesView;
  /** Requests granted in the same days, by time from submission to access (granted at the first compliant check). */
  timeToAccess?: ChartBar[];
}

/** Daily counts by series: `values[i]` is the count on `days[i]`. */
export interface DailySeriesView {
  days: string[];
  series: { key: string; label: string; values: number[] }[];
}

/** One published notice version. */
export interface NoticeView {
  ownership: 'Personal' | 'Company';
  version: string;
  publishedAt: string;
  summary: string;
  material: boolean;
  sha256: string;
  inForce: boolean;
  /** The change-notice campaign of this version, when one was started (the IT progress card's counts). */
  campaign?: CampaignProgressView;
}

/** How far a notice campaign got: the counts of IT's progress card and of `npm run notice -- campaign`. */
export interface CampaignProgressView {
  /** sending: notices still going out; open: all told, waiting for answers until the deadline; closed. */
  phase: 'sending' | 'open' | 'closed';
  startedAt: string;
  deadline: string;
  closedAt?: string;
  /** People (per device) with a standing consent to an earlier text. */
  affected: number;
  told: number;
  answered: number;
  pending: number;
  unreachable: number;
  accessRemoved: number;
}

/** One device incident in IT's list. */
export interface IncidentListItemView {
  id: string;
  state: string;
  stateLabel: string;
  cause: string;
  causeLabel: string;
  severity?: string;
  owner: string;
  devices: string[];
  openedAt: string;
  /** The newest line of the timeline. */
  lastLine?: { at: string; by: string; text: string };
}

/** GET /api/tab/it/incidents/:id: one incident as IT Security reads it (actions stay on the channel card). */
export interface IncidentDetailView extends IncidentListItemView {
  summary: string;
  openedBy: string;
  lastSeen?: { when: string; where: string };
  closedAt?: string;
  investigationSummary?: string;
  resolution?: string;
  devicesDetail: { deviceId: string; deviceName: string; platform: string; ownership: string }[];
  timeline: { at: string; by: string; text: string }[];
  notes: { at: string; by: string; text: string }[];
  correctiveActions: { text: string; owner: string; dueDate: string; addedAt: string }[];
  actions: {
    action: string;
    actionLabel: string;
    deviceName: string;
    requestedAt: string;
    requestedBy: string;
    status: string;
    attempts: number;
    /** What Graph answered (HTTP status, request id) or what the device's action results showed. */
    result?: { outcome: 'accepted' | 'failed'; httpStatus: number; requestId?: string; code?: string; verifiedBy: string; at: string };
  }[];
}
