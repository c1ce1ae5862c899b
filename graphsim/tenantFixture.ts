/**
 * The tenant a Graph simulator serves: users, groups, Intune devices (with compliance policies and per-setting
 * states), enrollments still to happen, and the Teams app catalog. Validated on load so a typo fails with the
 * field that is wrong instead of a confusing response later. Format documented in graphsim/README.md.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A fixture that does not match the format; `field` is the path of the first bad field, e.g. `users[2].id`. */
export class TenantFixtureError extends Error {
  override readonly name = 'TenantFixtureError';
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly source?: string,
  ) {
    super(`Invalid tenant fixture${source ? ` ${source}` : ''}: ${field}: ${problem}`);
  }
}

const RELATIVE_DATE = /^(now|[+-]\d+(\.\d+)?[smhdw])$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const fixtureDate = z
  .string()
  .refine((v) => RELATIVE_DATE.test(v) || (ISO_DATE.test(v) && !Number.isNaN(Date.parse(v))), {
    message: 'must be an ISO date-time (2026-01-31T09:00:00Z) or relative to now ("now", "-3d", "+2h", "-30m")',
  });

const complianceState = z.enum(['unknown', 'compliant', 'noncompliant', 'conflict', 'error', 'inGracePeriod', 'configManager']);
const complianceStatus = z.enum(['unknown', 'notApplicable', 'compliant', 'remediated', 'nonCompliant', 'error', 'conflict', 'notAssigned']);

const settingState = z.strictObject({
  setting: z.string().min(1),
  settingName: z.string().nullish(),
  instanceDisplayName: z.string().nullish(),
  state: complianceStatus,
  currentValue: z.string().nullish(),
  errorCode: z.number().int().optional(),
  errorDescription: z.string().nullish(),
});

const policyState = z.strictObject({
  id: z.string().min(1),
  displayName: z.string().min(1),
  platformType: z.string().optional(),
  /** Omitted: derived from the settings (the worst one wins). */
  state: complianceStatus.optional(),
  version: z.number().int().optional(),
  settingStates: z.array(settingState),
});

/** Graph's managedDevicePartnerReportedHealthState (a Mobile Threat Defense partner's verdict). */
const partnerThreatState = z.enum(['unknown', 'activated', 'deactivated', 'secured', 'lowSeverity', 'mediumSeverity', 'highSeverity', 'unresponsive', 'compromised', 'misconfigured']);

const complianceChange = z.strictObject({
  complianceState: complianceState.optional(),
  /** Replaces the device's policies. */
  policies: z.array(policyState).optional(),
  /** Patches settings by `setting` id across the device's policies. */
  settingStates: z.array(settingState.pick({ setting: true, state: true, currentValue: true })).optional(),
  osVersion: z.string().optional(),
  isEncrypted: z.boolean().optional(),
  jailBroken: z.enum(['Unknown', 'True', 'False']).optional(),
  partnerReportedThreatState: partnerThreatState.optional(),
  complianceGracePeriodExpirationDateTime: fixtureDate.optional(),
});

const deviceShape = {
  id: z.guid(),
  userId: z.guid(),
  deviceName: z.string().min(1),
  operatingSystem: z.string().min(1),
  osVersion: z.string().min(1),
  model: z.string().nullish(),
  manufacturer: z.string().nullish(),
  serialNumber: z.string().nullish(),
  imei: z.string().nullish(),
  complianceState,
  managementState: z.string().optional(),
  managedDeviceOwnerType: z.enum(['unknown', 'company', 'personal', 'unknownFutureValue']),
  isEncrypted: z.boolean(),
  jailBroken: z.enum(['Unknown', 'True', 'False']).optional(),
  /** Graph's managedDevicePartnerReportedHealthState (a Mobile Threat Defense partner's verdict). */
  partnerReportedThreatState: partnerThreatState.optional(),
  enrolledDateTime: fixtureDate,
  lastSyncDateTime: fixtureDate.optional(),
  complianceGracePeriodExpirationDateTime: fixtureDate.optional(),
  azureADDeviceId: z.guid().nullish(),
  /** The Entra device OBJECT id (what groups hold), distinct from azureADDeviceId; derived when omitted. */
  entraDeviceObjectId: z.guid().optional(),
  deviceEnrollmentType: z.string().optional(),
  managementAgent: z.string().optional(),
  policies: z.array(policyState).default([]),
  /** Applied once, on the first syncDevice: how the demo "fixes" a device. */
  onSync: complianceChange.optional(),
};

const managedDevice = z.strictObject(deviceShape);

const pendingEnrollment = z.strictObject({
  ...deviceShape,
  /** Set to "now" when the device materialises; any value here is ignored. */
  enrolledDateTime: fixtureDate.optional(),
  /** Materialise the first time the user's devices are listed, without `POST /_sim/enrollments/activate`. */
  autoEnroll: z.boolean().default(false),
});

/** A user's Outlook settings as GET /users/{id}/mailboxSettings returns them (absent: the user has no mailbox). */
const mailboxSettings = z.strictObject({
  /** Windows time zone name (what Outlook sets) or an IANA name. */
  timeZone: z.string().min(1),
  workingHours: z
    .strictObject({
      daysOfWeek: z.array(z.enum(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'])),
      startTime: z.string().regex(/^\d{2}:\d{2}:\d{2}(\.\d+)?$/),
      endTime: z.string().regex(/^\d{2}:\d{2}:\d{2}(\.\d+)?$/),
      timeZone: z.strictObject({ name: z.string().min(1) }),
    })
    .optional(),
});

const user = z.strictObject({
  id: z.guid(),
  displayName: z.string().min(1),
  userPrincipalName: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must look like name@domain'),
  mail: z.string().nullish(),
  jobTitle: z.string().nullish(),
  givenName: z.string().nullish(),
  surname: z.string().nullish(),
  department: z.string().nullish(),
  officeLocation: z.string().nullish(),
  mobilePhone: z.string().nullish(),
  businessPhones: z.array(z.string()).optional(),
  preferredLanguage: z.string().nullish(),
  accountEnabled: z.boolean().optional(),
  managerId: z.guid().optional(),
  mailboxSettings: mailboxSettings.optional(),
});

const group = z.strictObject({
  id: z.guid(),
  displayName: z.string().min(1),
  description: z.string().nullish(),
  securityEnabled: z.boolean().default(true),
  mailEnabled: z.boolean().default(false),
  /** Direct members: ids of users, groups or Entra device objects. */
  members: z.array(z.guid()).default([]),
});

const teamsApp = z.strictObject({
  /** The org catalog id (what `teamsApp@odata.bind` names), not the manifest id. */
  id: z.guid(),
  externalId: z.string().optional(),
  displayName: z.string().min(1),
  /** The bot's app id, used to shape the 1:1 chat id. */
  botId: z.string().optional(),
});

const appInstallation = z.strictObject({
  userId: z.guid(),
  teamsAppId: z.guid(),
});

const settings = z.strictObject({
  /** Items per page when the caller sends no $top (Graph's usual default is 100). */
  pageSize: z.number().int().min(1).max(999).default(100),
  /** The largest $top honoured; larger values are clamped, as some Graph APIs do. */
  maxPageSize: z.number().int().min(1).max(999).default(999),
  /** Seconds after which a remote lock, retire or wipe goes from pending to done (the device checked in). */
  deviceActionSeconds: z.number().min(0).default(60),
});

const tenantSchema = z
  .strictObject({
    tenantId: z.guid(),
    displayName: z.string().default('Contoso'),
    verifiedDomain: z.string().default('contoso.example'),
    settings: settings.default({ pageSize: 100, maxPageSize: 999, deviceActionSeconds: 60 }),
    users: z.array(user),
    groups: z.array(group).default([]),
    managedDevices: z.array(managedDevice).default([]),
    pendingEnrollments: z.array(pendingEnrollment).default([]),
    teamsApps: z.array(teamsApp).default([]),
    appInstallations: z.array(appInstallation).default([]),
  })
  .superRefine((t, ctx) => {
    const userIds = new Set(t.users.map((u) => u.id));
    const groupIds = new Set(t.groups.map((g) => g.id));
    const allDevices = [...t.managedDevices, ...t.pendingEnrollments];
    const deviceObjectIds = new Set(allDevices.map((d) => d.entraDeviceObjectId).filter((x): x is string => Boolean(x)));
    const appIds = new Set(t.teamsApps.map((a) => a.id));
    const duplicates = (ids: string[], path: (i: number) => (string | number)[], what: string) => {
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        if (seen.has(id.toLowerCase())) ctx.addIssue({ code: 'custom', path: path(i), message: `duplicate ${what} ${id}` });
        seen.add(id.toLowerCase());
      });
    };
    duplicates([...t.users.map((u) => u.id), ...t.groups.map((g) => g.id)], (i) => (i < t.users.length ? ['users', i, 'id'] : ['groups', i - t.users.length, 'id']), 'directory object id');
    duplicates(t.users.map((u) => u.userPrincipalName), (i) => ['users', i, 'userPrincipalName'], 'userPrincipalName');
    duplicates(allDevices.map((d) => d.id), (i) => (i < t.managedDevices.length ? ['managedDevices', i, 'id'] : ['pendingEnrollments', i - t.managedDevices.length, 'id']), 'device id');
    t.users.forEach((u, i) => {
      if (u.managerId && !userIds.has(u.managerId)) ctx.addIssue({ code: 'custom', path: ['users', i, 'managerId'], message: `no user with id ${u.managerId}` });
      if (u.managerId === u.id) ctx.addIssue({ code: 'custom', path: ['users', i, 'managerId'], message: 'a user cannot be their own manager' });
    });
    t.groups.forEach((g, i) =>
      g.members.forEach((m, j) => {
        if (!userIds.has(m) && !groupIds.has(m) && !deviceObjectIds.has(m)) {
          ctx.addIssue({ code: 'custom', path: ['groups', i, 'members', j], message: `no user, group or device object with id ${m}` });
        }
      }),
    );
    const checkOwner = (list: 'managedDevices' | 'pendingEnrollments') =>
      t[list].forEach((d, i) => {
        if (!userIds.has(d.userId)) ctx.addIssue({ code: 'custom', path: [list, i, 'userId'], message: `no user with id ${d.userId}` });
      });
    checkOwner('managedDevices');
    checkOwner('pendingEnrollments');
    t.appInstallations.forEach((a, i) => {
      if (!userIds.has(a.userId)) ctx.addIssue({ code: 'custom', path: ['appInstallations', i, 'userId'], message: `no user with id ${a.userId}` });
      if (!appIds.has(a.teamsAppId)) ctx.addIssue({ code: 'custom', path: ['appInstallations', i, 'teamsAppId'], message: `no teamsApps entry with id ${a.teamsAppId}` });
    });
  });

/** A validated tenant fixture (defaults applied). */
export type TenantFixture = z.infer<typeof tenantSchema>;
/** What a fixture file may contain before defaults are applied. */
export type TenantFixtureInput = z.input<typeof tenantSchema>;
/** An Intune managed device in a fixture. */
export type ManagedDeviceFixture = z.infer<typeof managedDevice>;
/** A managed device as a caller may write it (policies optional). */
export type ManagedDeviceFixtureInput = z.input<typeof managedDevice>;
/** A device that appears only once its user enrolls. */
export type PendingEnrollmentFixture = z.infer<typeof pendingEnrollment>;
/** A compliance policy's state on a device, with its per-setting states. */
export type PolicyStateFixture = z.infer<typeof policyState>;
/** One setting's state inside a policy. */
export type SettingStateFixture = z.infer<typeof settingState>;
/** A change to a device's compliance (control endpoint and `onSync`). */
export type ComplianceChange = z.infer<typeof complianceChange>;
/** A directory user in a fixture. */
export type UserFixture = z.infer<typeof user>;
/** A directory group in a fixture. */
export type GroupFixture = z.infer<typeof group>;

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(root)';
}

function parseWith<S extends z.ZodType>(schema: S, raw: unknown, source?: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new TenantFixtureError(fieldOf(issue.path), issue.message, source);
}

/** Validates a parsed fixture; throws TenantFixtureError naming the first bad field. */
export function validateTenantFixture(raw: unknown, source?: string): TenantFixture {
  return parseWith(tenantSchema, raw, source);
}

/** Validates one managed device (the `POST /_sim/devices` control). */
export function validateManagedDevice(raw: unknown): ManagedDeviceFixture {
  return parseWith(managedDevice, raw);
}

/** Validates a compliance change (the `POST /_sim/devices/{id}/compliance` control). */
export function validateComplianceChange(raw: unknown): ComplianceChange {
  return parseWith(complianceChange, raw);
}

/** Reads and validates a fixture file (JSON). */
export function loadTenantFixture(filePath: string): TenantFixture {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (e) {
    throw new TenantFixtureError('(file)', `cannot read JSON: ${(e as Error).message}`, filePath);
  }
  return validateTenantFixture(raw, filePath);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Resolves a fixture date ("now", "-3d", "+2h" or ISO) against `now` into an ISO string. */
export function resolveFixtureDate(value: string, now: Date): string {
  if (value === 'now') return now.toISOString();
  const m = /^([+-]\d+(?:\.\d+)?)([smhdw])$/.exec(value);
  if (m) return new Date(now.getTime() + Number(m[1]) * UNIT_MS[m[2]]).toISOString();
  return new Date(value).toISOString();
}
