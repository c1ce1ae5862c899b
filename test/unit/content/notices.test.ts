import assert from 'node:assert/strict';
import {
  noticeHash,
  NoticeIntegrityError,
  noticeProblems,
  NoticeRegistry,
  notices,
  PUBLISHED_NOTICES,
  sectionsOf,
  type PublishedNotice,
} from '../../../services/content/notices/noticeRegistry';

/**
 * Every published version, pinned to the SHA-256 of its text. A published text is what people consented to: it is
 * never edited. A change is a new version (`npm run notice -- publish`), whose hash is added here in the same commit.
 */
const PINNED: Record<string, string> = {
  'personal@2026-11-01': '7d15bbfb204be3767fba14105aa7d212ad067b2d258641493453afd0fc9dca9a',
  'company@2026-11-01': '38db2911752b217d5f4e1abb6b877a1c072ad344da677500ccd8780877e6af9c',
};

describe('published notices', () => {
  it('when the registry is loaded, then every published version is pinned and nothing pinned is missing', () => {
    assert.deepEqual(PUBLISHED_NOTICES.map((n) => `${n.ownership}@${n.version}`).sort(), Object.keys(PINNED).sort());
  });

  for (const n of PUBLISHED_NOTICES) {
    it(`when ${n.ownership}@${n.version} is hashed, then its text still has the pinned SHA-256`, () => {
      assert.equal(noticeHash(n.lines), PINNED[`${n.ownership}@${n.version}`]);
      assert.equal(n.sha256, PINNED[`${n.ownership}@${n.version}`]);
    });
  }

  it('when both ownerships are asked for, then each has a version in force with a summary', () => {
    for (const o of ['personal', 'company'] as const) {
      const n = notices.current(o);
      assert.ok(n.summary.length > 0);
      assert.equal(notices.byHash(n.sha256), n);
    }
  });

  const base = PUBLISHED_NOTICES[0];
  const edited: PublishedNotice = { ...base, lines: [...base.lines.slice(0, -1), `${base.lines[base.lines.length - 1]} `] };
  const cases: [string, PublishedNotice[], RegExp][] = [
    ['a published text edited without a new version', [edited], /does not match its SHA-256/],
    ['a version published twice', [base, { ...base }], /published twice/],
    ['no summary', [{ ...base, summary: ' ' }], /summary/],
    ['a bad date', [{ ...base, publishedAt: 'tomorrow' }], /not a date/],
    ['a version with a path in it', [{ ...base, version: '../x' }], /version must be/],
  ];
  for (const [name, list, problem] of cases) {
    it(`when ${name}, then the registry refuses to load`, () => {
      assert.match(noticeProblems(list).join(';'), problem);
      assert.throws(() => new NoticeRegistry(list), NoticeIntegrityError);
    });
  }

  it('when a newer version is published for later, then the current one changes only at its publication time', () => {
    const lines = [...base.lines, 'One more line.'];
    const next: PublishedNotice = { ...base, version: 'next', publishedAt: '2027-01-01T00:00:00.000Z', lines, sha256: noticeHash(lines) };
    const registry = new NoticeRegistry([base, next]);
    assert.equal(registry.current(base.ownership, new Date('2026-12-31T23:59:59Z')).version, base.version);
    assert.equal(registry.current(base.ownership, new Date('2027-01-01T00:00:00Z')).version, 'next');
    assert.equal(registry.previous(next)?.version, base.version);
  });

  it('when a published text is read as sections, then what IT can and can never see are found', () => {
    const headings = sectionsOf(notices.current('personal')).map((s) => s.heading);
    assert.ok(headings.includes('What IT can see'));
    assert.ok(headings.includes('What IT can never see'));
  });
});
