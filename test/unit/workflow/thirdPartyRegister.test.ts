import assert from 'node:assert/strict';
import {
  InvalidRegisterChangeError,
  registerProblems,
  RegisterNotAuthorizedError,
  registerTransition,
  RegisterValidationError,
  reminderDue,
  reviewStatus,
  type RegisterActor,
  type RegisterEvent,
  type ThirdPartyCore,
  type ThirdPartyFields,
} from '../../../services/workflow/thirdPartyRegister';

const POLICY = { reviewIntervalDays: 365, remindDaysBefore: 30 };
const FIELDS: ThirdPartyFields = {
  name: 'Acme Payroll',
  dataShared: 'Names, salaries',
  owner: { aadObjectId: 'owner', displayName: 'Owner' },
  purpose: 'Payroll',
  legalBasis: 'contract',
  lastReviewOn: '2026-01-10',
  nextReviewOn: '2027-01-10',
};
const entry = (over: Partial<ThirdPartyCore> = {}): ThirdPartyCore => ({ _id: 'TP-1', ...FIELDS, status: 'active', remindersSent: [], ...over });
const it_: RegisterActor = { kind: 'user', aadObjectId: 'it', roles: ['itSecurity'] };
const admin: RegisterActor = { kind: 'user', aadObjectId: 'adm', roles: ['admin'] };
const auditor: RegisterActor = { kind: 'user', aadObjectId: 'aud', roles: ['auditor'] };
const owner: RegisterActor = { kind: 'user', aadObjectId: 'owner', roles: [] };
const someone: RegisterActor = { kind: 'user', aadObjectId: 'x', roles: [] };
const system: RegisterActor = { kind: 'system' };

describe('third-party register rules', () => {
  const FIELD_TABLE: [string, Partial<ThirdPartyFields>, RegExp | null][] = [
    ['a complete entry', FIELDS, null],
    ['no name', { ...FIELDS, name: ' ' }, /Name is required/],
    ['no data shared', { ...FIELDS, dataShared: '' }, /Data shared is required/],
    ['no purpose', { ...FIELDS, purpose: '' }, /Purpose is required/],
    ['no owner', { ...FIELDS, owner: undefined }, /Owner is required/],
    ['an unknown legal basis', { ...FIELDS, legalBasis: 'because' as never }, /Legal basis must be one of/],
    ['a last review that is not a date', { ...FIELDS, lastReviewOn: '2026-02-30' }, /Last review must be a date/],
    ['a next review before the last', { ...FIELDS, nextReviewOn: '2025-12-31' }, /Next review must be after the last review/],
    ['a very long name', { ...FIELDS, name: 'x'.repeat(101) }, /at most 100/],
  ];
  for (const [name, fields, problem] of FIELD_TABLE) {
    it(`when an entry has ${name}, then ${problem ? 'it is refused' : 'it is accepted'}`, () => {
      const p = registerProblems(fields);
      if (problem) assert.ok(p.some((x) => problem.test(x)), p.join(' | '));
      else assert.deepEqual(p, []);
    });
  }

  /** actor × event on an active entry → allowed or refused. */
  const ROLE_TABLE: [string, RegisterActor, RegisterEvent, boolean][] = [
    ['IT Security adds', it_, { type: 'add', fields: FIELDS }, true],
    ['an administrator adds', admin, { type: 'add', fields: FIELDS }, true],
    ['an auditor adds', auditor, { type: 'add', fields: FIELDS }, false],
    ['the owner adds', owner, { type: 'add', fields: FIELDS }, false],
    ['IT Security reviews', it_, { type: 'review' }, true],
    ['the owner reviews', owner, { type: 'review' }, true],
    ['someone else reviews', someone, { type: 'review' }, false],
    ['an auditor reviews', auditor, { type: 'review' }, false],
    ['the owner removes', owner, { type: 'remove' }, false],
    ['an administrator removes', admin, { type: 'remove' }, true],
    ['IT Security edits', it_, { type: 'edit', fields: { purpose: 'Payroll and pensions' } }, true],
    ['a person records a reminder', it_, { type: 'remind', reminder: 'dueSoon' }, false],
    ['the reminder job records a reminder', system, { type: 'remind', reminder: 'dueSoon' }, true],
  ];
  for (const [name, actor, event, ok] of ROLE_TABLE) {
    it(`when ${name}, then it is ${ok ? 'allowed' : 'refused'}`, () => {
      const current = event.type === 'add' ? null : entry();
      if (ok) assert.ok(registerTransition(current, 'TP-1', event, actor, POLICY, '2026-06-01'));
      else assert.throws(() => registerTransition(current, 'TP-1', event, actor, POLICY, '2026-06-01'), RegisterNotAuthorizedError);
    });
  }

  it('when reviewed, then the last review is today and the next one the interval later (or the date given), and reminders start over', () => {
    const r = registerTransition(entry({ remindersSent: ['dueSoon'] }), 'TP-1', { type: 'review' }, owner, POLICY, '2026-12-20');
    assert.deepEqual([r.lastReviewOn, r.nextReviewOn, r.remindersSent], ['2026-12-20', '2027-12-20', []]);
    assert.equal(registerTransition(entry(), 'TP-1', { type: 'review', nextReviewOn: '2027-06-30' }, it_, POLICY, '2026-12-20').nextReviewOn, '2027-06-30');
    assert.throws(() => registerTransition(entry(), 'TP-1', { type: 'review', nextReviewOn: '2026-12-01' }, it_, POLICY, '2026-12-20'), RegisterValidationError);
  });

  it('when an entry is removed, then it cannot be reviewed, and it can be added again', () => {
    const removed = registerTransition(entry(), 'TP-1', { type: 'remove' }, it_, POLICY, '2026-06-01');
    assert.equal(removed.status, 'removed');
    assert.throws(() => registerTransition(removed, 'TP-1', { type: 'review' }, it_, POLICY, '2026-06-01'), InvalidRegisterChangeError);
    assert.throws(() => registerTransition(entry(), 'TP-1', { type: 'add', fields: FIELDS }, it_, POLICY, '2026-06-01'), InvalidRegisterChangeError);
    assert.equal(registerTransition(removed, 'TP-1', { type: 'add', fields: FIELDS }, it_, POLICY, '2026-06-01').status, 'active');
  });

  /** today → review status and the reminder owed (next review 2027-01-10, 30 days' notice). */
  const DUE_TABLE: [string, ThirdPartyCore['remindersSent'], string, string | null][] = [
    ['2026-12-10', [], 'ok', null],
    ['2026-12-11', [], 'dueSoon', 'dueSoon'],
    ['2026-12-20', ['dueSoon'], 'dueSoon', null],
    ['2027-01-10', ['dueSoon'], 'overdue', 'overdue'],
    ['2027-02-01', ['dueSoon', 'overdue'], 'overdue', null],
  ];
  for (const [today, sent, status, due] of DUE_TABLE) {
    it(`when it is ${today} with reminders ${JSON.stringify(sent)}, then the review is ${status} and ${due ?? 'no'} reminder is owed`, () => {
      const e = entry({ remindersSent: sent });
      assert.equal(reviewStatus(e, POLICY, today), status);
      assert.equal(reminderDue(e, POLICY, today), due);
    });
  }
  it('when an entry is removed, then no reminder is owed', () => {
    assert.equal(reminderDue(entry({ status: 'removed' }), POLICY, '2027-02-01'), null);
  });
});
