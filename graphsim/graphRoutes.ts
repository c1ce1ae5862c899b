/**
 * The Graph resources the simulator serves, as a route table over one TenantStore. Shapes, status codes and
 * quirks follow /work/shared/reference/teams-graph-facts.md; each quirk names its source.
 */
import {
  applySelect,
  contextUrl,
  pageOf,
  parseEqualityFilter,
  queryOption,
  resourceNotFound,
  SimHttpError,
  type SimRequest,
  type SimResponse,
} from './odata';
import type { DeviceRecord, DirectoryObject, InstallationRecord, TenantStore } from './tenantStore';
import type { UserFixture } from './tenantFixture';

type Params = Record<string, string>;
type Handler = (req: SimRequest, params: Params, store: TenantStore) => SimResponse;

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  segments: string[];
  handler: Handler;
  versions?: readonly ('v1.0' | 'beta')[];
}

/** Properties GET /users/{id} returns without $select (https://learn.microsoft.com/en-us/graph/api/user-get). */
const USER_DEFAULT_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const;
const USER_SELECTABLE = [...USER_DEFAULT_PROPERTIES, 'accountEnabled', 'department'];

function userJson(u: UserFixture): Record<string, unknown> {
  return {
    businessPhones: u.businessPhones ?? [],
    displayName: u.displayName,
    givenName: u.givenName ?? null,
    id: u.id,
    jobTitle: u.jobTitle ?? null,
    mail: u.mail ?? null,
    mobilePhone: u.mobilePhone ?? null,
    officeLocation: u.officeLocation ?? null,
    preferredLanguage: u.preferredLanguage ?? null,
    surname: u.surname ?? null,
    userPrincipalName: u.userPrincipalName,
  };
}

function userFullJson(u: UserFixture): Record<string, unknown> {
  return { ...userJson(u), accountEnabled: u.accountEnabled ?? true, department: u.department ?? null };
}

function selectUser(req: SimRequest, u: UserFixture): Record<string, unknown> {
  return queryOption(req.query, '$select') ? applySelect(req, userFullJson(u), USER_SELECTABLE, 'microsoft.graph.user') : userJson(u);
}

function directoryObjectJson(req: SimRequest, o: DirectoryObject): Record<string, unknown> {
  switch (o.kind) {
    case 'user':
      return { '@odata.type': '#microsoft.graph.user', ...selectUser(req, o.user) };
    case 'group':
      return {
        '@odata.type': '#microsoft.graph.group',
        id: o.group.id,
        displayName: o.group.displayName,
        description: o.group.description ?? null,
        securityEnabled: o.group.securityEnabled,
        mailEnabled: o.group.mailEnabled,
      };
    case 'device':
      return {
        '@odata.type': '#microsoft.graph.device',
        id: o.device.entraDeviceObjectId,
        deviceId: o.device.azureADDeviceId ?? null,
        displayName: o.device.deviceName,
        operatingSystem: o.device.operatingSystem,
        operatingSystemVersion: o.device.osVersion,
      };
  }
}

function requireUser(store: TenantStore, idOrUpn: string): UserFixture {
  const u = store.user(idOrUpn);
  if (!u) throw resourceNotFound(idOrUpn);
  return u;
}

/**
 * v1.0 managedDevice. Some properties are always null in LIST results and need a single GET
 * (v1.0 typings descriptions: iccid, udid, notes, ethernetMacAddress, physicalMemoryInBytes, activationLockBypassCode).
 */
function deviceJson(d: DeviceRecord, store: TenantStore, version: SimRequest['version']): Record<string, unknown> {
  const owner = store.user(d.userId);
  const json: Record<string, unknown> = {
    id: d.id,
    userId: d.userId,
    deviceName: d.deviceName,
    managedDeviceOwnerType: d.managedDeviceOwnerType,
    enrolledDateTime: d.enrolledDateTime,
    lastSyncDateTime: d.lastSyncDateTime,
    operatingSystem: d.operatingSystem,
    complianceState: d.complianceState,
    jailBroken: d.jailBroken ?? 'False',
    managementAgent: d.managementAgent ?? 'mdm',
    osVersion: d.osVersion,
    easActivated: false,
    easDeviceId: null,
    easActivationDateTime: '0001-01-01T00:00:00Z',
    azureADRegistered: Boolean(d.azureADDeviceId),
    deviceEnrollmentType: d.deviceEnrollmentType ?? 'userEnrollment',
    activationLockBypassCode: null,
    emailAddress: owner?.mail ?? null,
    azureADDeviceId: d.azureADDeviceId ?? null,
    deviceRegistrationState: d.azureADDeviceId ? 'registered' : 'notRegistered',
    deviceCategoryDisplayName: 'Unknown',
    isSupervised: false,
    exchangeLastSuccessfulSyncDateTime: '0001-01-01T00:00:00Z',
    exchangeAccessState: 'none',
    exchangeAccessStateReason: 'none',
    remoteAssistanceSessionUrl: null,
    remoteAssistanceSessionErrorDetails: null,
    isEncrypted: d.isEncrypted,
    userPrincipalName: owner?.userPrincipalName ?? null,
    model: d.model ?? null,
    manufacturer: d.manufacturer ?? null,
    imei: d.imei ?? null,
    complianceGracePeriodExpirationDateTime: d.complianceGracePeriodExpirationDateTime,
    serialNumber: d.serialNumber ?? null,
    phoneNumber: null,
    androidSecurityPatchLevel: null,
    userDisplayName: owner?.displayName ?? null,
    configurationManagerClientEnabledFeatures: null,
    wiFiMacAddress: null,
    deviceHealthAttestationState: null,
    subscriberCarrier: null,
    meid: null,
    totalStorageSpaceInBytes: 0,
    freeStorageSpaceInBytes: 0,
    managedDeviceName: `${owner?.userPrincipalName.split('@')[0] ?? 'user'}_${d.operatingSystem}_${d.enrolledDateTime.slice(0, 10)}`,
    partnerReportedThreatState: d.partnerReportedThreatState ?? 'unknown',
    requireUserEnrollmentApproval: null,
    managementCertificateExpirationDate: '0001-01-01T00:00:00Z',
    iccid: null,
    udid: null,
    notes: null,
    ethernetMacAddress: null,
    physicalMemoryInBytes: 0,
    enrollmentProfileName: null,
    deviceActionResults: store.actionResultsOf(d),
  };
  // managementState is not in the v1.0 schema (msgraph-typescript-typings 2.43.1), only in beta.
  if (version === 'beta') json.managementState = d.managementState ?? 'managed';
  return json;
}

/** Every managedDevice property can be selected; they all appear in deviceJson. */
function selectDevice(req: SimRequest, d: DeviceRecord, store: TenantStore): Record<string, unknown> {
  const json = deviceJson(d, store, req.version);
  return applySelect(req, json, Object.keys(json), 'microsoft.graph.managedDevice');
}

/** Drops `@odata.type` where Graph leaves it out (an entity read from its own entity set). */
function withoutType(json: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...json };
  delete copy['@odata.type'];
  return copy;
}

function requireDevice(store: TenantStore, id: string): DeviceRecord {
  const d = store.device(id);
  // Intune's own 404 code differs from the directory's Request_ResourceNotFound.
  if (!d) throw new SimHttpError(404, 'ResourceNotFound', `The managed device '${id}' was not found.`);
  return d;
}

function settingStateJson(s: DeviceRecord['policies'][number]['settingStates'][number], d: DeviceRecord, store: TenantStore): Record<string, unknown> {
  const owner = store.user(d.userId);
  return {
    setting: s.setting,
    settingName: s.settingName ?? null,
    instanceDisplayName: s.instanceDisplayName ?? null,
    state: s.state,
    errorCode: s.errorCode ?? 0,
    errorDescription: s.errorDescription ?? null,
    userId: d.userId,
    userName: owner?.displayName ?? null,
    userEmail: owner?.mail ?? null,
    userPrincipalName: owner?.userPrincipalName ?? null,
    sources: [],
    currentValue: s.currentValue ?? null,
  };
}

/**
 * v1.0 returns policy states with EMPTY settingStates (reported for the real service:
 * https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/1984); beta carries them.
 */
function policyStateJson(req: SimRequest, p: DeviceRecord['policies'][number], d: DeviceRecord, store: TenantStore): Record<string, unknown> {
  return {
    id: p.id,
    displayName: p.displayName,
    platformType: p.platformType ?? 'all',
    settingCount: p.settingStates.length,
    settingStates: req.version === 'beta' ? p.settingStates.map((s) => settingStateJson(s, d, store)) : [],
    state: p.state,
    version: p.version ?? 1,
  };
}

function requirePolicy(d: DeviceRecord, policyId: string): DeviceRecord['policies'][number] {
  const p = d.policies.find((x) => x.id === policyId);
  if (!p) throw new SimHttpError(404, 'ResourceNotFound', `The policy state '${policyId}' was not found on this device.`);
  return p;
}

/**
 * The tenant device list IGNORES a `userId` filter (and other unsupported properties) and returns everything,
 * as reported for the real service; `complianceState eq` is honoured because its metadata declares it
 * (https://github.com/microsoftgraph/microsoft-graph-explorer-v4/issues/3125).
 */
function filterDevices(req: SimRequest, devices: DeviceRecord[]): DeviceRecord[] {
  const filter = queryOption(req.query, '$filter');
  if (!filter) return devices;
  const parsed = parseEqualityFilter(filter);
  if (!parsed) return devices;
  const honoured = parsed.clauses.filter((c) => c.property === 'complianceState');
  if (honoured.length === 0) return devices;
  if (parsed.joiner === 'or') return devices.filter((d) => honoured.some((c) => c.value === d.complianceState));
  return devices.filter((d) => honoured.every((c) => c.value === d.complianceState));
}

function installationJson(req: SimRequest, i: InstallationRecord, store: TenantStore): Record<string, unknown> {
  const expand = (queryOption(req.query, '$expand') ?? '').split(',').map((s) => s.trim());
  const app = store.teamsApp(i.teamsAppId);
  const out: Record<string, unknown> = { id: i.id };
  if (expand.includes('teamsApp')) {
    out.teamsApp = { id: i.teamsAppId, externalId: app?.externalId ?? null, displayName: app?.displayName ?? null, distributionMethod: 'organization' };
  }
  if (expand.includes('teamsAppDefinition')) {
    out.teamsAppDefinition = { id: Buffer.from(`${i.teamsAppId}##1.0.0`).toString('base64'), teamsAppId: i.teamsAppId, displayName: app?.displayName ?? null, version: '1.0.0' };
  }
  return out;
}

function requireInstallation(store: TenantStore, userId: string, installationId: string): InstallationRecord {
  const i = store.installationsOf(userId).find((x) => x.id === installationId);
  if (!i) throw new SimHttpError(404, 'NotFound', `The installation '${installationId}' was not found for this user.`);
  return i;
}

/** The object id at the end of an `@odata.id` / `@odata.bind` URL: `.../directoryObjects/{id}` or `...('{id}')`. */
function idFromReference(ref: unknown, collection: string): string | undefined {
  if (typeof ref !== 'string') return undefined;
  const m = new RegExp(`/${collection}(?:/([^/?('"]+)|\\('([^']+)'\\))$`).exec(ref);
  return m ? decodeURIComponent(m[1] ?? m[2]) : undefined;
}

function bodyObject(req: SimRequest): Record<string, unknown> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw new SimHttpError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  return req.body as Record<string, unknown>;
}

const routes: Route[] = [];
function route(method: Route['method'], path: string, handler: Handler, versions?: Route['versions']): void {
  routes.push({ method, segments: path.split('/').filter(Boolean), handler, versions });
}

// ---- directory ----------------------------------------------------------------------------------------------

route('GET', '/organization', (req, _p, store) => ({
  status: 200,
  body: {
    '@odata.context': contextUrl(req, 'organization'),
    value: [
      {
        id: store.fixture.tenantId,
        displayName: store.fixture.displayName,
        verifiedDomains: [{ name: store.fixture.verifiedDomain, isDefault: true, isInitial: false, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnline' }],
      },
    ],
  },
}));

/** User properties `$search` and `startswith` accept (the tokenized, indexed string properties). */
const USER_SEARCHABLE = ['displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'jobTitle'] as const;

/** Words of a property as directory search indexes them: split on spaces and punctuation, matched by prefix. */
function searchTokens(value: string | null | undefined): string[] {
  return (value ?? '').toLowerCase().split(/[\s.@_\-,]+/).filter(Boolean);
}

/**
 * `$search="displayName:dan" OR "mail:dan"` as directory objects answer it: clauses in double quotes, joined by OR
 * or AND, each a property and a term matched by word prefix (https://learn.microsoft.com/en-us/graph/search-query-parameter).
 * Anything else is the 400 Graph gives for a malformed search.
 */
function userSearch(search: string): (u: UserFixture) => boolean {
  const parts = search.trim().split(/\s+(OR|AND)\s+/);
  const clauses: { property: string; term: string }[] = [];
  const joiners = new Set<string>();
  parts.forEach((part, i) => {
    if (i % 2 === 1) return void joiners.add(part);
    const m = /^"([A-Za-z]+):([^"]*)"$/.exec(part.trim());
    if (!m || !(USER_SEARCHABLE as readonly string[]).includes(m[1])) {
      throw new SimHttpError(400, 'Request_UnsupportedQuery', `Invalid search clause '${part.trim()}': use "property:term" with one of ${USER_SEARCHABLE.join(', ')}.`);
    }
    clauses.push({ property: m[1], term: m[2].trim().toLowerCase() });
  });
  if (joiners.size > 1) throw new SimHttpError(400, 'Request_UnsupportedQuery', 'Mixing OR and AND in one $search is not supported.');
  const matches = (u: UserFixture, c: { property: string; term: string }) => {
    const words = c.term.split(/\s+/).filter(Boolean);
    const tokens = searchTokens((u as unknown as Record<string, string | null | undefined>)[c.property]);
    return words.every((w) => tokens.some((t) => t.startsWith(w)));
  };
  return joiners.has('AND') ? (u) => clauses.every((c) => matches(u, c)) : (u) => clauses.some((c) => matches(u, c));
}

/** `startswith(displayName,'Dan') or startswith(mail,'dan')`: the string prefix filter users support. */
function userStartsWith(filter: string): ((u: UserFixture) => boolean) | undefined {
  const clauses = filter.split(/\s+or\s+/i).map((c) => /^startswith\((\w+),\s*'((?:[^']|'')*)'\)$/i.exec(c.trim()));
  if (clauses.some((m) => !m || !(USER_SEARCHABLE as readonly string[]).includes(m[1]))) return undefined;
  const parsed = clauses.map((m) => ({ property: m![1], prefix: m![2].replace(/''/g, "'").toLowerCase() }));
  return (u) => parsed.some((c) => ((u as unknown as Record<string, string | null | undefined>)[c.property] ?? '').toLowerCase().startsWith(c.prefix));
}

route('GET', '/users', (req, _p, store) => {
  const search = queryOption(req.query, '$search');
  const filter = queryOption(req.query, '$filter');
  const count = queryOption(req.query, '$count');
  const orderBy = queryOption(req.query, '$orderby');
  // Advanced directory queries need the eventual-consistency index (https://learn.microsoft.com/en-us/graph/aad-advanced-queries).
  if ((search !== undefined || count === 'true' || orderBy) && (req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
    const what = search !== undefined ? '$search' : count === 'true' ? '$count' : '$orderby';
    throw new SimHttpError(400, 'Request_UnsupportedQuery', `Request with ${what} query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'`);
  }
  let users = store.allUsers();
  if (search !== undefined) users = users.filter(userSearch(search));
  if (filter) {
    const startsWith = userStartsWith(filter);
    if (!startsWith) throw new SimHttpError(400, 'Request_UnsupportedQuery', 'The simulator supports only startswith(property,\'text\') filters, joined by or, on /users.');
    users = users.filter(startsWith);
  }
  if (orderBy) {
    if (orderBy.trim() !== 'displayName') throw new SimHttpError(400, 'Request_UnsupportedQuery', `Sorting by '${orderBy}' is not supported.`);
    users = [...users].sort((a, b) => a.displayName.localeCompare(b.displayName));
  }
  const page = pageOf(req, users, store.settings, 'users', (u) => selectUser(req, u));
  if (count === 'true') (page.body as Record<string, unknown>)['@odata.count'] = users.length;
  return page;
});

route('GET', '/users/:id', (req, p, store) => ({
  status: 200,
  body: { '@odata.context': contextUrl(req, 'users', true), ...selectUser(req, requireUser(store, p.id)) },
}));

/** No manager is a 404 by design, not null (https://github.com/microsoftgraph/aspnet-snippets-sample/issues/6). */
route('GET', '/users/:id/manager', (req, p, store) => {
  const u = requireUser(store, p.id);
  const manager = u.managerId ? store.user(u.managerId) : undefined;
  if (!manager) throw resourceNotFound('manager');
  return { status: 200, body: { '@odata.context': contextUrl(req, 'directoryObjects', true), '@odata.type': '#microsoft.graph.user', ...selectUser(req, manager) } };
});

/** The users whose manager this user is, as directory objects, paged (https://learn.microsoft.com/en-us/graph/api/user-list-directreports). */
route('GET', '/users/:id/directReports', (req, p, store) => {
  const u = requireUser(store, p.id);
  const reports = store.allUsers().filter((x) => x.managerId === u.id);
  return pageOf(req, reports, store.settings, 'directoryObjects', (r) => ({ '@odata.type': '#microsoft.graph.user', ...selectUser(req, r) }));
});

/**
 * The user's Outlook settings (https://learn.microsoft.com/en-us/graph/api/user-get-mailboxsettings, application
 * permission MailboxSettings.Read). A user without an Exchange Online mailbox gets 404 MailboxNotEnabledForRESTAPI.
 */
route('GET', '/users/:id/mailboxSettings', (req, p, store) => {
  const u = requireUser(store, p.id);
  const m = u.mailboxSettings;
  if (!m) throw new SimHttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  const all: Record<string, unknown> = {
      archiveFolder: null,
      timeZone: m.timeZone,
      automaticRepliesSetting: { status: 'disabled', externalAudience: 'all', internalReplyMessage: '', externalReplyMessage: '' },
      language: { locale: 'en-US', displayName: 'English (United States)' },
      dateFormat: 'M/d/yyyy',
      timeFormat: 'h:mm tt',
      userPurpose: 'user',
      delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
      workingHours: m.workingHours ?? {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '08:00:00.0000000',
        endTime: '17:00:00.0000000',
        timeZone: { name: m.timeZone },
      },
  };
  const select = queryOption(req.query, '$select')?.split(',').map((f) => f.trim());
  const body = select ? Object.fromEntries(Object.entries(all).filter(([k]) => select.includes(k))) : all;
  return { status: 200, body: { '@odata.context': `${req.origin}/${req.version}/$metadata#users('${u.id}')/mailboxSettings${select ? `(${select.join(',')})` : ''}`, ...body } };
});

/** At most 20 groups per call (https://learn.microsoft.com/en-us/graph/api/user-checkmembergroups); transitive. */
route('POST', '/users/:id/checkMemberGroups', (req, p, store) => {
  const u = requireUser(store, p.id);
  const { groupIds } = bodyObject(req);
  if (!Array.isArray(groupIds) || !groupIds.every((g) => typeof g === 'string')) {
    throw new SimHttpError(400, 'Request_BadRequest', "The parameter 'groupIds' must be an array of strings.");
  }
  if (groupIds.length > 20) throw new SimHttpError(400, 'Request_BadRequest', 'The number of groupIds exceeds the limit of 20.');
  const memberOf = store.transitiveGroupsOf(u.id);
  return {
    status: 200,
    body: { '@odata.context': `${req.origin}/${req.version}/$metadata#Collection(Edm.String)`, value: groupIds.filter((g) => memberOf.has(g.toLowerCase())) },
  };
});

route('GET', '/groups/:id', (req, p, store) => {
  const g = store.group(p.id);
  if (!g) throw resourceNotFound(p.id);
  const json = withoutType(directoryObjectJson(req, { kind: 'group', group: g }));
  return { status: 200, body: { '@odata.context': contextUrl(req, 'groups', true), ...json } };
});

route('GET', '/groups/:id/members', (req, p, store) => {
  const members = store.groupMembers(p.id);
  if (!members) throw resourceNotFound(p.id);
  return pageOf(req, members, store.settings, 'directoryObjects', (o) => directoryObjectJson(req, o));
});

route('GET', '/groups/:id/transitiveMembers', (req, p, store) => {
  const members = store.transitiveMembers(p.id);
  if (!members) throw resourceNotFound(p.id);
  return pageOf(req, members, store.settings, 'directoryObjects', (o) => directoryObjectJson(req, o));
});

/**
 * 204 on add; 400 when already a member; 404 when the object does not exist
 * (https://learn.microsoft.com/en-us/graph/api/group-post-members).
 */
route('POST', '/groups/:id/members/$ref', (req, p, store) => {
  const ref = bodyObject(req)['@odata.id'];
  const objectId = idFromReference(ref, 'directoryObjects') ?? idFromReference(ref, 'users') ?? idFromReference(ref, 'groups') ?? idFromReference(ref, 'devices');
  if (!objectId) throw new SimHttpError(400, 'Request_BadRequest', "Invalid value for '@odata.id': expected a URL ending in /directoryObjects/{id}.");
  switch (store.addMember(p.id, objectId)) {
    case 'added':
      return { status: 204 };
    case 'alreadyMember':
      throw new SimHttpError(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'.");
    case 'noGroup':
      throw resourceNotFound(p.id);
    case 'noObject':
      throw resourceNotFound(objectId);
  }
});

route('DELETE', '/groups/:id/members/:memberId/$ref', (_req, p, store) => {
  if (!store.group(p.id)) throw resourceNotFound(p.id);
  if (!store.removeMember(p.id, p.memberId)) throw resourceNotFound(p.memberId);
  return { status: 204 };
});

/** Entra device objects; `deviceId eq` is how a managedDevice's azureADDeviceId maps to the object id. */
route('GET', '/devices', (req, _p, store) => {
  let devices = store.entraDevices();
  const filter = queryOption(req.query, '$filter');
  if (filter) {
    const parsed = parseEqualityFilter(filter);
    const clause = parsed?.clauses.length === 1 ? parsed.clauses[0] : undefined;
    if (!clause || clause.property !== 'deviceId') throw new SimHttpError(400, 'Request_UnsupportedQuery', 'The simulator supports only $filter=deviceId eq \'{id}\' on /devices.');
    devices = devices.filter((d) => d.azureADDeviceId?.toLowerCase() === clause.value.toLowerCase());
  }
  return pageOf(req, devices, store.settings, 'devices', (d) => withoutType(directoryObjectJson(req, { kind: 'device', device: d })));
});

// ---- Intune -------------------------------------------------------------------------------------------------

route('GET', '/deviceManagement/managedDevices', (req, _p, store) =>
  pageOf(req, filterDevices(req, store.allDevices()), store.settings, 'deviceManagement/managedDevices', (d) => selectDevice(req, d, store)),
);

route('GET', '/users/:id/managedDevices', (req, p, store) => {
  const u = requireUser(store, p.id);
  return pageOf(req, filterDevices(req, store.devicesOf(u.id)), store.settings, `users('${u.id}')/managedDevices`, (d) => selectDevice(req, d, store));
});

route('GET', '/deviceManagement/managedDevices/:id', (req, p, store) => ({
  status: 200,
  body: {
    '@odata.context': contextUrl(req, 'deviceManagement/managedDevices', true),
    ...selectDevice(req, requireDevice(store, p.id), store),
  },
}));

route('GET', '/deviceManagement/managedDevices/:id/deviceCompliancePolicyStates', (req, p, store) => {
  const d = requireDevice(store, p.id);
  return pageOf(req, d.policies, store.settings, `deviceManagement/managedDevices('${d.id}')/deviceCompliancePolicyStates`, (x) => policyStateJson(req, x, d, store));
});

route('GET', '/deviceManagement/managedDevices/:id/deviceCompliancePolicyStates/:policyId', (req, p, store) => {
  const d = requireDevice(store, p.id);
  return {
    status: 200,
    body: {
      '@odata.context': contextUrl(req, `deviceManagement/managedDevices('${d.id}')/deviceCompliancePolicyStates`, true),
      ...policyStateJson(req, requirePolicy(d, p.policyId), d, store),
    },
  };
});

/** The per-setting detail that works in beta; v1.0 answers with the same empty list it embeds in the policy state. */
route('GET', '/deviceManagement/managedDevices/:id/deviceCompliancePolicyStates/:policyId/settingStates', (req, p, store) => {
  const d = requireDevice(store, p.id);
  const policy = requirePolicy(d, p.policyId);
  const settings = req.version === 'beta' ? policy.settingStates : [];
  return pageOf(req, settings, store.settings, `deviceManagement/managedDevices('${d.id}')/deviceCompliancePolicyStates('${policy.id}')/settingStates`, (s) =>
    settingStateJson(s, d, store),
  );
});

/** 204, asynchronous on the device (https://learn.microsoft.com/en-us/graph/api/intune-devices-manageddevice-syncdevice). */
route('POST', '/deviceManagement/managedDevices/:id/syncDevice', (_req, p, store) => {
  requireDevice(store, p.id);
  store.sync(p.id);
  return { status: 204 };
});

/**
 * Remote lock, retire and wipe: 204 No Content, the action listed in the device's deviceActionResults (pending,
 * then done once the device checks in); 404 for a device Intune does not have; 400 for a wipe the enrollment
 * type does not allow (https://learn.microsoft.com/en-us/graph/api/intune-devices-manageddevice-remotelock,
 * …-retire, …-wipe). remoteLock and retire take no body; wipe takes its optional flags.
 */
for (const action of ['remoteLock', 'retire', 'wipe'] as const) {
  route('POST', `/deviceManagement/managedDevices/:id/${action}`, (req, p, store) => {
    const d = requireDevice(store, p.id);
    if (action !== 'wipe' && req.body !== undefined && req.body !== null && req.body !== '') {
      throw new SimHttpError(400, 'BadRequest', `Do not supply a request body for ${action}.`);
    }
    if (store.performAction(d, action) === 'wipeNotSupported') {
      throw new SimHttpError(400, 'BadRequest', 'Wipe is not supported for this device: its enrollment type allows only retire.');
    }
    return { status: 204 };
  });
}

// ---- Teams --------------------------------------------------------------------------------------------------

route('GET', '/appCatalogs/teamsApps', (req, _p, store) => {
  let apps = store.fixture.teamsApps;
  const filter = queryOption(req.query, '$filter');
  if (filter) {
    const clause = parseEqualityFilter(filter)?.clauses[0];
    if (!clause || !['id', 'externalId', 'distributionMethod'].includes(clause.property)) throw new SimHttpError(400, 'BadRequest', 'Invalid filter clause.');
    apps = apps.filter((a) => (clause.property === 'distributionMethod' ? clause.value === 'organization' : (a as Record<string, unknown>)[clause.property] === clause.value));
  }
  return pageOf(req, apps, store.settings, 'appCatalogs/teamsApps', (a) => ({ id: a.id, externalId: a.externalId ?? null, displayName: a.displayName, distributionMethod: 'organization' }));
});

/**
 * 201 with no body (https://learn.microsoft.com/en-us/graph/api/userteamwork-post-installedapps); 409 when
 * already installed (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/3686).
 */
route('POST', '/users/:id/teamwork/installedApps', (req, p, store) => {
  const u = requireUser(store, p.id);
  const appId = idFromReference(bodyObject(req)['teamsApp@odata.bind'], 'appCatalogs/teamsApps');
  if (!appId) throw new SimHttpError(400, 'BadRequest', "'teamsApp@odata.bind' must be a URL ending in /appCatalogs/teamsApps/{id}.");
  if (!store.teamsApp(appId)) throw new SimHttpError(404, 'NotFound', `The app '${appId}' was not found in the app catalog.`);
  if (store.install(u.id, appId) === 'exists') throw new SimHttpError(409, 'Conflict', 'App is already installed.');
  return { status: 201 };
});

route('GET', '/users/:id/teamwork/installedApps', (req, p, store) => {
  const u = requireUser(store, p.id);
  let installs = store.installationsOf(u.id);
  const filter = queryOption(req.query, '$filter');
  if (filter) {
    const clause = parseEqualityFilter(filter)?.clauses[0];
    if (!clause || !['teamsApp/id', 'teamsApp/externalId'].includes(clause.property)) throw new SimHttpError(400, 'BadRequest', 'Invalid filter clause.');
    installs = installs.filter((i) =>
      clause.property === 'teamsApp/id' ? i.teamsAppId.toLowerCase() === clause.value.toLowerCase() : store.teamsApp(i.teamsAppId)?.externalId === clause.value,
    );
  }
  return pageOf(req, installs, store.settings, `users('${u.id}')/teamwork/installedApps`, (i) => installationJson(req, i, store));
});

route('GET', '/users/:id/teamwork/installedApps/:installationId', (req, p, store) => {
  const u = requireUser(store, p.id);
  return { status: 200, body: { '@odata.context': contextUrl(req, `users('${u.id}')/teamwork/installedApps`, true), ...installationJson(req, requireInstallation(store, u.id, p.installationId), store) } };
});

/** The 1:1 chat between the user and the bot (https://learn.microsoft.com/en-us/graph/api/userscopeteamsappinstallation-get-chat). */
route('GET', '/users/:id/teamwork/installedApps/:installationId/chat', (req, p, store) => {
  const u = requireUser(store, p.id);
  const i = requireInstallation(store, u.id, p.installationId);
  return {
    status: 200,
    body: {
      '@odata.context': contextUrl(req, `users('${u.id}')/teamwork/installedApps('${i.id}')/chat`, true),
      id: i.chatId,
      topic: null,
      createdDateTime: i.createdDateTime,
      lastUpdatedDateTime: i.createdDateTime,
      chatType: 'oneOnOne',
      webUrl: `https://teams.microsoft.com/l/chat/${encodeURIComponent(i.chatId)}/0?tenantId=${store.fixture.tenantId}`,
      tenantId: store.fixture.tenantId,
    },
  };
});

/** `users('x')` and `users/x` address the same entity; split the key form into its own segment. */
function splitSegments(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split('/').filter(Boolean)) {
    const m = /^([A-Za-z]+)\('(.*)'\)$/.exec(decodeURIComponent(raw));
    if (m) out.push(m[1], encodeURIComponent(m[2]));
    else out.push(raw);
  }
  return out;
}

/** Dispatches one request to its route; throws SimHttpError for Graph-style failures. */
export function routeGraphRequest(req: SimRequest, store: TenantStore): SimResponse {
  const segments = splitSegments(req.path);
  let pathMatched = false;
  for (const r of routes) {
    if (r.segments.length !== segments.length) continue;
    const params: Params = {};
    const ok = r.segments.every((s, i) => {
      if (s.startsWith(':')) {
        params[s.slice(1)] = decodeURIComponent(segments[i]);
        return true;
      }
      return s === decodeURIComponent(segments[i]);
    });
    if (!ok || (r.versions && !r.versions.includes(req.version))) continue;
    pathMatched = true;
    if (r.method === req.method) return r.handler(req, params, store);
  }
  if (pathMatched) throw new SimHttpError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
  throw new SimHttpError(400, 'BadRequest', `Resource not found for the segment '${decodeURIComponent(segments[segments.length - 1] ?? '')}'.`);
}
