/**
 * The published notice versions in the database (privacy SOP §1 and §5), shared by every bot instance. The
 * `noticeVersions` collection is append-only: one document per ownership and version (`_id` "personal:2026-11-01"),
 * inserted once with its exact text, SHA-256, publication date, summary, material flag and who published it, and
 * never updated. The repository's `published.json` is the seed: its versions are inserted at start-up when
 * missing, and a seeded version stored with another hash refuses start-up. Every read checks each text against its
 * hash. `NoticeVersions` is the one way the product reads "the version in force": it reloads the stored versions
 * into the process's registry when its cache is older than `cacheMs`, so a version published on one instance is in
 * force on every instance within that time.
 */
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { noticeHash, noticeProblems, notices as buildNotices, NoticeIntegrityError, PUBLISHED_NOTICES, type NoticeRegistry, type PublishedNotice } from '../content/notices/noticeRegistry';
import type { ChainReport } from '../storage/auditRepository';
import type { Ownership } from '../workflow/model';

export const NOTICE_VERSIONS_COLLECTION = 'noticeVersions';

/** Who published a version: an administrator, or the repository's seed file. */
export type NoticePublishedBy = { aadObjectId: string; displayName: string } | 'seed';

/** One stored published version. */
export interface NoticeVersionDocument extends PublishedNotice {
  _id: string;
  publishedBy: NoticePublishedBy;
}

/** A version of the repository's seed file is stored with another text or hash (edited in the file or the database). */
export class NoticeSeedMismatchError extends Error {
  override readonly name = 'NoticeSeedMismatchError';
  constructor(readonly keys: string[]) {
    super(`Published notice versions differ between the seed file and the database: ${keys.join(', ')}; a published text is never edited, publish a new version`);
  }
}

/** A version with this ownership and version name is already stored with another text. */
export class NoticeVersionConflictError extends Error {
  override readonly name = 'NoticeVersionConflictError';
  constructor(readonly key: string) {
    super(`${key} is already published with another text; publish a new version`);
  }
}

const idOf = (n: Pick<PublishedNotice, 'ownership' | 'version'>) => `${n.ownership}:${n.version}`;
const isDuplicate = (e: unknown) => e instanceof MongoServerError && e.code === 11000;
const plain = ({ _id: _i, publishedBy: _p, ...n }: NoticeVersionDocument): PublishedNotice => n;

/** The `noticeVersions` collection: insert once, read with hash checks. */
export class NoticeVersionStore {
  private readonly col: Collection<NoticeVersionDocument>;

  constructor(db: Db) {
    this.col = db.collection<NoticeVersionDocument>(NOTICE_VERSIONS_COLLECTION);
  }

  /**
   * Inserts the seed file's versions that are missing (safe when several instances start together: the unique `_id`
   * keeps one copy), then refuses when a stored seed version's hash or text differs from the file.
   */
  async seed(seed: readonly PublishedNotice[] = PUBLISHED_NOTICES): Promise<void> {
    const problems = noticeProblems(seed);
    if (problems.length) throw new NoticeIntegrityError(problems);
    for (const n of seed) {
      try {
        await this.col.insertOne({ _id: idOf(n), ...n, lines: [...n.lines], publishedBy: 'seed' });
      } catch (e) {
        if (!isDuplicate(e)) throw e;
      }
    }
    const stored = await this.col.find({ _id: { $in: seed.map(idOf) } }).toArray();
    const byId = new Map(stored.map((d) => [d._id, d]));
    const differ = seed
      .filter((n) => {
        const d = byId.get(idOf(n));
        return !d || d.sha256 !== n.sha256 || noticeHash(d.lines) !== n.sha256;
      })
      .map((n) => `${n.ownership}@${n.version}`);
    if (differ.length) throw new NoticeSeedMismatchError(differ);
  }

  /** Stores a new version; an identical one already stored is returned as it is. */
  async insert(notice: PublishedNotice, publishedBy: NoticePublishedBy): Promise<{ notice: PublishedNotice; created: boolean }> {
    const doc: NoticeVersionDocument = { _id: idOf(notice), ...notice, lines: [...notice.lines], publishedBy };
    try {
      await this.col.insertOne(doc);
      return { notice, created: true };
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      const existing = await this.col.findOne({ _id: doc._id });
      if (!existing || existing.sha256 !== notice.sha256) throw new NoticeVersionConflictError(`${notice.ownership}@${notice.version}`);
      return { notice: plain(existing), created: false };
    }
  }

  /**
   * The collection as `npm run verify` reports it: every stored text against its SHA-256 and every version of the
   * seed file present with its hash; the first version that fails is reported by its position, oldest first.
   */
  async verifyReport(seed: readonly PublishedNotice[] = PUBLISHED_NOTICES): Promise<ChainReport> {
    const docs = await this.col.find({}).sort({ publishedAt: 1, _id: 1 }).toArray();
    const results: ChainReport['results'] = [];
    let firstBad: ChainReport['firstBad'];
    docs.forEach((d, i) => {
      const seeded = seed.find((n) => idOf(n) === d._id);
      const problem =
        d._id !== idOf(d) ? 'its id does not match its ownership and version'
        : noticeHash(d.lines ?? []) !== d.sha256 ? 'its text does not match its SHA-256'
        : seeded && seeded.sha256 !== d.sha256 ? 'its hash differs from the seed file'
        : undefined;
      if (problem && !firstBad) firstBad = { seq: i + 1, problem: 'altered', detail: `${d._id}: ${problem}` };
      results.push({ seq: i + 1, result: firstBad ? 'unverifiable' : 'verified' });
    });
    const ids = new Set(docs.map((d) => d._id));
    // Nothing stored yet (no instance has started on this database) is not a removal.
    const missing = docs.length ? seed.find((n) => !ids.has(idOf(n))) : undefined;
    if (missing && !firstBad) firstBad = { seq: docs.length + 1, problem: 'removed', detail: `${idOf(missing)}: a seed version is not stored` };
    return { chain: NOTICE_VERSIONS_COLLECTION, ok: !firstBad, stored: docs.length, pending: 0, head: null, firstBad, results };
  }

  /** Whether a text with this hash is a stored published version whose text still matches it (read uncached). */
  async isPublished(sha256: string): Promise<boolean> {
    const doc = await this.col.findOne({ sha256 });
    return Boolean(doc && noticeHash(doc.lines) === sha256);
  }

  /** Every stored version, oldest first; a text that does not match its hash throws `NoticeIntegrityError`. */
  async list(ownership?: Ownership): Promise<PublishedNotice[]> {
    const docs = await this.col.find(ownership ? { ownership } : {}).sort({ publishedAt: 1, _id: 1 }).toArray();
    const all = docs.map(plain);
    const problems = noticeProblems(all);
    if (problems.length) throw new NoticeIntegrityError(problems);
    return all;
  }
}

/** Options of the shared read of published versions. */
export interface NoticeVersionsOptions {
  /** How long a loaded list of versions is served before the database is read again. */
  cacheMs: number;
  clock?: () => Date;
}

/** The one read of published versions: the stored versions, cached briefly, put in force in the process's registry. */
export class NoticeVersions {
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading?: Promise<void>;
  private readonly clock: () => Date;

  constructor(
    private readonly store: NoticeVersionStore,
    private readonly options: NoticeVersionsOptions,
    /** The registry the card builders read synchronously (the process's own by default). */
    readonly registry: NoticeRegistry = buildNotices,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Reloads the stored versions when the cache is older than `cacheMs`; concurrent callers share one read. */
  async fresh(): Promise<NoticeRegistry> {
    if (this.clock().getTime() - this.loadedAt < this.options.cacheMs) return this.registry;
    this.loading ??= (async () => {
      try {
        const at = this.clock().getTime();
        for (const n of await this.store.list()) this.registry.include(n);
        this.loadedAt = at;
      } finally {
        this.loading = undefined;
      }
    })();
    await this.loading;
    return this.registry;
  }

  /** Puts a version this process just stored in force here at once (other instances follow within `cacheMs`). */
  include(notice: PublishedNotice): void {
    this.registry.include(notice);
  }

  /** The version in force for this ownership. */
  async current(ownership: Ownership, now: Date = this.clock()): Promise<PublishedNotice> {
    return (await this.fresh()).current(ownership, now);
  }

  /** Every published version, oldest first. */
  async list(ownership?: Ownership): Promise<readonly PublishedNotice[]> {
    return (await this.fresh()).list(ownership);
  }

  /** Whether this hash is a stored published version (read from the database, not the cache). */
  isPublished(sha256: string): Promise<boolean> {
    return this.store.isPublished(sha256);
  }

  /** The published version with this text fingerprint, if any. */
  async byHash(sha256: string): Promise<PublishedNotice | undefined> {
    return (await this.fresh()).byHash(sha256);
  }
}
