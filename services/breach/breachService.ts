import { createHash, randomInt } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import type { DirectoryService } from '../graph/graphTypes';
import { INCIDENTS_COLLECTION } from '../incidents/incidentRepository';
import type { JobQueue } from '../jobs/jobQueue';
import { Outbox, type NewOutboxEntry } from '../outbox/outbox';
import type { AggregateChain } from '../storage/aggregateChain';
import {
  breachTransition,
  deadlinesFor,
  InvalidBreachTransitionError,
  mayRunBreach,
  noticeTransition,
  type BreachActor,
  type BreachEffect,
  type BreachEvent,
  type BreachPolicy,
  type NoticeEvent,
  type Regulation,
} from '../workflow/breachTransition';
import { ConcurrencyError, NotFoundError, ValidationError } from '../workflow/errors';
import type { AuditEntry } from '../workflow/model';
import type { Actor } from '../workflow/transition';
import { resolveAffected } from './affectedPeople';
import { noticeId, type AffectedSelector, type Breach, type BreachNotice, type BreachRepository } from './breachRepository';
import { DEFAULT_NOTICE_TEMPLATE, noticeTemplateProblems, templateSha256 } from './noticeTemplate';

/** The outbox kinds breaches use. */
export const BreachOutboxKind = {
  Notice: 'breachNotice',
  Reminder: 'breachReminder',
  ItReminder: 'breachItReminder',
  ItCard: 'breachItCard',
} as const;

export const BREACH_AGGREGATE = 'breach';
/** The jobs kind of a breach's timer (reminders, status refresh, settling the fan-out). */
export const BREACH_TIMER = 'breachTimer' as const;
/** Audit streams: the breach's own chain, and one per affected person's notice. */
export const breachAuditStream = (breachId: string) => `breach:${breachId}`;
export const noticeAuditStream = (id: string) => `breachNotice:${id}`;
/** Idempotency key of one person's notice in one breach (the delivery log's key): each person is told once. */
export const noticeDeliveryKey = (breachId: string, aadObjectId: string) => `breach:${breachId}:notice:${aadObjectId}`;

/** Privacy SOP §6 (incident response: notify users and stakeholders); HIPAA 45 CFR 164.404; GDPR Art. 33 and 34. */
const CONTROLS = ['Privacy SOP §6 breach notification', 'HIPAA 45 CFR 164.404', 'GDPR Art. 33-34'];
const PROCEDURE_STEP = 6;
const MAX_CONFLICT_RETRIES = 5;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Breach settings, from configuration. */
export interface BreachOptions {
  regulations: readonly Regulation[];
  policy: BreachPolicy;
  /** Notices (and reminders) sent per second across all people: Teams allows 50 per second per app and tenant. */
  sendPerSecond: number;
}

/** What IT gives to declare a breach. */
export interface DeclareBreachInput {
  incidentId: string;
  actor: Actor;
  /** Regulation ids from the configured table (e.g. HIPAA, GDPR). */
  regulations: readonly string[];
  affected: AffectedSelector;
  /** The organisation's notice template; the default text when absent. */
  text?: string;
}

/** The acting person of a breach command (IT Security or an administrator). */
type Person = Extract<Actor, { kind: 'user' }>;

/** The incident is unknown: a breach is declared only from a recorded incident. */
export class IncidentNotFoundError extends NotFoundError {
  constructor(incidentId: string) {
    super('incident', incidentId);
    this.name = 'IncidentNotFoundError';
  }
}

/** Only IT Security and administrators declare and run breach notifications. */
export class BreachRoleError extends Error {
  override readonly name = 'BreachRoleError';
  constructor(
    readonly actorId: string,
    readonly action: string,
  ) {
    super(`${actorId} may not ${action}: IT Security or an administrator only`);
  }
}

const toBreachActor = (actor: Actor): BreachActor => (actor.kind === 'user' ? { kind: 'user', aadObjectId: actor.aadObjectId, roles: actor.roles } : { kind: 'system' });
const auditActor = (actor: Actor): AuditEntry['actor'] =>
  actor.kind === 'user' ? { kind: 'user', aadObjectId: actor.aadObjectId, displayName: actor.displayName } : { kind: 'system' };

/**
 * The breach notification's use cases: declare from an incident (a draft whose notice IT previews), send, record
 * the authority's notification, close; acknowledgements by the people told; the timer's reminders. Each change of
 * a breach is one version-checked write carrying its audit chain head and the commit token of the outbox entries
 * it owes (staged just before, see Outbox); each person's notice is a small aggregate with its own chain.
 */
export class BreachService {
  private readonly regulations: ReadonlyMap<string, Regulation>;

  constructor(
    private readonly db: Db,
    private readonly repo: BreachRepository,
    private readonly chain: AggregateChain,
    private readonly outbox: Outbox,
    private readonly jobs: JobQueue,
    private readonly directory: DirectoryService,
    private readonly options: BreachOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.regulations = new Map(options.regulations.map((r) => [r.id.toUpperCase(), r]));
  }

  get(id: string): Promise<Breach | null> {
    return this.repo.get(id);
  }

  private requireRole(actor: Actor, action: string): asserts actor is Person {
    if (actor.kind !== 'user' || !mayRunBreach(actor.roles)) throw new BreachRoleError(actor.kind === 'user' ? actor.aadObjectId : 'system', action);
  }

  /**
   * Declares a breach from an incident: checks the actor's role, the incident, the regulations and the notice
   * text; resolves the affected people; stores the breach as a draft with one pending notice per person. Nothing
   * is sent until IT, having previewed the notice, sends it ({@link send}).
   */
  async declare(input: DeclareBreachInput): Promise<Breach> {
    this.requireRole(input.actor, 'declare a breach');
    const actor = input.actor;
    const incident = await this.db.collection<{ _id: string; openedAt?: string | Date }>(INCIDENTS_COLLECTION).findOne({ _id: input.incidentId }, { projection: { openedAt: 1 } });
    if (!incident) throw new IncidentNotFoundError(input.incidentId);
    const problems: string[] = [];
    const regs = [...new Set(input.regulations.map((r) => r.trim().toUpperCase()))].map((id) => {
      const r = this.regulations.get(id);
      if (!r) problems.push(`Unknown regulation ${id} (configured: ${[...this.regulations.keys()].join(', ')}).`);
      return r;
    });
    if (!regs.length) problems.push('Name at least one regulation.');
    const template = input.text?.trim() ? input.text.trim() : DEFAULT_NOTICE_TEMPLATE;
    problems.push(...noticeTemplateProblems(template));
    if (problems.length) throw new ValidationError(problems);
    const people = await resolveAffected(this.db, this.directory, input.affected);

    const now = this.clock();
    const at = now.toISOString();
    const opened = incident.openedAt ? new Date(incident.openedAt) : now;
    const discoveredAt = Number.isNaN(opened.getTime()) ? now : opened;
    let id = '';
    for (let i = 0; i < 6; i++) id += ALPHABET[randomInt(ALPHABET.length)];
    id = `BR-${id}`;
    await this.repo.createNotices(
      people.map((p) => ({
        _id: noticeId(id, p.aadObjectId),
        breachId: id,
        person: { aadObjectId: p.aadObjectId, displayName: p.displayName },
        selectedBy: p.selectedBy,
        state: 'pending',
        remindersSent: 0,
        version: 1,
        createdAt: at,
        updatedAt: at,
      })),
    );
    const base: Omit<Breach, 'auditHead'> = {
      _id: id,
      version: 1,
      state: 'draft',
      incidentId: input.incidentId,
      declaredBy: { aadObjectId: actor.aadObjectId, displayName: actor.displayName },
      declaredAt: at,
      discoveredAt: discoveredAt.toISOString(),
      regulations: regs.map((r) => r!.id),
      deadlines: deadlinesFor(regs as Regulation[], discoveredAt),
      affected: input.affected,
      notice: { template, sha256: templateSha256(template) },
      recipientCount: people.length,
      recipientsSha256: createHash('sha256').update(people.map((p) => p.aadObjectId).join('\n')).digest('hex'),
      personRemindersSent: 0,
      createdAt: at,
      updatedAt: at,
      outboxTokens: [],
    };
    const entry = this.chain.next(breachAuditStream(id), undefined, {
      at,
      actor: auditActor(actor),
      event: 'declared',
      from: null,
      to: 'draft',
      procedureStep: PROCEDURE_STEP,
      controls: CONTROLS,
      details: {
        incidentId: input.incidentId,
        regulations: base.regulations.join(','),
        deadlines: base.deadlines.map((d) => `${d.regulation}:${d.dueAt}`).join(','),
        affectedBy: input.affected.kind,
        recipients: people.length,
        recipientsSha256: base.recipientsSha256,
        noticeSha256: base.notice.sha256,
      },
    });
    const commitToken = Outbox.newCommitToken();
    const breach: Breach = { ...base, outboxTokens: [commitToken], auditHead: entry };
    // IT's status card (the draft, with Send) goes to the channel with the declaration.
    await this.outbox.stage({ type: BREACH_AGGREGATE, id, version: 1, commitToken }, await this.outboxEntries(breach, [{ type: 'refreshItCard' }], commitToken, now));
    if (!(await this.repo.create(breach))) throw new ConcurrencyError(id, 0);
    await this.chain.written(entry);
    this.logger.info({ breachId: id, incidentId: input.incidentId, recipients: people.length, regulations: base.regulations }, 'breach declared');
    return breach;
  }

  /** Sends the previewed notice to every affected person. */
  send(breachId: string, actor: Actor, expectedVersion?: number): Promise<Breach> {
    this.requireRole(actor, 'send breach notices');
    return this.apply(breachId, { type: 'confirmSend' }, actor, expectedVersion);
  }

  /** Records that the supervisory authority was told (GDPR Art. 33), meeting that deadline. */
  authorityNotified(breachId: string, actor: Actor, regulation: string): Promise<Breach> {
    this.requireRole(actor, 'record an authority notification');
    return this.apply(breachId, { type: 'authorityNotified', regulation: regulation.toUpperCase() }, actor);
  }

  /** Closes the notification (or drops a draft). */
  close(breachId: string, actor: Actor): Promise<Breach> {
    this.requireRole(actor, 'close a breach');
    return this.repo.get(breachId).then((b) => this.apply(breachId, { type: b?.state === 'draft' ? 'cancel' : 'close' }, actor));
  }

  /** The person acknowledges their notice (the person comes from Teams, never from card data). */
  async acknowledge(breachId: string, actor: { aadObjectId: string; displayName: string }): Promise<BreachNotice> {
    const n = await this.applyNotice(noticeId(breachId, actor.aadObjectId), { type: 'acknowledge', by: actor.aadObjectId }, { kind: 'user', aadObjectId: actor.aadObjectId, displayName: actor.displayName, roles: [] });
    if (!n) throw new NotFoundError('breach notice', `${breachId} for ${actor.aadObjectId}`);
    return n;
  }

  /** Applies an event to a breach, retrying on a concurrent change (not when the caller named the version it saw). */
  async apply(breachId: string, event: BreachEvent, actor: Actor, expectedVersion?: number): Promise<Breach> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.repo.get(breachId);
      if (!current) throw new NotFoundError('breach', breachId);
      if (expectedVersion !== undefined && current.version !== expectedVersion) throw new ConcurrencyError(breachId, expectedVersion);
      const now = this.clock();
      const result = breachTransition(current, event, toBreachActor(actor), this.options.policy, now);
      if (!result.changed) return current;
      try {
        return await this.commit(current, { ...current, ...result.next } as Breach, result.effects, event, actor, now);
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || expectedVersion !== undefined || attempt >= MAX_CONFLICT_RETRIES) throw e;
      }
    }
  }

  private async commit(current: Breach, changed: Breach, effects: BreachEffect[], event: BreachEvent, actor: Actor, now: Date): Promise<Breach> {
    const at = now.toISOString();
    const version = current.version + 1;
    const commitToken = Outbox.newCommitToken();
    const draft: Breach = { ...changed, version, updatedAt: at, outboxTokens: [...current.outboxTokens, commitToken].slice(-50) };
    const details: AuditEntry['details'] = { timerAt: draft.timerAt ?? null };
    if (event.type === 'authorityNotified') details.regulation = event.regulation;
    for (const e of effects) {
      if (e.type === 'remindIt') details[`itReminder:${e.regulation}`] = e.hoursBefore;
      if (e.type === 'remindUnacknowledged') details.personReminderRound = e.round;
    }
    if (event.type === 'fanOutSettled') Object.assign(details, await this.repo.counts(current._id));
    const entry = this.chain.next(breachAuditStream(current._id), current.auditHead, {
      at,
      actor: auditActor(actor),
      event: event.type,
      from: current.state,
      to: draft.state,
      procedureStep: PROCEDURE_STEP,
      controls: CONTROLS,
      details,
    });
    const next: Breach = { ...draft, auditHead: entry };
    const staged = await this.outboxEntries(next, effects, commitToken, now);
    await this.chain.settle(current.auditHead);
    if (next.timerAt) await this.jobs.announce(BREACH_TIMER, next._id, new Date(next.timerAt));
    await this.outbox.stage({ type: BREACH_AGGREGATE, id: next._id, version, commitToken }, staged);
    await this.repo.save(next, current.version);
    await this.chain.written(entry);
    this.logger.info({ breachId: next._id, event: event.type, from: current.state, to: next.state, effects: effects.map((e) => e.type), entries: staged.length }, 'breach transition');
    return next;
  }

  /** When the i-th paced message of a fan-out may go: spread so the fan-out keeps under `sendPerSecond`. */
  private paced(now: Date, i: number): Date {
    return new Date(now.getTime() + Math.floor(i / this.options.sendPerSecond) * 1000);
  }

  /**
   * The outbox entries a change owes. One per person for the fan-out and for reminders, each paced. Keys carry the
   * write's commit token (see committedEntryKey); a notice's delivery key is the person's, whatever the entry's.
   */
  private async outboxEntries(b: Breach, effects: BreachEffect[], commitToken: string, now: Date): Promise<NewOutboxEntry[]> {
    const v = `v${String(b.version).padStart(9, '0')}:${commitToken}`;
    const out: NewOutboxEntry[] = [];
    for (const effect of effects) {
      switch (effect.type) {
        case 'notifyAffected': {
          const pending = await this.repo.noticesOf(b._id, 'pending');
          pending.forEach((n, i) =>
            out.push({ key: `breach:${b._id}:${v}:notice:${n.person.aadObjectId}`, kind: BreachOutboxKind.Notice, dueAt: this.paced(now, i), payload: { breachId: b._id, aadObjectId: n.person.aadObjectId } }),
          );
          break;
        }
        case 'remindUnacknowledged': {
          const open = await this.repo.noticesOf(b._id, 'sent');
          open.forEach((n, i) =>
            out.push({
              key: `breach:${b._id}:${v}:reminder:${effect.round}:${n.person.aadObjectId}`,
              kind: BreachOutboxKind.Reminder,
              dueAt: this.paced(now, i),
              payload: { breachId: b._id, aadObjectId: n.person.aadObjectId, round: effect.round },
            }),
          );
          break;
        }
        case 'remindIt':
          out.push({ key: `breach:${b._id}:${v}:itReminder:${effect.regulation}:${effect.hoursBefore}`, kind: BreachOutboxKind.ItReminder, dueAt: now, payload: { breachId: b._id, ...effect } });
          break;
        case 'refreshItCard':
          out.push({ key: `breach:${b._id}:${v}:itCard`, kind: BreachOutboxKind.ItCard, dueAt: now, payload: { breachId: b._id } });
          break;
      }
    }
    return out;
  }

  /** Applies an event to one person's notice, audited in the notice's own chain; null when there is no such notice. */
  async applyNotice(id: string, event: NoticeEvent, actor: Actor, extra: Partial<Pick<BreachNotice, 'delivery'>> = {}): Promise<BreachNotice | null> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.repo.getNotice(id);
      if (!current) return null;
      const now = this.clock();
      const { next, changed } = noticeTransition(current, event, now);
      if (!changed) return current;
      const at = now.toISOString();
      const details: AuditEntry['details'] = { breachId: current.breachId, sentAt: next.sentAt ?? null, acknowledgedAt: next.acknowledgedAt ?? null };
      if (event.type === 'unreachable') details.reason = event.reason;
      if (event.type === 'reminded') details.round = event.round;
      if (extra.delivery) details.activityId = extra.delivery.activityId;
      const entry = this.chain.next(noticeAuditStream(id), current.auditHead, {
        at,
        actor: auditActor(actor),
        event: event.type,
        from: current.state,
        to: next.state,
        procedureStep: PROCEDURE_STEP,
        controls: CONTROLS,
        details,
      });
      const saved: BreachNotice = { ...current, ...next, ...extra, version: current.version + 1, updatedAt: at, auditHead: entry } as BreachNotice;
      if (saved.unreachableReason === undefined) delete saved.unreachableReason;
      try {
        await this.chain.settle(current.auditHead);
        await this.repo.saveNotice(saved, current.version);
      } catch (e) {
        if (e instanceof ConcurrencyError && attempt < MAX_CONFLICT_RETRIES) continue;
        throw e;
      }
      await this.chain.written(entry);
      return saved;
    }
  }

  /**
   * The breach's timer: settles the fan-out once no notice is pending, then sends what reminders are due and
   * refreshes IT's card. Returns when the timer should fire next (null: never).
   */
  async runTimer(breachId: string): Promise<Date | null> {
    let b = await this.repo.get(breachId);
    if (!b) return null;
    if (b.state === 'notifying' && (await this.repo.counts(breachId)).pending === 0) b = await this.apply(breachId, { type: 'fanOutSettled' }, { kind: 'system' });
    if (b.timerAt && Date.parse(b.timerAt) <= this.clock().getTime()) {
      try {
        b = await this.apply(breachId, { type: 'timer' }, { kind: 'system' });
      } catch (e) {
        if (!(e instanceof InvalidBreachTransitionError)) throw e;
      }
    }
    return b.timerAt ? new Date(b.timerAt) : null;
  }

  /** A breach whose notices all settled: asks its timer to run now (it settles the breach). */
  async noticeSettled(breachId: string): Promise<void> {
    if (!(await this.repo.notices.findOne({ breachId, state: 'pending' }, { projection: { _id: 1 } }))) await this.jobs.announce(BREACH_TIMER, breachId, this.clock());
  }
}
