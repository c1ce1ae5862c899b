/**
 * Publishing a notice version (privacy SOP §5: people are told of any change to data collection or use): an
 * administrator's action that inserts the version into the database's `noticeVersions` collection (shared by every
 * bot instance) and records it in the operator audit trail. A published version is never changed; publishing the
 * same version again with the same text is a no-op, so a publication interrupted between the insert and the audit
 * record can simply be run again.
 */
import { noticeHash, noticeProblems, type PublishedNotice } from '../content/notices/noticeRegistry';
import type { Ownership } from '../workflow/model';
import { NoticeVersionConflictError, type NoticeVersionStore } from './noticeVersions';
import { requireRole, type Operator, type OperatorAuditLog } from './operatorAuditLog';

/** What an administrator publishes. */
export interface NoticeDraft {
  ownership: Ownership;
  version: string;
  summary: string;
  material: boolean;
  lines: readonly string[];
  /** When it takes effect; defaults to now. */
  publishedAt?: string;
}

/** The draft cannot be published (a problem with the registry, or an earlier date than the version in force). */
export class NoticePublicationError extends Error {
  override readonly name = 'NoticePublicationError';
  constructor(readonly problems: string[]) {
    super(`The notice cannot be published: ${problems.join('; ')}`);
  }
}

/** Stores published versions, audited. */
export class NoticePublisher {
  constructor(
    private readonly store: NoticeVersionStore,
    private readonly audit: OperatorAuditLog,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The stored versions, oldest first. */
  read(): Promise<PublishedNotice[]> {
    return this.store.list();
  }

  /** Publishes a version; only administrators may. Returns the published version and whether it was new. */
  async publish(draft: NoticeDraft, operator: Operator): Promise<{ notice: PublishedNotice; created: boolean }> {
    requireRole(operator, ['admin'], 'publish a notice version');
    const existing = await this.read();
    const notice: PublishedNotice = {
      ownership: draft.ownership,
      version: draft.version,
      publishedAt: new Date(draft.publishedAt ?? this.clock().toISOString()).toISOString(),
      summary: draft.summary.trim(),
      material: draft.material,
      sha256: noticeHash(draft.lines),
      lines: [...draft.lines],
    };
    const same = existing.find((n) => n.ownership === notice.ownership && n.version === notice.version);
    if (same && same.sha256 !== notice.sha256) throw new NoticePublicationError([`${notice.ownership}@${notice.version} is already published with another text; publish a new version`]);
    let created = !same;
    let stored: PublishedNotice | undefined;
    if (created) {
      const latest = existing.filter((n) => n.ownership === notice.ownership).sort((a, b) => a.publishedAt.localeCompare(b.publishedAt)).pop();
      const problems = noticeProblems([...existing, notice]);
      if (latest && notice.publishedAt <= latest.publishedAt) problems.push(`it must take effect after ${latest.version} (${latest.publishedAt})`);
      if (problems.length) throw new NoticePublicationError(problems);
      try {
        ({ notice: stored, created } = await this.store.insert(notice, { aadObjectId: operator.aadObjectId, displayName: operator.displayName }));
      } catch (e) {
        if (e instanceof NoticeVersionConflictError) throw new NoticePublicationError([e.message]);
        throw e;
      }
    }
    const published = same ?? stored ?? notice;
    const trail = await this.audit.list();
    const recorded = trail.some((e) => e.action === 'notice.publish' && e.details.ownership === published.ownership && e.details.version === published.version);
    if (!recorded) {
      await this.audit.record(operator, 'notice.publish', {
        ownership: published.ownership,
        version: published.version,
        sha256: published.sha256,
        publishedAt: published.publishedAt,
        material: published.material,
        summary: published.summary.slice(0, 500),
      });
    }
    return { notice: published, created };
  }
}
