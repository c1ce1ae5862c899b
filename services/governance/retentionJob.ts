import type { Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { AuditRepository, HeadedChain, type ChainedEntry } from '../storage/auditRepository';
import { COLLECTIONS } from '../storage/mongoConnection';
import { TERMINAL_STATES } from '../workflow/model';
import { ALERTS_COLLECTION } from '../devices/alertRepository';
import { DEVICES_COLLECTION } from '../devices/deviceRepository';
import { OUTBOX_COLLECTION } from '../outbox/outbox';
import { ACCESS_REVIEW_LOG_COLLECTION, ACCESS_REVIEWS_COLLECTION } from './accessReview';
import { DATA_CATALOG, type RetentionDays } from './dataCatalog';

/** What one collection lost in a run: how many documents and which ids (never their content). */
export interface Removal {
  count: number;
  ids: string[];
}

/** The record a retention run leaves, hash-chained in `retentionRuns`. */
export interface RetentionRun extends ChainedEntry {
  chainId: string;
  ranAt: string;
  cutoffs: Record<string, string>;
  removed: Record<string, Removal>;
  /** Parked audit entries written during the run. */
  pendingAuditWritten: number;
  /** A dry run lists what is past retention without removing it. */
  dryRun?: boolean;
  /** Who started it: the scheduled job or an administrator on the command line (their Entra object id). */
  trigger?: { kind: 'schedule' } | { kind: 'operator'; aadObjectId: string };
}

/** How one run is made. */
export interface RetentionRunOptions {
  dryRun?: boolean;
  trigger?: RetentionRun['trigger'];
}

const DAY_MS = 86_400_000;

/**
 * Removes what is past its retention period (services/governance/dataCatalog.ts), then records what it removed.
 * Callable from the command line (`npm run retention`) and from a scheduler. Also writes parked audit entries.
 */
export class RetentionJob {
  private readonly runs: HeadedChain<RetentionRun>;

  constructor(
    private readonly db: Db,
    private readonly days: RetentionDays,
    private readonly clock: () => Date = () => new Date(),
    private readonly logger?: Logger,
    /** Days a carried-out outbox entry is kept (OUTBOX_DONE_RETENTION_DAYS). */
    private readonly outboxDoneDays = 30,
  ) {
    this.runs = new HeadedChain<RetentionRun>(db, COLLECTIONS.retentionRuns);
  }

  private cutoff(kind: keyof RetentionDays): string {
    return new Date(this.clock().getTime() - this.days[kind] * DAY_MS).toISOString();
  }

  private dryRun = false;

  /** Runs once (a dry run removes nothing) and returns the record it stored. */
  async run(options: RetentionRunOptions = {}): Promise<RetentionRun> {
    this.dryRun = options.dryRun ?? false;
    const pending = await new AuditRepository(this.db, this.logger).flushPending();
    const cutoffs = {
      personal: this.cutoff('personal'),
      consent: this.cutoff('consent'),
      audit: this.cutoff('audit'),
      log: this.cutoff('log'),
      conversationState: this.cutoff('conversationState'),
    };
    const removed: Record<string, Removal> = {
      [COLLECTIONS.requests]: await this.removeRequests(cutoffs.personal),
      [COLLECTIONS.consents]: await this.removeBy(COLLECTIONS.consents, { at: { $lt: cutoffs.consent } }),
      [COLLECTIONS.delegations]: await this.removeBy(COLLECTIONS.delegations, { until: { $lt: cutoffs.personal } }),
      [COLLECTIONS.audit]: await this.removeAuditChains(cutoffs.audit),
      [COLLECTIONS.accessLog]: await this.removeAccessLogDays(cutoffs.log.slice(0, 10)),
      ...(await this.removeAccessReviews(cutoffs.audit)),
    };
    // Continuous compliance: retired devices, closed alerts, carried-out outbox entries (failed ones are evidence).
    removed[DEVICES_COLLECTION] = await this.removeBy(DEVICES_COLLECTION, { state: 'retired', updatedAt: { $lt: cutoffs.personal } });
    removed[ALERTS_COLLECTION] = await this.removeBy(ALERTS_COLLECTION, { status: { $in: ['fixed', 'restored', 'retired', 'superseded'] }, updatedAt: { $lt: cutoffs.personal } });
    const outboxDoneCutoff = new Date(this.clock().getTime() - this.outboxDoneDays * DAY_MS);
    const done = await this.removeBy(OUTBOX_COLLECTION, { state: { $in: ['done', 'discarded'] }, doneAt: { $lt: outboxDoneCutoff } });
    const failed = await this.removeBy(OUTBOX_COLLECTION, { state: 'failed', doneAt: { $lt: new Date(cutoffs.audit) } });
    removed[OUTBOX_COLLECTION] = { count: done.count + failed.count, ids: [...done.ids, ...failed.ids] };
    // Conversation state, by the field the data catalog names (all hold a Date).
    const stateCutoff = new Date(cutoffs.conversationState);
    for (const [c, entry] of Object.entries(DATA_CATALOG)) {
      if (entry.retention === 'conversationState' && entry.from) removed[c] = await this.removeBy(c, { [entry.from]: { $lt: stateCutoff } });
    }
    const record = await this.runs.append('retention', {
      ranAt: this.clock().toISOString(),
      cutoffs,
      removed,
      pendingAuditWritten: pending.written,
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.trigger ? { trigger: options.trigger } : {}),
    });
    this.logger?.info({ dryRun: this.dryRun, counts: Object.fromEntries(Object.entries(removed).map(([k, v]) => [k, v.count])) }, 'retention run');
    return record;
  }

  private async removeBy(collection: string, filter: Record<string, unknown>): Promise<Removal> {
    const c = this.db.collection<{ _id: string }>(collection);
    const ids = (await c.find(filter as never, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
    if (ids.length && !this.dryRun) await c.deleteMany({ _id: { $in: ids } } as never);
    return { count: ids.length, ids };
  }

  /** Closed requests past retention; each one's audit head is kept as a tombstone so its trail still verifies. */
  private async removeRequests(cutoff: string): Promise<Removal> {
    const requests = this.db.collection<{ _id: string; auditHead?: { seq: number; hash: string } }>(COLLECTIONS.requests);
    const due = await requests.find({ state: { $in: [...TERMINAL_STATES] }, closedAt: { $lt: cutoff } }, { projection: { _id: 1, auditHead: 1 } }).toArray();
    const ids = due.map((r) => r._id);
    if (this.dryRun) return { count: ids.length, ids };
    const heads = this.db.collection(COLLECTIONS.chainHeads);
    for (const r of due) {
      if (!r.auditHead) continue;
      await heads.updateOne(
        { _id: `${COLLECTIONS.audit}:${r._id}` as never },
        { $set: { collection: COLLECTIONS.audit, chainId: r._id, seq: r.auditHead.seq, hash: r.auditHead.hash } },
        { upsert: true },
      );
    }
    if (ids.length) await requests.deleteMany({ _id: { $in: ids } });
    return { count: ids.length, ids };
  }

  /** Whole audit chains whose last entry is past retention and whose request is gone; their tombstones go too. */
  private async removeAuditChains(cutoff: string): Promise<Removal> {
    const audit = this.db.collection(COLLECTIONS.audit);
    // Simple queries only ($group accumulators are not served everywhere): chains with an old entry, then those
    // with no recent one.
    const candidates = (await audit.distinct('requestId', { at: { $lt: cutoff } })) as string[];
    const live = new Set(
      (await this.db.collection(COLLECTIONS.requests).find({ _id: { $in: candidates } } as never, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)),
    );
    // A device's chain (`device:{id}`) lives while the enrolled device does.
    const deviceIds = candidates.filter((c) => c.startsWith('device:')).map((c) => c.slice('device:'.length));
    for (const d of await this.db.collection(DEVICES_COLLECTION).find({ _id: { $in: deviceIds } } as never, { projection: { _id: 1 } }).toArray()) live.add(`device:${String(d._id)}`);
    const old: string[] = [];
    for (const id of candidates.filter((c) => !live.has(c))) if ((await audit.countDocuments({ requestId: id, at: { $gte: cutoff } })) === 0) old.push(id);
    const ids: string[] = [];
    for (const id of old) {
      const entries = (await audit.find({ requestId: id }, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
      ids.push(...entries);
      if (this.dryRun) continue;
      await audit.deleteMany({ requestId: id });
      await this.db.collection(COLLECTIONS.chainHeads).deleteOne({ _id: `${COLLECTIONS.audit}:${id}` as never });
    }
    return { count: ids.length, ids };
  }

  /** Access reviews started before the audit cutoff, with their whole chains and heads. */
  private async removeAccessReviews(cutoff: string): Promise<Record<string, Removal>> {
    const reviews = await this.removeBy(ACCESS_REVIEWS_COLLECTION, { startedAt: { $lt: cutoff } });
    const log = this.db.collection(ACCESS_REVIEW_LOG_COLLECTION);
    const entries = (await log.find({ chainId: { $in: reviews.ids } }, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
    if (!this.dryRun && reviews.ids.length) {
      await log.deleteMany({ chainId: { $in: reviews.ids } });
      await this.db.collection(COLLECTIONS.chainHeads).deleteMany({ _id: { $in: reviews.ids.map((id) => `${ACCESS_REVIEW_LOG_COLLECTION}:${id}`) } } as never);
    }
    return { [ACCESS_REVIEWS_COLLECTION]: reviews, [ACCESS_REVIEW_LOG_COLLECTION]: { count: entries.length, ids: entries } };
  }

  /** Whole days of the access log before the cutoff day, with their heads. */
  private async removeAccessLogDays(cutoffDay: string): Promise<Removal> {
    const heads = this.db.collection<{ _id: string; chainId: string }>(COLLECTIONS.chainHeads);
    const days = await heads.find({ collection: COLLECTIONS.accessLog, chainId: { $lt: cutoffDay } }).toArray();
    const log = this.db.collection(COLLECTIONS.accessLog);
    const ids: string[] = [];
    for (const d of days) {
      ids.push(...(await log.find({ chainId: d.chainId }, { projection: { _id: 1 } }).toArray()).map((x) => String(x._id)));
      if (this.dryRun) continue;
      await log.deleteMany({ chainId: d.chainId });
      await heads.deleteOne({ _id: d._id });
    }
    return { count: ids.length, ids };
  }
}
