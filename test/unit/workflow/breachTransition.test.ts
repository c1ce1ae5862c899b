import assert from 'node:assert/strict';
import {
  BREACH_EVENT_TYPES,
  BREACH_STATES,
  BreachNotAuthorizedError,
  breachTransition,
  deadlinesFor,
  InvalidBreachTransitionError,
  nextBreachTimer,
  noticeTransition,
  NoticeNotYoursError,
  NOTICE_EVENT_TYPES,
  NOTICE_STATES,
  type BreachActor,
  type BreachCore,
  type BreachEvent,
  type BreachPolicy,
  type BreachState,
  type NoticeCore,
  type NoticeEvent,
  type NoticeState,
} from '../../../services/workflow/breachTransition';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-01T09:00:00Z');
const POLICY: BreachPolicy = { itReminderHoursBefore: [48, 24, 6], personReminderEveryHours: 72, personReminderMax: 2, statusRefreshMinutes: 60 };
const REGS = [
  { id: 'HIPAA', name: 'HIPAA', notify: 'individuals' as const, hours: 1440 },
  { id: 'GDPR', name: 'GDPR', notify: 'authority' as const, hours: 72 },
];
const it_: BreachActor = { kind: 'user', aadObjectId: 'it', roles: ['itSecurity'] };
const admin: BreachActor = { kind: 'user', aadObjectId: 'admin', roles: ['admin'] };
const auditor: BreachActor = { kind: 'user', aadObjectId: 'aud', roles: ['auditor'] };
const employee: BreachActor = { kind: 'user', aadObjectId: 'emp', roles: [] };
const system: BreachActor = { kind: 'system' };

function breach(state: BreachState): BreachCore {
  return { _id: 'BR-1', state, deadlines: deadlinesFor(REGS, T0), personRemindersSent: 0, ...(state === 'draft' ? {} : { sendStartedAt: T0.toISOString() }) };
}

const EVENTS: Record<string, BreachEvent> = {
  confirmSend: { type: 'confirmSend' },
  cancel: { type: 'cancel' },
  fanOutSettled: { type: 'fanOutSettled' },
  authorityNotified: { type: 'authorityNotified', regulation: 'GDPR' },
  timer: { type: 'timer' },
  close: { type: 'close' },
};

/** state × event (as the right actor) → next state, 'same' (no change) or the error. */
const TABLE: Record<BreachState, Record<string, BreachState | 'same' | 'invalid'>> = {
  draft: { confirmSend: 'notifying', cancel: 'cancelled', fanOutSettled: 'invalid', authorityNotified: 'draft', timer: 'same', close: 'invalid' },
  notifying: { confirmSend: 'invalid', cancel: 'invalid', fanOutSettled: 'notified', authorityNotified: 'notifying', timer: 'notifying', close: 'closed' },
  notified: { confirmSend: 'invalid', cancel: 'invalid', fanOutSettled: 'same', authorityNotified: 'notified', timer: 'notified', close: 'closed' },
  closed: { confirmSend: 'invalid', cancel: 'invalid', fanOutSettled: 'same', authorityNotified: 'closed', timer: 'same', close: 'same' },
  cancelled: { confirmSend: 'invalid', cancel: 'invalid', fanOutSettled: 'invalid', authorityNotified: 'invalid', timer: 'same', close: 'invalid' },
};

const rightActor = (e: BreachEvent) => (e.type === 'timer' || e.type === 'fanOutSettled' ? system : it_);

describe('breach machine', () => {
  it('when the table is read, then it covers every state and event', () => {
    assert.deepEqual(Object.keys(TABLE).sort(), [...BREACH_STATES].sort());
    for (const s of BREACH_STATES) assert.deepEqual(Object.keys(TABLE[s]).sort(), [...BREACH_EVENT_TYPES].sort());
  });

  for (const state of BREACH_STATES) {
    for (const type of BREACH_EVENT_TYPES) {
      const expected = TABLE[state][type];
      it(`when ${type} arrives in ${state}, then ${expected}`, () => {
        const event = EVENTS[type];
        if (expected === 'invalid') {
          assert.throws(() => breachTransition(breach(state), event, rightActor(event), POLICY, T0), InvalidBreachTransitionError);
          return;
        }
        const r = breachTransition(breach(state), event, rightActor(event), POLICY, T0);
        if (expected === 'same') assert.equal(r.changed, false);
        else assert.equal(r.next.state, expected);
      });
    }
  }

  const ROLE_TABLE: [string, BreachActor, BreachEvent, boolean][] = [
    ['IT Security sends', it_, EVENTS.confirmSend, true],
    ['an administrator sends', admin, EVENTS.confirmSend, true],
    ['an auditor sends', auditor, EVENTS.confirmSend, false],
    ['an employee sends', employee, EVENTS.confirmSend, false],
    ['the system sends', system, EVENTS.confirmSend, false],
    ['an employee closes', employee, EVENTS.close, false],
    ['a person fires the timer', it_, EVENTS.timer, false],
    ['a person settles the fan-out', admin, EVENTS.fanOutSettled, false],
  ];
  for (const [name, actor, event, ok] of ROLE_TABLE) {
    it(`when ${name}, then it is ${ok ? 'allowed' : 'refused'}`, () => {
      const state: BreachState = event.type === 'confirmSend' ? 'draft' : 'notifying';
      if (ok) assert.ok(breachTransition(breach(state), event, actor, POLICY, T0).changed);
      else assert.throws(() => breachTransition(breach(state), event, actor, POLICY, T0), BreachNotAuthorizedError);
    });
  }

  it('when a breach is discovered, then HIPAA is due 60 days later to individuals and GDPR 72 hours later to the authority', () => {
    assert.deepEqual(
      deadlinesFor(REGS, T0).map((d) => [d.regulation, d.notify, d.dueAt]),
      [
        ['HIPAA', 'individuals', '2026-04-30T09:00:00.000Z'],
        ['GDPR', 'authority', '2026-03-04T09:00:00.000Z'],
      ],
    );
  });

  it('when sent, then the notices are owed and IT card refreshed; when settled, the individuals deadline is met', () => {
    const sent = breachTransition(breach('draft'), EVENTS.confirmSend, it_, POLICY, T0);
    assert.deepEqual(sent.effects.map((e) => e.type), ['notifyAffected', 'refreshItCard']);
    const settled = breachTransition(sent.next, EVENTS.fanOutSettled, system, POLICY, new Date(T0.getTime() + HOUR));
    assert.equal(settled.next.deadlines.find((d) => d.regulation === 'HIPAA')!.metAt, '2026-03-01T10:00:00.000Z');
    assert.equal(settled.next.deadlines.find((d) => d.regulation === 'GDPR')!.metAt, undefined);
  });

  /** Hours after discovery → IT reminders for GDPR (due at 72 h) and person reminder rounds. */
  const TIMER_TABLE: [number, number[], number][] = [
    [1, [], 0],
    [24, [48], 0],
    [47, [48], 0],
    [48, [48, 24], 0],
    [66, [48, 24, 6], 0],
    [72, [48, 24, 6, 0], 1],
    [100, [48, 24, 6, 0], 1],
    [144, [48, 24, 6, 0], 2],
    [500, [48, 24, 6, 0], 2],
  ];
  for (const [hours, sent, rounds] of TIMER_TABLE) {
    it(`when the timer fires every hour up to ${hours} hours after sending, then IT reminders ${JSON.stringify(sent)} and ${rounds} person round(s) were sent, each once`, () => {
      let b = breachTransition(breach('draft'), EVENTS.confirmSend, it_, POLICY, T0).next;
      const effects: string[] = [];
      for (let h = 1; h <= hours; h++) {
        const r = breachTransition(b, EVENTS.timer, system, POLICY, new Date(T0.getTime() + h * HOUR));
        b = r.next;
        for (const e of r.effects) if (e.type === 'remindIt') effects.push(`${e.regulation}:${e.hoursBefore}`);
        for (const e of r.effects) if (e.type === 'remindUnacknowledged') effects.push(`round:${e.round}`);
      }
      assert.deepEqual(b.deadlines.find((d) => d.regulation === 'GDPR')!.remindersSent, sent);
      assert.equal(b.personRemindersSent, rounds);
      assert.equal(new Set(effects).size, effects.length, 'no reminder twice');
    });
  }

  it('when the clock jumps past several thresholds at once, then IT gets one reminder (the nearest) and every threshold is marked', () => {
    const sent = breachTransition(breach('draft'), EVENTS.confirmSend, it_, POLICY, T0).next;
    const r = breachTransition(sent, EVENTS.timer, system, POLICY, new Date(T0.getTime() + 70 * HOUR));
    assert.deepEqual(r.effects.filter((e) => e.type === 'remindIt'), [{ type: 'remindIt', regulation: 'GDPR', hoursBefore: 6, dueAt: '2026-03-04T09:00:00.000Z' }]);
  });

  it('when the authority was told, then no further GDPR reminders are owed and the timer skips its thresholds', () => {
    const sent = breachTransition(breach('draft'), EVENTS.confirmSend, it_, POLICY, T0).next;
    const told = breachTransition(sent, EVENTS.authorityNotified, it_, POLICY, new Date(T0.getTime() + HOUR)).next;
    const r = breachTransition(told, EVENTS.timer, system, POLICY, new Date(T0.getTime() + 71 * HOUR));
    assert.equal(r.effects.filter((e) => e.type === 'remindIt').length, 0);
    assert.throws(() => breachTransition(told, { type: 'authorityNotified', regulation: 'HIPAA' }, it_, POLICY, T0), InvalidBreachTransitionError, 'HIPAA is owed to individuals');
  });

  it('when open, then the next timer is the nearest of reminder, threshold and status refresh; when closed, none', () => {
    const sent = breachTransition(breach('draft'), EVENTS.confirmSend, it_, POLICY, T0).next;
    assert.equal(sent.timerAt, '2026-03-01T10:00:00.000Z', 'the status refresh');
    assert.equal(nextBreachTimer({ ...sent, state: 'closed' }, POLICY, T0), undefined);
    assert.equal(nextBreachTimer(sent, { ...POLICY, statusRefreshMinutes: 10_000 }, T0), '2026-03-02T09:00:00.000Z', 'the 48 h GDPR reminder');
  });
});

describe('breach notice machine (one person)', () => {
  const notice = (state: NoticeState): NoticeCore => ({ _id: 'BR-1:p', person: { aadObjectId: 'p' }, state, remindersSent: 0, ...(state !== 'pending' && state !== 'unreachable' ? { sentAt: T0.toISOString() } : {}) });
  const EV: Record<string, NoticeEvent> = { delivered: { type: 'delivered' }, unreachable: { type: 'unreachable', reason: 'not installed' }, acknowledge: { type: 'acknowledge', by: 'p' }, reminded: { type: 'reminded', round: 1 } };
  const TABLE: Record<NoticeState, Record<string, NoticeState | 'same'>> = {
    pending: { delivered: 'sent', unreachable: 'unreachable', acknowledge: 'acknowledged', reminded: 'same' },
    sent: { delivered: 'same', unreachable: 'same', acknowledge: 'acknowledged', reminded: 'sent' },
    unreachable: { delivered: 'same', unreachable: 'same', acknowledge: 'acknowledged', reminded: 'same' },
    acknowledged: { delivered: 'same', unreachable: 'same', acknowledge: 'same', reminded: 'same' },
  };
  it('when the table is read, then it covers every state and event', () => {
    assert.deepEqual(Object.keys(TABLE).sort(), [...NOTICE_STATES].sort());
    for (const s of NOTICE_STATES) assert.deepEqual(Object.keys(TABLE[s]).sort(), [...NOTICE_EVENT_TYPES].sort());
  });
  for (const state of NOTICE_STATES) {
    for (const type of NOTICE_EVENT_TYPES) {
      const expected = TABLE[state][type];
      it(`when ${type} arrives for a ${state} notice, then ${expected}`, () => {
        const r = noticeTransition(notice(state), EV[type], T0);
        if (expected === 'same') assert.equal(r.changed, false);
        else assert.equal(r.next.state, expected);
      });
    }
  }
  it('when someone else acknowledges, then it is refused', () => {
    assert.throws(() => noticeTransition(notice('sent'), { type: 'acknowledge', by: 'someone-else' }, T0), NoticeNotYoursError);
  });
  it('when a person acknowledges a copy whose delivery was never recorded, then they count as told at that moment', () => {
    const r = noticeTransition(notice('pending'), EV.acknowledge, T0);
    assert.equal(r.next.sentAt, T0.toISOString());
    assert.equal(r.next.acknowledgedAt, T0.toISOString());
  });
});
