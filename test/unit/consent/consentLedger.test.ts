import assert from 'node:assert/strict';
import {
  CONSENT_STATUSES,
  consentStateOf,
  EMPTY_CONSENT,
  hashLedgerEntry,
  LEDGER_ENTRY_KINDS,
  LedgerTransitionError,
  nextConsentState,
  verifyLedger,
  type ChainBreak,
  type ConsentState,
  type ConsentStatus,
  type LedgerEntry,
  type LedgerEntryKind,
} from '../../../services/consent/consentLedger';

const AT = '2026-11-20T09:00:00.000Z';
const LATER = '2026-12-01T09:00:00.000Z';
const V1 = { noticeVersion: 'v1', textHash: 'h1' };
const V2 = { noticeVersion: 'v2', textHash: 'h2' };

const states: Record<ConsentStatus, ConsentState> = {
  none: EMPTY_CONSENT,
  consented: { status: 'consented', ...V1, since: AT, seq: 1 },
  declined: { status: 'declined', ...V1, since: AT, seq: 1 },
  withdrawn: { status: 'withdrawn', ...V1, since: AT, seq: 2 },
};

/** state × entry kind (with a newer text unless said) → next status, or null for refused. */
const TABLE: [ConsentStatus, LedgerEntryKind, ConsentStatus | null][] = [
  ['none', 'consented', 'consented'],
  ['none', 'declined', 'declined'],
  ['none', 'withdrawn', null],
  ['none', 'reconsented', null],
  ['none', 'acknowledged', null],
  ['consented', 'consented', null],
  ['consented', 'declined', null],
  ['consented', 'withdrawn', 'withdrawn'],
  ['consented', 'reconsented', 'consented'],
  ['consented', 'acknowledged', 'consented'],
  ['declined', 'consented', null],
  ['declined', 'declined', null],
  ['declined', 'withdrawn', null],
  ['declined', 'reconsented', null],
  ['declined', 'acknowledged', null],
  ['withdrawn', 'consented', null],
  ['withdrawn', 'declined', null],
  ['withdrawn', 'withdrawn', null],
  ['withdrawn', 'reconsented', 'consented'],
  ['withdrawn', 'acknowledged', null],
];

describe('consent ledger state', () => {
  it('when the table is read, then it covers every status × entry kind', () => {
    assert.equal(TABLE.length, CONSENT_STATUSES.length * LEDGER_ENTRY_KINDS.length);
  });

  for (const [from, kind, to] of TABLE) {
    it(`when ${from} and a "${kind}" entry (newer text), then ${to ?? 'refused'}`, () => {
      const step = { kind, at: LATER, ...(kind === 'consented' || kind === 'declined' ? V1 : V2) };
      if (to === null) {
        assert.throws(() => nextConsentState(states[from], step), (e: unknown) => e instanceof LedgerTransitionError && e.status === from && e.kind === kind);
        return;
      }
      const next = nextConsentState(states[from], step);
      assert.equal(next.status, to);
      assert.equal(next.seq, states[from].seq + 1);
    });
  }

  it('when consent stands, then re-consenting or acknowledging the same text is refused', () => {
    assert.throws(() => nextConsentState(states.consented, { kind: 'reconsented', at: LATER, ...V1 }), LedgerTransitionError);
    assert.throws(() => nextConsentState(states.consented, { kind: 'acknowledged', at: LATER, ...V1 }), LedgerTransitionError);
  });

  it('when a change is acknowledged, then the version moves on but the consent keeps its date', () => {
    const next = nextConsentState(states.consented, { kind: 'acknowledged', at: LATER, ...V2 });
    assert.deepEqual([next.noticeVersion, next.since], ['v2', AT]);
  });

  it('when consent is withdrawn, then the version consented to is kept and the date is the withdrawal', () => {
    const next = nextConsentState(states.consented, { kind: 'withdrawn', at: LATER, ...V1 });
    assert.deepEqual([next.status, next.noticeVersion, next.since], ['withdrawn', 'v1', LATER]);
  });

  it('when a whole history is folded, then the state is where it ends', () => {
    const s = consentStateOf([
      { kind: 'consented', at: AT, ...V1 },
      { kind: 'acknowledged', at: LATER, ...V2 },
      { kind: 'withdrawn', at: LATER, ...V2 },
      { kind: 'reconsented', at: LATER, noticeVersion: 'v3', textHash: 'h3' },
    ]);
    assert.deepEqual([s.status, s.noticeVersion, s.seq], ['consented', 'v3', 4]);
  });
});

const STREAM = 'u-alex:req-1';

function chain(kinds: LedgerEntryKind[]): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const [i, kind] of kinds.entries()) {
    const unsigned = {
      _id: `e${i + 1}`,
      streamId: STREAM,
      seq: i + 1,
      kind,
      at: AT,
      subject: { aadObjectId: 'u-alex', displayName: 'Alex' },
      device: { requestId: 'req-1', platform: 'ios' as const, ownership: 'personal' as const },
      ...V1,
      prevHash: out[i - 1]?.hash ?? '',
    };
    out.push({ ...unsigned, hash: hashLedgerEntry(unsigned) });
  }
  return out;
}

const head = (entries: LedgerEntry[]) => ({ seq: entries.length, hash: entries[entries.length - 1]?.hash ?? '' });
const resign = (e: Omit<LedgerEntry, 'hash'> & { hash?: string }): LedgerEntry => {
  const { hash: _drop, ...rest } = e;
  void _drop;
  return { ...rest, hash: hashLedgerEntry(rest) };
};

describe('consent ledger chain', () => {
  const good = chain(['consented', 'withdrawn', 'reconsented', 'withdrawn']);

  /** A tampering, and where and why verification must say the chain breaks. */
  const TAMPER: [string, () => { entries: LedgerEntry[]; head: { seq: number; hash: string } | null }, ChainBreak | null][] = [
    ['nothing is changed', () => ({ entries: good, head: head(good) }), null],
    ['an empty ledger has no head', () => ({ entries: [], head: null }), null],
    ['a field of an entry is altered', () => ({ entries: good.map((e) => (e.seq === 2 ? { ...e, at: LATER } : e)), head: head(good) }), { seq: 2, reason: 'hash' }],
    [
      'an entry is altered and re-hashed',
      () => ({ entries: good.map((e) => (e.seq === 2 ? resign({ ...e, kind: 'acknowledged' }) : e)), head: head(good) }),
      { seq: 3, reason: 'link' },
    ],
    [
      'an entry is inserted in the middle (later seqs renumbered)',
      () => {
        const extra = resign({ ...good[0], _id: 'x', seq: 2, prevHash: good[0].hash });
        return { entries: [good[0], extra, ...good.slice(1).map((e) => ({ ...e, seq: e.seq + 1 }))], head: head(good) };
      },
      { seq: 3, reason: 'link' },
    ],
    ['two entries are swapped', () => ({ entries: [good[0], good[2], good[1], good[3]], head: head(good) }), { seq: 2, reason: 'sequence' }],
    ['an entry in the middle is removed', () => ({ entries: [good[0], good[2], good[3]], head: head(good) }), { seq: 2, reason: 'sequence' }],
    ['the last entry is removed', () => ({ entries: good.slice(0, -1), head: head(good) }), { seq: 4, reason: 'head' }],
    ['the last entry is removed and the head rolled back without its hash', () => ({ entries: good.slice(0, -1), head: { seq: 3, hash: good[3].hash } }), { seq: 3, reason: 'head' }],
    ['an entry is appended past the head', () => ({ entries: [...good, resign({ ...good[3], _id: 'x', seq: 5, prevHash: good[3].hash })], head: head(good) }), { seq: 5, reason: 'head' }],
    ['every entry is removed', () => ({ entries: [], head: head(good) }), { seq: 4, reason: 'head' }],
    ['an entry of another ledger is slipped in', () => ({ entries: good.map((e) => (e.seq === 3 ? { ...e, streamId: 'u-eve:req-9' } : e)), head: head(good) }), { seq: 3, reason: 'stream' }],
  ];

  for (const [name, tamper, expected] of TAMPER) {
    it(`when ${name}, then verification ${expected ? `breaks at ${expected.seq} (${expected.reason})` : 'passes'}`, () => {
      const { entries, head: h } = tamper();
      assert.deepEqual(verifyLedger(STREAM, entries, h), expected);
    });
  }
});
