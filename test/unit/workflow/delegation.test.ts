import assert from 'node:assert/strict';
import { isActive, newDelegation, routeThroughDelegation, startOfDay, type DelegationWindow } from '../../../services/workflow/delegation';
import { ValidationError } from '../../../services/workflow/errors';

const NOW = '2026-11-23T10:00:00.000Z';
const megan = { aadObjectId: 'u-megan', displayName: 'Megan Bowen' };
const dana = { aadObjectId: 'u-dana', displayName: 'Dana Ito' };
const alex = { aadObjectId: 'u-alex', displayName: 'Alex Wilber' };
const utc = (fromDate: string, untilDate: string): DelegationWindow => ({ fromDate, untilDate, timeZone: 'UTC' });

describe('approval delegation rules', () => {
  const danaAway = newDelegation(dana, alex, utc('2026-11-23', '2026-12-02'), NOW);
  const bad: [string, typeof dana, DelegationWindow, Parameters<typeof newDelegation>[4]?][] = [
    ['to oneself', megan, utc('2026-11-23', '2026-12-24')],
    ['with a last day already past', dana, utc('2026-11-20', '2026-11-22')],
    ['with a first day already past', dana, utc('2026-11-20', '2026-11-30')],
    ['with the last day before the first', dana, utc('2026-12-10', '2026-12-01')],
    ['with no real date', dana, utc('2026-11-23', '2026-02-30')],
    ['with words for a date', dana, utc('2026-11-23', 'Friday')],
    ['for longer than 180 days', dana, utc('2026-11-23', '2027-12-24')],
    ['starting more than 180 days ahead', dana, utc('2027-06-01', '2027-06-02')],
    ['to someone who has handed their own approvals on meanwhile (a chain)', dana, utc('2026-11-30', '2026-12-24'), { delegatesOwn: danaAway }],
  ];
  for (const [name, to, window, context] of bad) {
    it(`when a manager delegates ${name}, then it is refused`, () => assert.throws(() => newDelegation(megan, to, window, NOW, context), ValidationError));
  }

  it('when the delegate’s own delegation is over before the range starts, then it is no chain', () => {
    assert.equal(newDelegation(megan, dana, utc('2026-12-03', '2026-12-24'), NOW, { delegatesOwn: danaAway }).delegate.aadObjectId, 'u-dana');
  });

  it('when a manager delegates until a day, then the whole of that day in her time zone is covered, from now', () => {
    const d = newDelegation(megan, dana, { fromDate: '2026-11-23', untilDate: '2026-12-24', timeZone: 'America/Los_Angeles' }, NOW);
    const ended = { ...d, endedAt: '2026-11-24T00:00:00.000Z' };
    assert.equal(d.from, NOW, 'today: from now');
    assert.equal(d.until, '2026-12-25T08:00:00.000Z', 'the end of 24 December in Los Angeles');
    assert.ok(isActive(d, '2026-12-25T07:59:00.000Z'));
    assert.ok(!isActive(d, '2026-12-25T08:00:00.000Z'));
    assert.ok(!isActive(ended, '2026-11-25T00:00:00.000Z'));
  });

  it('when a delegation starts on a later day, then it starts at that midnight in her time zone, not before', () => {
    const d = newDelegation(megan, dana, { fromDate: '2026-11-30', untilDate: '2026-12-04', timeZone: 'Europe/Berlin' }, NOW);
    assert.equal(d.from, '2026-11-29T23:00:00.000Z');
    assert.ok(!isActive(d, '2026-11-29T22:59:00.000Z'));
    assert.equal(startOfDay('2026-07-01', 'Europe/Berlin'), Date.parse('2026-06-30T22:00:00.000Z'), 'summer time');
  });

  const d = newDelegation(megan, dana, utc('2026-11-23', '2026-12-24'), NOW);
  const routes: [string, Parameters<typeof routeThroughDelegation>, string, string | undefined][] = [
    ['inside the window', [megan, d, alex, '2026-12-01T00:00:00.000Z'], 'u-dana', 'u-megan'],
    ['after the window', [megan, d, alex, '2026-12-26T00:00:00.000Z'], 'u-megan', undefined],
    ['from the delegate herself', [megan, d, dana, '2026-12-01T00:00:00.000Z'], 'u-megan', undefined],
    ["with another manager's delegation", [{ aadObjectId: 'u-patti', displayName: 'Patti' }, d, alex, '2026-12-01T00:00:00.000Z'], 'u-patti', undefined],
    ['without a delegation', [megan, null, alex, '2026-12-01T00:00:00.000Z'], 'u-megan', undefined],
    // Only the manager's own delegation is read: the delegate's own (Dana → Alex) is never followed on.
    ["with only the delegate's own delegation (no chain)", [megan, newDelegation(dana, alex, utc('2026-11-23', '2026-12-24'), NOW), { aadObjectId: 'u-pat', displayName: 'Pat' }, '2026-12-01T00:00:00.000Z'], 'u-megan', undefined],
    ['after it was ended early', [megan, { ...d, endedAt: '2026-11-25T00:00:00.000Z' }, alex, '2026-12-01T00:00:00.000Z'], 'u-megan', undefined],
  ];
  for (const [name, args, approver, onBehalf] of routes) {
    it(`when a request arrives ${name}, then ${approver} decides${onBehalf ? ` on behalf of ${onBehalf}` : ''}`, () => {
      const r = routeThroughDelegation(...args);
      assert.deepEqual(r.approvers.map((p) => p.aadObjectId), [approver]);
      assert.equal(r.onBehalfOf?.aadObjectId, onBehalf);
    });
  }
});
