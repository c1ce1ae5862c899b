/**
 * The Microsoft Graph seams the product depends on. Each is a small interface passed in through
 * constructors so tests can use the Graph simulator (graphsim/) or a fake.
 */
import type { GraphReceipt } from './graphApi';

/** A directory user, as much of it as the product reads. */
export interface DirectoryUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string | null;
  jobTitle?: string | null;
}

/** The parts of a user's Outlook settings the product reads (GET /users/{id}/mailboxSettings). */
export interface MailboxSettings {
  /** Windows time zone name (as Outlook sets it) or IANA name. */
  timeZone?: string | null;
  workingHours?: {
    daysOfWeek?: string[] | null;
    /** "08:00:00.0000000", local to workingHours.timeZone. */
    startTime?: string | null;
    endTime?: string | null;
    timeZone?: { name?: string | null } | null;
  } | null;
}

/** Users, managers and group membership checks in Entra ID. */
export interface DirectoryService {
  /** GET /users/{id|upn}; undefined when the user does not exist (404). */
  getUser(idOrUpn: string): Promise<DirectoryUser | undefined>;
  /** GET /users/{id}/manager; undefined when the user has no manager (Graph answers 404 by design). */
  getManager(userId: string): Promise<DirectoryUser | undefined>;
  /** GET /groups/{id}/members (all pages), users only. */
  listGroupMembers(groupId: string): Promise<DirectoryUser[]>;
  /** POST /users/{id}/checkMemberGroups; returns the subset of groupIds the user belongs to (transitively). */
  checkMemberGroups(userId: string, groupIds: string[]): Promise<string[]>;
  /**
   * People whose name or address starts with `text` (GET /users?$search with `ConsistencyLevel: eventual`), at most
   * `top`, for a people picker.
   */
  searchUsers?(text: string, top: number): Promise<DirectoryUser[]>;
  /** GET /users/{id}/directReports (first page), users only: the people a manager most often hands approvals to. */
  listDirectReports?(userId: string, top: number): Promise<DirectoryUser[]>;
  /** GET /users/{id}/mailboxSettings; undefined when the user has no mailbox (404). Needs MailboxSettings.Read. */
  getMailboxSettings?(userId: string): Promise<MailboxSettings | undefined>;
  /** GET /devices?$filter=deviceId eq '{azureADDeviceId}': the Entra device OBJECT id groups hold; undefined if none. */
  getDeviceObjectId?(azureADDeviceId: string): Promise<string | undefined>;
}

/** Intune compliance state of a managed device (Graph v1.0 complianceState). */
export type DeviceComplianceState =
  | 'unknown'
  | 'compliant'
  | 'noncompliant'
  | 'conflict'
  | 'error'
  | 'inGracePeriod'
  | 'configManager';

/** Per-policy and per-setting state (Graph complianceStatus). */
export type ComplianceStatus =
  | 'unknown'
  | 'notApplicable'
  | 'compliant'
  | 'remediated'
  | 'nonCompliant'
  | 'error'
  | 'conflict'
  | 'notAssigned';

/** An Intune managed device, the fields the product reads. */
export interface ManagedDevice {
  id: string;
  userId: string;
  deviceName: string;
  operatingSystem: string;
  osVersion: string;
  model?: string | null;
  manufacturer?: string | null;
  complianceState: DeviceComplianceState;
  managementState?: string | null;
  managedDeviceOwnerType?: 'unknown' | 'company' | 'personal' | 'unknownFutureValue' | null;
  isEncrypted?: boolean | null;
  enrolledDateTime: string;
  lastSyncDateTime?: string | null;
  complianceGracePeriodExpirationDateTime?: string | null;
  azureADDeviceId?: string | null;
}

/** One setting inside a compliance policy state (beta settingStates). */
export interface ComplianceSettingState {
  /** Stable setting id, e.g. "IosCompliancePolicy.passcodeRequired". */
  setting: string;
  settingName?: string | null;
  state: ComplianceStatus;
  currentValue?: string | null;
  errorDescription?: string | null;
}

/** A compliance policy's state on one device, with its settings. */
export interface CompliancePolicyState {
  id: string;
  displayName: string;
  platformType?: string | null;
  state: ComplianceStatus;
  settingStates: ComplianceSettingState[];
}

/** Intune device reads and actions. */
export interface IntuneService {
  /** The user's managed devices, all pages, filtered by userId in code (Graph ignores a userId $filter). */
  listUserDevices(userId: string): Promise<ManagedDevice[]>;
  /** GET /deviceManagement/managedDevices/{id}; undefined on 404. */
  getDevice(deviceId: string): Promise<ManagedDevice | undefined>;
  /** Policy states (v1.0) with their setting states (beta, where v1.0 returns them empty). */
  getCompliancePolicyStates(deviceId: string): Promise<CompliancePolicyState[]>;
  /** POST .../syncDevice (204, asynchronous on the device). */
  syncDevice(deviceId: string): Promise<void>;
}

/** What Graph answered to a device action (204 No Content): the ids that find the call in Intune's logs. */
export interface DeviceActionResponse {
  status: number;
  requestId?: string;
  clientRequestId: string;
}

/** One entry of a managed device's `deviceActionResults` (https://learn.microsoft.com/en-us/graph/api/resources/intune-devices-deviceactionresult). */
export interface DeviceActionResult {
  actionName: string;
  actionState: 'none' | 'pending' | 'canceled' | 'active' | 'done' | 'failed' | 'notSupported';
  startDateTime: string;
  lastUpdatedDateTime: string;
}

/**
 * Intune's remote actions on a managed device. The POSTs are not idempotent: a caller that did not get an answer
 * reads `deviceActionResults` before it sends again.
 */
export interface IntuneDeviceActions {
  /** POST /deviceManagement/managedDevices/{id}/{remoteLock|retire|wipe}; throws GraphRequestError on a refusal. */
  perform(deviceId: string, action: 'remoteLock' | 'retire' | 'wipe'): Promise<DeviceActionResponse>;
  /** The device's action results; undefined when Intune no longer has the device (404). */
  actionResults(deviceId: string): Promise<DeviceActionResult[] | undefined>;
}

/** Entra group membership writes. */
export interface GroupService {
  /** POST /groups/{id}/members/$ref; "already a member" (400) counts as success. Resolves to Graph's request ids. */
  addMember(groupId: string, directoryObjectId: string): Promise<GraphReceipt>;
  /** DELETE /groups/{id}/members/{objectId}/$ref; "not a member" (404) counts as success. Resolves to Graph's request ids. */
  removeMember(groupId: string, directoryObjectId: string): Promise<GraphReceipt>;
  /** Object ids of the group's direct members (every page). */
  listMemberIds(groupId: string): Promise<string[]>;
  /** Whether the object is a direct member of the group. */
  isMember(groupId: string, directoryObjectId: string): Promise<boolean>;
}

/** Teams app installation for users who never talked to the bot. */
export interface TeamsAppInstallService {
  /**
   * Ensures the app (org catalog id) is installed in the user's personal scope and returns the id of the
   * 1:1 chat between the user and the bot. Already installed (409, or found by GET) is success.
   */
  ensureInstalledForUser(userId: string, catalogAppId: string): Promise<{ installationId: string; chatId: string }>;
}

/** Connectivity probe for /readyz. */
export interface GraphHealth {
  ping(): Promise<void>;
}

/** Everything the product needs from Graph, built once in the composition root. */
export interface GraphServices {
  /** The reads of a compliance sweep (paged device list, batched per-setting detail). */
  complianceSweep?: import('./intuneSweep').ComplianceSweepSource;
  directory: DirectoryService;
  intune: IntuneService;
  /** Remote lock, retire and wipe (DeviceManagementManagedDevices.PrivilegedOperations.All). */
  deviceActions?: IntuneDeviceActions;
  groups: GroupService;
  teamsApps: TeamsAppInstallService;
  health: GraphHealth;
}
