import assert from 'node:assert/strict';
import { isActive, newDelegation, routeThroughDelegation } from '../../../services/workflow/delegation';
import { ValidationError } from '../../../services/workflow/errors';

const NOW = '2026-11-23T10:00:00.000Z';
const megan = { aadObjectId: 'u-megan', displayName: 'Megan Bowen' };
const dana = { aadObjectId: 'u-dana', displayName: 'Dana Ito' };
const alex = { aadObjectId: 'u-alex', displayName: 'Alex Wilber' };

describe('approval delegation rules', () => {
  const bad: [string, typeof dana, string][] = [
    ['to oneself', megan, '2026-12-24'],
    ['with a day already past', dana, '2026-11-22'],
    ['with no real date', dana, '2026-02-30'],
    ['with words for a date', dana, 'Friday'],
    ['for longer than 180 days', dana, '2027-12-24'],
  ];
  for (const [name, to, until] of bad) {
    it(`when a manager delegates ${name}, then it is refused`, () => assert.throws(() => newDelegation(megan, to, until, NOW), ValidationError));
  }

  it('when a manager delegates until a day, then the whole of that day (UTC) is covered', () => {
    const d = newDelegation(megan, dana, '2026-12-24', NOW);
    const ended = { ...d, endedAt: '2026-11-24T00:00:00.000Z' };
    assert.equal(d.until, '2026-12-25T00:00:00.000Z');
    assert.ok(isActive(d, '2026-12-24T23:59:00.000Z'));
    assert.ok(!isActive(d, '2026-12-25T00:00:00.000Z'));
    assert.ok(!isActive(ended, '2026-11-25T00:00:00.000Z'));
  });

  const d = newDelegation(megan, dana, '2026-12-24', NOW);
  const routes: [string, Parameters<typeof routeThroughDelegation>, string, string | undefined][] = [
    ['inside the window', [megan, d, alex, '2026-12-01T00:00:00.000Z'], 'u-dana', 'u-megan'],
    ['after the window', [megan, d, alex, '2026-12-26T00:00:00.000Z'], 'u-megan', undefined],
    ['from the delegate herself', [megan, d, dana, '2026-12-01T00:00:00.000Z'], 'u-megan', undefined],
    ["with another manager's delegation", [{ aadObjectId: 'u-patti', displayName: 'Patti' }, d, alex, '2026-12-01T00:00:00.000Z'], 'u-patti', undefined],
    ['without a delegation', [megan, null, alex, '2026-12-01T00:00:00.000Z'], 'u-megan', undefined],
  ];
  for (const [name, args, approver, onBehalf] of routes) {
    it(`when a request arrives ${name}, then ${approver} decides${onBehalf ? ` on behalf of ${onBehalf}` : ''}`, () => {
      const r = routeThroughDelegation(...args);
      assert.deepEqual(r.approvers.map((p) => p.aadObjectId), [approver]);
      assert.equal(r.onBehalfOf?.aadObjectId, onBehalf);
    });
  }
});
