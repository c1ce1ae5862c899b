/**
 * The real Graph client against the Graph simulator started in-process; only the base URL differs from
 * production.
 */
import assert from 'node:assert/strict';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { createLogger } from '../../../bot/logger';
import { startGraphSimulator, type RunningGraphSimulator } from '../../../graphsim/graphSimulator';
import { GraphRequestError } from '../../../services/graph/graphErrors';
import { createGraphServices } from '../../../services/graph/graphServices';
import type { GraphServices } from '../../../services/graph/graphTypes';
import { IOS_ENCRYPTION_SETTING } from '../../../services/graph/intuneService';
import {
  ACCESS_GROUP,
  ADELE,
  ADELE_ANDROID,
  ALEX,
  ALEX_IPHONE,
  ALL_STAFF,
  CATALOG_APP,
  FALLBACK_GROUP,
  IT_SECURITY,
  ISAIAH,
  LYNNE,
  MEGAN,
  MEGAN_IPHONE,
  PATTI,
  SECURITY_CHAMPIONS,
  testTenant,
} from './testTenant';

const logger = createLogger('silent');

describe('Graph client against the simulator', () => {
  let sim: RunningGraphSimulator;
  let graph: GraphServices;

  const calls = (method: string, pathPart: string) => sim.controls.requests().filter((r) => r.method === method && r.path.includes(pathPart));

  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: testTenant() });
    graph = createGraphServices({ baseUrl: sim.url, logger, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 20 } });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.controls.reset();
  });

  describe('directory', () => {
    it('when a user is read by object id or by UPN, then the same user comes back', async () => {
      const byId = await graph.directory.getUser(ALEX);
      const byUpn = await graph.directory.getUser('AlexW@contoso.example');
      assert.deepEqual(byId, { id: ALEX, displayName: 'Alex Wilber', userPrincipalName: 'alexw@contoso.example', mail: 'alexw@contoso.example', jobTitle: 'Marketing Specialist' });
      assert.deepEqual(byUpn, byId);
    });

    it('when the user does not exist, then getUser returns undefined', async () => {
      assert.equal(await graph.directory.getUser('a0000000-0000-4000-8000-0000000000ff'), undefined);
    });

    it('when users are searched by the start of a name or address, then Graph finds them case-insensitively', async () => {
      const table: [string, string[]][] = [
        ['ale', ['Alex Wilber']],
        ['adelev', ['Adele Vance']],
        ['MEG', ['Megan Bowen']],
        ['zzz', []],
      ];
      for (const [text, names] of table) assert.deepEqual((await graph.directory.searchUsers!(text, 10)).map((u) => u.displayName), names, text);
    });

    it('when the user has a manager, then the manager is returned', async () => {
      assert.equal((await graph.directory.getManager(ALEX))?.id, MEGAN);
    });

    it('when mailbox settings are read, then the time zone comes back, and a user without a mailbox gives undefined', async () => {
      assert.equal((await graph.directory.getMailboxSettings!(MEGAN))?.timeZone, 'Pacific Standard Time');
      assert.equal(await graph.directory.getMailboxSettings!(ISAIAH), undefined);
    });

    it('when the user has no manager (Graph answers 404), then getManager returns undefined', async () => {
      assert.equal(await graph.directory.getManager(ISAIAH), undefined);
      assert.deepEqual(calls('GET', `/users/${ISAIAH}/manager`).map((r) => r.status), [404]);
    });

    it('when a group spans several pages, then every user member is listed and groups are left out', async () => {
      const members = await graph.directory.listGroupMembers(ALL_STAFF);
      // Debra Berger, the demo tenant's auditor.
      assert.deepEqual(members.map((m) => m.id).sort(), [ALEX, MEGAN, ADELE, ISAIAH, PATTI, LYNNE, 'a0000000-0000-4000-8000-000000000006'].sort());
      assert.equal(calls('GET', `/groups/${ALL_STAFF}/members`).length, 4, '8 members at 2 per page');
    });

    it('when membership is nested, then checkMemberGroups answers transitively and only for the groups asked', async () => {
      assert.deepEqual(await graph.directory.checkMemberGroups(LYNNE, [SECURITY_CHAMPIONS, FALLBACK_GROUP, IT_SECURITY]), [SECURITY_CHAMPIONS, IT_SECURITY]);
      assert.deepEqual(await graph.directory.checkMemberGroups(ALEX, [SECURITY_CHAMPIONS]), []);
    });

    it('when more than 20 groups are checked, then the client splits them into calls of at most 20', async () => {
      const many = Array.from({ length: 25 }, (_, i) => `b0000000-0000-4000-8000-${String(i + 1000).padStart(12, '0')}`);
      assert.deepEqual(await graph.directory.checkMemberGroups(PATTI, [...many, FALLBACK_GROUP]), [FALLBACK_GROUP]);
      assert.equal(calls('POST', 'checkMemberGroups').length, 2);
    });

    it('when a device is enrolled, then its Entra device object id is found from azureADDeviceId', async () => {
      assert.equal(await graph.directory.getDeviceObjectId?.('e0000000-0000-4000-8000-000000000001'), 'f0000000-0000-4000-8000-000000000001');
      assert.equal(await graph.directory.getDeviceObjectId?.('e0000000-0000-4000-8000-0000000000ff'), undefined);
    });
  });

  describe('Intune', () => {
    it('when the tenant list ignores a userId filter, then the client still returns only that user\'s devices', async () => {
      const raw = (await (await fetch(`${sim.url}/v1.0/deviceManagement/managedDevices?$filter=userId eq '${MEGAN}'`)).json()) as { value: { userId: string }[] };
      assert.ok(raw.value.some((d) => d.userId !== MEGAN), 'the server ignores the filter, like Graph');
      const devices = await graph.intune.listUserDevices(MEGAN);
      assert.deepEqual(devices.map((d) => d.id), [MEGAN_IPHONE]);
      assert.equal(devices[0].complianceState, 'compliant');
      assert.equal(devices[0].managedDeviceOwnerType, 'company');
    });

    it('when a user has devices over several pages, then all of them are returned', async () => {
      for (const n of [1, 2, 3, 4]) {
        sim.controls.enrollDevice({
          id: `d0000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`,
          userId: PATTI,
          deviceName: `Patti device ${n}`,
          operatingSystem: 'Android',
          osVersion: '15',
          complianceState: 'compliant',
          managedDeviceOwnerType: 'company',
          isEncrypted: true,
        });
      }
      assert.equal((await graph.intune.listUserDevices(PATTI)).length, 4);
      assert.equal(calls('GET', `/users/${PATTI}/managedDevices`).length, 2);
    });

    it('when a pending enrollment is auto-enrolled, then it appears enrolled now on the first listing', async () => {
      assert.equal(await graph.intune.getDevice(ALEX_IPHONE), undefined, 'not enrolled before anyone looks');
      const before = Date.now();
      const [iphone] = await graph.intune.listUserDevices(ALEX);
      assert.equal(iphone.id, ALEX_IPHONE);
      assert.equal(iphone.complianceState, 'noncompliant');
      assert.ok(Date.parse(iphone.enrolledDateTime) >= before - 1000);
    });

    it('when v1.0 returns policy states without settings, then the client returns the per-setting states from beta', async () => {
      const raw = (await (await fetch(`${sim.url}/v1.0/deviceManagement/managedDevices/${ADELE_ANDROID}/deviceCompliancePolicyStates`)).json()) as { value: { settingStates: unknown[] }[] };
      assert.deepEqual(raw.value[0].settingStates, [], 'v1.0 settingStates are empty, as reported for Graph');
      const [policy] = await graph.intune.getCompliancePolicyStates(ADELE_ANDROID);
      assert.equal(policy.state, 'nonCompliant');
      assert.deepEqual(
        policy.settingStates.map((s) => [s.setting, s.state]),
        [
          ['AndroidCompliancePolicy.passwordRequired', 'nonCompliant'],
          ['AndroidCompliancePolicy.storageRequireEncryption', 'compliant'],
          ['AndroidCompliancePolicy.osMinimumVersion', 'compliant'],
          ['AndroidCompliancePolicy.securityBlockJailbrokenDevices', 'compliant'],
        ],
      );
      const beta = calls('GET', '/beta/');
      assert.equal(beta.length, 2, '4 settings at 2 per page');
      assert.ok(beta.every((r) => r.path.endsWith(`/deviceCompliancePolicyStates/p0000000-android-baseline/settingStates`)));
    });

    it('when the device is an iPhone, then isEncrypted is reported as the synthetic encryption setting', async () => {
      const policies = await graph.intune.getCompliancePolicyStates(MEGAN_IPHONE);
      const synthetic = policies.flatMap((p) => p.settingStates).find((s) => s.setting === IOS_ENCRYPTION_SETTING);
      assert.deepEqual([synthetic?.state, synthetic?.currentValue], ['compliant', 'true']);
      const android = await graph.intune.getCompliancePolicyStates(ADELE_ANDROID);
      assert.equal(android.flatMap((p) => p.settingStates).some((s) => s.setting === IOS_ENCRYPTION_SETTING), false);
    });

    it('when a device is synced, then its one-shot onSync change applies once and lastSyncDateTime moves', async () => {
      await graph.intune.listUserDevices(ALEX);
      const before = await graph.intune.getDevice(ALEX_IPHONE);
      await graph.intune.syncDevice(ALEX_IPHONE);
      const after = await graph.intune.getDevice(ALEX_IPHONE);
      assert.equal(after?.complianceState, 'compliant');
      assert.ok(Date.parse(after?.lastSyncDateTime ?? '') >= Date.parse(before?.lastSyncDateTime ?? ''));
      const passcode = (await graph.intune.getCompliancePolicyStates(ALEX_IPHONE)).flatMap((p) => p.settingStates).find((s) => s.setting === 'IosCompliancePolicy.passcodeRequired');
      assert.equal(passcode?.state, 'compliant');

      sim.controls.setCompliance(ALEX_IPHONE, { complianceState: 'noncompliant' });
      await graph.intune.syncDevice(ALEX_IPHONE);
      assert.equal((await graph.intune.getDevice(ALEX_IPHONE))?.complianceState, 'noncompliant', 'onSync is spent');
    });

    it('when the device does not exist, then getDevice is undefined and syncDevice fails with the Graph status', async () => {
      const missing = 'd0000000-0000-4000-8000-0000000000ff';
      assert.equal(await graph.intune.getDevice(missing), undefined);
      await assert.rejects(graph.intune.syncDevice(missing), (e: unknown) => e instanceof GraphRequestError && e.status === 404 && e.code === 'ResourceNotFound');
    });
  });

  describe('groups', () => {
    it('when a member is added twice, then both calls succeed and the member is there once', async () => {
      await graph.groups.addMember(ACCESS_GROUP, ALEX);
      await graph.groups.addMember(ACCESS_GROUP, ALEX);
      assert.deepEqual(calls('POST', `/groups/${ACCESS_GROUP}/members/$ref`).map((r) => r.status), [204, 400]);
      assert.deepEqual(sim.controls.groupMembers(ACCESS_GROUP), [ALEX]);
      assert.equal(await graph.groups.isMember(ACCESS_GROUP, ALEX), true);
    });

    it('when the object to add does not exist, then addMember fails with 404', async () => {
      await assert.rejects(graph.groups.addMember(ACCESS_GROUP, 'a0000000-0000-4000-8000-0000000000ff'), (e: unknown) => e instanceof GraphRequestError && e.status === 404);
    });

    it('when a device object is added, then the group holds it', async () => {
      await graph.groups.addMember(ACCESS_GROUP, 'f0000000-0000-4000-8000-000000000001');
      assert.equal(await graph.groups.isMember(ACCESS_GROUP, 'f0000000-0000-4000-8000-000000000001'), true);
    });

    it('when a member is removed twice, then both calls succeed and it is gone', async () => {
      await graph.groups.removeMember(FALLBACK_GROUP, PATTI);
      await graph.groups.removeMember(FALLBACK_GROUP, PATTI);
      assert.deepEqual(calls('DELETE', `/groups/${FALLBACK_GROUP}/members/${PATTI}/$ref`).map((r) => r.status), [204, 404]);
      assert.equal(await graph.groups.isMember(FALLBACK_GROUP, PATTI), false);
    });

    it('when a member is added and removed, then each call resolves to the request-id Graph answered with and the client-request-id sent', async () => {
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      const added = await graph.groups.addMember(ACCESS_GROUP, MEGAN);
      const again = await graph.groups.addMember(ACCESS_GROUP, MEGAN);
      const removed = await graph.groups.removeMember(ACCESS_GROUP, MEGAN);
      const gone = await graph.groups.removeMember(ACCESS_GROUP, MEGAN);
      for (const r of [added, again, removed, gone]) {
        assert.match(r.requestId ?? '', uuid);
        assert.match(r.clientRequestId, uuid);
      }
      assert.equal(new Set([added, again, removed, gone].map((r) => r.requestId)).size, 4, 'one request-id per Graph request');
    });

    it('when the group has several pages of members, then listMemberIds returns every one', async () => {
      const t = testTenant();
      t.settings.maxPageSize = 2;
      const small = await startGraphSimulator({ tenant: t });
      try {
        const ids = await createGraphServices({ baseUrl: small.url, logger }).groups.listMemberIds(ALL_STAFF);
        assert.deepEqual(new Set(ids), new Set([...t.users.map((u) => u.id), IT_SECURITY]));
      } finally {
        await small.close();
      }
    });

    it('when the member is on a later page, then isMember still finds it', async () => {
      const t = testTenant();
      t.settings.maxPageSize = 2; // clamp the client's $top=999
      const small = await startGraphSimulator({ tenant: t });
      try {
        const client = createGraphServices({ baseUrl: small.url, logger });
        assert.equal(await client.groups.isMember(ALL_STAFF, IT_SECURITY), true);
        assert.equal(await client.groups.isMember(ALL_STAFF, 'a0000000-0000-4000-8000-0000000000ff'), false);
        assert.equal(small.controls.requests().filter((r) => r.path.endsWith('/members')).length, 8);
      } finally {
        await small.close();
      }
    });
  });

  describe('Teams app installation', () => {
    it('when the app is not installed, then it is installed and installing again returns the same chat id', async () => {
      const first = await graph.teamsApps.ensureInstalledForUser(MEGAN, CATALOG_APP);
      const second = await graph.teamsApps.ensureInstalledForUser(MEGAN, CATALOG_APP);
      assert.match(first.chatId, /^19:.+@unq\.gbl\.spaces$/);
      assert.deepEqual(second, first);
      assert.equal(calls('POST', `/users/${MEGAN}/teamwork/installedApps`).length, 1, 'the second call finds it without a write');
    });

    it('when the user already has the app (fixture), then no install is attempted', async () => {
      const res = await graph.teamsApps.ensureInstalledForUser(ALEX, CATALOG_APP);
      assert.ok(res.installationId);
      assert.equal(calls('POST', 'installedApps').length, 0);
    });
  });

  describe('retries and errors', () => {
    it('when Graph throttles with Retry-After, then the call is retried and succeeds (2 requests)', async () => {
      sim.controls.injectFault({ method: 'GET', path: `/users/${ALEX}`, status: 429, retryAfterSeconds: 1 });
      assert.equal((await graph.directory.getUser(ALEX))?.id, ALEX);
      assert.deepEqual(calls('GET', `/users/${ALEX}`).map((r) => r.status), [429, 200]);
    });

    it('when a non-idempotent POST gets 503, then it is not retried and the error carries status and code', async () => {
      sim.controls.injectFault({ method: 'POST', path: `/users/${MEGAN}/teamwork/installedApps`, status: 503 });
      await assert.rejects(graph.teamsApps.ensureInstalledForUser(MEGAN, CATALOG_APP), (e: unknown) => {
        assert.ok(e instanceof GraphRequestError);
        assert.deepEqual([e.status, e.code, e.method], [503, 'serviceNotAvailable', 'POST']);
        assert.ok(e.requestId, 'the request id is kept for support');
        return true;
      });
      assert.equal(calls('POST', 'installedApps').length, 1);
    });

    it('when a non-idempotent POST is throttled (429), then it is retried because Graph did not process it', async () => {
      sim.controls.injectFault({ method: 'POST', path: `/users/${MEGAN}/teamwork/installedApps`, status: 429, retryAfterSeconds: 0 });
      await graph.teamsApps.ensureInstalledForUser(MEGAN, CATALOG_APP);
      assert.deepEqual(calls('POST', 'installedApps').map((r) => r.status), [429, 201]);
    });

    const idempotentPosts: [string, string, (g: GraphServices) => Promise<unknown>][] = [
      ['checkMemberGroups', 'checkMemberGroups', (g) => g.directory.checkMemberGroups(PATTI, [FALLBACK_GROUP])],
      ['members/$ref add', `/groups/${ACCESS_GROUP}/members/$ref`, (g) => g.groups.addMember(ACCESS_GROUP, ALEX)],
      ['syncDevice', 'syncDevice', (g) => g.intune.syncDevice(MEGAN_IPHONE)],
    ];
    for (const [name, pathPart, run] of idempotentPosts) {
      it(`when ${name} gets 504 then 503, then it is retried until it succeeds`, async () => {
        sim.controls.injectFault({ method: 'POST', path: `^/.*${pathPart.replace(/\$/g, '\\$')}`, status: 504 });
        sim.controls.injectFault({ method: 'POST', path: `^/.*${pathPart.replace(/\$/g, '\\$')}`, status: 503 });
        await run(graph);
        assert.equal(calls('POST', pathPart).length, 3);
      });
    }

    it('when the failures outlast the retries, then the last status is reported after maxRetries + 1 requests', async () => {
      sim.controls.injectFault({ method: 'GET', path: '/organization', status: 503, count: 10 });
      await assert.rejects(graph.health.ping(), (e: unknown) => e instanceof GraphRequestError && e.status === 503);
      assert.equal(calls('GET', '/organization').length, 4);
    });

    it('when a 500 comes back, then it is not retried', async () => {
      sim.controls.injectFault({ method: 'GET', path: '/organization', status: 500 });
      await assert.rejects(graph.health.ping(), (e: unknown) => e instanceof GraphRequestError && e.status === 500);
      assert.equal(calls('GET', '/organization').length, 1);
    });

    it('when a call by UPN fails, then neither the error message nor its fields contain the UPN', async () => {
      await assert.rejects(graph.intune.listUserDevices('nobody@contoso.example'), (e: unknown) => {
        assert.ok(e instanceof GraphRequestError);
        assert.deepEqual([e.status, e.code, e.path], [404, 'Request_ResourceNotFound', 'users/{upn}/managedDevices']);
        assert.doesNotMatch(e.message + JSON.stringify(e), /nobody/);
        assert.match(e.graphMessage ?? '', /nobody/, 'Graph named the UPN; the client keeps it only off the record');
        return true;
      });
    });
  });

  describe('authentication', () => {
    let authSim: RunningGraphSimulator;
    before(async () => {
      authSim = await startGraphSimulator({ tenant: testTenant(), requireAuth: true });
    });
    after(async () => {
      await authSim.close();
    });

    it('when the simulator requires a token and the client has none, then calls fail with 401 InvalidAuthenticationToken', async () => {
      const anonymous = createGraphServices({ baseUrl: authSim.url, logger });
      await assert.rejects(anonymous.health.ping(), (e: unknown) => e instanceof GraphRequestError && e.status === 401 && e.code === 'InvalidAuthenticationToken');
    });

    it('when the client has a credential, then it sends a token for the Graph origin scope and the call succeeds', async () => {
      const scopes: string[][] = [];
      const credential: TokenCredential = {
        async getToken(s: string | string[]): Promise<AccessToken> {
          scopes.push([s].flat());
          return { token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      };
      const client = createGraphServices({ baseUrl: authSim.url, credential, logger });
      await client.health.ping();
      assert.deepEqual(scopes, [[`${authSim.url}/.default`]]);
    });
  });
});
