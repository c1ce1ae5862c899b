/**
 * The simulator's mutable tenant: built from a fixture, changed by Graph writes and test controls, and rebuilt
 * from the fixture on reset. Knows nothing about HTTP.
 */
import { createHash } from 'node:crypto';
import {
  resolveFixtureDate,
  type ComplianceChange,
  type GroupFixture,
  type ManagedDeviceFixture,
  type PendingEnrollmentFixture,
  type PolicyStateFixture,
  type TenantFixture,
  type UserFixture,
} from './tenantFixture';

/** Intune reports this sentinel for devices that are not in a grace period (observed, not documented). */
export const NO_GRACE_PERIOD = '9999-12-31T23:59:59Z';

type ComplianceStatus = PolicyStateFixture['state'] & string;

/** A materialised managed device: the fixture with dates resolved and its Entra device object id. */
export interface DeviceRecord extends Omit<ManagedDeviceFixture, 'onSync' | 'policies'> {
  lastSyncDateTime: string;
  complianceGracePeriodExpirationDateTime: string;
  entraDeviceObjectId: string;
  policies: (PolicyStateFixture & { state: ComplianceStatus })[];
  onSync?: ComplianceChange;
  /** Remote actions Intune accepted for the device (deviceActionResults). */
  actionResults: { actionName: string; startDateTime: string }[];
}

/** A device action's entry as Graph lists it: pending until the device checks in (`deviceActionSeconds`), then done. */
export interface DeviceActionResultJson {
  actionName: string;
  actionState: 'pending' | 'done';
  startDateTime: string;
  lastUpdatedDateTime: string;
}

/** Why the simulator refuses a device action, mapped to Graph's 400 by the routes. */
export type DeviceActionRefusal = 'wipeNotSupported';

/** A Teams app installed in a user's personal scope. */
export interface InstallationRecord {
  id: string;
  userId: string;
  teamsAppId: string;
  chatId: string;
  createdDateTime: string;
}

/** What a directory object id points at. */
export type DirectoryObject = { kind: 'user'; user: UserFixture } | { kind: 'group'; group: GroupFixture } | { kind: 'device'; device: DeviceRecord };

interface PendingRecord {
  fixture: PendingEnrollmentFixture;
  activated: boolean;
}

/** Outcome of adding a member, mapped to Graph's status codes by the routes. */
export type AddMemberOutcome = 'added' | 'alreadyMember' | 'noGroup' | 'noObject';

const STATUS_RANK: Record<ComplianceStatus, number> = {
  notApplicable: 0,
  notAssigned: 0,
  compliant: 1,
  remediated: 1,
  unknown: 2,
  conflict: 3,
  error: 4,
  nonCompliant: 5,
};

/** The worst setting decides the policy, as Intune reports it. */
function derivePolicyState(policy: PolicyStateFixture): ComplianceStatus {
  if (policy.state) return policy.state;
  if (policy.settingStates.length === 0) return 'unknown';
  return policy.settingStates.reduce<ComplianceStatus>((worst, s) => (STATUS_RANK[s.state] > STATUS_RANK[worst] ? s.state : worst), 'notApplicable');
}

/** A stable GUID derived from a seed, for ids the fixture leaves out. */
export function derivedGuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** In-memory tenant state behind the simulator. */
export class TenantStore {
  private users = new Map<string, UserFixture>();
  private groups = new Map<string, GroupFixture & { members: string[] }>();
  private devices = new Map<string, DeviceRecord>();
  private pending: PendingRecord[] = [];
  private installations: InstallationRecord[] = [];

  constructor(
    readonly fixture: TenantFixture,
    private readonly now: () => Date,
  ) {
    this.reset();
  }

  /** Page sizes from the fixture. */
  get settings(): TenantFixture['settings'] {
    return this.fixture.settings;
  }

  /** Throws away every change and rebuilds the state from the fixture. */
  reset(): void {
    const f = structuredClone(this.fixture);
    this.users = new Map(f.users.map((u) => [u.id.toLowerCase(), u]));
    this.groups = new Map(f.groups.map((g) => [g.id.toLowerCase(), { ...g, members: g.members.map((m) => m.toLowerCase()) }]));
    this.devices = new Map();
    for (const d of f.managedDevices) this.putDevice(d);
    this.pending = f.pendingEnrollments.map((fixture) => ({ fixture, activated: false }));
    this.installations = f.appInstallations.map((a) => this.newInstallation(a.userId, a.teamsAppId));
  }

  // ---- directory -------------------------------------------------------------------------------------------

  /** A user by object id or UPN (case-insensitive, as Entra compares UPNs). */
  user(idOrUpn: string): UserFixture | undefined {
    const key = idOrUpn.toLowerCase();
    return this.users.get(key) ?? [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === key);
  }

  /** All users, ordered by id so pages are stable. */
  allUsers(): UserFixture[] {
    return [...this.users.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** A group by id. */
  group(id: string): (GroupFixture & { members: string[] }) | undefined {
    return this.groups.get(id.toLowerCase());
  }

  /** Resolves any directory object id: user, group or Entra device object. */
  directoryObject(id: string): DirectoryObject | undefined {
    const key = id.toLowerCase();
    const user = this.users.get(key);
    if (user) return { kind: 'user', user };
    const group = this.groups.get(key);
    if (group) return { kind: 'group', group };
    const device = [...this.devices.values()].find((d) => d.entraDeviceObjectId.toLowerCase() === key);
    return device ? { kind: 'device', device } : undefined;
  }

  /** Direct members of a group, resolved; ids that no longer resolve are skipped. */
  groupMembers(groupId: string): DirectoryObject[] | undefined {
    const g = this.group(groupId);
    if (!g) return undefined;
    return g.members.map((m) => this.directoryObject(m)).filter((o): o is DirectoryObject => Boolean(o));
  }

  /** Members of a group and of the groups nested in it (each once), as `transitiveMembers` lists them. */
  transitiveMembers(groupId: string): DirectoryObject[] | undefined {
    if (!this.group(groupId)) return undefined;
    const seen = new Set<string>([groupId.toLowerCase()]);
    const out: DirectoryObject[] = [];
    const visit = (id: string) => {
      for (const o of this.groupMembers(id) ?? []) {
        const key = (o.kind === 'user' ? o.user.id : o.kind === 'group' ? o.group.id : JSON.stringify(o)).toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(o);
        if (o.kind === 'group') visit(o.group.id);
      }
    };
    visit(groupId);
    return out;
  }

  /** Turns a user's sign-in on or off (`accountEnabled`), as an admin does in Entra (test control). */
  setAccountEnabled(userId: string, enabled: boolean): boolean {
    const u = this.user(userId);
    if (!u) return false;
    u.accountEnabled = enabled;
    return true;
  }

  /** Deletes a user from the directory and from every group (test control); their Intune devices stay. */
  deleteUser(userId: string): boolean {
    const u = this.user(userId);
    if (!u) return false;
    this.users.delete(u.id.toLowerCase());
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m !== u.id.toLowerCase());
    return true;
  }

  /** Every group the object is in, directly or through nested groups. */
  transitiveGroupsOf(objectId: string): Set<string> {
    const found = new Set<string>();
    let frontier = [objectId.toLowerCase()];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const g of this.groups.values()) {
        const gid = g.id.toLowerCase();
        if (!found.has(gid) && g.members.some((m) => frontier.includes(m))) {
          found.add(gid);
          next.push(gid);
        }
      }
      frontier = next;
    }
    return found;
  }

  /** Adds a direct member. */
  addMember(groupId: string, objectId: string): AddMemberOutcome {
    const g = this.group(groupId);
    if (!g) return 'noGroup';
    if (!this.directoryObject(objectId)) return 'noObject';
    const key = objectId.toLowerCase();
    if (g.members.includes(key)) return 'alreadyMember';
    g.members.push(key);
    return 'added';
  }

  /** Removes a direct member; false when it was not one. */
  removeMember(groupId: string, objectId: string): boolean {
    const g = this.group(groupId);
    const key = objectId.toLowerCase();
    if (!g || !g.members.includes(key)) return false;
    g.members = g.members.filter((m) => m !== key);
    return true;
  }

  // ---- Intune ----------------------------------------------------------------------------------------------

  /** Every managed device; listing the tenant collection lists every user's devices, so due enrollments happen. */
  allDevices(): DeviceRecord[] {
    this.materialise(() => true);
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The user's managed devices (listing them lets the user's due enrollments happen). */
  devicesOf(userId: string): DeviceRecord[] {
    const key = userId.toLowerCase();
    this.materialise((p) => p.fixture.userId.toLowerCase() === key);
    return this.allDevicesNoMaterialise().filter((d) => d.userId.toLowerCase() === key);
  }

  /** One device; a pending enrollment is not found until it has materialised. */
  device(id: string): DeviceRecord | undefined {
    return this.devices.get(id.toLowerCase());
  }

  /** Entra device objects (only devices with an azureADDeviceId are registered in Entra). */
  entraDevices(): DeviceRecord[] {
    return this.allDevicesNoMaterialise().filter((d) => Boolean(d.azureADDeviceId));
  }

  /** Makes the user's pending enrollments appear the next time their devices are listed; returns how many. */
  activateEnrollments(userId: string): number {
    const key = userId.toLowerCase();
    const mine = this.pending.filter((p) => p.fixture.userId.toLowerCase() === key);
    for (const p of mine) p.activated = true;
    return mine.length;
  }

  /** Enrolls a device now (test control). */
  enroll(device: ManagedDeviceFixture): DeviceRecord {
    return this.putDevice(device);
  }

  /** syncDevice: stamps lastSyncDateTime and applies the one-shot `onSync` change. */
  sync(deviceId: string): DeviceRecord | undefined {
    const d = this.device(deviceId);
    if (!d) return undefined;
    d.lastSyncDateTime = this.now().toISOString();
    if (d.onSync) {
      const change = d.onSync;
      delete d.onSync;
      this.applyCompliance(d, change);
    }
    return d;
  }

  /**
   * Accepts a remote action: recorded in the device's action results, pending until the device checks in. A full
   * wipe is refused where Intune offers none: Apple User Enrollment and Android personally-owned work profile
   * (https://learn.microsoft.com/en-us/mem/intune/remote-actions/devices-wipe).
   */
  performAction(d: DeviceRecord, actionName: string): DeviceActionRefusal | undefined {
    if (actionName === 'wipe') {
      const userEnrollment = d.deviceEnrollmentType === 'appleUserEnrollment';
      const workProfile = /^android/i.test(d.operatingSystem) && d.managedDeviceOwnerType === 'personal';
      if (userEnrollment || workProfile) return 'wipeNotSupported';
    }
    d.actionResults.push({ actionName, startDateTime: this.now().toISOString() });
    return undefined;
  }

  /** The device's action results as Graph shows them at this moment. */
  actionResultsOf(d: DeviceRecord): DeviceActionResultJson[] {
    const doneAfterMs = (this.settings.deviceActionSeconds ?? 60) * 1000;
    const now = this.now().getTime();
    return d.actionResults.map((a) => {
      const doneAt = Date.parse(a.startDateTime) + doneAfterMs;
      const done = now >= doneAt;
      return { actionName: a.actionName, actionState: done ? 'done' : 'pending', startDateTime: a.startDateTime, lastUpdatedDateTime: done ? new Date(doneAt).toISOString() : a.startDateTime };
    });
  }

  /** Removes a managed device, as retiring or deleting it in Intune does (test control); false when unknown. */
  removeDevice(deviceId: string): boolean {
    return this.devices.delete(deviceId.toLowerCase());
  }

  /** Changes a device's compliance (test control); undefined when the device does not exist. */
  setCompliance(deviceId: string, change: ComplianceChange): DeviceRecord | undefined {
    const d = this.device(deviceId);
    if (!d) return undefined;
    this.applyCompliance(d, change);
    return d;
  }

  // ---- Teams -----------------------------------------------------------------------------------------------

  /** A catalog app by id. */
  teamsApp(id: string): TenantFixture['teamsApps'][number] | undefined {
    return this.fixture.teamsApps.find((a) => a.id.toLowerCase() === id.toLowerCase());
  }

  /** The user's personal-scope installations. */
  installationsOf(userId: string): InstallationRecord[] {
    return this.installations.filter((i) => i.userId.toLowerCase() === userId.toLowerCase());
  }

  /** Installs an app for a user; 'exists' when it already was. */
  install(userId: string, teamsAppId: string): 'created' | 'exists' {
    if (this.installationsOf(userId).some((i) => i.teamsAppId.toLowerCase() === teamsAppId.toLowerCase())) return 'exists';
    this.installations.push(this.newInstallation(userId, teamsAppId));
    return 'created';
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private allDevicesNoMaterialise(): DeviceRecord[] {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  private materialise(forWhom: (p: PendingRecord) => boolean): void {
    const due = this.pending.filter((p) => forWhom(p) && (p.activated || p.fixture.autoEnroll));
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => !due.includes(p));
    for (const p of due) {
      const device: ManagedDeviceFixture & { autoEnroll?: boolean } = { ...p.fixture, enrolledDateTime: 'now', lastSyncDateTime: 'now' };
      delete device.autoEnroll;
      this.putDevice(device);
    }
  }

  private putDevice(d: ManagedDeviceFixture): DeviceRecord {
    const now = this.now();
    const { onSync, policies, ...fields } = structuredClone(d);
    const record: DeviceRecord = {
      ...fields,
      enrolledDateTime: resolveFixtureDate(d.enrolledDateTime, now),
      lastSyncDateTime: resolveFixtureDate(d.lastSyncDateTime ?? d.enrolledDateTime, now),
      complianceGracePeriodExpirationDateTime: d.complianceGracePeriodExpirationDateTime
        ? resolveFixtureDate(d.complianceGracePeriodExpirationDateTime, now)
        : NO_GRACE_PERIOD,
      entraDeviceObjectId: d.entraDeviceObjectId ?? derivedGuid(`entra-device:${d.azureADDeviceId ?? d.id}`),
      policies: policies.map((p) => ({ ...p, state: derivePolicyState(p) })),
      ...(onSync ? { onSync } : {}),
      actionResults: [],
    };
    this.devices.set(record.id.toLowerCase(), record);
    return record;
  }

  private applyCompliance(d: DeviceRecord, change: ComplianceChange): void {
    if (change.policies) d.policies = change.policies.map((p) => ({ ...p, state: derivePolicyState(p) }));
    for (const s of change.settingStates ?? []) {
      for (const p of d.policies) {
        const target = p.settingStates.find((x) => x.setting === s.setting);
        if (!target) continue;
        target.state = s.state;
        if (s.currentValue !== undefined) target.currentValue = s.currentValue;
        p.state = derivePolicyState({ ...p, state: undefined });
      }
    }
    if (change.complianceState) {
      d.complianceState = change.complianceState;
      // A device that becomes compliant without per-setting detail is compliant on every setting.
      if (change.complianceState === 'compliant' && !change.policies && !change.settingStates) {
        for (const p of d.policies) {
          for (const s of p.settingStates) if (s.state !== 'notApplicable') s.state = 'compliant';
          p.state = derivePolicyState({ ...p, state: undefined });
        }
      }
      if (change.complianceState !== 'inGracePeriod' && !change.complianceGracePeriodExpirationDateTime) {
        d.complianceGracePeriodExpirationDateTime = NO_GRACE_PERIOD;
      }
    }
    if (change.complianceGracePeriodExpirationDateTime) {
      d.complianceGracePeriodExpirationDateTime = resolveFixtureDate(change.complianceGracePeriodExpirationDateTime, this.now());
    }
    if (change.osVersion !== undefined) d.osVersion = change.osVersion;
    if (change.isEncrypted !== undefined) d.isEncrypted = change.isEncrypted;
    if (change.jailBroken !== undefined) d.jailBroken = change.jailBroken;
    if (change.partnerReportedThreatState !== undefined) d.partnerReportedThreatState = change.partnerReportedThreatState;
  }

  private newInstallation(userId: string, teamsAppId: string): InstallationRecord {
    const app = this.teamsApp(teamsAppId);
    // Real installation ids are base64 of "{userId}##{teamsAppId}"; chat ids of bot 1:1 chats end in @unq.gbl.spaces.
    return {
      id: Buffer.from(`${userId}##${teamsAppId}`).toString('base64'),
      userId,
      teamsAppId,
      chatId: `19:${userId}_${app?.botId ?? teamsAppId}@unq.gbl.spaces`,
      createdDateTime: this.now().toISOString(),
    };
  }
}
