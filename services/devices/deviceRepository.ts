import type { Collection, Db } from 'mongodb';
import type { SweptDevice } from '../graph/intuneSweep';
import { DocumentLock } from '../storage/documentLock';
import { KeyLists } from '../storage/keyLists';
import { COLLECTIONS } from '../storage/mongoConnection';
import { ConcurrencyError } from '../workflow/errors';
import type { DeviceCore } from '../workflow/deviceTransition';
import type { AuditEntry, PersonRef } from '../workflow/model';

/**
 * An enrolled device: created when access is granted, it outlives the request that created it. `_id` is the
 * Intune managed device id. The chain head of its audit trail and the commit tokens of its outbox entries live
 * here, written in the same document write as each state change.
 */
export interface EnrolledDevice extends DeviceCore {
  version: number;
  person: PersonRef;
  requestId: string;
  /** The consent record the grant relied on. */
  consentId?: string;
  deviceName: string;
  operatingSystem: string;
  /** The directory object that is (or was) in the access group, and the group. */
  access: { groupId: string; memberId: string };
  /** The IT alert of the current failing settings. */
  alertId?: string;
  createdAt: string;
  updatedAt: string;
  /** The newest audit entry (the chain head); re-appended before the next one, so none is ever left unwritten. */
  auditHead: AuditEntry;
  /** Commit tokens of recent writes (see Outbox). */
  outboxTokens: string[];
}

export const DEVICES_COLLECTION = 'enrolledDevices';
/** Device ids per state (`state:<state>`), as key documents read by `_id` (see KeyLists). */
export const DEVICE_LISTS_COLLECTION = 'enrolledDeviceLists';

/** What a sweep keeps of each watched device while it runs. */
export interface WatchedState extends Pick<EnrolledDevice, 'state' | 'version'> {
  /** The person's Entra object id, lower-case. */
  personId: string;
}

/** Documents per cursor batch of a sweep's reads (the driver's later batches are otherwise up to 16 MB). */
const CURSOR_BATCH = 1000;

/** The devices Intune listed during the running sweep, written page by page and read back in id order. */
export const SWEEP_SIGHTINGS_COLLECTION = 'complianceSweepSightings';
interface Sighting extends SweptDevice {
  /** `<sweep id>|<device id>`: a sweep's sightings sort by device id. */
  _id: string;
  sweep: string;
}

/** Enrolled devices, written with optimistic concurrency. */
export class DeviceRepository {
  readonly collection: Collection<EnrolledDevice>;
  private readonly lock: DocumentLock;
  private readonly heads: Collection<{ _id: string; collection: string; chainId: string; seq: number; hash: string }>;
  private readonly lists: KeyLists;
  private readonly sightings: Collection<Sighting>;

  constructor(db: Db) {
    this.lock = new DocumentLock(db);
    this.heads = db.collection(COLLECTIONS.chainHeads);
    this.collection = db.collection<EnrolledDevice>(DEVICES_COLLECTION);
    this.lists = new KeyLists(db, DEVICE_LISTS_COLLECTION);
    this.sightings = db.collection<Sighting>(SWEEP_SIGHTINGS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ 'person.aadObjectId': 1 }, { name: 'by_person' });
    await this.collection.createIndex({ state: 1, graceEndsAt: 1 }, { name: 'by_state_grace_end' });
  }

  async get(id: string): Promise<EnrolledDevice | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Inserts a new device; false when one with this id exists already. */
  async create(device: EnrolledDevice): Promise<boolean> {
    await this.lists.join([`state:${device.state}`], device._id);
    try {
      await this.collection.insertOne(device);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 11000) return false;
      throw e;
    }
  }

  /**
   * Replaces the device if it is still at `expectedVersion`; throws ConcurrencyError otherwise. Under the
   * per-document lock, because FerretDB v1 applies a conditional replace as a separate read and write.
   */
  async save(next: EnrolledDevice, expectedVersion: number): Promise<void> {
    await this.lists.join([`state:${next.state}`], next._id);
    const r = await this.lock.withLock(`device:${next._id}`, () => this.collection.replaceOne({ _id: next._id, version: expectedVersion }, next));
    if (r.matchedCount !== 1) throw new ConcurrencyError(next._id, expectedVersion);
  }

  /**
   * The state and version of every watched (not retired) device, read once per sweep with a projection: one pass
   * over the collection instead of a query per page (FerretDB does not push a large `$in` down to its backend).
   */
  async watchedStates(): Promise<Map<string, WatchedState>> {
    const out = new Map<string, WatchedState>();
    for await (const d of this.collection.find({ state: { $ne: 'retired' } }, { projection: { _id: 1, state: 1, version: 1, 'person.aadObjectId': 1 } })) {
      out.set(d._id, { state: d.state, version: d.version, personId: d.person.aadObjectId.toLowerCase() });
    }
    return out;
  }

  /**
   * The watched devices created by `before`, in id order, read by cursor (a batch at a time): a sweep merges
   * them with its sightings without holding either list.
   */
  async *watchedInIdOrder(before: string): AsyncGenerator<WatchedState & { _id: string }> {
    const cursor = this.collection.find({ state: { $ne: 'retired' }, createdAt: { $lte: before } }, { projection: { _id: 1, state: 1, version: 1, 'person.aadObjectId': 1 } }).sort({ _id: 1 }).batchSize(CURSOR_BATCH);
    for await (const d of cursor) yield { _id: d._id, state: d.state, version: d.version, personId: d.person.aadObjectId.toLowerCase() };
  }

  /** The people (lower-case Entra object ids) with watched devices created by `before`, each once, by cursor. */
  async *watchedPeople(before: string): AsyncGenerator<string> {
    let last: string | undefined;
    const cursor = this.collection.find({ state: { $ne: 'retired' }, createdAt: { $lte: before } }, { projection: { _id: 0, 'person.aadObjectId': 1 } }).sort({ 'person.aadObjectId': 1 }).batchSize(CURSOR_BATCH);
    for await (const d of cursor) {
      const id = d.person.aadObjectId.toLowerCase();
      if (id !== last) yield id;
      last = id;
    }
  }

  /** Starts a sweep's sightings, dropping any an interrupted sweep left (one sweep runs at a time, under its lease). */
  async beginSightings(sweep: string): Promise<void> {
    await this.sightings.deleteMany({ sweep: { $ne: sweep } });
  }

  /** Records one page of devices Intune listed (a device listed twice is kept once). */
  async recordSightings(sweep: string, devices: readonly SweptDevice[]): Promise<void> {
    if (!devices.length) return;
    try {
      await this.sightings.insertMany(devices.map((d) => ({ ...d, _id: `${sweep}|${d.id}`, sweep })), { ordered: false });
    } catch (e) {
      const errors = (e as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
      const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
      if (!list.length || list.some((w) => w.code !== 11000)) throw e;
    }
  }

  /** A sweep's sightings in device id order, by cursor. */
  async *sightingsInIdOrder(sweep: string): AsyncGenerator<SweptDevice> {
    yield* this.sightings.find({ sweep }, { projection: { sweep: 0 } }).sort({ _id: 1 }).batchSize(CURSOR_BATCH).map(({ _id, ...seen }) => ({ ...seen, id: _id.slice(sweep.length + 1) }));
  }

  /** Removes a sweep's sightings when it ends. */
  async endSightings(sweep: string): Promise<void> {
    await this.sightings.deleteMany({ sweep });
  }

  /**
   * Publishes a device's audit chain head where audit verification finds heads of chains that have no request
   * (`chainHeads`); the device document keeps the authoritative copy and every change publishes it again, so a
   * crash between the two is repaired by the device's next change. An older head never replaces a newer one.
   */
  async publishHead(entry: AuditEntry): Promise<void> {
    const _id = `${COLLECTIONS.audit}:${entry.requestId}`;
    try {
      await this.heads.updateOne({ _id, seq: { $lt: entry.seq } }, { $set: { collection: COLLECTIONS.audit, chainId: entry.requestId, seq: entry.seq, hash: entry.hash } }, { upsert: true });
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** Devices in grace whose period ends before `before`, soonest first (the digest's "nearing the end"). */
  async inGraceEndingBefore(before: string, limit = 20): Promise<EnrolledDevice[]> {
    return this.collection.find({ state: 'inGrace', graceEndsAt: { $lte: before } }).sort({ graceEndsAt: 1 }).limit(limit).toArray();
  }

  /** A person's devices, most recently changed first (index `by_person`). */
  async listForPerson(aadObjectId: string, limit = 50): Promise<EnrolledDevice[]> {
    const docs = await this.collection.find({ 'person.aadObjectId': aadObjectId }).limit(limit).toArray();
    return docs.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** One page of the devices in `state`, the latest to enter it first, after the device id `after` (a key document). */
  pageByState(state: EnrolledDevice['state'], after: string | undefined, limit: number): Promise<{ items: EnrolledDevice[]; next?: string }> {
    return this.lists.page(`state:${state}`, { after, limit, oldestFirst: false, read: (id) => this.get(id), belongs: (d) => d.state === state });
  }

  /**
   * How many devices are in each state, and the failing settings of those not compliant (IT's charts): one pass
   * over the collection with a projection, like the sweep's, made when someone opens the charts.
   */
  async stateSummary(): Promise<{ counts: Map<EnrolledDevice['state'], number>; failing: Pick<EnrolledDevice, 'platform' | 'failing'>[] }> {
    const counts = new Map<EnrolledDevice['state'], number>();
    const failing: Pick<EnrolledDevice, 'platform' | 'failing'>[] = [];
    for await (const d of this.collection.find({}, { projection: { state: 1, platform: 1, failing: 1 } })) {
      counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
      if (d.failing?.length) failing.push({ platform: d.platform, failing: d.failing });
    }
    return { counts, failing };
  }
}
