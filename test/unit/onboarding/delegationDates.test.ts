import assert from 'node:assert/strict';
import { dayInWords, readDelegationDates } from '../../../services/onboarding/delegationDates';
import { ValidationError } from '../../../services/workflow/errors';

// Monday 30 November 2026, 10:00 in Los Angeles.
const NOW = '2026-11-30T18:00:00.000Z';
const LA = 'America/Los_Angeles';

describe('delegation dates in plain words, in the manager’s time zone', () => {
  const table: [string, string, string][] = [
    ['until Friday', '2026-11-30', '2026-12-04'],
    ['until next Monday', '2026-11-30', '2026-12-07'],
    ['until Monday', '2026-11-30', '2026-12-07'],
    ['for 2 weeks', '2026-11-30', '2026-12-13'],
    ['for a week', '2026-11-30', '2026-12-06'],
    ['for 3 days', '2026-11-30', '2026-12-02'],
    ['until 24 Dec', '2026-11-30', '2026-12-24'],
    ['until Dec 24th.', '2026-11-30', '2026-12-24'],
    ['until 2026-12-24', '2026-11-30', '2026-12-24'],
    ['until tomorrow', '2026-11-30', '2026-12-01'],
    ['from 1 Dec to 5 Dec', '2026-12-01', '2026-12-05'],
    ['from Friday to Monday', '2026-12-04', '2026-12-07'],
    ['from Tuesday until Friday', '2026-12-01', '2026-12-04'],
  ];
  for (const [words, from, until] of table) {
    it(`when a manager says "${words}", then it runs ${from} to ${until}`, () => assert.deepEqual(readDelegationDates(words, NOW, LA), { fromDate: from, untilDate: until }));
  }

  it('when it is already Tuesday in Berlin but still Monday in Los Angeles, then "until Friday" starts on each one’s own today', () => {
    const at = '2026-12-01T07:30:00.000Z';
    assert.equal(readDelegationDates('until Friday', at, LA).fromDate, '2026-11-30');
    assert.equal(readDelegationDates('until Friday', at, 'Europe/Berlin').fromDate, '2026-12-01');
  });

  for (const words of ['until banana', 'whenever', 'until Friday or Monday', 'for 0 days']) {
    it(`when a manager says "${words}", then it is refused with an example`, () => assert.throws(() => readDelegationDates(words, NOW, LA), ValidationError));
  }

  it('when a day is put in words, then it reads like "Mon 1 Dec", with the year only when it is another year', () => {
    assert.equal(dayInWords('2026-12-01', '2026'), 'Tue 1 Dec');
    assert.equal(dayInWords('2027-01-04', '2026'), 'Mon 4 Jan 2027');
  });
});
