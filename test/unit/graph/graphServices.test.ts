/** Service logic that the simulator cannot provoke, against a scripted GraphApi. */
import assert from 'node:assert/strict';
import { createLogger } from '../../../bot/logger';
import type { GraphApi } from '../../../services/graph/graphApi';
import { GraphRequestError, TeamsAppInstallationNotFoundError } from '../../../services/graph/graphErrors';
import { GraphIntuneService } from '../../../services/graph/intuneService';
import { GraphTeamsAppInstallService } from '../../../services/graph/teamsAppInstallService';

const logger = createLogger('silent');
const USER = 'a0000000-0000-4000-8000-000000000000';
const OTHER = 'a0000000-0000-4000-8000-000000000009';

/** A GraphApi whose calls answer from scripts, recording what was asked. */
function scriptedApi(script: { listAll?: unknown[][]; post?: (() => unknown)[]; get?: unknown[] }): { api: GraphApi; log: string[] } {
  const log: string[] = [];
  const api = {
    origin: 'https://graph.microsoft.com',
    async listAll(path: string) {
      log.push(`LIST ${path}`);
      return script.listAll?.shift() ?? [];
    },
    async post(path: string) {
      log.push(`POST ${path}`);
      return script.post?.shift()?.();
    },
    async get(path: string) {
      log.push(`GET ${path}`);
      return script.get?.shift();
    },
  };
  return { api: api as unknown as GraphApi, log };
}

const conflict = () => {
  throw new GraphRequestError({ method: 'POST', path: 'users/x/teamwork/installedApps', status: 409, code: 'Conflict' });
};

describe('Graph services (scripted Graph)', () => {
  it("when Graph lists another user's device under the user, then listUserDevices drops it", async () => {
    const { api } = scriptedApi({
      listAll: [[
        { id: 'd1', userId: USER, deviceName: 'mine', operatingSystem: 'iOS', osVersion: '18', complianceState: 'compliant', enrolledDateTime: '2026-11-01T00:00:00Z' },
        { id: 'd2', userId: OTHER, deviceName: 'theirs', operatingSystem: 'iOS', osVersion: '18', complianceState: 'compliant', enrolledDateTime: '2026-11-01T00:00:00Z' },
      ]],
    });
    const devices = await new GraphIntuneService(api, logger).listUserDevices(USER.toUpperCase());
    assert.deepEqual(devices.map((d) => d.id), ['d1']);
  });

  it('when the lookup misses an existing installation and the install answers 409, then the app counts as installed', async () => {
    const { api, log } = scriptedApi({ listAll: [[], [{ id: 'inst-1' }]], post: [conflict], get: [{ id: '19:chat@unq.gbl.spaces' }] });
    const result = await new GraphTeamsAppInstallService(api, logger, () => 0).ensureInstalledForUser(USER, 'app-1');
    assert.deepEqual(result, { installationId: 'inst-1', chatId: '19:chat@unq.gbl.spaces' });
    assert.equal(log.filter((l) => l.startsWith('POST')).length, 1);
  });

  it('when a fresh installation shows up only on a later lookup, then the service waits and finds it', async () => {
    const waits: number[] = [];
    const { api } = scriptedApi({ listAll: [[], [], [], [{ id: 'inst-2' }]], post: [() => undefined], get: [{ id: '19:c@unq.gbl.spaces' }] });
    const service = new GraphTeamsAppInstallService(api, logger, (attempt) => 10 * (attempt + 1), async (ms) => void waits.push(ms));
    assert.equal((await service.ensureInstalledForUser(USER, 'app-1')).installationId, 'inst-2');
    assert.deepEqual(waits, [10, 20]);
  });

  it('when the installation never shows up, then a named error says so', async () => {
    const { api } = scriptedApi({ listAll: [], post: [() => undefined] });
    const service = new GraphTeamsAppInstallService(api, logger, () => 0, async () => undefined);
    await assert.rejects(service.ensureInstalledForUser(USER, 'app-1'), TeamsAppInstallationNotFoundError);
  });

  it('when the install fails with something other than 409, then the error propagates', async () => {
    const forbidden = () => {
      throw new GraphRequestError({ method: 'POST', path: 'p', status: 403, code: 'Forbidden' });
    };
    const { api } = scriptedApi({ listAll: [[]], post: [forbidden] });
    await assert.rejects(new GraphTeamsAppInstallService(api, logger, () => 0).ensureInstalledForUser(USER, 'app-1'), (e: unknown) => e instanceof GraphRequestError && e.status === 403);
  });
});
