import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import type { DeviceRepository, EnrolledDevice } from '../devices/deviceRepository';
import { committedEntryKey, Outbox, type NewOutboxEntry } from '../outbox/outbox';
import { hashAuditEntry, type AuditRepository } from '../storage/auditRepository';
import { ConcurrencyError, NotFoundError } from '../workflow/errors';
import {
  incidentTransition,
  IncidentNotAuthorizedError,
  IncidentValidationError,
  openIncident,
  type IncidentCause,
  type IncidentDevice,
  type IncidentEffect,
  type IncidentEvent,
  type IncidentState,
  type OpenIncidentInput,
} from '../workflow/incidentTransition';
import type { AuditEntry, Ownership, PersonRef, RequestState } from '../workflow/model';
import type { Actor } from '../workflow/transition';
import { newIncidentId, openKeyOf, type Incident, type IncidentRepository } from './incidentRepository';

/** The outbox kinds incidents use. */
export const IncidentOutboxKind = {
  Hold: 'incidentHold',
  ItCard: 'incidentItCard',
  OwnerMessage: 'incidentOwnerMessage',
  DeviceAction: 'incidentDeviceAction',
} as const;

export const INCIDENT_AGGREGATE = 'incident';
/** The audit stream of an incident: its own hash chain. */
export const incidentAuditStream = (incidentId: string) => `incident:${incidentId}`;
/** Privacy SOP §6 (incident response) and the controls an incident evidences. */
const CONTROLS = ['Privacy SOP §6 incident response', 'SOC 2 CC7.3 security incidents evaluated', 'SOC 2 CC7.4 incident response', 'HIPAA 45 CFR 164.308(a)(6)'];
const PROCEDURE_STEP = 8;
const MAX_CONFLICT_RETRIES = 5;

/** The card was rendered from an older version of the incident: the action is refused, the current card shown. */
export class StaleIncidentError extends Error {
  override readonly name = 'StaleIncidentError';
  constructor(
    readonly incidentId: string,
    readonly cardVersion: number,
    readonly currentVersion: number,
  ) {
    super(`Incident ${incidentId} is at version ${currentVersion}; the card showed ${cardVersion}`);
  }
}

/** The employee named a device that is not one of their enrolled devices. */
export class NotYourDeviceError extends Error {
  override readonly name = 'NotYourDeviceError';
  constructor(
    readonly deviceId: string,
    readonly aadObjectId: string,
  ) {
    super(`Device ${deviceId} is not an enrolled device of ${aadObjectId}`);
  }
}

/** What opening came to: a new incident, or the open one for that device and cause. */
export interface OpenOutcome {
  incident: Incident;
  created: boolean;
}

/** How incidents learn a device's ownership (from the request that approved it). */
export type OwnershipLookup = (device: EnrolledDevice) => Promise<Ownership | undefined>;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Facts for the audit record: ids, states and hashes, never the text someone typed. */
function auditDetails(event: IncidentEvent | { type: 'opened' }, incident: Incident): AuditEntry['details'] {
  const d: AuditEntry['details'] = { cause: incident.cause, owner: incident.ownerAadObjectId, devices: incident.deviceIds.join(',') };
  switch (event.type) {
    case 'opened':
      d.summarySha256 = incident.summary ? sha256(incident.summary) : null;
      d.wipeAgreedFor = incident.wipeAgreements.map((w) => w.deviceId).join(',') || null;
      break;
    case 'triage':
      d.severity = event.severity;
      break;
    case 'addNote':
      d.noteSha256 = sha256(event.text.trim());
      break;
    case 'addCorrectiveAction':
      Object.assign(d, { correctiveActionId: event.id, actionOwner: event.owner.aadObjectId, dueDate: event.dueDate, textSha256: sha256(event.text.trim()) });
      break;
    case 'requestDeviceAction':
      Object.assign(d, { actionId: event.id, action: event.action, deviceId: event.deviceId });
      break;
    case 'deviceActionStarted': {
      const a = incident.actions.find((x) => x.id === event.actionId);
      Object.assign(d, { actionId: event.actionId, action: a?.action ?? null, deviceId: a?.deviceId ?? null, attempt: a?.attempts ?? null });
      break;
    }
    case 'deviceActionSettled':
      Object.assign(d, {
        actionId: event.actionId,
        outcome: event.outcome,
        httpStatus: event.httpStatus,
        graphRequestId: event.requestId ?? null,
        clientRequestId: event.clientRequestId ?? null,
        graphCode: event.code ?? null,
        verifiedBy: event.verifiedBy,
      });
      break;
    case 'investigate':
      d.summarySha256 = sha256(event.summary.trim());
      break;
    case 'close':
      d.resolutionSha256 = sha256(event.resolution.trim());
      break;
    case 'agreeToWipe':
      d.deviceId = event.deviceId;
      break;
    case 'breachDeclared':
      d.breachId = event.breachId;
      break;
  }
  return d;
}

/**
 * The incident use cases: open (reported by the employee, opened by IT Security, or raised by the compliance
 * sweep), then move through the pure machine. Each change is one version-checked write carrying the audit chain
 * head and the commit token of the outbox entries it owes (staged just before, see Outbox); the audit entry
 * follows and is re-appended before the next change, as for enrolled devices.
 */
export class IncidentService {
  private kick?: () => Promise<void>;

  constructor(
    private readonly incidents: IncidentRepository,
    private readonly devices: DeviceRepository,
    private readonly audit: AuditRepository,
    private readonly outbox: Outbox,
    private readonly ownershipOf: OwnershipLookup,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Carries out owed effects right after a change (access removal "at once"); the worker does it otherwise. */
  setKick(kick: () => Promise<void>): void {
    this.kick = kick;
  }

  async get(id: string): Promise<Incident | null> {
    return this.incidents.get(id);
  }

  /** A person's incidents, newest first. */
  async listForOwner(aadObjectId: string): Promise<Incident[]> {
    return this.incidents.listForOwner(aadObjectId);
  }

  /** The person's enrolled devices an incident can name (not retired). */
  async devicesOf(aadObjectId: string): Promise<EnrolledDevice[]> {
    return this.devices.collection.find({ 'person.aadObjectId': aadObjectId, state: { $ne: 'retired' } }).sort({ createdAt: -1 }).toArray();
  }

  /**
   * The employee reports one of their own devices lost or stolen. The device is checked against the stored
   * enrolled device (never the card's word); the open report for that device is returned instead of a second one.
   */
  async report(
    actor: Extract<Actor, { kind: 'user' }>,
    input: { deviceId: string; cause: 'lost' | 'stolen'; when: string; where: string; wipeAgreed: boolean },
  ): Promise<OpenOutcome> {
    const device = await this.devices.get(input.deviceId);
    if (!device || device.person.aadObjectId !== actor.aadObjectId || device.state === 'retired') throw new NotYourDeviceError(input.deviceId, actor.aadObjectId);
    const problems: string[] = [];
    if (!input.when.trim()) problems.push('Please say when you last had the device.');
    if (!input.where.trim()) problems.push('Please say where you last had the device.');
    if (problems.length) throw new IncidentValidationError(problems);
    return this.open(
      {
        cause: input.cause,
        owner: device.person,
        devices: [await this.describe(device)],
        summary: `${input.cause === 'stolen' ? 'Stolen' : 'Lost'} device reported by its owner`,
        lastSeen: { when: input.when.slice(0, 200), where: input.where.slice(0, 500) },
        wipeAgreedFor: input.wipeAgreed ? [device._id] : [],
      },
      actor,
      true,
    );
  }

  /** IT Security opens an incident for a person: every device of theirs that is watched is held. */
  async openForPerson(actor: Extract<Actor, { kind: 'user' }>, person: PersonRef, summary: string): Promise<OpenOutcome> {
    if (!actor.roles.includes('itSecurity') || actor.aadObjectId === person.aadObjectId) throw new IncidentNotAuthorizedError('(new)', actor.aadObjectId, 'triage');
    const devices = await this.devicesOf(person.aadObjectId);
    return this.open({ cause: 'other', owner: person, devices: await Promise.all(devices.map((d) => this.describe(d))), summary: summary || 'Opened by IT Security' }, actor, false);
  }

  /** The compliance sweep saw a jailbreak or a high threat level: one open incident per device and cause. */
  async openAutomatic(deviceId: string, cause: 'jailbreak' | 'threat', detail: string): Promise<OpenOutcome | null> {
    const device = await this.devices.get(deviceId);
    if (!device || device.state === 'retired') return null;
    return this.open({ cause, owner: device.person, devices: [await this.describe(device)], summary: detail }, { kind: 'system' }, true);
  }

  private async describe(device: EnrolledDevice): Promise<IncidentDevice> {
    const ownership = await this.ownershipOf(device).catch(() => undefined);
    return { deviceId: device._id, deviceName: device.deviceName, platform: device.platform, ownership: ownership ?? 'unknown' };
  }

  private async open(input: Omit<OpenIncidentInput, 'id'>, actor: Actor, dedupe: boolean): Promise<OpenOutcome> {
    const now = this.clock();
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = newIncidentId(now);
      if (dedupe) {
        for (const d of input.devices) {
          const existing = await this.incidents.claimOpenKey(openKeyOf(d.deviceId, input.cause), id, now.toISOString());
          if (existing) {
            const incident = await this.incidents.get(existing);
            if (incident) return { incident, created: false };
          }
        }
      }
      const { next, effects } = openIncident({ ...input, id }, actor, now);
      const commitToken = Outbox.newCommitToken();
      const entry = this.auditEntry(id, 1, '', { type: 'opened' }, null, 'reported', actor, now.toISOString(), { ...next, version: 1 } as Incident);
      const incident: Incident = { ...next, version: 1, updatedAt: now.toISOString(), auditHead: entry, outboxTokens: [commitToken] };
      await this.outbox.stage({ type: INCIDENT_AGGREGATE, id, version: 1, commitToken }, this.outboxEntries(incident, effects, 1, commitToken, now));
      if (!(await this.incidents.create(incident))) continue;
      await this.audit.append(entry);
      await this.incidents.publishHead(entry);
      this.logger.info({ incidentId: id, cause: input.cause, devices: incident.deviceIds.length, by: actor.kind }, 'incident opened');
      await this.runNow();
      return { incident, created: true };
    }
    throw new ConcurrencyError('incident id', 0);
  }

  /**
   * Applies an event. `cardVersion`, when given, must be the incident's current version (a stale card is
   * refused). A concurrent change is retried for system events; a person's click on a changed incident is stale.
   */
  async apply(incidentId: string, event: IncidentEvent, actor: Actor, cardVersion?: number): Promise<Incident> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.incidents.get(incidentId);
      if (!current) throw new NotFoundError('incident', incidentId);
      if (cardVersion !== undefined && cardVersion !== current.version) throw new StaleIncidentError(incidentId, cardVersion, current.version);
      const now = this.clock();
      const { next, effects } = incidentTransition(current, event, actor, now);
      if (next === current) return current;
      try {
        const saved = await this.commit(current, next, effects, event, actor, now);
        if (event.type === 'close') await this.incidents.releaseOpenKeys(incidentId);
        // A person's change is carried out at once; the system's own changes come from inside the drain itself.
        if (effects.length && actor.kind === 'user') await this.runNow();
        return saved;
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_CONFLICT_RETRIES || cardVersion !== undefined) throw e;
      }
    }
  }

  /** New ids for what IT adds (corrective actions, device actions). */
  static newItemId(): string {
    return randomUUID().slice(0, 8);
  }

  private async runNow(): Promise<void> {
    try {
      await this.kick?.();
    } catch (e) {
      this.logger.warn({ err: e }, 'incident effects left to the background worker');
    }
  }

  private async commit(current: Incident, changed: Incident, effects: IncidentEffect[], event: IncidentEvent, actor: Actor, now: Date): Promise<Incident> {
    const at = now.toISOString();
    const version = current.version + 1;
    const commitToken = Outbox.newCommitToken();
    const draft: Incident = { ...changed, version, updatedAt: at, outboxTokens: [...current.outboxTokens, commitToken].slice(-50) };
    const entry = this.auditEntry(current._id, current.auditHead.seq + 1, current.auditHead.hash, event, current.state, draft.state, actor, at, draft);
    const next: Incident = { ...draft, auditHead: entry };
    // The previous head first: a crash after the last write but before its audit append loses nothing.
    await this.audit.append(current.auditHead);
    await this.incidents.publishHead(current.auditHead);
    await this.outbox.stage({ type: INCIDENT_AGGREGATE, id: next._id, version, commitToken }, this.outboxEntries(next, effects, version, commitToken, now));
    await this.incidents.save(next, current.version);
    await this.audit.append(entry);
    await this.incidents.publishHead(entry);
    this.logger.info({ incidentId: next._id, event: event.type, from: current.state, to: next.state, effects: effects.map((e) => e.type) }, 'incident transition');
    return next;
  }

  private auditEntry(
    incidentId: string,
    seq: number,
    prevHash: string,
    event: IncidentEvent | { type: 'opened' },
    from: IncidentState | null,
    to: IncidentState,
    actor: Actor,
    at: string,
    incident: Incident,
  ): AuditEntry {
    const stream = incidentAuditStream(incidentId);
    // The shared audit collection types states as request states; an incident's chain records its own states.
    const unsigned: Omit<AuditEntry, 'hash'> = {
      _id: `${stream}:${seq}`,
      requestId: stream,
      seq,
      at,
      actor: actor.kind === 'user' ? { kind: 'user', aadObjectId: actor.aadObjectId, displayName: actor.displayName } : { kind: 'system' },
      event: event.type,
      from: from as RequestState | null,
      to: to as unknown as RequestState,
      procedureStep: PROCEDURE_STEP,
      controls: [...CONTROLS],
      details: auditDetails(event, incident),
      prevHash,
    };
    return { ...unsigned, hash: hashAuditEntry(unsigned) };
  }

  /** The outbox entries a change owes, in order. */
  private outboxEntries(incident: Incident, effects: IncidentEffect[], version: number, commitToken: string, now: Date): NewOutboxEntry[] {
    // Access first: removing it is the point of opening an incident.
    const rank = (e: IncidentEffect) => (e.type === 'holdAccess' || e.type === 'releaseHold' ? 0 : e.type === 'deviceAction' ? 1 : 2);
    return [...effects]
      .sort((a, b) => rank(a) - rank(b))
      .map((effect, i) => {
        const key = committedEntryKey({ type: INCIDENT_AGGREGATE, id: incident._id, version, commitToken }, i);
        switch (effect.type) {
          case 'holdAccess':
          case 'releaseHold':
            return { key, dueAt: now, kind: IncidentOutboxKind.Hold, payload: { incidentId: incident._id, deviceId: effect.deviceId, hold: effect.type === 'holdAccess' } };
          case 'showIt':
            return { key, dueAt: now, kind: IncidentOutboxKind.ItCard, payload: { incidentId: incident._id } };
          case 'tellOwner':
            return { key, dueAt: now, kind: IncidentOutboxKind.OwnerMessage, payload: { incidentId: incident._id, about: effect.about, actionId: effect.actionId ?? null, version } };
          case 'deviceAction':
            return { key, dueAt: now, kind: IncidentOutboxKind.DeviceAction, payload: { incidentId: incident._id, actionId: effect.actionId } };
        }
      });
  }
}

/** The causes an incident is opened for automatically, with what Intune reported. */
export type AutomaticCause = Extract<IncidentCause, 'jailbreak' | 'threat'>;
