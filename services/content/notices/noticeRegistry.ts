/**
 * The published data-collection notices (privacy SOP §1 and §5): every version ever shown to employees, per
 * ownership, with its exact text, SHA-256, publication date, a "what changed" summary and whether the change is
 * material (material: people must consent again; minor: they acknowledge it). The versions live in
 * `published.json`, which only grows: `npm run notice -- publish` appends a version, and a unit test pins every
 * published version to its hash, so a published text cannot be edited in place.
 */
import { createHash } from 'node:crypto';
import type { Ownership } from '../../workflow/model';
import published from './published.json';

/** One published version of the notice for one ownership. */
export interface PublishedNotice {
  ownership: Ownership;
  /** The version name shown to people, e.g. "2026-11-01"; unique per ownership. */
  version: string;
  /** When it takes effect (ISO 8601); the current version is the newest one already published. */
  publishedAt: string;
  /** What changed since the previous version, in a sentence or two. */
  summary: string;
  /** A material change requires consent again; a minor one an acknowledgement. */
  material: boolean;
  /** Hex SHA-256 of `lines.join('\n')` (UTF-8). */
  sha256: string;
  /** The text exactly as shown: `**Heading**`, `• item`, paragraphs; '' separates blocks. */
  lines: readonly string[];
}

/** A published notice whose stored hash, version or ownership does not hold. */
export class NoticeIntegrityError extends Error {
  override readonly name = 'NoticeIntegrityError';
  constructor(readonly problems: string[]) {
    super(`Published notices are inconsistent: ${problems.join('; ')}`);
  }
}

/** No published notice matches what was asked for. */
export class NoticeNotFoundError extends Error {
  override readonly name = 'NoticeNotFoundError';
  constructor(readonly what: string) {
    super(`No published notice ${what}`);
  }
}

/** Hex SHA-256 of a text, UTF-8. */
export function noticeHash(lines: readonly string[]): string {
  return createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex');
}

const VERSION = /^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$/;

/** Checks a list of published notices; returns the problems (empty when every version holds). */
export function noticeProblems(notices: readonly PublishedNotice[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const n of notices) {
    const key = `${n.ownership}@${n.version}`;
    if (n.ownership !== 'personal' && n.ownership !== 'company') problems.push(`${key}: unknown ownership`);
    if (!VERSION.test(n.version)) problems.push(`${key}: version must be letters, digits, dot, dash or underscore`);
    if (seen.has(key)) problems.push(`${key}: published twice`);
    seen.add(key);
    if (Number.isNaN(Date.parse(n.publishedAt))) problems.push(`${key}: publishedAt is not a date`);
    if (!n.summary?.trim()) problems.push(`${key}: no "what changed" summary`);
    if (typeof n.material !== 'boolean') problems.push(`${key}: material must be true or false`);
    if (!Array.isArray(n.lines) || !n.lines.length) problems.push(`${key}: no text`);
    else if (noticeHash(n.lines) !== n.sha256) problems.push(`${key}: text does not match its SHA-256 (a published text was edited)`);
  }
  return problems;
}

/** The registry of published notices, checked once when loaded. */
export class NoticeRegistry {
  private all: readonly PublishedNotice[];

  constructor(notices: readonly PublishedNotice[]) {
    const problems = noticeProblems(notices);
    if (problems.length) throw new NoticeIntegrityError(problems);
    this.all = [...notices].sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
  }

  /**
   * Adds a version this process just published (an administrator in Teams), so it is in force here without a
   * restart; the registry file holds it for every later start. A version already known is left as it is.
   */
  include(notice: PublishedNotice): void {
    if (this.version(notice.ownership, notice.version)) return;
    const problems = noticeProblems([...this.all, notice]);
    if (problems.length) throw new NoticeIntegrityError(problems);
    this.all = [...this.all, notice].sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
  }

  /** Every published version, oldest first. */
  list(ownership?: Ownership): readonly PublishedNotice[] {
    return ownership ? this.all.filter((n) => n.ownership === ownership) : this.all;
  }

  /** The version in force at `now` for this ownership. */
  current(ownership: Ownership, now: Date = new Date()): PublishedNotice {
    const inForce = this.list(ownership).filter((n) => Date.parse(n.publishedAt) <= now.getTime());
    const latest = inForce[inForce.length - 1];
    if (!latest) throw new NoticeNotFoundError(`in force for ${ownership} devices`);
    return latest;
  }

  /** The version with this text fingerprint, if one was ever published. */
  byHash(sha256: string): PublishedNotice | undefined {
    return this.all.find((n) => n.sha256 === sha256);
  }

  /** One version of one ownership's notice. */
  version(ownership: Ownership, version: string): PublishedNotice | undefined {
    return this.all.find((n) => n.ownership === ownership && n.version === version);
  }

  /** The version published just before this one (for "what changed"). */
  previous(notice: PublishedNotice): PublishedNotice | undefined {
    const list = this.list(notice.ownership);
    const i = list.findIndex((n) => n.version === notice.version);
    return i > 0 ? list[i - 1] : undefined;
  }
}

/** The notices shipped with this build. */
export const PUBLISHED_NOTICES: readonly PublishedNotice[] = published as PublishedNotice[];

/** The registry of the notices shipped with this build (fails at start-up if a published text was edited). */
export const notices = new NoticeRegistry(PUBLISHED_NOTICES);

/** One titled block of a published text. */
export interface PublishedSection {
  heading: string;
  items: string[];
}

/** The `**Heading**` blocks of a published text with their `• item` lines (for answers drawn from the notice). */
export function sectionsOf(notice: Pick<PublishedNotice, 'lines'>): PublishedSection[] {
  const sections: PublishedSection[] = [];
  let current: PublishedSection | undefined;
  for (const line of notice.lines) {
    const heading = /^\*\*(.+)\*\*$/.exec(line);
    if (heading) sections.push((current = { heading: heading[1], items: [] }));
    else if (current && line.startsWith('• ')) current.items.push(line.slice(2));
    else if (line === '') current = undefined;
  }
  return sections.filter((s) => s.items.length);
}
