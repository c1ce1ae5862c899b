import assert from 'node:assert/strict';
import { GraphRequestError, GraphThrottledError, GraphTimeoutError } from '../../../services/graph/graphErrors';
import type { DirectoryService } from '../../../services/graph/graphTypes';
import { RoleResolver, RolesUnavailableError } from '../../../services/onboarding/roleResolver';

const IT = 'g-it';
const ADMINS = 'g-admins';
const LYNNE = 'u-lynne';
const failure = { method: 'POST', path: '/users/{id}/checkMemberGroups', clientRequestId: 'c' };

/** A directory whose next answers are scripted: a list of group ids, or an error to throw. */
class ScriptedDirectory implements DirectoryService {
  readonly answers: (string[] | Error)[] = [];
  calls = 0;
  async getUser() {
    return undefined;
  }
  async getManager() {
    return undefined;
  }
  async listGroupMembers() {
    return [];
  }
  async checkMemberGroups(_userId: string, groupIds: string[]): Promise<string[]> {
    this.calls += 1;
    const next = this.answers.shift() ?? [];
    if (next instanceof Error) throw next;
    return next.filter((g) => groupIds.includes(g));
  }
}

describe('RoleResolver', () => {
  const TTL = 60_000;
  const STALE = 900_000;

  // name, answers in order, ms between the two lookups, expected second answer (roles or an error class), Graph calls
  const table: [string, (string[] | Error)[], number, string[] | (new (...a: never[]) => Error), number][] = [
    ['a second lookup within the TTL is served from the cache', [[IT]], 1_000, ['itSecurity'], 1],
    ['a lookup after the TTL asks Graph again and sees a removal', [[IT], []], TTL + 1, [], 2],
    ['Graph times out after the TTL: the recent answer serves', [[IT], new GraphTimeoutError(failure)], TTL + 1, ['itSecurity'], 2],
    ['Graph throttles after the TTL: the recent answer serves', [[IT], new GraphThrottledError({ ...failure, code: 'TooManyRequests' }, 20_000)], TTL + 1, ['itSecurity'], 2],
    ['Graph answers 503 after the TTL: the recent answer serves', [[IT], new GraphRequestError({ ...failure, status: 503, code: 'serviceNotAvailable' })], TTL + 1, ['itSecurity'], 2],
    ['Graph is down and the answer is older than the stale window', [[IT], new GraphTimeoutError(failure)], STALE + 1, RolesUnavailableError, 2],
    ['Graph refuses the request (403): not hidden behind the cache', [[IT], new GraphRequestError({ ...failure, status: 403, code: 'Authorization_RequestDenied' })], TTL + 1, GraphRequestError, 2],
    ['Graph no longer knows the person (404): no roles', [[IT, ADMINS], new GraphRequestError({ ...failure, status: 404, code: 'Request_ResourceNotFound' })], TTL + 1, [], 2],
  ];
  for (const [name, answers, gap, expected, calls] of table) {
    it(`when ${name}, then the answer is ${Array.isArray(expected) ? JSON.stringify(expected) : expected.name}`, async () => {
      let now = 0;
      const directory = new ScriptedDirectory();
      directory.answers.push(...answers);
      const roles = new RoleResolver(directory, { itSecurity: IT, admins: ADMINS }, { ttlMs: TTL, staleMs: STALE }, () => now);
      await roles.rolesOf(LYNNE);
      now += gap;
      if (Array.isArray(expected)) assert.deepEqual(await roles.rolesOf(LYNNE), expected);
      else await assert.rejects(roles.rolesOf(LYNNE), (e: unknown) => e instanceof expected);
      assert.equal(directory.calls, calls);
    });
  }

  it('when the first lookup for a person fails with a timeout, then it is RolesUnavailableError naming the person', async () => {
    const directory = new ScriptedDirectory();
    directory.answers.push(new GraphTimeoutError(failure));
    const roles = new RoleResolver(directory, { itSecurity: IT });
    await assert.rejects(roles.rolesOf(LYNNE), (e: unknown) => e instanceof RolesUnavailableError && e.aadObjectId === LYNNE);
  });

  it('when several actions of one person arrive at once, then Graph is asked once', async () => {
    const directory = new ScriptedDirectory();
    directory.answers.push([IT]);
    const roles = new RoleResolver(directory, { itSecurity: IT });
    const answers = await Promise.all([roles.rolesOf(LYNNE), roles.rolesOf(LYNNE), roles.rolesOf(LYNNE)]);
    assert.deepEqual(answers, [['itSecurity'], ['itSecurity'], ['itSecurity']]);
    assert.equal(directory.calls, 1);
  });
});
