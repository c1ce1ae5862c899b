import { randomInt } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Activity } from 'botbuilder';
import type { Logger } from '../logging/logger';
import { renderThirdPartyReviewCard } from '../../cards/thirdPartyCard';
import type { DirectoryService } from '../graph/graphTypes';
import { dueSlot, type JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import type { DeliveryLog } from '../messaging/deliveryLog';
import { cardActivity, type Messenger } from '../messaging/proactiveMessenger';
import { Outbox, type OutboxEntry } from '../outbox/outbox';
import type { AggregateChain } from '../storage/aggregateChain';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import { DocumentLock } from '../storage/documentLock';
import { ConcurrencyError, NotFoundError, ValidationError } from '../workflow/errors';
import type { AuditEntry } from '../workflow/model';
import {
  reminderDue,
  registerTransition,
  REGISTER_ROLES,
  RegisterNotAuthorizedError,
  type LegalBasis,
  type RegisterEvent,
  type RegisterPolicy,
  type ThirdPartyCore,
} from '../workflow/thirdPartyRegister';
import type { Actor, Role } from '../workflow/transition';

/** A register entry as stored: its chain head and outbox commit tokens live with it. */
export interface ThirdPartyEntry extends ThirdPartyCore {
  version: number;
  createdAt: string;
  updatedAt: string;
  auditHead: AuditEntry;
  outboxTokens: string[];
}

/** What IT gives to add an entry; the owner is named by user principal name or object id. */
export interface NewThirdParty {
  name: string;
  dataShared: string;
  owner: string;
  purpose: string;
  legalBasis: LegalBasis;
  lastReviewOn: string;
  nextReviewOn?: string;
}

export const THIRD_PARTIES_COLLECTION = 'thirdParties';
export const THIRD_PARTY_AGGREGATE = 'thirdParty';
export const THIRD_PARTY_REMINDER = 'thirdPartyReminder';
const REVIEW_SUBJECT = 'register';
/** Privacy SOP §7: third-party integrations are reviewed regularly for compliance. */
const CONTROLS = ['Privacy SOP §7 third-party integrations', 'GDPR Art. 28 and 30'];
const PROCEDURE_STEP = 7;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Who may read the register: its keepers and auditors. */
const READERS: readonly Role[] = ['itSecurity', 'admin', 'auditor'];

const auditActor = (actor: Actor): AuditEntry['actor'] =>
  actor.kind === 'user' ? { kind: 'user', aadObjectId: actor.aadObjectId, displayName: actor.displayName } : { kind: 'system' };

/** Register settings, from configuration. */
export interface RegisterOptions extends RegisterPolicy {
  /** How often the review reminder job looks at the register. */
  checkEveryMs: number;
}

/**
 * The third-party integrations register: add, review and remove entries (IT Security and administrators; an
 * entry's owner may record its review), each change one version-checked write with the entry's audit chain head,
 * and a scheduled job that reminds the owner and IT, through the shared outbox, when a review is due.
 */
export class ThirdPartyRegister {
  readonly collection: Collection<ThirdPartyEntry>;
  private readonly lock: DocumentLock;

  constructor(
    db: Db,
    private readonly chain: AggregateChain,
    private readonly outbox: Outbox,
    private readonly jobs: JobQueue,
    private readonly directory: DirectoryService,
    private readonly options: RegisterOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<ThirdPartyEntry>(THIRD_PARTIES_COLLECTION);
    this.lock = new DocumentLock(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ status: 1, nextReviewOn: 1 }, { name: 'by_status_next_review' });
  }

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }

  /** The register (active entries, or all with removed ones), for its keepers and auditors. */
  async list(actor: Actor, includeRemoved = false): Promise<ThirdPartyEntry[]> {
    if (actor.kind !== 'user' || !actor.roles.some((r) => READERS.includes(r))) throw new RegisterNotAuthorizedError('register', actor.kind === 'user' ? actor.aadObjectId : 'system', 'list');
    return this.collection.find(includeRemoved ? {} : { status: 'active' }).sort({ nextReviewOn: 1, name: 1 }).toArray();
  }

  get(id: string): Promise<ThirdPartyEntry | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Adds an entry; the next review defaults to the review interval after the last one. */
  async add(actor: Actor, input: NewThirdParty): Promise<ThirdPartyEntry> {
    if (actor.kind !== 'user' || !actor.roles.some((r) => REGISTER_ROLES.includes(r))) throw new RegisterNotAuthorizedError('new', actor.kind === 'user' ? actor.aadObjectId : 'system', 'add');
    const owner = input.owner ? await this.directory.getUser(input.owner) : undefined;
    if (!owner) throw new ValidationError([`Owner ${input.owner || '(none)'} is not a person in the directory.`]);
    let id = 'TP-';
    for (let i = 0; i < 6; i++) id += ALPHABET[randomInt(ALPHABET.length)];
    const lastReviewOn = input.lastReviewOn || this.today();
    const nextReviewOn = input.nextReviewOn || new Date(Date.parse(`${lastReviewOn}T00:00:00Z`) + this.options.reviewIntervalDays * 86_400_000).toISOString().slice(0, 10);
    const fields = { name: input.name, dataShared: input.dataShared, owner: { aadObjectId: owner.id, displayName: owner.displayName }, purpose: input.purpose, legalBasis: input.legalBasis, lastReviewOn, nextReviewOn };
    return this.change(id, { type: 'add', fields }, actor);
  }

  /** Records a review (today); the next one is the interval later unless a date is given. */
  review(actor: Actor, id: string, nextReviewOn?: string): Promise<ThirdPartyEntry> {
    return this.change(id, { type: 'review', nextReviewOn }, actor);
  }

  /** Removes an entry (kept, marked removed, with its trail). */
  remove(actor: Actor, id: string): Promise<ThirdPartyEntry> {
    return this.change(id, { type: 'remove' }, actor);
  }

  /** Applies one change: validated by the pure rules, audited in the entry's chain, version-checked. */
  async change(id: string, event: RegisterEvent, actor: Actor): Promise<ThirdPartyEntry> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.collection.findOne({ _id: id });
      if (!current && event.type !== 'add') throw new NotFoundError('third-party register entry', id);
      const core = registerTransition(current, id, event, actor.kind === 'user' ? { kind: 'user', aadObjectId: actor.aadObjectId, roles: actor.roles } : { kind: 'system' }, this.options, this.today());
      if (current && core === (current as ThirdPartyCore)) return current;
      const at = this.clock().toISOString();
      const version = (current?.version ?? 0) + 1;
      const commitToken = Outbox.newCommitToken();
      const details: AuditEntry['details'] = {
        name: core.name,
        ownerAadObjectId: core.owner.aadObjectId,
        legalBasis: core.legalBasis,
        lastReviewOn: core.lastReviewOn,
        nextReviewOn: core.nextReviewOn,
        dataShared: core.dataShared,
        purpose: core.purpose,
      };
      if (event.type === 'remind') details.reminder = event.reminder;
      const entry = this.chain.next(`${THIRD_PARTY_AGGREGATE}:${id}`, current?.auditHead, {
        at,
        actor: auditActor(actor),
        event: event.type,
        from: current?.status ?? null,
        to: core.status,
        procedureStep: PROCEDURE_STEP,
        controls: CONTROLS,
        details,
      });
      const next: ThirdPartyEntry = {
        ...core,
        version,
        createdAt: current?.createdAt ?? at,
        updatedAt: at,
        auditHead: entry,
        outboxTokens: [...(current?.outboxTokens ?? []), commitToken].slice(-50),
      };
      if (event.type === 'remind') {
        const key = `${THIRD_PARTY_AGGREGATE}:${id}:review:${core.nextReviewOn}:${event.reminder}:${commitToken}`;
        await this.outbox.stage({ type: THIRD_PARTY_AGGREGATE, id, version, commitToken }, [
          { key: `${key}:owner`, kind: THIRD_PARTY_REMINDER, payload: { entryId: id, to: 'owner', reminder: event.reminder } },
          { key: `${key}:it`, kind: THIRD_PARTY_REMINDER, payload: { entryId: id, to: 'it', reminder: event.reminder } },
        ]);
      }
      try {
        await this.chain.settle(current?.auditHead);
        if (current) {
          const r = await this.lock.withLock(`thirdParty:${id}`, () => this.collection.replaceOne({ _id: id, version: current.version }, next));
          if (r.matchedCount !== 1) throw new ConcurrencyError(id, current.version);
        } else {
          await this.collection.insertOne(next);
        }
      } catch (e) {
        if ((e instanceof ConcurrencyError || (e as { code?: number }).code === 11000) && attempt < 5) continue;
        throw e;
      }
      await this.chain.written(entry);
      this.logger.info({ entryId: id, event: event.type, status: next.status }, 'third-party register changed');
      return next;
    }
  }

  /** The review reminder job: records and sends each reminder that has come due; returns when to look again. */
  async remindDue(): Promise<Date> {
    const today = this.today();
    for (const e of await this.collection.find({ status: 'active' }).toArray()) {
      const due = reminderDue(e, this.options, today);
      if (due) await this.change(e._id, { type: 'remind', reminder: due }, { kind: 'system' });
    }
    return new Date(this.clock().getTime() + this.options.checkEveryMs);
  }

  /** Runs the review reminder job under its lease. */
  async runClaimed(lease: Lease): Promise<void> {
    const seenRev = await this.jobs.revision(lease);
    let next: Date | null = new Date(this.clock().getTime() + 60_000);
    try {
      next = await this.remindDue();
    } finally {
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Schedules the review reminder job once (two instances starting together create it once). */
  async start(): Promise<void> {
    try {
      await this.jobs.collection.updateOne({ _id: `thirdPartyReview:${REVIEW_SUBJECT}` }, { $setOnInsert: { kind: 'thirdPartyReview', subject: REVIEW_SUBJECT, dueAt: this.clock(), slot: dueSlot(this.clock()), rev: 0 } }, { upsert: true });
    } catch (e) {
      if ((e as { code?: number }).code !== 11000) throw e;
    }
  }

  /** Registers the reminder handler and the entry's commit record on the shared outbox. */
  register(outbox: Outbox, messenger: Messenger, deliveries: DeliveryLog, refs: ConversationReferenceRepository): void {
    outbox.aggregate(THIRD_PARTY_AGGREGATE, async (id) => {
      const e = await this.collection.findOne({ _id: id }, { projection: { version: 1, outboxTokens: 1 } });
      return e ? { version: e.version, outboxTokens: e.outboxTokens ?? [] } : null;
    });
    outbox.handle(THIRD_PARTY_REMINDER, async (o: OutboxEntry) => {
      const p = o.payload as { entryId: string; to: 'owner' | 'it'; reminder: 'dueSoon' | 'overdue' };
      const e = await this.get(p.entryId);
      if (!e || e.status !== 'active') return;
      const card = renderThirdPartyReviewCard({ entry: e, reminder: p.reminder, audience: p.to });
      const prior = await deliveries.begin(o._id);
      if (prior.state === 'delivered') return;
      const via = (await refs.findUser(e.owner.aadObjectId))?.reference;
      const activity = cardActivity(card, `Review due: ${e.name}`) as Partial<Activity>;
      if (p.to === 'it' && !messenger.hasItChannel) return;
      const delivery = p.to === 'owner' ? await messenger.sendToUser(e.owner.aadObjectId, activity, via) : await messenger.sendToItChannel(activity, via);
      await deliveries.confirm(o._id, delivery);
    });
  }
}
