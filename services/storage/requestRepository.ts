import type { Collection, Db } from 'mongodb';
import { ConcurrencyError } from '../workflow/errors';
import { TERMINAL_STATES, type OnboardingRequest, type PendingEffect, type PostedCard, type RequestState } from '../workflow/model';
import { DocumentLock } from './documentLock';
import { KeyLists } from './keyLists';
import { COLLECTIONS } from './mongoConnection';

/** The stored request: the workflow document plus fields only queries need. */
type RequestDocument = OnboardingRequest & {
  /** Number of pending effects, so the worker finds work with an index instead of array queries. */
  outboxCount: number;
  /** Left by versions that leased the request document itself; leases now live in the jobs collection. */
  leaseUntil?: string;
};

/** The employee already has an open request; it is returned instead of opening a duplicate. */
export class DuplicateOpenRequestError extends Error {
  constructor(readonly existing: OnboardingRequest) {
    super(`Requester already has open request ${existing._id}`);
    this.name = 'DuplicateOpenRequestError';
  }
}

/** Another request already has this short reference (a one-in-a-billion draw); a new one is drawn. */
export class ReferenceTakenError extends Error {
  constructor(readonly reference: string) {
    super(`Request reference ${reference} is taken`);
    this.name = 'ReferenceTakenError';
  }
}

/**
 * Points from an employee to their open request, so finding it is a read by `_id`, which every server answers
 * from its primary key (FerretDB v1 cannot push a filter on another field down to SQLite). The unique `openKey`
 * index on requests stays the guarantee of one open request each; this document is written after the request
 * and removed when it closes. A key left behind by a crash is harmless: readers check that the request it
 * points to is still open, and the next insert overwrites it.
 */
interface OpenRequestKey {
  _id: string;
  requestId: string;
}

const isOpen = (d: Pick<OnboardingRequest, 'openKey' | 'requester'>) => d.openKey === d.requester.aadObjectId;

/**
 * States of an open request. Every state is paged through the `by_state` index (on FerretDB with PostgreSQL, the
 * state equality is read through its GIN twin and the page sorted by FerretDB), so no write keeps a company-wide
 * list: a submit or an approval costs the same with 10 open requests or 10,000.
 */
export const OPEN_STATES: ReadonlySet<RequestState> = new Set<RequestState>(
  (['pendingItReview', 'pendingApproval', 'awaitingConsent', 'awaitingEnrollment', 'nonCompliant', 'complianceUndetermined', 'granting'] as const).filter((s) => !TERMINAL_STATES.includes(s)),
);

/** The keys of the lists a request in this state belongs to. */
export function listKeysOf(r: Pick<OnboardingRequest, 'state' | 'approvers' | 'openKey' | 'requester'>): string[] {
  if (!isOpen(r) || r.state !== 'pendingApproval') return [];
  return r.approvers.map((p) => `approver:${p.aadObjectId}`);
}

/** Whether a request (as read) still belongs to the list `key`. */
const belongsTo = (key: string, r: OnboardingRequest) => listKeysOf(r).includes(key);

/** A page of a list: the requests and the cursor of the next page (the last id shown), if there is one. */
export interface RequestPage {
  items: OnboardingRequest[];
  next?: string;
}

const strip = (d: RequestDocument | null): OnboardingRequest | null => {
  if (!d) return null;
  const { outboxCount: _c, leaseUntil: _l, ...rest } = d;
  return rest;
};

/**
 * Onboarding requests. Workflow fields are written with optimistic concurrency on `version`; the outbox and
 * the list of posted cards change only by atomic $push/$pull, so a transition never overwrites an effect
 * completed or a card recorded meanwhile.
 */
export class RequestRepository {
  private readonly collection: Collection<RequestDocument>;
  private readonly openKeys: Collection<OpenRequestKey>;
  /** The tab's lists of requests waiting for each approver (see KeyLists): `approver:<id>`. */
  private readonly lists: KeyLists;
  private readonly lock: DocumentLock;

  constructor(db: Db) {
    this.collection = db.collection<RequestDocument>(COLLECTIONS.requests);
    this.openKeys = db.collection<OpenRequestKey>(COLLECTIONS.openRequestKeys);
    this.lists = new KeyLists(db, COLLECTIONS.requestListKeys);
    this.lock = new DocumentLock(db);
  }

  /** Every change to a stored request goes through here (see DocumentLock for why). */
  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.withLock(`request:${id}`, fn);
  }

  /** Inserts a new request; throws DuplicateOpenRequestError if the requester already has an open one. */
  async insert(request: OnboardingRequest): Promise<OnboardingRequest> {
    const doc: RequestDocument = { ...request, version: 1, outboxCount: request.outbox.length };
    await this.joinLists(request);
    try {
      await this.collection.insertOne(doc);
    } catch (e) {
      if ((e as { code?: number }).code === 11000) {
        const existing = await this.findOpenByRequester(request.requester.aadObjectId);
        if (existing) throw new DuplicateOpenRequestError(existing);
        // No key (a crash came between the request and its key): find the request the slow way, once, and
        // write its key so the next lookup is fast again.
        const unkeyed = await this.collection.findOne({ openKey: request.requester.aadObjectId });
        if (unkeyed) {
          await this.writeOpenKey(unkeyed);
          throw new DuplicateOpenRequestError(strip(unkeyed)!);
        }
        // The unique `by_reference` index refused it (FerretDB's error does not name the index, so ask).
        const holder = await this.collection.findOne({ reference: request.reference }, { projection: { _id: 1 } });
        if (holder && holder._id !== request._id) throw new ReferenceTakenError(request.reference);
      }
      throw e;
    }
    if (isOpen(doc)) await this.writeOpenKey(doc);
    return strip(doc)!;
  }

  /** Points the requester's key at this open request (replacing a key a crash left on a closed one). */
  private async writeOpenKey(request: OnboardingRequest): Promise<void> {
    const _id = request.requester.aadObjectId;
    const set = { requestId: request._id };
    try {
      await this.openKeys.updateOne({ _id }, { $set: set }, { upsert: true });
    } catch (e) {
      // Two upserts of a missing key can race on FerretDB and MongoDB alike; the loser's retry finds it.
      if ((e as { code?: number }).code !== 11000) throw e;
      await this.openKeys.updateOne({ _id }, { $set: set });
    }
  }

  /**
   * Writes the workflow fields if nobody changed them since `request.version` and appends `newEffects` to the
   * outbox, in one atomic update. Throws ConcurrencyError when the version moved on.
   */
  async save(request: OnboardingRequest, newEffects: PendingEffect[] = []): Promise<OnboardingRequest> {
    const { _id, version, cards: _cards, outbox: _outbox, outboxNotBefore: _nb, outboxAttempts: _at, ...fields } = request;
    const set: Record<string, unknown> = { version: version + 1 };
    const unset: Record<string, ''> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) unset[k] = '';
      else set[k] = v;
    }
    const update: Record<string, unknown> = { $set: set };
    if (Object.keys(unset).length) update.$unset = unset;
    if (newEffects.length) {
      update.$push = { outbox: { $each: newEffects } };
      update.$inc = { outboxCount: newEffects.length };
    }
    await this.joinLists(request);
    const saved = await this.locked(_id, async () => {
      // One round trip: the conditional update returns the document as written.
      const after = await this.collection.findOneAndUpdate({ _id, version }, update, { returnDocument: 'after' });
      if (!after) throw new ConcurrencyError(_id, version);
      return strip(after)!;
    });
    // Closing frees the requester to open another; only this request's key is removed.
    if (!isOpen(saved)) await this.openKeys.deleteOne({ _id: saved.requester.aadObjectId, requestId: _id });
    return saved;
  }

  /** Adds the request to the lists its state belongs to (a no-op for lists it is in already). */
  private joinLists(request: OnboardingRequest): Promise<void> {
    return this.lists.join(listKeysOf(request), request._id);
  }

  private pageOfList(key: string, after: string | undefined, limit: number, oldestFirst: boolean): Promise<RequestPage> {
    return this.lists.page(key, { after, limit, oldestFirst, read: (id) => this.get(id), belongs: (r) => belongsTo(key, r) });
  }

  /** Requests waiting for `aadObjectId`'s approval, oldest first, a page at a time. */
  pageWaitingFor(aadObjectId: string, after: string | undefined, limit = 50): Promise<RequestPage> {
    return this.pageOfList(`approver:${aadObjectId}`, after, limit, true);
  }

  /**
   * Requests in `state`, most recently changed first, a page at a time: by the `by_state` index with an
   * (updatedAt, _id) cursor.
   */
  async pageByState(state: OnboardingRequest['state'], after: string | undefined, limit = 50): Promise<RequestPage> {
    const [updatedAt, id] = after ? [after.slice(0, after.indexOf('|')), after.slice(after.indexOf('|') + 1)] : [];
    const filter = updatedAt ? { state, $or: [{ updatedAt: { $lt: updatedAt } }, { updatedAt, _id: { $lt: id } }] } : { state };
    const docs = await this.collection.find(filter).sort({ updatedAt: -1, _id: -1 }).limit(limit + 1).toArray();
    const items = docs.slice(0, limit).map((d) => strip(d)!);
    return docs.length > limit ? { items, next: `${items.at(-1)!.updatedAt}|${items.at(-1)!._id}` } : { items };
  }

  /** How many open requests are in each open state (a count per state by `by_state`); made when someone opens IT's charts. */
  async openCounts(): Promise<Map<OnboardingRequest['state'], number>> {
    const out = new Map<OnboardingRequest['state'], number>();
    await Promise.all([...OPEN_STATES].map(async (state) => out.set(state, await this.collection.countDocuments({ state }))));
    return out;
  }

  /**
   * Requests granted since `since`, with when each was submitted (the digest's daily time-to-access count). Read once
   * a day by the background digest: by the `by_state` index on MongoDB, a filtered pass on FerretDB.
   */
  async grantedSince(since: string): Promise<{ createdAt: string; grantedAt: string }[]> {
    const docs = await this.collection.find({ state: 'granted', 'access.grantedAt': { $gte: since } }, { projection: { createdAt: 1, access: 1 } }).toArray();
    return docs.map((d) => ({ createdAt: d.createdAt, grantedAt: d.access!.grantedAt! }));
  }

  /** Requesters whose display name starts with `prefix` (case-insensitive), from their requests. */
  async findRequesters(prefix: string, limit = 10): Promise<{ aadObjectId: string; displayName: string }[]> {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const docs = await this.collection
      .find({ 'requester.displayName': { $regex: `^${escaped}`, $options: 'i' } }, { projection: { requester: 1 } })
      .limit(limit * 5)
      .toArray();
    const people = new Map(docs.map((d) => [d.requester.aadObjectId, { aadObjectId: d.requester.aadObjectId, displayName: d.requester.displayName }]));
    return [...people.values()].slice(0, limit);
  }

  /** One request by id. */
  async get(id: string): Promise<OnboardingRequest | null> {
    return strip(await this.collection.findOne({ _id: id }));
  }

  /** One request by its short reference (DEV-…), or null. */
  async findByReference(reference: string): Promise<OnboardingRequest | null> {
    return strip(await this.collection.findOne({ reference }));
  }

  /**
   * Requests waiting for approval, with what their approval timers are computed from. A full read, made once at
   * start-up to give requests written by an earlier version (which had no approval timers) their timer job.
   */
  async listPendingApproval(): Promise<Pick<OnboardingRequest, '_id' | 'state' | 'createdAt' | 'updatedAt' | 'approverSource' | 'approval'>[]> {
    return this.collection
      .find({ state: 'pendingApproval' }, { projection: { _id: 1, state: 1, createdAt: 1, updatedAt: 1, approverSource: 1, approval: 1 } })
      .toArray();
  }

  /** The requester's open request, if any. */
  async findOpenByRequester(aadObjectId: string): Promise<OnboardingRequest | null> {
    const key = await this.openKeys.findOne({ _id: aadObjectId });
    if (!key) return null;
    const request = await this.collection.findOne({ _id: key.requestId });
    return request && isOpen(request) && request.requester.aadObjectId === aadObjectId ? strip(request) : null;
  }

  /** The requester's requests, newest first. */
  async listByRequester(aadObjectId: string, limit = 20): Promise<OnboardingRequest[]> {
    const docs = await this.collection.find({ 'requester.aadObjectId': aadObjectId }).sort({ createdAt: -1 }).limit(limit).toArray();
    return docs.map((d) => strip(d)!);
  }

  /** Requests in `state` that `aadObjectId` is a recorded approver of, oldest first (index `by_approver`; the tab reads pageWaitingFor). */
  async listByApprover(aadObjectId: string, state: OnboardingRequest['state'], limit = 50): Promise<OnboardingRequest[]> {
    const docs = await this.collection.find({ 'approvers.aadObjectId': aadObjectId, state }).sort({ createdAt: 1 }).limit(limit).toArray();
    return docs.map((d) => strip(d)!);
  }

  /** Requests in `state`, most recently changed first (index `by_state`). */
  async listByState(state: OnboardingRequest['state'], limit = 100): Promise<OnboardingRequest[]> {
    const docs = await this.collection.find({ state }).sort({ updatedAt: -1 }).limit(limit).toArray();
    return docs.map((d) => strip(d)!);
  }

  /** Records a card the bot posted for the request. */
  async addCard(id: string, card: PostedCard): Promise<void> {
    await this.locked(id, () => this.collection.updateOne({ _id: id }, { $push: { cards: card } }));
  }

  /**
   * Removes a carried-out (or abandoned) effect and resumes the queue. `pending` must be the element exactly as
   * read: FerretDB's $pull matches whole documents, not a partial condition as MongoDB does.
   */
  async completeEffect(id: string, pending: PendingEffect): Promise<void> {
    await this.completeEffects(id, [pending]);
  }

  /**
   * Removes carried-out effects, records the cards they posted and resumes the queue, in one write: every write
   * to a request holds the lock on FerretDB (three writes there), so a drain pays for one per step, not one per
   * effect and one per card. `done` must be the elements exactly as read ($pullAll matches whole documents, on
   * FerretDB and MongoDB alike). Effects another holder removed meanwhile are not counted twice: the update
   * applies only while all of them are still queued, and otherwise records the cards alone.
   */
  async completeEffects(id: string, done: readonly PendingEffect[], cards: readonly PostedCard[] = []): Promise<void> {
    if (!done.length && !cards.length) return;
    const unset: Record<string, ''> = { outboxNotBefore: '' };
    for (const p of done) unset[`outboxAttempts.${p.id}`] = '';
    const update: Record<string, unknown> = { $pullAll: { outbox: done }, $inc: { outboxCount: -done.length }, $unset: unset };
    if (cards.length) update.$push = { cards: { $each: cards } };
    await this.locked(id, async () => {
      if (done.length) {
        // `$in`, not a plain equality: FerretDB v1 on PostgreSQL pushes an equality on a path through an array
        // down to SQL for updates and then matches nothing; `$in` is matched by FerretDB itself, after `_id`.
        const ids = done.map((p) => p.id);
        const queued = ids.length === 1 ? { 'outbox.id': { $in: ids } } : { $and: ids.map((e) => ({ 'outbox.id': { $in: [e] } })) };
        const r = await this.collection.updateOne({ _id: id, ...queued }, update);
        if (r.matchedCount === 1) return;
      }
      if (cards.length) await this.collection.updateOne({ _id: id }, { $push: { cards: { $each: [...cards] } } });
    });
  }

  /** Pauses the queue after a failed attempt so the worker retries later. */
  async deferEffect(id: string, effectId: string, attempts: number, notBefore: string): Promise<void> {
    await this.locked(id, () => this.collection.updateOne({ _id: id }, { $set: { outboxNotBefore: notBefore, [`outboxAttempts.${effectId}`]: attempts } }));
  }

  /**
   * Requests that have pending effects or a scheduled compliance check, with when each is next due. A full read,
   * made once at start-up to give work written by an earlier version (which kept no jobs) a job.
   */
  async listWithPendingWork(): Promise<{ _id: string; dueAt: string; check?: boolean }[]> {
    const docs = await this.collection
      .find({ $or: [{ outboxCount: { $gt: 0 } }, { nextCheckAt: { $exists: true } }] }, { projection: { _id: 1, outboxCount: 1, outboxNotBefore: 1, nextCheckAt: 1 } })
      .toArray();
    // Effects waiting in the document come first (the request's job); otherwise the scheduled check (its own job).
    return docs.map((d) => (d.outboxCount > 0 ? { _id: d._id, dueAt: d.outboxNotBefore ?? '' } : { _id: d._id, dueAt: d.nextCheckAt ?? '', check: true }));
  }
}
