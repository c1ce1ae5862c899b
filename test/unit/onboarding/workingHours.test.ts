import assert from 'node:assert/strict';
import { nextWorkingMoment, toIanaTimeZone, workingHoursFrom, type WorkingHours } from '../../../services/onboarding/workingHours';

const utcOffice: WorkingHours = { timeZone: 'UTC', days: [1, 2, 3, 4, 5], startMinute: 9 * 60, endMinute: 17 * 60 };
const pacific = workingHoursFrom(
  {
    timeZone: 'Pacific Standard Time',
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000',
      endTime: '17:00:00.0000000',
      timeZone: { name: 'Pacific Standard Time' },
    },
  },
  utcOffice,
);

describe('working hours in the approver\'s time zone', () => {
  const zones: [string | undefined, string | undefined][] = [
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['Europe/Paris', 'Europe/Paris'],
    ['Not A Zone', undefined],
    [undefined, undefined],
  ];
  for (const [name, iana] of zones) {
    it(`when Outlook says ${name}, then the IANA zone is ${iana}`, () => assert.equal(toIanaTimeZone(name), iana));
  }

  // 2026-11-30 is a Monday; Los Angeles is UTC-8 in winter.
  const table: [string, WorkingHours, string, string][] = [
    ['Monday 10:00 UTC in a UTC office', utcOffice, '2026-11-30T10:00:00.000Z', '2026-11-30T10:00:00.000Z'],
    ['Monday 07:10 UTC in a UTC office', utcOffice, '2026-11-30T07:10:00.000Z', '2026-11-30T09:00:00.000Z'],
    ['Friday 17:00 UTC in a UTC office', utcOffice, '2026-12-04T17:00:00.000Z', '2026-12-07T09:00:00.000Z'],
    ['Monday 10:00 UTC for a Pacific manager (02:00 local)', pacific, '2026-11-30T10:00:00.000Z', '2026-11-30T16:00:00.000Z'],
    ['Monday 20:00 UTC for a Pacific manager (12:00 local)', pacific, '2026-11-30T20:00:00.000Z', '2026-11-30T20:00:00.000Z'],
    ['Saturday 18:00 UTC for a Pacific manager', pacific, '2026-12-05T18:00:00.000Z', '2026-12-07T16:00:00.000Z'],
  ];
  for (const [name, wh, at, expected] of table) {
    it(`when a reminder falls due ${name}, then it is sent at ${expected}`, () => {
      assert.equal(nextWorkingMoment(new Date(at), wh).toISOString(), expected);
    });
  }

  it('when the mailbox has no working hours, then the configured ones apply in the mailbox time zone', () => {
    assert.deepEqual(workingHoursFrom({ timeZone: 'Eastern Standard Time' }, utcOffice), { ...utcOffice, timeZone: 'America/New_York' });
    assert.deepEqual(workingHoursFrom(undefined, utcOffice), utcOffice);
  });
});
