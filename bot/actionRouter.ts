import { CardFactory, type TurnContext } from 'botbuilder';
import { cardDateTime } from '../cards/cardHelpers';
import { escapeCardText } from '../cards/escape';
import { Verb, type ConsentCommandVerb, type DelegationVerb, type GovernanceVerb, type IncidentVerb, type NoticeCommandVerb, type OversightVerb } from '../cards/verbs';
import { StaleCardError, type OnboardingService } from '../services/onboarding/onboardingService';
import { GraphRequestError } from '../services/graph/graphErrors';
import { RolesUnavailableError, type RoleResolver } from '../services/onboarding/roleResolver';
import type { CardJson } from '../services/onboarding/views';
import { DuplicateOpenRequestError } from '../services/storage/requestRepository';
import { InvalidTransitionError, NotAuthorizedError, NotFoundError, ValidationError } from '../services/workflow/errors';
import type { OnboardingRequest, PersonRef } from '../services/workflow/model';
import { CHECKING, isApprover, isItSecurity, isRequester, type Actor } from '../services/workflow/transition';
import type { BotCards } from './botCards';
import type { Logger } from './logger';

/** What a card action carries: ids and the version it was rendered from, never state. */
export interface ActionData {
  verb: string;
  requestId?: string;
  version?: number;
  textHash?: string;
  [input: string]: unknown;
}

/** The acting user and what they sent. */
export interface ActionContext {
  turn: TurnContext;
  actor: Extract<Actor, { kind: 'user' }>;
  person: PersonRef;
  data: ActionData;
}

/** The card to show the acting user in place of the one they clicked. */
export type ActionHandler = (ctx: ActionContext) => Promise<CardJson>;

/** Timings of the router, from configuration. */
export interface ActionRouterOptions {
  /** How long "I've enrolled" waits for the device check it starts before answering (default 2000 ms). */
  enrollmentCheckWaitMs?: number;
  /** Handlers of the consent commands (my consents, my data, what IT can see); absent verbs answer "unknown action". */
  consentHandlers?: Partial<Record<ConsentCommandVerb, ActionHandler>>;
  /** Handlers of the delegation card and "my delegation"; absent verbs answer "unknown action". */
  delegationHandlers?: Partial<Record<DelegationVerb, ActionHandler>>;
  /** Handlers of the notice campaign verbs (answer a change notice, confirm a publication); each checks the actor itself. */
  noticeHandlers?: Partial<Record<NoticeCommandVerb, ActionHandler>>;
  /** Check again on an enrolled device's notice: checks the actor owns the device, re-reads Intune, returns the card. */
  deviceRecheck?: (deviceId: string, actor: ActionContext['actor']) => Promise<CardJson>;
  /** Handlers of the incident verbs, each saying whether it needs the actor's roles (IT Security's buttons do). */
  incidentHandlers?: Partial<Record<IncidentVerb, { roles: 'always' | 'never'; handle: ActionHandler }>>;
  /** Handlers of the breach and third-party register cards, with whether they need the actor's roles (they answer their own refusals). */
  governanceHandlers?: Partial<Record<GovernanceVerb, { withRoles: boolean; handle: ActionHandler }>>;
  /** Handlers of the access review card (attest, remove a member); they check the actor's roles themselves. */
  oversightHandlers?: Partial<Record<OversightVerb, ActionHandler>>;
}

/**
 * When a verb needs the actor's Entra roles (a Graph lookup): `always` for IT Security's own buttons, `nonParty`
 * only when the actor is neither the request's requester nor one of its approvers (a party needs no role to act
 * or to see it), `never` for actions on one's own requests. Graph being slow or down then cannot stop a manager
 * from deciding or an employee from answering.
 */
type RoleNeed = 'always' | 'nonParty' | 'never';

/** Which card a verb lives on, to show the current state of that card when the action is refused. */
type CardKind = 'form' | 'status' | 'approval' | 'consent' | 'enrollment' | 'compliance' | 'it' | 'welcome';

/**
 * Who may see a request's details on any card: its requester, its recorded approvers (current and former) and IT Security. Everyone
 * else, whatever card data they send, learns only that the request is not theirs.
 */
export function canViewRequest(request: OnboardingRequest, actor: Actor): boolean {
  if (actor.kind === 'system') return true;
  return isRequester(request, actor) || request.approvers.some((p) => p.aadObjectId === actor.aadObjectId) || wasApprover(request, actor.aadObjectId) || actor.roles.includes('itSecurity');
}

/** Approvers the request was escalated or reassigned away from, and the manager a delegate stands in for: they see it read-only. */
function wasApprover(request: OnboardingRequest, aadObjectId: string): boolean {
  const a = request.approval;
  return Boolean(a && (a.onBehalfOf?.aadObjectId === aadObjectId || a.handovers.some((h) => h.from.some((p) => p.aadObjectId === aadObjectId))));
}

/** Graph statuses that mean "busy, try again shortly" once the client's own retries are spent. */
const GRAPH_BUSY = new Set([429]);

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/**
 * The verb → handler table for Adaptive Card actions (Action.Execute invokes and their Action.Submit fallbacks).
 * Handlers reload the request from the database; card data only names it. Refusals (not yours, already decided,
 * stale card, bad input) come back as the card's current view, never as a second decision.
 */
export class ActionRouter {
  /** A Map, not an object: a verb such as `constructor` or `__proto__` must find nothing, not a prototype member. */
  private readonly table: ReadonlyMap<string, { card: CardKind; roles: RoleNeed; handle: ActionHandler }>;

  constructor(
    private readonly service: OnboardingService,
    private readonly roles: RoleResolver,
    private readonly cards: BotCards,
    private readonly logger: Logger,
    private readonly options: ActionRouterOptions = {},
  ) {
    const requestId = (c: ActionContext) => {
      const id = str(c.data.requestId);
      if (!id) throw new ValidationError(['This card does not name a request.']);
      return id;
    };
    const version = (c: ActionContext) => num(c.data.version);
    const table: Record<Exclude<Verb, ConsentCommandVerb | DelegationVerb | IncidentVerb | GovernanceVerb | NoticeCommandVerb | OversightVerb>, { card: CardKind; roles: RoleNeed; handle: ActionHandler }> = {
      [Verb.RequestStart]: {
        card: 'welcome',
        roles: 'never',
        handle: async (c) => {
          const open = await this.service.openRequestOf(c.actor.aadObjectId);
          return open ? this.cards.requestStatus(open) : this.cards.requestForm();
        },
      },
      [Verb.RequestSubmit]: {
        card: 'form',
        roles: 'never',
        handle: async (c) => {
          try {
            const tenantId = (c.turn.activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? c.turn.activity.conversation?.tenantId;
            return this.cards.requestStatus(await this.service.submit(c.person, c.data, tenantId));
          } catch (e) {
            if (e instanceof ValidationError) return this.cards.requestForm(formValues(c.data), e.problems);
            // The manager lookup is still throttled after the client's retries: keep what was typed and say why.
            if (e instanceof GraphRequestError && GRAPH_BUSY.has(e.status)) {
              this.logger.warn({ verb: c.data.verb, status: e.status, code: e.code }, 'request form kept: Microsoft 365 busy');
              return this.cards.requestForm(formValues(c.data), [
                'Microsoft 365 is busy right now, so your manager could not be looked up. Nothing was sent and your answers are kept: press Submit again in a minute.',
              ]);
            }
            throw e;
          }
        },
      },
      [Verb.RequestStatus]: {
        card: 'welcome',
        roles: 'never',
        handle: async (c) => {
          const open = await this.service.openRequestOf(c.actor.aadObjectId);
          if (open) return this.cards.requestStatus(open);
          const [latest] = await this.service.listFor(c.actor.aadObjectId);
          return latest ? this.cards.requestStatus(latest) : this.cards.welcome(c.person.displayName, null);
        },
      },
      [Verb.RequestCancel]: {
        card: 'status',
        roles: 'nonParty',
        handle: async (c) => {
          // The request form's Cancel names no request: it only discards the form.
          if (!str(c.data.requestId)) return this.cards.message('Form discarded', 'Nothing was sent. Type "help" whenever you want to start again.');
          return this.cards.requestStatus(await this.service.apply(requestId(c), { type: 'cancel' }, c.actor));
        },
      },
      [Verb.ApprovalApprove]: {
        card: 'approval',
        roles: 'nonParty',
        handle: async (c) =>
          this.approvalView(await this.service.apply(requestId(c), { type: 'approve', comment: str(c.data.comment) }, c.actor, version(c)), c.actor),
      },
      [Verb.ApprovalDeny]: {
        card: 'approval',
        roles: 'nonParty',
        handle: async (c) =>
          this.approvalView(
            await this.service.apply(requestId(c), { type: 'deny', reason: str(c.data.reason) ?? '', comment: str(c.data.comment) }, c.actor, version(c)),
            c.actor,
          ),
      },
      [Verb.ApprovalReassign]: {
        card: 'approval',
        roles: 'nonParty',
        handle: async (c) =>
          this.approvalView(
            await this.service.reassign(requestId(c), c.actor, { emailOrUpn: str(c.data.reassignTo) ?? '', reason: str(c.data.reassignReason) ?? '' }, version(c)),
            c.actor,
          ),
      },
      [Verb.ApprovalRefresh]: {
        card: 'approval',
        roles: 'nonParty',
        handle: async (c) => this.approvalView(await this.service.get(requestId(c)), c.actor),
      },
      [Verb.ConsentAccept]: {
        card: 'consent',
        roles: 'nonParty',
        handle: async (c) => this.consentAnswer(c, 'consented', requestId(c)),
      },
      [Verb.ConsentDecline]: {
        card: 'consent',
        roles: 'nonParty',
        handle: async (c) => this.consentAnswer(c, 'declined', requestId(c)),
      },
      [Verb.EnrollmentDone]: {
        card: 'enrollment',
        roles: 'nonParty',
        handle: async (c) => this.enrollmentReported(c, requestId(c)),
      },
      [Verb.ComplianceRecheck]: {
        card: 'compliance',
        roles: 'nonParty',
        handle: async (c) => this.cards.compliance(await this.service.apply(requestId(c), { type: 'recheckRequested' }, c.actor)),
      },
      [Verb.ItConfirm]: {
        card: 'it',
        roles: 'always',
        handle: async (c) => this.itView(await this.service.apply(requestId(c), { type: 'itConfirm' }, c.actor, version(c)), c.actor),
      },
      [Verb.ItDeny]: {
        card: 'it',
        roles: 'always',
        handle: async (c) =>
          this.itView(await this.service.apply(requestId(c), { type: 'itDeny', reason: str(c.data.reason) ?? '' }, c.actor, version(c)), c.actor),
      },
      [Verb.ItRefresh]: {
        card: 'it',
        roles: 'always',
        handle: async (c) => this.itView(await this.service.get(requestId(c)), c.actor),
      },
      [Verb.PrivacyShow]: {
        card: 'welcome',
        roles: 'never',
        handle: async () => this.cards.privacy(),
      },
      [Verb.DeviceRecheck]: {
        card: 'welcome',
        // Only the device's own person may ask, checked against the stored device: no role is needed.
        roles: 'never',
        handle: async (c) => {
          const deviceId = str(c.data.deviceId);
          if (!deviceId || !this.options.deviceRecheck) throw new ValidationError(['This card does not name a device.']);
          return this.options.deviceRecheck(deviceId, c.actor);
        },
      },
    };
    const consent = Object.entries(options.consentHandlers ?? {}).map(([verb, handle]) => [verb, { card: 'welcome' as const, roles: 'never' as const, handle: handle as ActionHandler }] as const);
    const delegation = Object.entries(options.delegationHandlers ?? {}).map(([verb, handle]) => [verb, { card: 'welcome' as const, roles: 'never' as const, handle: handle as ActionHandler }] as const);
    const incident = Object.entries(options.incidentHandlers ?? {}).map(([verb, h]) => [verb, { card: 'welcome' as const, roles: h.roles, handle: h.handle }] as const);
    const governance = Object.entries(options.governanceHandlers ?? {}).map(
      ([verb, h]) => [verb, { card: 'welcome' as const, roles: h.withRoles ? ('always' as const) : ('never' as const), handle: h.handle }] as const,
    );
    const notice = Object.entries(options.noticeHandlers ?? {}).map(([verb, handle]) => [verb, { card: 'welcome' as const, roles: 'never' as const, handle: handle as ActionHandler }] as const);
    const oversight = Object.entries(options.oversightHandlers ?? {}).map(([verb, handle]) => [verb, { card: 'welcome' as const, roles: 'always' as const, handle: handle as ActionHandler }] as const);
    this.table = new Map([...Object.entries(table), ...consent, ...delegation, ...incident, ...governance, ...notice, ...oversight]);
  }

  /**
   * Builds the acting user from the activity: the Entra object id from Teams and, when `withRoles`, the roles from
   * Entra groups (a Graph lookup, cached by the resolver).
   */
  async actorOf(turn: TurnContext, withRoles = true): Promise<ActionContext['actor'] | undefined> {
    const from = turn.activity.from;
    // Only a string ever reaches a database filter or Graph path (an object here would be an operator injection).
    if (typeof from?.aadObjectId !== 'string' || !from.aadObjectId) return undefined;
    const displayName = typeof from.name === 'string' && from.name ? from.name : 'Unknown user';
    return { kind: 'user', aadObjectId: from.aadObjectId, displayName, roles: withRoles ? await this.roles.rolesOf(from.aadObjectId) : [] };
  }

  /** Whether acting on the card's request needs the actor's roles: not for its requester or its approvers. */
  private async needsRoles(need: RoleNeed, data: ActionData, actor: ActionContext['actor']): Promise<boolean> {
    if (need !== 'nonParty') return need === 'always';
    const id = str(data.requestId);
    const request = id ? await this.service.get(id) : null;
    if (!request) return false;
    return !isRequester(request, actor) && !request.approvers.some((p) => p.aadObjectId === actor.aadObjectId);
  }

  /** Runs the handler for a verb and turns refusals into the card's current view. */
  async handle(turn: TurnContext, data: ActionData): Promise<CardJson> {
    const entry = typeof data.verb === 'string' ? this.table.get(data.verb) : undefined;
    if (!entry) return this.cards.message('Unknown action', 'This button is no longer supported. Type "help" to start again.', 'warning');
    let actor = await this.actorOf(turn, false);
    if (!actor) return this.cards.message('Sign-in required', 'Teams did not identify you; open the bot from Teams and try again.', 'attention');
    try {
      if (await this.needsRoles(entry.roles, data, actor)) actor = { ...actor, roles: await this.roles.rolesOf(actor.aadObjectId) };
    } catch (e) {
      if (!(e instanceof RolesUnavailableError)) throw e;
      this.logger.warn({ verb: data.verb }, 'card action refused: roles unavailable');
      return this.cards.message(
        'Microsoft 365 is busy',
        'Your permissions could not be checked because Microsoft 365 is not answering. Nothing was changed: try again in a minute.',
        'warning',
      );
    }
    const ctx: ActionContext = { turn, actor, person: { aadObjectId: actor.aadObjectId, displayName: actor.displayName }, data };
    try {
      return await entry.handle(ctx);
    } catch (e) {
      return this.refusal(e, entry.card, ctx);
    }
  }

  private async refusal(e: unknown, card: CardKind, c: ActionContext): Promise<CardJson> {
    if (e instanceof DuplicateOpenRequestError) return this.cards.requestStatus(e.existing);
    if (e instanceof NotFoundError) return this.cards.message('Request not found', 'This request no longer exists.', 'warning');
    const known = e instanceof NotAuthorizedError || e instanceof InvalidTransitionError || e instanceof StaleCardError || e instanceof ValidationError;
    if (!known) throw e;
    this.logger.info({ verb: c.data.verb, requestId: c.data.requestId, refusal: (e as Error).name }, 'card action refused');
    const id = str(c.data.requestId);
    const request = id ? await this.service.get(id).catch(() => null) : null;
    if (e instanceof ValidationError && request === null) return this.cards.message('Please check your input', e.problems.join(' '), 'warning');
    if (!request) return this.cards.message('Request not found', 'This request no longer exists.', 'warning');
    if (!canViewRequest(request, c.actor)) return this.cards.notYours();
    if (e instanceof ValidationError) await c.turn.sendActivity(e.problems.join(' '));
    return this.currentView(card, request, c.actor);
  }

  /** The current view of the card the user clicked, for their role; someone with no part in it learns nothing. */
  private currentView(card: CardKind, request: OnboardingRequest, actor: Actor): CardJson {
    if (!canViewRequest(request, actor)) return this.cards.notYours();
    switch (card) {
      case 'approval':
        return this.approvalView(request, actor);
      case 'it':
        return this.itView(request, actor);
      case 'consent':
        return this.cards.consent(request);
      case 'enrollment':
        return this.cards.enrollment(request);
      case 'compliance':
        return this.cards.compliance(request);
      default:
        return this.cards.requestStatus(request);
    }
  }

  private approvalView(request: OnboardingRequest, actor: Actor): CardJson {
    if (!canViewRequest(request, actor)) return this.cards.notYours();
    const viewer = isApprover(request, actor) ? 'approver' : 'other';
    return this.cards.approval(request, viewer, []);
  }

  private itView(request: OnboardingRequest, actor: Actor): CardJson {
    if (!canViewRequest(request, actor)) return this.cards.notYours();
    return this.cards.it(request, isItSecurity(request, actor) ? 'it' : 'other');
  }

  /**
   * "I've enrolled": starts a device check and waits briefly for its outcome. When Intune does not know the device
   * yet, the employee is told so, what to check, and that the bot keeps looking until the deadline; when the check
   * is still running, that it is under way. The returned card is the enrollment card of the current state.
   */
  private async enrollmentReported(c: ActionContext, id: string): Promise<CardJson> {
    const reported = await this.service.apply(id, { type: 'enrollmentReported' }, c.actor);
    const waitMs = this.options.enrollmentCheckWaitMs ?? 2000;
    let current = reported;
    for (const until = Date.now() + waitMs; current.version === reported.version && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      current = await this.service.get(id);
    }
    const stillLooking = CHECKING.includes(current.state) && !current.managedDeviceId;
    if (stillLooking) {
      const checked = current.version !== reported.version && current.checkAttempts > reported.checkAttempts;
      await c.turn.sendActivity({ attachments: [CardFactory.adaptiveCard(this.cards.message(...enrollmentNotice(current, checked)))] });
    }
    return this.cards.enrollment(current);
  }

  private async consentAnswer(c: ActionContext, outcome: 'consented' | 'declined', requestId: string): Promise<CardJson> {
    const request = await this.service.answerConsent(requestId, c.actor, {
      outcome,
      textHash: str(c.data.textHash) ?? '',
      cardActivityId: c.turn.activity.replyToId,
    });
    return this.cards.consent(request);
  }
}

/** The notice after "I've enrolled" while Intune does not list the device: what to check, and until when we look. */
function enrollmentNotice(r: OnboardingRequest, checked: boolean): [string, string, 'warning' | 'default'] {
  const account = r.requester.userPrincipalName ? ` (${escapeCardText(r.requester.userPrincipalName, { maxLength: 120 })})` : '';
  const checks =
    `Please check that:\r- the Company Portal sign-in finished and shows the device as enrolled;\r` +
    `- you signed in with your work account${account}, not a personal one.`;
  const until = r.enrollmentDeadline
    ? `We keep looking on our own until ${cardDateTime(r.enrollmentDeadline)} and tell you as soon as we find it; tap I've enrolled again any time.`
    : "We keep looking on our own and tell you as soon as we find it; tap I've enrolled again any time.";
  return checked
    ? ['Your device is not in Intune yet', `We looked just now and Intune does not list your device yet. It can take a few minutes after enrollment to appear.\r${checks}\r${until}`, 'warning']
    : ['Checking your device', `We are checking Intune for your device now. If it does not show up:\r${checks}\r${until}`, 'default'];
}

function formValues(data: ActionData) {
  return {
    platform: str(data.platform) as never,
    ownership: str(data.ownership) as never,
    model: str(data.model),
    justification: str(data.justification),
  };
}
