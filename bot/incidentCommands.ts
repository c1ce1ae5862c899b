/**
 * Incidents at the bot edge: the employee's "I lost my phone" report and status, IT Security's "incident for
 * <email>" command, and the buttons of the incident card. Who acts comes from the Teams activity and their
 * roles from the directory; card data only names the incident, its version, a device and an action.
 */
import { AFFECTED_BY, fromInputValue, renderBreachDeclareCard, type AffectedBy, type BreachDeclareInput } from '../cards/breachDeclareCard';
import { renderIncidentCard } from '../cards/incidentCard';
import { renderIncidentConfirmCard } from '../cards/incidentConfirmCard';
import { renderIncidentStatusCard } from '../cards/incidentStatusCard';
import { renderLostDeviceCard } from '../cards/lostDeviceCard';
import { InputId, Verb, type IncidentVerb } from '../cards/verbs';
import type { BreachModule } from '../services/breach/breachModule';
import type { AffectedSelector } from '../services/breach/breachRepository';
import { BreachRoleError, IncidentNotFoundError } from '../services/breach/breachService';
import type { EnrolledDevice } from '../services/devices/deviceRepository';
import type { DirectoryService } from '../services/graph/graphTypes';
import type { Incident } from '../services/incidents/incidentRepository';
import { IncidentService, NotYourDeviceError, StaleIncidentError, type OwnershipLookup } from '../services/incidents/incidentService';
import type { CardJson } from '../services/onboarding/views';
import { mayRunBreach, type Regulation } from '../services/workflow/breachTransition';
import { NotFoundError, ValidationError } from '../services/workflow/errors';
import {
  DEVICE_ACTIONS,
  DeviceActionRefusedError,
  incidentRoleOf,
  IncidentNotAuthorizedError,
  IncidentValidationError,
  InvalidIncidentTransitionError,
  wipeAllowed,
  type DeviceActionName,
  type IncidentEvent,
  type IncidentSeverity,
} from '../services/workflow/incidentTransition';
import type { Actor } from '../services/workflow/transition';
import type { ActionContext, ActionHandler } from './actionRouter';
import type { BotCards } from './botCards';
import type { Logger } from './logger';

type User = Extract<Actor, { kind: 'user' }>;

/** What the incident card needs to declare a breach: the breach module's use case and the configured regulations. */
export interface BreachDeclaration {
  declareBreach: BreachModule['declareBreach'];
  regulations: readonly Regulation[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

const REFUSAL_TEXT: Record<DeviceActionRefusedError['reason'], string> = {
  unknownDevice: 'That device is not part of this incident.',
  wipeNeedsAgreement: 'A wipe erases everything. It is allowed only for company-owned devices, or for a personal device whose owner agreed to it in writing in their report.',
  alreadyRunning: 'That action is already on its way to the device; its outcome will appear on the card.',
  unknownAction: 'That device action is not supported.',
};

/** The incident commands and card handlers. */
export class IncidentCommands {
  constructor(
    private readonly service: IncidentService,
    private readonly directory: DirectoryService,
    private readonly ownershipOf: OwnershipLookup,
    private readonly cards: Pick<BotCards, 'message' | 'notYours'>,
    private readonly logger: Logger,
    private readonly breaches?: BreachDeclaration,
  ) {}

  /** "I lost my phone": the report form over the employee's enrolled devices. */
  async reportForm(aadObjectId: string, cause: 'lost' | 'stolen'): Promise<CardJson> {
    const devices = await this.service.devicesOf(aadObjectId);
    if (!devices.length) {
      return this.cards.message(
        'No device of yours is enrolled',
        'The bot can only report devices that were enrolled through it. Please call IT Security now so they can protect your account, and change your password from another device.',
        'warning',
      );
    }
    return renderLostDeviceCard({ devices: await this.describe(devices), cause }) as CardJson;
  }

  /** The employee's incidents for "status"; null when they have none. */
  async statusCard(aadObjectId: string): Promise<CardJson | null> {
    const mine = await this.service.listForOwner(aadObjectId);
    return mine.length ? (renderIncidentStatusCard(mine) as CardJson) : null;
  }

  /** IT Security's "incident for <email>: <what happened>": opens an incident for that person's devices. */
  async openForPerson(actor: User, who: string, summary: string): Promise<CardJson> {
    if (!actor.roles.includes('itSecurity')) return this.cards.message('Not allowed', 'Only IT Security can open incidents for other people.', 'warning');
    const person = await this.directory.getUser(who.replace(/^@/, ''));
    if (!person) return this.cards.message('Person not found', 'No one with that user name or email was found in the directory.', 'warning');
    if (person.id === actor.aadObjectId) return this.cards.message('Not allowed', 'Report your own device with "I lost my phone"; IT Security opens incidents for other people.', 'warning');
    const { incident } = await this.service.openForPerson(actor, { aadObjectId: person.id, displayName: person.displayName }, summary.slice(0, 2000));
    this.logger.info({ incidentId: incident._id, actor: actor.aadObjectId }, 'incident opened by IT Security');
    return renderIncidentCard(incident) as CardJson;
  }

  /** The verb handlers for the action router; IT's buttons need the presser's roles. */
  handlers(): Record<IncidentVerb, { roles: 'always' | 'never'; handle: ActionHandler }> {
    const it = (handle: ActionHandler) => ({ roles: 'always' as const, handle });
    const event = (build: (c: ActionContext) => IncidentEvent) => it((c) => this.itStep(c, build));
    return {
      [Verb.IncidentReport]: { roles: 'never', handle: (c) => this.report(c) },
      [Verb.IncidentStatus]: {
        roles: 'never',
        handle: async (c) => (await this.statusCard(c.actor.aadObjectId)) ?? this.cards.message('No device reports', 'You have not reported a lost or stolen device. Type "I lost my phone" if you need to.'),
      },
      [Verb.IncidentRefresh]: it(async (c) => this.view(await this.load(c), c.actor)),
      [Verb.IncidentTriage]: event((c) => ({ type: 'triage', severity: (['low', 'medium', 'high'].includes(str(c.data[InputId.Severity]) ?? '') ? str(c.data[InputId.Severity]) : 'high') as IncidentSeverity })),
      [Verb.IncidentNote]: event((c) => ({ type: 'addNote', text: str(c.data[InputId.NoteText]) ?? '' })),
      [Verb.IncidentCorrective]: it((c) => this.corrective(c)),
      [Verb.IncidentContain]: event(() => ({ type: 'contain' })),
      [Verb.IncidentInvestigate]: event((c) => ({ type: 'investigate', summary: str(c.data[InputId.InvestigationSummary]) ?? '' })),
      [Verb.IncidentClose]: event((c) => ({ type: 'close', resolution: str(c.data[InputId.Resolution]) ?? '' })),
      [Verb.IncidentActionPrepare]: it((c) => this.prepare(c)),
      [Verb.IncidentActionConfirm]: it((c) =>
        this.itStep(c, () => {
          const { deviceId, action } = this.deviceAndAction(c);
          return { type: 'requestDeviceAction', id: IncidentService.newItemId(), action, deviceId };
        }),
      ),
      [Verb.IncidentBreachForm]: it((c) => this.breachForm(c)),
      [Verb.IncidentBreachDeclare]: it((c) => this.declareBreach(c)),
    };
  }

  private async describe(devices: EnrolledDevice[]) {
    return Promise.all(devices.map(async (d) => ({ deviceId: d._id, deviceName: d.deviceName, platform: d.platform, ownership: await this.ownershipOf(d).catch(() => undefined) })));
  }

  private async report(c: ActionContext): Promise<CardJson> {
    const cause = str(c.data[InputId.ReportCause]) === 'stolen' ? 'stolen' : 'lost';
    const input = {
      deviceId: str(c.data[InputId.ReportDevice]) ?? '',
      cause: cause as 'lost' | 'stolen',
      when: str(c.data[InputId.LastSeenWhen]) ?? '',
      where: str(c.data[InputId.LastSeenWhere]) ?? '',
      wipeAgreed: str(c.data[InputId.WipeAgreed]) === 'true',
    };
    try {
      const { incident, created } = await this.service.report(c.actor, input);
      return renderIncidentStatusCard([incident], created ? `Report ${incident._id} received` : `You already reported this device (${incident._id})`) as CardJson;
    } catch (e) {
      if (e instanceof IncidentValidationError || e instanceof NotYourDeviceError) {
        const devices = await this.service.devicesOf(c.actor.aadObjectId);
        const problems = e instanceof NotYourDeviceError ? ['Pick one of your own devices.'] : e.problems;
        return renderLostDeviceCard({ devices: await this.describe(devices), cause: input.cause, selected: input.deviceId, when: input.when, where: input.where, problems }) as CardJson;
      }
      throw e;
    }
  }

  private async load(c: ActionContext): Promise<Incident> {
    const id = str(c.data.incidentId);
    const incident = id ? await this.service.get(id) : null;
    if (!incident) throw new NotFoundError('incident', id ?? '');
    return incident;
  }

  /** IT sees the incident card; the owner sees their status; anyone else learns only that it is not theirs. */
  private view(incident: Incident, actor: Actor): CardJson {
    const role = incidentRoleOf(incident, actor);
    if (role === 'itSecurity') return renderIncidentCard(incident) as CardJson;
    if (role === 'owner') return renderIncidentStatusCard([incident]) as CardJson;
    return this.cards.notYours();
  }

  private deviceAndAction(c: ActionContext): { deviceId: string; action: DeviceActionName } {
    const deviceId = str(c.data.deviceId) ?? '';
    const action = str(c.data.deviceAction) as DeviceActionName;
    if (!DEVICE_ACTIONS.includes(action)) throw new IncidentValidationError(['This button names no device action.']);
    return { deviceId, action };
  }

  /** The explicit confirmation naming the device and its owner (IT Security only). */
  private async prepare(c: ActionContext): Promise<CardJson> {
    let incident: Incident;
    try {
      incident = await this.load(c);
    } catch (e) {
      return this.refusal(e, c);
    }
    if (incidentRoleOf(incident, c.actor) !== 'itSecurity') return this.view(incident, c.actor);
    const { deviceId, action } = this.deviceAndAction(c);
    const device = incident.devices.find((d) => d.deviceId === deviceId);
    if (!device) return this.refusal(new DeviceActionRefusedError(incident._id, action, 'unknownDevice'), c);
    if (action === 'wipe' && !wipeAllowed(incident, deviceId)) return this.refusal(new DeviceActionRefusedError(incident._id, action, 'wipeNeedsAgreement'), c);
    if (incident.state === 'closed') return renderIncidentCard(incident) as CardJson;
    return renderIncidentConfirmCard(incident, device, action) as CardJson;
  }

  private async corrective(c: ActionContext): Promise<CardJson> {
    const ownerName = str(c.data[InputId.CorrectiveOwner]) ?? '';
    const owner = ownerName ? await this.directory.getUser(ownerName.trim()) : undefined;
    if (!owner) return this.refusal(new IncidentValidationError(['Name the owner of the corrective action by their work email.']), c);
    return this.itStep(c, () => ({
      type: 'addCorrectiveAction',
      id: IncidentService.newItemId(),
      text: str(c.data[InputId.CorrectiveText]) ?? '',
      owner: { aadObjectId: owner.id, displayName: owner.displayName },
      dueDate: (str(c.data[InputId.CorrectiveDue]) ?? '').slice(0, 10),
    }));
  }

  /**
   * The incident as it is now, for a breach declaration: the presser may run breaches (IT Security or an
   * administrator, from the directory) and is not the incident's owner; the incident is open and the card current.
   */
  private async breachIncident(c: ActionContext): Promise<Incident> {
    const incident = await this.load(c);
    if (!mayRunBreach(c.actor.roles) || incidentRoleOf(incident, c.actor) === 'owner') throw new BreachRoleError(c.actor.aadObjectId, 'declare a breach');
    if (incident.state === 'closed') throw new InvalidIncidentTransitionError(incident._id, incident.state, 'breachDeclared');
    const version = num(c.data.version);
    if (version !== undefined && version !== incident.version) throw new StaleIncidentError(incident._id, version, incident.version);
    return incident;
  }

  /** "Declare breach" on the incident card: the form, prefilled with the organisation's notice text. */
  private async breachForm(c: ActionContext): Promise<CardJson> {
    if (!this.breaches) return this.cards.message('Breach notification is not set up', 'Declaring a breach from Teams is not available on this installation; use the command line (npm run breach).', 'warning');
    try {
      return renderBreachDeclareCard(await this.breachIncident(c), this.breaches.regulations) as CardJson;
    } catch (e) {
      return this.breachRefusal(e, c);
    }
  }

  /** Declare: the draft breach with its pending notices; the answer is the notice as the first person will read it. */
  private async declareBreach(c: ActionContext): Promise<CardJson> {
    if (!this.breaches) return this.breachForm(c);
    let incident: Incident;
    try {
      incident = await this.breachIncident(c);
    } catch (e) {
      return this.breachRefusal(e, c);
    }
    const affectedBy = (AFFECTED_BY as readonly string[]).includes(str(c.data[InputId.BreachAffectedBy]) ?? '') ? (str(c.data[InputId.BreachAffectedBy]) as AffectedBy) : 'devices';
    const typed: BreachDeclareInput = {
      regulations: (str(c.data[InputId.BreachRegulations]) ?? '').split(',').map((r) => r.trim()).filter(Boolean),
      affectedBy,
      affected: fromInputValue(str(c.data[InputId.BreachAffected]) ?? '').slice(0, 20_000),
      text: fromInputValue(str(c.data[InputId.BreachNoticeText]) ?? '') || undefined,
    };
    const entries = (typed.affected ?? '').split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
    const problems: string[] = [];
    let affected: AffectedSelector | undefined;
    if (affectedBy === 'devices') {
      if (incident.deviceIds.length) affected = { kind: 'devices', deviceIds: incident.deviceIds };
      else problems.push('This incident names no device: choose a group or list the people.');
    } else if (affectedBy === 'group') {
      if (entries.length === 1) affected = { kind: 'group', groupId: entries[0] };
      else problems.push('Give the object id of one Entra group.');
    } else if (entries.length) affected = { kind: 'people', people: entries };
    else problems.push('List the affected people by their work email.');
    if (!affected) return renderBreachDeclareCard(incident, this.breaches.regulations, { ...typed, problems }) as CardJson;
    try {
      const { breach, preview } = await this.breaches.declareBreach({ incidentId: incident._id, actor: c.actor, regulations: typed.regulations ?? [], affected, text: typed.text });
      await this.recordBreach(incident, breach._id, c.actor);
      await c.turn.sendActivity(
        `Breach ${breach._id} declared as a draft for ${breach.recipientCount} ${breach.recipientCount === 1 ? 'person' : 'people'} (${breach.deadlines.map((d) => `${d.regulation} due ${d.dueAt.slice(0, 16).replace('T', ' ')} UTC`).join(', ')}). Nobody is told until you press Send on the breach card in the IT channel. The notice as the first person will read it:`,
      );
      return preview as CardJson;
    } catch (e) {
      if (e instanceof ValidationError) return renderBreachDeclareCard(incident, this.breaches.regulations, { ...typed, problems: e.problems }) as CardJson;
      return this.breachRefusal(e, c);
    }
  }

  /** The incident's timeline records the declaration, as the member of IT Security or, for an administrator, the system. */
  private async recordBreach(incident: Incident, breachId: string, actor: User): Promise<void> {
    const asIt = incidentRoleOf(incident, actor) === 'itSecurity';
    try {
      await this.service.apply(incident._id, { type: 'breachDeclared', breachId, ...(asIt ? {} : { declaredBy: actor.displayName }) }, asIt ? actor : { kind: 'system' });
    } catch (e) {
      // The breach stands on its own record; an incident closed in the meantime keeps its timeline as it was.
      if (!(e instanceof InvalidIncidentTransitionError)) throw e;
      this.logger.warn({ incidentId: incident._id, breachId }, 'breach declared on an incident closed meanwhile; not added to its timeline');
    }
  }

  /** A refused declaration: who may not sees only what they may see; IT sees why, with the incident as it is. */
  private async breachRefusal(e: unknown, c: ActionContext): Promise<CardJson> {
    if (e instanceof BreachRoleError) {
      this.logger.info({ verb: c.data.verb, incidentId: c.data.incidentId, refusal: e.name }, 'breach declaration refused');
      const incident = await this.service.get(str(c.data.incidentId) ?? '');
      if (incident && incidentRoleOf(incident, c.actor) === 'other') return this.cards.notYours();
      return this.cards.message('Not permitted', 'Only IT Security or an administrator can declare a breach, and not from an incident about their own device.', 'warning');
    }
    if (e instanceof IncidentNotFoundError) return this.refusal(new NotFoundError('incident', e.id), c);
    if (e instanceof InvalidIncidentTransitionError) {
      await c.turn.sendActivity('This incident is closed: a breach is declared from an open incident.');
      return this.refusal(e, c);
    }
    if (e instanceof StaleIncidentError) await c.turn.sendActivity('The incident changed since this card was shown: here it is as it is now.');
    return this.refusal(e, c);
  }

  /** One of IT's steps: applied with the card's version; the presser's role is checked by the machine. */
  private async itStep(c: ActionContext, build: (c: ActionContext) => IncidentEvent): Promise<CardJson> {
    try {
      const id = str(c.data.incidentId) ?? '';
      const incident = await this.service.apply(id, build(c), c.actor, num(c.data.version));
      return this.view(incident, c.actor);
    } catch (e) {
      return this.refusal(e, c);
    }
  }

  /** A refused step: said in one line, and the card shows the incident as it is now. */
  private async refusal(e: unknown, c: ActionContext): Promise<CardJson> {
    const known =
      e instanceof IncidentNotAuthorizedError ||
      e instanceof InvalidIncidentTransitionError ||
      e instanceof StaleIncidentError ||
      e instanceof IncidentValidationError ||
      e instanceof DeviceActionRefusedError ||
      e instanceof NotFoundError;
    if (!known) throw e;
    this.logger.info({ verb: c.data.verb, incidentId: c.data.incidentId, refusal: (e as Error).name }, 'incident action refused');
    const id = str(c.data.incidentId);
    const incident = id ? await this.service.get(id) : null;
    if (!incident) return this.cards.message('Incident not found', 'This incident no longer exists.', 'warning');
    if (incidentRoleOf(incident, c.actor) === 'other') return this.cards.notYours();
    if (e instanceof IncidentValidationError) await c.turn.sendActivity(e.problems.join(' '));
    if (e instanceof DeviceActionRefusedError) await c.turn.sendActivity(REFUSAL_TEXT[e.reason]);
    if (e instanceof IncidentNotAuthorizedError) await c.turn.sendActivity('Only IT Security can do that, and not on an incident about their own device.');
    return this.view(incident, c.actor);
  }
}
