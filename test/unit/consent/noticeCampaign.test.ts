import assert from 'node:assert/strict';
import { DownloadLinkError, DownloadLinks } from '../../../services/consent/downloadLinks';
import { noticeDiff } from '../../../services/content/noticeDiff';
import {
  campaignCounts,
  campaignTermsProblems,
  isAffected,
  nextCampaignStep,
  RECIPIENT_EVENT_TYPES,
  RECIPIENT_STATES,
  recipientTransition,
  reminderTimes,
  wantsReminder,
  type AffectedCandidate,
  type CampaignTerms,
  type RecipientEvent,
  type RecipientState,
} from '../../../services/workflow/noticeCampaign';

const NOTICE = { ownership: 'personal' as const, sha256: 'new', publishedAt: '2027-01-04T00:00:00.000Z' };

describe('notice campaign rules', () => {
  describe('who a new version concerns', () => {
    const table: [string, AffectedCandidate, boolean][] = [
      ['a standing consent to the earlier text', { status: 'consented', ownership: 'personal', textHash: 'old', textPublishedAt: '2026-11-01T00:00:00.000Z' }, true],
      ['a standing consent to a text of unknown date', { status: 'consented', ownership: 'personal', textHash: 'legacy' }, true],
      ['a consent already to the new text', { status: 'consented', ownership: 'personal', textHash: 'new' }, false],
      ['a consent to a text published after this one', { status: 'consented', ownership: 'personal', textHash: 'later', textPublishedAt: '2027-02-01T00:00:00.000Z' }, false],
      ['a company-owned device for a personal notice', { status: 'consented', ownership: 'company', textHash: 'old' }, false],
      ['a withdrawn consent', { status: 'withdrawn', ownership: 'personal', textHash: 'old' }, false],
      ['a declined consent', { status: 'declined', ownership: 'personal', textHash: 'old' }, false],
      ['no answer yet', { status: 'none', ownership: 'personal' }, false],
    ];
    for (const [name, candidate, expected] of table) {
      it(`when it is ${name}, then ${expected ? 'concerned' : 'not concerned'}`, () => assert.equal(isAffected(candidate, NOTICE), expected));
    }
  });

  describe("a person's part: every state × every event, material and minor", () => {
    type Row = [RecipientState, RecipientEvent['type'], boolean, RecipientState, { removeAccess?: boolean; restoreAccess?: boolean }];
    const rows: Row[] = [];
    const expected: Record<RecipientState, Record<RecipientEvent['type'], (material: boolean) => [RecipientState, { removeAccess?: boolean; restoreAccess?: boolean }]>> = {
      pending: { delivered: () => ['told', {}], undeliverable: () => ['unreachable', {}], answered: () => ['answered', {}], deadline: (m) => ['lapsed', { removeAccess: m }] },
      told: { delivered: () => ['told', {}], undeliverable: () => ['told', {}], answered: () => ['answered', {}], deadline: (m) => ['lapsed', { removeAccess: m }] },
      unreachable: { delivered: () => ['told', {}], undeliverable: () => ['unreachable', {}], answered: () => ['answered', {}], deadline: (m) => ['lapsed', { removeAccess: m }] },
      answered: { delivered: () => ['answered', {}], undeliverable: () => ['answered', {}], answered: () => ['answered', {}], deadline: () => ['answered', {}] },
      lapsed: { delivered: () => ['lapsed', {}], undeliverable: () => ['lapsed', {}], answered: (m) => ['answered', { restoreAccess: m }], deadline: () => ['lapsed', {}] },
    };
    for (const state of RECIPIENT_STATES) for (const type of RECIPIENT_EVENT_TYPES) for (const material of [true, false]) rows.push([state, type, material, ...expected[state][type](material)]);
    for (const [state, type, material, next, effects] of rows) {
      const fx = [effects.removeAccess && 'remove access', effects.restoreAccess && 'restore access'].filter(Boolean).join(', ');
      it(`when ${state} gets ${type} (${material ? 'material' : 'minor'}), then ${next}${fx ? ` and ${fx}` : ''}`, () => {
        // A lapsed person lost access only under a material change.
        const r = { state, accessRemoved: state === 'lapsed' && material };
        const out = recipientTransition(r, { type } as RecipientEvent, material);
        assert.equal(out.next.state, next);
        assert.equal(out.removeAccess, Boolean(effects.removeAccess));
        assert.equal(out.restoreAccess, Boolean(effects.restoreAccess));
        assert.equal(out.next.accessRemoved, next === 'lapsed' ? material : false);
      });
    }
    it('when someone is told or unreachable, then they get reminders; answered, lapsed or not yet sent, not', () => {
      assert.deepEqual(RECIPIENT_STATES.filter((s) => wantsReminder({ state: s, accessRemoved: false })), ['told', 'unreachable']);
    });
  });

  describe('the timeline: fan-out, reminders, deadline', () => {
    const terms: CampaignTerms = { material: true, startedAt: '2027-01-04T09:00:00.000Z', deadline: '2027-01-18T09:00:00.000Z', reminderDaysBefore: [7, 2, 30] };
    const at = (iso: string) => new Date(iso);
    const table: [string, { fanOutDone: boolean; remindersSent: number[]; closedAt?: string }, string, ReturnType<typeof nextCampaignStep>][] = [
      ['the fan-out comes first', { fanOutDone: false, remindersSent: [] }, '2027-01-04T09:00:00Z', { kind: 'fanOut' }],
      ['after the fan-out, it waits for the first reminder (30 days is before the start and dropped)', { fanOutDone: true, remindersSent: [] }, '2027-01-05T09:00:00Z', { kind: 'wait', until: '2027-01-11T09:00:00.000Z' }],
      ['at 7 days before, it reminds', { fanOutDone: true, remindersSent: [] }, '2027-01-11T09:00:00Z', { kind: 'remind', daysBefore: 7, covers: [7] }],
      ['a late timer sends one reminder for both', { fanOutDone: true, remindersSent: [] }, '2027-01-17T00:00:00Z', { kind: 'remind', daysBefore: 2, covers: [7, 2] }],
      ['with both sent, it waits for the deadline', { fanOutDone: true, remindersSent: [7, 2] }, '2027-01-17T00:00:00Z', { kind: 'wait', until: '2027-01-18T09:00:00.000Z' }],
      ['at the deadline, unsent reminders are skipped', { fanOutDone: true, remindersSent: [] }, '2027-01-18T09:00:00Z', { kind: 'deadline' }],
      ['a closed campaign does nothing', { fanOutDone: true, remindersSent: [7, 2], closedAt: '2027-01-18T09:00:00Z' }, '2027-02-01T00:00:00Z', { kind: 'closed' }],
    ];
    for (const [name, progress, now, step] of table) it(`when ${name}`, () => assert.deepEqual(nextCampaignStep(terms, progress, at(now)), step));

    it('when reminders are listed, then those before the start are dropped and the rest come soonest first', () => {
      assert.deepEqual(reminderTimes(terms).map((r) => r.daysBefore), [7, 2]);
    });

    const problems: [string, Partial<CampaignTerms>, RegExp | null][] = [
      ['a deadline after the start', {}, null],
      ['a deadline before the start', { deadline: '2027-01-01T00:00:00.000Z' }, /after the campaign starts/],
      ['a deadline that is not a date', { deadline: 'soon' }, /not a date/],
      ['a reminder of zero days', { reminderDaysBefore: [0] }, /positive/],
    ];
    for (const [name, patch, expected] of problems) {
      it(`when the terms have ${name}, then ${expected ? 'the campaign cannot start' : 'it can start'}`, () => {
        const found = campaignTermsProblems({ ...terms, ...patch });
        if (expected) assert.match(found.join('; '), expected);
        else assert.deepEqual(found, []);
      });
    }
  });

  it('when counts are taken, then told covers everyone the card reached and pending everyone who has not answered', () => {
    assert.deepEqual(campaignCounts({ pending: 2, told: 5, unreachable: 1, answered: 3, lapsed: 4 }, 4), { affected: 15, told: 12, answered: 3, pending: 11, unreachable: 1, accessRemoved: 4 });
  });

  it('when two texts are compared, then the removed and added lines come in reading order and blank lines are left out', () => {
    assert.deepEqual(noticeDiff(['**A**', 'one', '', 'two', 'three'], ['**A**', 'one', '', 'two and a half', 'three', '', 'four']), [
      { change: 'removed', line: 'two' },
      { change: 'added', line: 'two and a half' },
      { change: 'added', line: 'four' },
    ]);
  });
});

describe('signed download links for two purposes', () => {
  const links = new DownloadLinks('k'.repeat(32));
  const later = new Date(Date.now() + 86_400_000);

  it("when a consent export link is checked, then it names who asked and the filter; a my-data link is refused as one and the other way round", () => {
    const exportToken = links.signFor('consents-export', 'auditor-id', { format: 'csv', from: '2026-11-01' }, later);
    assert.deepEqual(links.verifyFor('consents-export', exportToken), { sub: 'auditor-id', q: { format: 'csv', from: '2026-11-01' } });
    assert.throws(() => links.verify(exportToken), (e: unknown) => e instanceof DownloadLinkError && e.reason === 'signature');
    assert.throws(() => links.verifyFor('consents-export', links.sign('alex-id', later)), (e: unknown) => e instanceof DownloadLinkError && e.reason === 'signature');
  });
});
