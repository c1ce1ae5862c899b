/**
 * The Graph simulator's wire behaviour, over raw fetch: shapes, paging, $batch, auth, faults, controls and
 * fixture validation.
 */
import assert from 'node:assert/strict';
import { startGraphSimulator, type RunningGraphSimulator } from '../../../graphsim/graphSimulator';
import { TenantFixtureError, validateTenantFixture, type TenantFixtureInput } from '../../../graphsim/tenantFixture';
import { ACCESS_GROUP, ADELE, ADELE_ANDROID, ALEX, ALL_STAFF, CATALOG_APP, ISAIAH, MEGAN, MEGAN_IPHONE, testTenant } from './testTenant';

interface GraphErrorBody {
  error: { code: string; message: string; innerError: { date: string; 'request-id': string; 'client-request-id': string } };
}
interface BatchResponse {
  responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[];
}

describe('Graph simulator (wire)', () => {
  let sim: RunningGraphSimulator;

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  }

  async function batch(requests: unknown[]): Promise<{ status: number; json: BatchResponse }> {
    const r = await call('POST', '/v1.0/$batch', { requests });
    return { status: r.status, json: r.json as BatchResponse };
  }

  const byId = (b: BatchResponse, id: string) => b.responses.find((r) => r.id === id);

  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: testTenant() });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.controls.reset());

  it('when it starts on port 0, then the url is a loopback origin with the chosen port', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(sim.url.endsWith(`:${sim.port}`));
  });

  it('when a user is missing, then the answer is a Graph error body with innerError and the echoed client-request-id', async () => {
    const r = await call('GET', '/v1.0/users/a0000000-0000-4000-8000-0000000000ff', undefined, { 'client-request-id': 'trace-1' });
    const body = r.json as GraphErrorBody;
    assert.equal(r.status, 404);
    assert.equal(body.error.code, 'Request_ResourceNotFound');
    assert.equal(body.error.innerError['client-request-id'], 'trace-1');
    assert.ok(body.error.innerError['request-id'] && body.error.innerError.date);
  });

  it('when a user has no manager, then the 404 carries the message Graph uses', async () => {
    const r = await call('GET', `/v1.0/users/${ISAIAH}/manager`);
    assert.equal(r.status, 404);
    assert.equal((r.json as GraphErrorBody).error.message, "Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
  });

  it("when a user's mailbox settings are read, then Outlook's Windows time zone and working hours come back; no mailbox is a 404", async () => {
    const r = await call('GET', `/v1.0/users/${MEGAN}/mailboxSettings?$select=timeZone,workingHours`);
    assert.equal(r.status, 200);
    const body = r.json as { '@odata.context': string; timeZone: string; workingHours: { daysOfWeek: string[]; startTime: string; timeZone: { name: string } } };
    assert.deepEqual(Object.keys(body).sort(), ['@odata.context', 'timeZone', 'workingHours']);
    assert.match(body['@odata.context'], /\$metadata#users\('a0000000-0000-4000-8000-000000000001'\)\/mailboxSettings\(timeZone,workingHours\)$/);
    assert.equal(body.timeZone, 'Pacific Standard Time');
    assert.equal(body.workingHours.startTime, '08:00:00.0000000');
    const none = await call('GET', `/v1.0/users/${ISAIAH}/mailboxSettings`);
    assert.equal(none.status, 404);
    assert.equal((none.json as GraphErrorBody).error.code, 'MailboxNotEnabledForRESTAPI');
  });

  it('when $select names properties, then only those come back; an unknown one is a 400', async () => {
    const ok = await call('GET', `/v1.0/users/${ALEX}?$select=id,department`);
    assert.deepEqual(Object.keys(ok.json as object).sort(), ['@odata.context', 'department', 'id']);
    assert.equal((await call('GET', `/v1.0/users/${ALEX}?$select=shoeSize`)).status, 400);
  });

  it('when a collection is paged, then nextLink is a full URL that keeps the query and the pages add up', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${sim.url}/v1.0/users?$select=id`;
    let pages = 0;
    while (next) {
      const page = (await (await fetch(next)).json()) as { value: { id: string }[]; '@odata.nextLink'?: string; '@odata.context': string };
      assert.match(page['@odata.context'], /\$metadata#users\(id\)$/);
      seen.push(...page.value.map((u) => u.id));
      next = page['@odata.nextLink'];
      if (next) assert.ok(next.startsWith(`${sim.url}/v1.0/users?`) && next.includes('$select=id') && next.includes('$skiptoken='));
      pages++;
    }
    assert.equal(pages, 4);
    assert.equal(new Set(seen).size, 7);
  });

  describe('people search ($search and startswith on /users)', () => {
    const eventual = { ConsistencyLevel: 'eventual' };
    const names = (j: unknown) => (j as { value: { displayName: string }[] }).value.map((u) => u.displayName);

    it('when $search is sent without ConsistencyLevel: eventual, then it is the 400 Graph gives', async () => {
      const r = await call('GET', '/v1.0/users?$search="displayName:ad"');
      assert.equal(r.status, 400);
      const body = r.json as GraphErrorBody;
      assert.equal(body.error.code, 'Request_UnsupportedQuery');
      assert.match(body.error.message, /ConsistencyLevel: eventual/);
    });

    const searches: [string, string, string[]][] = [
      ['a word prefix of the display name', '"displayName:ad"', ['Adele Vance']],
      ['a later word of the display name', '"displayName:van"', ['Adele Vance']],
      ['two clauses joined by OR', '"displayName:meg" OR "mail:adelev"', ['Megan Bowen', 'Adele Vance']],
      ['no match', '"displayName:zz"', []],
    ];
    for (const [name, search, expected] of searches) {
      it(`when people are searched by ${name}, then exactly the matching users come back`, async () => {
        const r = await call('GET', `/v1.0/users?$search=${encodeURIComponent(search)}&$select=id,displayName`, undefined, eventual);
        assert.equal(r.status, 200);
        assert.deepEqual(names(r.json).sort(), [...expected].sort());
      });
    }

    it('when a search clause is malformed, then it is a 400', async () => {
      assert.equal((await call('GET', `/v1.0/users?$search=${encodeURIComponent('displayName:ad')}`, undefined, eventual)).status, 400);
      assert.equal((await call('GET', `/v1.0/users?$search=${encodeURIComponent('"secret:ad"')}`, undefined, eventual)).status, 400);
    });

    it('when a search asks for a count and one result a page, then @odata.count is the total and nextLink pages through the rest', async () => {
      const first = await call('GET', `/v1.0/users?$search=${encodeURIComponent('"mail:a"')}&$count=true&$top=1&$orderby=displayName`, undefined, eventual);
      const page = first.json as { value: { displayName: string }[]; '@odata.count': number; '@odata.nextLink'?: string };
      assert.equal(page['@odata.count'], 2);
      assert.deepEqual(names(page), ['Adele Vance']);
      assert.ok(page['@odata.nextLink']);
      const second = await fetch(page['@odata.nextLink'], { headers: eventual });
      assert.deepEqual(names(await second.json()), ['Alex Wilber']);
      assert.equal((await fetch(page['@odata.nextLink'])).status, 400, 'the next page needs the header too');
    });

    it("when a manager's direct reports are listed, then they are her reports as users, paged", async () => {
      const r = await call('GET', `/v1.0/users/${MEGAN}/directReports?$select=id,displayName`);
      const page = r.json as { value: { '@odata.type': string; displayName: string }[]; '@odata.nextLink'?: string };
      assert.equal(r.status, 200);
      assert.deepEqual(page.value.map((u) => [u['@odata.type'], u.displayName]), [['#microsoft.graph.user', 'Alex Wilber'], ['#microsoft.graph.user', 'Adele Vance']]);
      assert.deepEqual(((await call('GET', `/v1.0/users/${ISAIAH}/directReports`)).json as { value: unknown[] }).value, [], 'nobody reports to Isaiah');
    });

    it("when users are filtered with startswith, then prefixes match case-insensitively; other filters are refused", async () => {
      const r = await call('GET', `/v1.0/users?$filter=${encodeURIComponent("startswith(displayName,'meg') or startswith(mail,'ADELEV')")}`);
      assert.deepEqual(names(r.json).sort(), ['Adele Vance', 'Megan Bowen']);
      assert.equal((await call('GET', `/v1.0/users?$filter=${encodeURIComponent("jobTitle eq 'x'")}`)).status, 400);
    });
  });

  it('when $top is sent, then it sets the page size up to the cap', async () => {
    const page = (await call('GET', '/v1.0/users?$top=5')).json as { value: unknown[] };
    assert.equal(page.value.length, 5);
  });

  it('when the device list is filtered, then userId is ignored but complianceState is honoured', async () => {
    const all = (await call('GET', '/v1.0/deviceManagement/managedDevices?$top=50')).json as { value: unknown[] };
    const byUser = (await call('GET', `/v1.0/deviceManagement/managedDevices?$top=50&$filter=userId eq '${MEGAN}'`)).json as { value: unknown[] };
    const noncompliant = (await call('GET', "/v1.0/deviceManagement/managedDevices?$top=50&$filter=complianceState eq 'noncompliant'")).json as { value: { complianceState: string }[] };
    assert.equal(byUser.value.length, all.value.length);
    assert.ok(noncompliant.value.length > 0 && noncompliant.value.length < all.value.length);
    assert.ok(noncompliant.value.every((d) => d.complianceState === 'noncompliant'));
  });

  it('when a device is listed, then it has the v1.0 fields and no beta-only ownerType', async () => {
    const d = (await call('GET', `/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}`)).json as Record<string, unknown>;
    for (const field of ['userId', 'operatingSystem', 'osVersion', 'complianceState', 'isEncrypted', 'managedDeviceOwnerType', 'enrolledDateTime', 'azureADDeviceId', 'complianceGracePeriodExpirationDateTime']) {
      assert.ok(field in d, field);
    }
    assert.equal('ownerType' in d, false);
  });

  it('when v1.0 and beta policy states are read, then only beta carries settingStates', async () => {
    const v1 = (await call('GET', `/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}/deviceCompliancePolicyStates`)).json as { value: { settingStates: unknown[]; settingCount: number }[] };
    const beta = (await call('GET', `/beta/deviceManagement/managedDevices/${MEGAN_IPHONE}/deviceCompliancePolicyStates/p0000000-ios-baseline/settingStates?$top=10`)).json as { value: { setting: string }[] };
    assert.deepEqual(v1.value[0].settingStates, []);
    assert.equal(v1.value[0].settingCount, 3);
    assert.deepEqual(beta.value.map((s) => s.setting), ['IosCompliancePolicy.passcodeRequired', 'IosCompliancePolicy.osMinimumVersion', 'IosCompliancePolicy.securityBlockJailbrokenDevices']);
  });

  it('when a member is added twice, then 204 then 400 with the already-exist message; an unknown object is 404', async () => {
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ALEX}` };
    assert.equal((await call('POST', `/v1.0/groups/${ACCESS_GROUP}/members/$ref`, ref)).status, 204);
    const again = await call('POST', `/v1.0/groups/${ACCESS_GROUP}/members/$ref`, ref);
    assert.equal(again.status, 400);
    assert.deepEqual([(again.json as GraphErrorBody).error.code, (again.json as GraphErrorBody).error.message], [
      'Request_BadRequest',
      "One or more added object references already exist for the following modified properties: 'members'.",
    ]);
    const unknown = await call('POST', `/v1.0/groups/${ACCESS_GROUP}/members/$ref`, { '@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/a0000000-0000-4000-8000-0000000000ff' });
    assert.equal(unknown.status, 404);
    assert.equal((await call('DELETE', `/v1.0/groups/${ACCESS_GROUP}/members/${ALEX}/$ref`)).status, 204);
    assert.equal((await call('DELETE', `/v1.0/groups/${ACCESS_GROUP}/members/${ALEX}/$ref`)).status, 404);
  });

  it('when the app is installed twice, then 201 without a body and then 409 Conflict', async () => {
    const bind = { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${CATALOG_APP}` };
    const first = await call('POST', `/v1.0/users/${MEGAN}/teamwork/installedApps`, bind);
    assert.deepEqual([first.status, first.json], [201, undefined]);
    assert.equal((await call('POST', `/v1.0/users/${MEGAN}/teamwork/installedApps`, bind)).status, 409);
    const list = (await call('GET', `/v1.0/users/${MEGAN}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '${CATALOG_APP}'`)).json as { value: { id: string; teamsApp: { id: string } }[] };
    assert.equal(list.value[0].teamsApp.id, CATALOG_APP);
    const chat = (await call('GET', `/v1.0/users/${MEGAN}/teamwork/installedApps/${encodeURIComponent(list.value[0].id)}/chat`)).json as { id: string; chatType: string };
    assert.match(chat.id, /^19:.+@unq\.gbl\.spaces$/);
    assert.equal(chat.chatType, 'oneOnOne');
  });

  describe('device actions (remoteLock, retire, wipe)', () => {
    const results = async (id: string) =>
      ((await call('GET', `/v1.0/deviceManagement/managedDevices/${id}?$select=id,deviceActionResults`)).json as { deviceActionResults: Record<string, string>[] }).deviceActionResults;

    for (const action of ['remoteLock', 'retire', 'wipe']) {
      it(`when ${action} is posted, then 204 No Content with a request-id, and the device lists the action pending`, async () => {
        const r = await call('POST', `/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}/${action}`, undefined, { 'client-request-id': 'trace-9' });
        assert.equal(r.status, 204);
        assert.equal(r.json, undefined);
        assert.ok(r.headers.get('request-id'));
        assert.equal(r.headers.get('client-request-id'), 'trace-9');
        const [entry] = await results(MEGAN_IPHONE);
        assert.equal(entry.actionName, action);
        assert.equal(entry.actionState, 'pending');
        assert.equal(entry.startDateTime, entry.lastUpdatedDateTime);
      });
    }

    it('when the device is gone, then 404 ResourceNotFound; a body on remoteLock is 400', async () => {
      const gone = await call('POST', '/v1.0/deviceManagement/managedDevices/d0000000-0000-4000-8000-0000000000ff/remoteLock');
      assert.equal(gone.status, 404);
      assert.equal((gone.json as GraphErrorBody).error.code, 'ResourceNotFound');
      assert.equal((await call('POST', `/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}/remoteLock`, { force: true })).status, 400);
    });

    it('when a personal Android (work profile) is wiped, then 400 and nothing is recorded; retire is accepted', async () => {
      const wipe = await call('POST', `/v1.0/deviceManagement/managedDevices/${ADELE_ANDROID}/wipe`, { keepEnrollmentData: false, keepUserData: false });
      assert.equal(wipe.status, 400);
      assert.deepEqual(await results(ADELE_ANDROID), []);
      assert.equal((await call('POST', `/v1.0/deviceManagement/managedDevices/${ADELE_ANDROID}/retire`)).status, 204);
    });

    it('when a 500 is injected after accept, then the caller sees 500 but the action is recorded (why blind retries are dangerous)', async () => {
      sim.controls.injectFault({ method: 'POST', path: `/deviceManagement/managedDevices/${MEGAN_IPHONE}/remoteLock`, status: 500, afterAccept: true });
      const r = await call('POST', `/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}/remoteLock`);
      assert.equal(r.status, 500);
      assert.equal((await results(MEGAN_IPHONE)).length, 1);
      sim.controls.injectFault({ method: 'POST', path: `/deviceManagement/managedDevices/${MEGAN_IPHONE}/retire`, status: 429, retryAfterSeconds: 3 });
      const throttled = await call('POST', `/v1.0/deviceManagement/managedDevices/${MEGAN_IPHONE}/retire`);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get('retry-after'), '3');
      assert.equal((await results(MEGAN_IPHONE)).length, 1, 'a throttled request is not carried out');
    });
  });

  describe('$batch', () => {
    it('when a batch has more than 20 requests, then the whole batch is 400', async () => {
      const r = await batch(Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/organization' })));
      assert.equal(r.status, 400);
    });

    it('when two requests share an id, then the whole batch is 400', async () => {
      const r = await batch([
        { id: '1', method: 'GET', url: '/organization' },
        { id: '1', method: 'GET', url: `/users/${ALEX}` },
      ]);
      assert.equal(r.status, 400);
    });

    it('when a request has a body without Content-Type, then the whole batch is 400', async () => {
      const r = await batch([{ id: '1', method: 'POST', url: `/users/${ALEX}/checkMemberGroups`, body: { groupIds: [] } }]);
      assert.equal(r.status, 400);
    });

    it('when a dependency fails, then the dependent gets 424 and independent requests still run', async () => {
      const r = await batch([
        { id: '1', method: 'GET', url: '/users/a0000000-0000-4000-8000-0000000000ff' },
        { id: '2', method: 'GET', url: `/users/${ALEX}/manager`, dependsOn: ['1'] },
        { id: '3', method: 'GET', url: `users/${ALEX}` },
        { id: '4', method: 'POST', url: `/users/${ALEX}/checkMemberGroups`, headers: { 'Content-Type': 'application/json' }, body: { groupIds: [ALL_STAFF] } },
      ]);
      assert.equal(r.status, 200);
      assert.deepEqual(['1', '2', '3', '4'].map((id) => byId(r.json, id)?.status), [404, 424, 200, 200]);
      assert.deepEqual((byId(r.json, '4')?.body as { value: string[] }).value, [ALL_STAFF]);
    });

    it('when a request in a batch is throttled, then that item is 429 with its Retry-After and the batch is 200', async () => {
      sim.controls.injectFault({ method: 'GET', path: `/users/${ADELE}`, status: 429, retryAfterSeconds: 7 });
      const r = await batch([
        { id: 'a', method: 'GET', url: `/users/${ADELE}` },
        { id: 'b', method: 'GET', url: `/users/${ALEX}` },
      ]);
      assert.equal(r.status, 200);
      assert.equal(byId(r.json, 'a')?.status, 429);
      assert.equal(byId(r.json, 'a')?.headers['Retry-After'], '7');
      assert.equal(byId(r.json, 'b')?.status, 200);
      const log = sim.controls.requests();
      assert.deepEqual(log.map((e) => [e.path, e.status, e.viaBatch]), [
        [`/v1.0/users/${ADELE}`, 429, true],
        [`/v1.0/users/${ALEX}`, 200, true],
        ['/v1.0/$batch', 200, false],
      ]);
    });
  });

  describe('controls', () => {
    it('when a fault has a count, then exactly that many matching requests fail', async () => {
      await call('POST', '/_sim/faults', { method: 'GET', path: '/organization', status: 503, count: 2 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call('GET', '/v1.0/organization')).status);
      assert.deepEqual(statuses, [503, 503, 200]);
    });

    it('when the request log is read and cleared over HTTP, then it has method, path, status and time only', async () => {
      await call('GET', `/v1.0/users/${ALEX}`);
      const log = (await call('GET', '/_sim/requests')).json as { value: Record<string, unknown>[] };
      assert.deepEqual(Object.keys(log.value[0]).sort(), ['method', 'path', 'query', 'status', 'time', 'viaBatch']);
      assert.equal((await call('DELETE', '/_sim/requests')).status, 204);
      assert.deepEqual(((await call('GET', '/_sim/requests')).json as { value: unknown[] }).value, []);
    });

    it('when a device is enrolled and its compliance set over HTTP, then Graph reads show it; reset removes it', async () => {
      const id = 'd0000000-0000-4000-8000-000000000201';
      const created = await call('POST', '/_sim/devices', {
        id,
        userId: ISAIAH,
        deviceName: 'Isaiah Mac',
        operatingSystem: 'macOS',
        osVersion: '15.5',
        complianceState: 'compliant',
        managedDeviceOwnerType: 'company',
        isEncrypted: false,
        policies: [{ id: 'mac', displayName: 'macOS baseline', settingStates: [{ setting: 'MacOSCompliancePolicy.storageRequireEncryption', state: 'compliant' }] }],
      });
      assert.equal(created.status, 201);
      await call('POST', `/_sim/devices/${id}/compliance`, { complianceState: 'noncompliant', settingStates: [{ setting: 'MacOSCompliancePolicy.storageRequireEncryption', state: 'nonCompliant' }] });
      const d = (await call('GET', `/v1.0/deviceManagement/managedDevices/${id}`)).json as { complianceState: string };
      assert.equal(d.complianceState, 'noncompliant');
      const policies = (await call('GET', `/v1.0/deviceManagement/managedDevices/${id}/deviceCompliancePolicyStates`)).json as { value: { state: string }[] };
      assert.equal(policies.value[0].state, 'nonCompliant', 'the policy state follows its settings');
      assert.equal((await call('POST', '/_sim/reset')).status, 204);
      assert.equal((await call('GET', `/v1.0/deviceManagement/managedDevices/${id}`)).status, 404);
    });

    it('when an enrolled device fixture has a bad field, then the control answers 400 naming it', async () => {
      const r = await call('POST', '/_sim/devices', { id: 'nope', userId: ISAIAH });
      assert.equal(r.status, 400);
      assert.match((r.json as GraphErrorBody).error.message, /\bid: Invalid GUID/);
    });

    it('when a pending enrollment is activated, then it appears on the next listing of that user', async () => {
      const t = testTenant();
      t.pendingEnrollments.push({
        ...t.pendingEnrollments[0],
        id: 'd0000000-0000-4000-8000-000000000301',
        userId: MEGAN,
        autoEnroll: false,
      });
      const own = await startGraphSimulator({ tenant: t });
      try {
        const list = async () => ((await (await fetch(`${own.url}/v1.0/users/${MEGAN}/managedDevices`)).json()) as { value: { id: string }[] }).value.map((d) => d.id);
        assert.deepEqual(await list(), [MEGAN_IPHONE]);
        await fetch(`${own.url}/_sim/enrollments/activate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: MEGAN }) });
        assert.deepEqual(await list(), [MEGAN_IPHONE, 'd0000000-0000-4000-8000-000000000301']);
      } finally {
        await own.close();
      }
    });
  });

  describe('auth', () => {
    it('when auth is required, then a request without a Bearer token is 401 InvalidAuthenticationToken and any token passes', async () => {
      const secured = await startGraphSimulator({ tenant: testTenant(), requireAuth: true });
      try {
        const anonymous = await fetch(`${secured.url}/v1.0/organization`);
        assert.equal(anonymous.status, 401);
        assert.equal(((await anonymous.json()) as GraphErrorBody).error.code, 'InvalidAuthenticationToken');
        assert.equal((await fetch(`${secured.url}/v1.0/organization`, { headers: { Authorization: 'Bearer anything' } })).status, 200);
      } finally {
        await secured.close();
      }
    });
  });

  describe('fixture validation', () => {
    const valid = (): TenantFixtureInput => ({
      tenantId: '00000000-0000-0000-0000-000000000009',
      users: [{ id: 'a0000000-0000-4000-8000-000000000000', displayName: 'A', userPrincipalName: 'a@x.example' }],
    });
    const cases: [string, (t: TenantFixtureInput) => void, string][] = [
      ['a user id is not a GUID', (t) => (t.users[0].id = 'alex'), 'users[0].id'],
      ['a manager does not exist', (t) => (t.users[0].managerId = 'a0000000-0000-4000-8000-0000000000ff'), 'users[0].managerId'],
      ['a group member does not exist', (t) => (t.groups = [{ id: 'b0000000-0000-4000-8000-000000000001', displayName: 'G', members: ['a0000000-0000-4000-8000-0000000000ff'] }]), 'groups[0].members[0]'],
      ['a device date is malformed', (t) => (t.managedDevices = [{ id: 'd0000000-0000-4000-8000-000000000001', userId: 'a0000000-0000-4000-8000-000000000000', deviceName: 'D', operatingSystem: 'iOS', osVersion: '18', complianceState: 'compliant', managedDeviceOwnerType: 'personal', isEncrypted: true, enrolledDateTime: 'yesterday' }]), 'managedDevices[0].enrolledDateTime'],
      ['an unknown field is present', (t) => Object.assign(t.users[0], { shoeSize: 42 }), 'users[0]'],
    ];
    for (const [what, breakIt, field] of cases) {
      it(`when ${what}, then loading fails with an error naming ${field}`, () => {
        const t = valid();
        breakIt(t);
        assert.throws(() => validateTenantFixture(t, 'test.json'), (e: unknown) => e instanceof TenantFixtureError && e.field === field && e.message.includes(field));
      });
    }

    it('when the fixture is valid, then defaults are filled in', () => {
      const t = validateTenantFixture(valid());
      assert.deepEqual([t.settings.pageSize, t.groups, t.managedDevices], [100, [], []]);
    });
  });
});
