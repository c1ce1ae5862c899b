import type { TurnContext } from 'botbuilder';
import { Verb } from '../cards/verbs';
import { StaleCardError, type OnboardingService } from '../services/onboarding/onboardingService';
import type { RoleResolver } from '../services/onboarding/roleResolver';
import type { CardJson } from '../services/onboarding/views';
import { DuplicateOpenRequestError } from '../services/storage/requestRepository';
import { InvalidTransitionError, NotAuthorizedError, NotFoundError, ValidationError } from '../services/workflow/errors';
import type { OnboardingRequest, PersonRef } from '../services/workflow/model';
import { isApprover, isItSecurity, type Actor } from '../services/workflow/transition';
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

/** Which card a verb lives on, to show the current state of that card when the action is refused. */
type CardKind = 'form' | 'status' | 'approval' | 'consent' | 'enrollment' | 'compliance' | 'it' | 'welcome';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/**
 * The verb → handler table for Adaptive Card actions (Action.Execute invokes and their Action.Submit fallbacks).
 * Handlers reload the request from the database; card data only names it. Refusals (not yours, already decided,
 * stale card, bad input) come back as the card's current view, never as a second decision.
 */
export class ActionRouter {
  private readonly table: Record<Verb, { card: CardKind; handle: ActionHandler }>;

  constructor(
    private readonly service: OnboardingService,
    private readonly roles: RoleResolver,
    private readonly cards: BotCards,
    private readonly logger: Logger,
  ) {
    const requestId = (c: ActionContext) => {
      const id = str(c.data.requestId);
      if (!id) throw new ValidationError(['This card does not name a request.']);
      return id;
    };
    const version = (c: ActionContext) => num(c.data.version);
    this.table = {
      [Verb.RequestStart]: {
        card: 'welcome',
        handle: async (c) => {
          const open = await this.service.openRequestOf(c.actor.aadObjectId);
          return open ? this.cards.requestStatus(open) : this.cards.requestForm();
        },
      },
      [Verb.RequestSubmit]: {
        card: 'form',
        handle: async (c) => {
          try {
            const tenantId = (c.turn.activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? c.turn.activity.conversation?.tenantId;
            return this.cards.requestStatus(await this.service.submit(c.person, c.data, tenantId));
          } catch (e) {
            if (e instanceof ValidationError) return this.cards.requestForm(formValues(c.data), e.problems);
            throw e;
          }
        },
      },
      [Verb.RequestStatus]: {
        card: 'welcome',
        handle: async (c) => {
          const open = await this.service.openRequestOf(c.actor.aadObjectId);
          if (open) return this.cards.requestStatus(open);
          const [latest] = await this.service.listFor(c.actor.aadObjectId);
          return latest ? this.cards.requestStatus(latest) : this.cards.welcome(c.person.displayName, null);
        },
      },
      [Verb.RequestCancel]: {
        card: 'status',
        handle: async (c) => {
          // The request form's Cancel names no request: it only discards the form.
          if (!str(c.data.requestId)) return this.cards.message('Form discarded', 'Nothing was sent. Type "help" whenever you want to start again.');
          return this.cards.requestStatus(await this.service.apply(requestId(c), { type: 'cancel' }, c.actor));
        },
      },
      [Verb.ApprovalApprove]: {
        card: 'approval',
        handle: async (c) =>
          this.approvalView(await this.service.apply(requestId(c), { type: 'approve', comment: str(c.data.comment) }, c.actor, version(c)), c.actor),
      },
      [Verb.ApprovalDeny]: {
        card: 'approval',
        handle: async (c) =>
          this.approvalView(
            await this.service.apply(requestId(c), { type: 'deny', reason: str(c.data.reason) ?? '', comment: str(c.data.comment) }, c.actor, version(c)),
            c.actor,
          ),
      },
      [Verb.ApprovalRefresh]: {
        card: 'approval',
        handle: async (c) => this.approvalView(await this.service.get(requestId(c)), c.actor),
      },
      [Verb.ConsentAccept]: {
        card: 'consent',
        handle: async (c) => this.consentAnswer(c, 'consented', requestId(c)),
      },
      [Verb.ConsentDecline]: {
        card: 'consent',
        handle: async (c) => this.consentAnswer(c, 'declined', requestId(c)),
      },
      [Verb.EnrollmentDone]: {
        card: 'enrollment',
        handle: async (c) => this.cards.enrollment(await this.service.apply(requestId(c), { type: 'enrollmentReported' }, c.actor)),
      },
      [Verb.ComplianceRecheck]: {
        card: 'compliance',
        handle: async (c) => this.cards.compliance(await this.service.apply(requestId(c), { type: 'recheckRequested' }, c.actor)),
      },
      [Verb.ItConfirm]: {
        card: 'it',
        handle: async (c) => this.itView(await this.service.apply(requestId(c), { type: 'itConfirm' }, c.actor, version(c)), c.actor),
      },
      [Verb.ItDeny]: {
        card: 'it',
        handle: async (c) =>
          this.itView(await this.service.apply(requestId(c), { type: 'itDeny', reason: str(c.data.reason) ?? '' }, c.actor, version(c)), c.actor),
      },
      [Verb.ItRefresh]: {
        card: 'it',
        handle: async (c) => this.itView(await this.service.get(requestId(c)), c.actor),
      },
      [Verb.PrivacyShow]: {
        card: 'welcome',
        handle: async () => this.cards.privacy(),
      },
    };
  }

  /** Builds the acting user from the activity (Entra object id from Teams, roles from Entra groups). */
  async actorOf(turn: TurnContext): Promise<ActionContext['actor'] | undefined> {
    const from = turn.activity.from;
    if (!from?.aadObjectId) return undefined;
    return { kind: 'user', aadObjectId: from.aadObjectId, displayName: from.name ?? 'Unknown user', roles: await this.roles.rolesOf(from.aadObjectId) };
  }

  /** Runs the handler for a verb and turns refusals into the card's current view. */
  async handle(turn: TurnContext, data: ActionData): Promise<CardJson> {
    const entry = (this.table as Record<string, { card: CardKind; handle: ActionHandler } | undefined>)[data.verb];
    if (!entry) return this.cards.message('Unknown action', 'This button is no longer supported. Type "help" to start again.', 'warning');
    const actor = await this.actorOf(turn);
    if (!actor) return this.cards.message('Sign-in required', 'Teams did not identify you; open the bot from Teams and try again.', 'attention');
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
    if (e instanceof ValidationError) await c.turn.sendActivity(e.problems.join(' '));
    return this.currentView(card, request, c.actor);
  }

  /** The current view of the card the user clicked, for their role. */
  private currentView(card: CardKind, request: OnboardingRequest, actor: Actor): CardJson {
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
    const viewer = isApprover(request, actor) ? 'approver' : 'other';
    return this.cards.approval(request, viewer, []);
  }

  private itView(request: OnboardingRequest, actor: Actor): CardJson {
    return this.cards.it(request, isItSecurity(request, actor) ? 'it' : 'other');
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

function formValues(data: ActionData) {
  return {
    platform: str(data.platform) as never,
    ownership: str(data.ownership) as never,
    model: str(data.model),
    justification: str(data.justification),
  };
}
