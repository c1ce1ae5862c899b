import { randomUUID } from 'node:crypto';
import {
  CardFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationState,
  type SearchInvokeResponse,
  type SearchInvokeValue,
  type StatePropertyAccessor,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { Verb } from '../cards/verbs';
import type { MainDialog, MainDialogResult } from '../dialogs/mainDialog';
import type { Intent } from '../dialogs/intent';
import type { AccessRecorder } from '../services/governance/accessLog';
import { isPermitted } from '../services/governance/authorization';
import type { DirectoryService } from '../services/graph/graphTypes';
import type { OnboardingService } from '../services/onboarding/onboardingService';
import type { Actor } from '../services/workflow/transition';
import { RolesUnavailableError, type RoleResolver } from '../services/onboarding/roleResolver';
import type { CardJson } from '../services/onboarding/views';
import type { ConversationReferenceRepository } from '../services/storage/conversationReferenceRepository';
import { ValidationError } from '../services/workflow/errors';
import type { ActionData, ActionRouter } from './actionRouter';
import { tenantOf } from './activitySchema';
import type { BotCards } from './botCards';
import type { DelegationCommands } from './delegationCommands';
import type { Logger } from './logger';
import { DatabaseUnavailableError, failureCard, isDatabaseUnavailable, UNAVAILABLE_MESSAGE, UNAVAILABLE_TOLD } from './turnErrors';

/** Dependencies of the bot, built in the composition root. */
export interface OnboardingBotDeps {
  conversationState: ConversationState;
  dialog: MainDialog;
  actions: ActionRouter;
  refs: ConversationReferenceRepository;
  service: OnboardingService;
  directory: DirectoryService;
  cards: BotCards;
  logger: Logger;
  /** The IT Security team (configuration). */
  itTeamId?: string;
  /** Tells whether someone acting in a team channel is in IT Security. */
  roles?: Pick<RoleResolver, 'rolesOf'>;
  /**
   * Watches a typed message's turn: when it has not finished after `afterMs`, `probe` (a database ping that
   * rejects within its own short timeout) decides whether to tell the person at once that the service is briefly
   * unavailable, instead of after the driver's socket timeout.
   */
  databaseWatch?: { afterMs: number; probe: () => Promise<unknown> };
  /** Records reads of other people's records (the access log). */
  accessLog?: AccessRecorder;
  /** Approval delegations: the card with its people picker, "my delegation", ending it, the line in `status`. */
  delegation?: DelegationCommands;
  /** Lost and stolen device reports, incident status and IT's "incident for <email>". */
  incidents?: {
    reportForm(aadObjectId: string, cause: 'lost' | 'stolen'): Promise<CardJson>;
    statusCard(aadObjectId: string): Promise<CardJson | null>;
    openForPerson(actor: Extract<Actor, { kind: 'user' }>, who: string, summary: string): Promise<CardJson>;
  };
  /** Auditors' and administrators' commands (verify audit, evidence for …, access log); each checks the role itself. */
  auditor?: {
    verify(actor: Extract<Actor, { kind: 'user' }>, reference?: string): Promise<CardJson>;
    evidence(actor: Extract<Actor, { kind: 'user' }>, target: string): Promise<CardJson>;
    accessLog(actor: Extract<Actor, { kind: 'user' }>, about?: string): Promise<CardJson>;
  };
  /** Withdraws the acting person's consent for a device (after they confirmed) and returns the card saying what followed. */
  withdrawConsent?: (actor: Extract<Actor, { kind: 'user' }>, requestId: string) => Promise<CardJson>;
  /** IT's third-party register commands (the actor carries roles). */
  thirdPartyCommand?: (actor: Extract<Actor, { kind: 'user' }>, intent: Extract<MainDialogResult['intent'], { kind: 'thirdParty' }>) => Promise<CardJson>;
  /** The operators' commands: draft a notice publication (administrators), a consent export link (auditors, administrators). */
  noticeOperators?: {
    draftPublication(person: { aadObjectId: string; displayName: string }, intent: Extract<Intent, { kind: 'publishNotice' }>): Promise<CardJson>;
    exportLink(person: { aadObjectId: string; displayName: string }, intent: Extract<Intent, { kind: 'exportConsents' }>): Promise<CardJson>;
  };
}

/** Turn-state key: this turn's dialog is waiting or has just ended, so conversation state must be written. */
const DIALOG_STATE_CHANGED = Symbol('dialogStateChanged');

const CARD_RESPONSE = 'application/vnd.microsoft.card.adaptive';

/**
 * The Teams edge, kept thin: it captures conversation references, sends typed messages through the main
 * dialog, routes card actions through the verb table and saves conversation state once per turn, and only when
 * a dialog is waiting or has just ended (card actions and one-shot commands neither read nor write it).
 */
export class OnboardingBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(private readonly deps: OnboardingBotDeps) {
    super();
    this.dialogState = deps.conversationState.createProperty<DialogState>('dialogState');

    this.onTurn(async (context, next) => {
      await this.captureReference(context);
      await next();
    });

    this.onMessage(async (context, next) => {
      const value = context.activity.value as ActionData | undefined;
      if (value && typeof value === 'object' && typeof value.verb === 'string') await this.handleSubmit(context, value);
      else await this.handleText(context);
      await next();
    });

    this.onInstallationUpdateAdd(async (context, next) => {
      if (context.activity.conversation.conversationType === 'personal') await this.welcome(context);
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient.id);
      if (botAdded && context.activity.conversation.conversationType === 'channel') await this.captureTeamChannels(context);
      await next();
    });
  }

  /** Saves state once per turn, after every handler ran, when a dialog is waiting. */
  override async run(context: TurnContext): Promise<void> {
    const watch = this.deps.databaseWatch;
    const timer = watch && context.activity.type === 'message' ? setTimeout(() => void this.tellIfDatabaseDown(context, watch.probe), watch.afterMs) : undefined;
    try {
      await super.run(context);
      if (context.turnState.get(DIALOG_STATE_CHANGED)) await this.deps.conversationState.saveChanges(context, false);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A slow turn whose database does not answer a ping: the person hears now; the turn's own failure stays quiet. */
  private async tellIfDatabaseDown(context: TurnContext, probe: () => Promise<unknown>) {
    try {
      await probe();
      return;
    } catch {
      // The ping failed or timed out: the database is unreachable right now.
    }
    try {
      context.turnState.set(UNAVAILABLE_TOLD, true);
      await context.sendActivity({ attachments: [CardFactory.adaptiveCard(this.deps.cards.message(UNAVAILABLE_MESSAGE.title, UNAVAILABLE_MESSAGE.text, 'warning'))] });
      this.deps.logger.warn({ correlationId: context.turnState.get('correlationId') }, 'database unreachable during a turn; the person was told');
    } catch (e) {
      this.deps.logger.info({ err: e }, 'could not tell the person the service is briefly unavailable');
    }
  }

  /** Action.Execute: the returned card replaces the clicked one for the acting user. */
  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const action = invokeValue.action as { verb?: string; data?: Record<string, unknown> };
    const data = { ...(action.data ?? {}), verb: action.verb ?? String(action.data?.verb ?? '') } as ActionData;
    try {
      const card = await this.deps.actions.handle(context, data);
      return { statusCode: 200, type: CARD_RESPONSE, value: card as never };
    } catch (e) {
      // An invoke left unanswered shows Teams' generic failure; answer with a card that carries a reference id.
      const referenceId = randomUUID().slice(0, 8);
      this.deps.logger.error({ err: e, referenceId, verb: typeof data.verb === 'string' ? data.verb.slice(0, 64) : undefined }, 'card action failed');
      const card = failureCard(this.deps.cards, e, referenceId, 'That did not work. Please try again in a moment.');
      return { statusCode: 200, type: CARD_RESPONSE, value: card as never };
    }
  }

  /**
   * The people picker's typeahead (`Input.ChoiceSet` with `choices.data`): Teams sends what was typed as an
   * `application/search` invoke and shows the `results` of a searchResponse. An empty list, never an error, for
   * anything the bot cannot answer, so the picker says "no results" instead of failing.
   */
  protected override async onSearchInvoke(context: TurnContext, invokeValue: SearchInvokeValue): Promise<SearchInvokeResponse> {
    const empty = { statusCode: 200, type: 'application/vnd.microsoft.search.searchResponse', value: { results: [] } };
    const actor = await this.deps.actions.actorOf(context, false);
    if (!actor || !this.deps.delegation || typeof invokeValue.queryText !== 'string' || typeof invokeValue.dataset !== 'string') return empty;
    try {
      return await this.deps.delegation.search(actor, invokeValue.queryText, invokeValue.dataset);
    } catch (e) {
      this.deps.logger.warn({ err: e, dataset: invokeValue.dataset.slice(0, 32) }, 'people search failed');
      return empty;
    }
  }

  /** Action.Submit fallback (clients without Universal Actions): update the clicked card in place. */
  private async handleSubmit(context: TurnContext, data: ActionData) {
    const card = await this.deps.actions.handle(context, data);
    const activity = { type: 'message', attachments: [CardFactory.adaptiveCard(card)] };
    if (context.activity.replyToId) {
      try {
        await context.updateActivity({ ...activity, id: context.activity.replyToId });
        return;
      } catch (e) {
        this.deps.logger.info({ err: e }, 'could not update the submitted card; sending a new one');
      }
    }
    await context.sendActivity(activity);
  }

  private async handleText(context: TurnContext) {
    const waiting = Boolean((await this.dialogState.get(context))?.dialogStack?.length);
    const result = await this.deps.dialog.runTurn(context, this.dialogState);
    const stillWaiting = Boolean((await this.dialogState.get(context))?.dialogStack?.length);
    // A question now open is saved; an answered one is deleted; a one-shot command leaves the database alone.
    if (stillWaiting) context.turnState.set(DIALOG_STATE_CHANGED, true);
    else if (waiting) await this.deps.conversationState.delete(context);
    if (result) await this.act(context, result);
  }

  private async act(context: TurnContext, result: MainDialogResult) {
    const { cards, service, actions } = this.deps;
    const from = context.activity.from;
    // Roles are looked up only where a rule needs them (lookup, IT's buttons), so Graph being down spares the rest.
    const actor = await actions.actorOf(context, false);
    const send = (card: CardJson) => context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
    switch (result.intent.kind) {
      case 'request':
        return send(await actions.handle(context, { verb: Verb.RequestStart }));
      case 'status': {
        await send(await actions.handle(context, { verb: Verb.RequestStatus }));
        const incidents = actor && (await this.deps.incidents?.statusCard(actor.aadObjectId));
        if (incidents) await send(incidents);
        // A manager away (or a delegate standing in) sees who decides for whom.
        const line = actor && this.deps.delegation ? await this.deps.delegation.statusLine(actor) : undefined;
        return line ? send(cards.message('Approvals', line)) : undefined;
      }
      case 'lostDevice':
        if (!actor || !this.deps.incidents) return context.sendActivity('Reports cannot be made here right now. Please call IT Security.');
        return send(await this.deps.incidents.reportForm(actor.aadObjectId, result.intent.cause));
      case 'openIncident':
        return this.openIncident(context, result.intent.who, result.intent.summary);
      case 'cancel': {
        const open = actor ? await service.openRequestOf(actor.aadObjectId) : null;
        if (!open) return context.sendActivity('You have no open request to cancel.');
        if (!result.confirmed) return context.sendActivity(`OK, request ${open.reference} stays open.`);
        return send(await actions.handle(context, { verb: Verb.RequestCancel, requestId: open._id }));
      }
      case 'privacy':
        return send(cards.privacy());
      case 'myConsents':
        return send(await actions.handle(context, { verb: Verb.ConsentHistory }));
      case 'myData':
        return send(await actions.handle(context, { verb: Verb.MyDataShow }));
      case 'transparency':
        return send(await actions.handle(context, { verb: Verb.TransparencyShow }));
      case 'withdrawUnclear':
        return context.sendActivity('Do you want to withdraw your device request, or your consent to device management? Type "withdraw my request" or "withdraw my consent".');
      case 'withdrawConsent': {
        if (!actor || !this.deps.withdrawConsent) return context.sendActivity('Consent cannot be withdrawn here right now. Please contact IT Security.');
        if (!result.requestId) return context.sendActivity('You have no consent to withdraw. Type "my consents" to see your answers.');
        if (!result.confirmed) return context.sendActivity('OK, your consent stands.');
        return send(await this.deps.withdrawConsent(actor, result.requestId));
      }
      case 'publishNotice':
      case 'exportConsents': {
        if (!actor || !this.deps.noticeOperators) return context.sendActivity('This command is not available here.');
        const ops = this.deps.noticeOperators;
        return send(result.intent.kind === 'publishNotice' ? await ops.draftPublication(actor, result.intent) : await ops.exportLink(actor, result.intent));
      }
      case 'lookup':
        return this.lookup(context, result.intent.who);
      case 'verifyAudit':
      case 'evidence':
      case 'accessLog':
        return this.auditorCommand(context, result.intent);
      case 'reassign': {
        const request = await service.findByReference(result.intent.reference);
        if (!request) return context.sendActivity(`No request with the reference ${result.intent.reference} was found.`);
        return send(await actions.handle(context, { verb: Verb.ApprovalReassign, requestId: request._id, reassignTo: result.intent.to, reassignReason: result.intent.reason }));
      }
      case 'delegate':
      case 'delegateCard':
      case 'myDelegation':
      case 'endDelegation':
        return this.delegation(context, result);
      case 'thirdParty': {
        if (!this.deps.thirdPartyCommand) return context.sendActivity('The third-party register is not available here.');
        let withRoles;
        try {
          withRoles = await actions.actorOf(context);
        } catch (e) {
          if (!(e instanceof RolesUnavailableError)) throw e;
          return context.sendActivity('Microsoft 365 is not answering, so your permissions could not be checked. Nothing was changed: try again in a minute.');
        }
        if (!withRoles) return context.sendActivity('Teams did not identify you; open the bot from Teams and try again.');
        return send(await this.deps.thirdPartyCommand(withRoles, result.intent));
      }
      case 'help':
        return this.welcome(context);
      default:
        await context.sendActivity("Sorry, I didn't understand that. Here is what I can do:");
        return this.welcome(context, from?.name);
    }
  }

  /** IT's "status for <person>": only IT Security, admins and auditors may look up someone else's requests. */
  private async lookup(context: TurnContext, who: string) {
    let actor;
    try {
      actor = await this.deps.actions.actorOf(context);
    } catch (e) {
      if (!(e instanceof RolesUnavailableError)) throw e;
      return context.sendActivity('Microsoft 365 is not answering, so your permissions could not be checked. Nothing was looked up: try again in a minute.');
    }
    if (!actor || !isPermitted(actor.roles, 'lookUpPerson')) {
      return context.sendActivity("Only IT Security can look up other people's requests.");
    }
    const person = await this.deps.directory.getUser(who.replace(/^@/, ''));
    if (!person) return context.sendActivity('No one with that user name or email was found in the directory.');
    this.deps.logger.info({ actor: actor.aadObjectId, subject: person.id }, 'request lookup');
    await this.deps.accessLog?.record({ actor, door: 'teams', action: 'lookUpPerson', subject: { kind: 'personStatus', id: person.id } });
    const requests = await this.deps.service.listFor(person.id);
    return context.sendActivity({ attachments: [CardFactory.adaptiveCard(this.deps.cards.lookup(person, requests))] });
  }

  /** An auditor's or administrator's command: the roles come from Entra (never the message), checked by the use case. */
  private async auditorCommand(context: TurnContext, intent: Extract<MainDialogResult['intent'], { kind: 'verifyAudit' | 'evidence' | 'accessLog' }>) {
    const auditor = this.deps.auditor;
    if (!auditor) return context.sendActivity('Audit commands are not available here.');
    let actor;
    try {
      actor = await this.deps.actions.actorOf(context);
    } catch (e) {
      if (!(e instanceof RolesUnavailableError)) throw e;
      return context.sendActivity('Microsoft 365 is not answering, so your permissions could not be checked. Nothing was read: try again in a minute.');
    }
    if (!actor) return context.sendActivity('Teams did not identify you; open the bot from Teams and try again.');
    const card =
      intent.kind === 'verifyAudit' ? await auditor.verify(actor, intent.reference) : intent.kind === 'evidence' ? await auditor.evidence(actor, intent.target) : await auditor.accessLog(actor, intent.about);
    return context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
  }

  /** IT's "incident for <email>: …", in the IT channel or in chat with the bot; roles from the directory. */
  private async openIncident(context: TurnContext, who: string, summary: string) {
    let actor;
    try {
      actor = await this.deps.actions.actorOf(context);
    } catch (e) {
      if (!(e instanceof RolesUnavailableError)) throw e;
      return context.sendActivity('Microsoft 365 is not answering, so your permissions could not be checked. No incident was opened: try again in a minute.');
    }
    if (!actor || !this.deps.incidents) return context.sendActivity('Incidents cannot be opened here right now.');
    return context.sendActivity({ attachments: [CardFactory.adaptiveCard(await this.deps.incidents.openForPerson(actor, who, summary))] });
  }

  /** "delegate approvals [to … until …]", "my delegation" and "end delegation", for the person writing. */
  private async delegation(context: TurnContext, result: MainDialogResult) {
    const actor = await this.deps.actions.actorOf(context, false);
    const commands = this.deps.delegation;
    if (!actor) return context.sendActivity('Teams did not identify you; open the bot from Teams and try again.');
    if (!commands) return context.sendActivity('Delegating approvals is not available here.');
    const send = (card: CardJson) => context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
    switch (result.intent.kind) {
      case 'delegateCard':
        return send(await commands.formCard(actor));
      case 'myDelegation':
        return send(await commands.overviewCard(actor));
      case 'endDelegation':
        return send(await commands.end(actor));
      default:
        break;
    }
    const d = result.delegation;
    if (!d) return send(await commands.formCard(actor));
    if ('problems' in d) return context.sendActivity(d.problems.join(' '));
    if (!result.confirmed) return context.sendActivity('OK, nothing was changed: new requests for your approval still go where they went.');
    try {
      // The question named a person and days; the service checks all of it again before saving.
      return send(await commands.set(actor, { delegateId: d.plan.delegateId, fromDate: d.plan.fromDate, untilDate: d.plan.untilDate }));
    } catch (e) {
      if (e instanceof ValidationError) return context.sendActivity(e.problems.join(' '));
      throw e;
    }
  }

  private async welcome(context: TurnContext, name?: string) {
    const from = context.activity.from;
    const aadObjectId = typeof from?.aadObjectId === 'string' && from.aadObjectId ? from.aadObjectId : undefined;
    const open = aadObjectId ? await this.deps.service.openRequestOf(aadObjectId) : null;
    // Install activities carry no display name; the directory has it.
    let displayName: string | undefined = name ?? from?.name;
    if (!displayName && aadObjectId) displayName = (await this.deps.directory.getUser(aadObjectId).catch(() => undefined))?.displayName;
    await context.sendActivity({ attachments: [CardFactory.adaptiveCard(this.deps.cards.welcome(displayName ?? 'there', open))] });
  }

  /**
   * Keeps references current without letting one person's activity replace anyone else's: a 1:1 reference is
   * keyed by the sender's Entra id and taken only from a personal conversation with that sender (and never over a
   * stored one of another Teams user id); a channel reference only from the IT Security team (see
   * mayStoreChannels). Writes happen only when the reference changed.
   */
  private async captureReference(context: TurnContext) {
    const a = context.activity;
    const ref = TurnContext.getConversationReference(a);
    const tenantId = tenantOf(a);
    try {
      const aadObjectId = a.from?.aadObjectId;
      if (a.conversation?.conversationType === 'personal' && !a.conversation.isGroup && typeof aadObjectId === 'string' && aadObjectId && typeof a.from.id === 'string') {
        const outcome = await this.deps.refs.saveUser(aadObjectId, ref, a.type === 'installationUpdate' ? 'install' : 'turn', a.from.id, tenantId);
        if (outcome === 'refused') this.deps.logger.warn({ conversationType: 'personal' }, 'reference not replaced: the sender does not match the stored Teams user');
      }
      const cd = a.channelData as { team?: { id?: string; name?: string }; channel?: { id?: string; name?: string } } | undefined;
      if (a.conversation?.conversationType === 'channel' && cd?.team?.id && cd.channel?.id && (await this.mayStoreChannels(context, cd.team.id, false))) {
        await this.deps.refs.saveChannel({ teamId: cd.team.id, channelId: cd.channel.id, teamName: cd.team.name, channelName: cd.channel.name, tenantId, reference: ref });
      }
    } catch (e) {
      // With the database unreachable every further step would wait out the same timeout: fail the turn now so the
      // person is told at once. Otherwise a reference is an optimisation; the turn itself must still be answered.
      if (isDatabaseUnavailable(e)) throw new DatabaseUnavailableError(e);
      this.deps.logger.warn({ err: e }, 'could not store the conversation reference');
    }
  }

  /**
   * Whether this activity may set the team's channel references. The configured IT Security team is trusted when
   * the bot is installed there (only a team owner can do that) and for messages by members of IT Security; with
   * no team configured, only an install or a message by a member of IT Security counts. Anyone else's channel
   * activity never replaces a stored channel.
   */
  private async mayStoreChannels(context: TurnContext, teamId: string, isInstall: boolean): Promise<boolean> {
    if (this.deps.itTeamId && teamId !== this.deps.itTeamId) return false;
    if (this.deps.itTeamId && isInstall) return true;
    const id = context.activity.from?.aadObjectId;
    if (typeof id !== 'string' || !id || !this.deps.roles) return false;
    try {
      return (await this.deps.roles.rolesOf(id)).includes('itSecurity');
    } catch {
      return false;
    }
  }

  /** When the bot is added to a team, remember every channel so the IT Security channel can be reached later. */
  private async captureTeamChannels(context: TurnContext) {
    const a = context.activity;
    const cd = a.channelData as { team?: { id?: string; name?: string }; tenant?: { id?: string } } | undefined;
    const teamId = cd?.team?.id;
    if (!teamId) return;
    if (!(await this.mayStoreChannels(context, teamId, true))) {
      this.deps.logger.info({ teamId }, 'bot added to a team that is not IT Security (or not by IT Security); channels not stored');
      return;
    }
    const ref = TurnContext.getConversationReference(a);
    try {
      const channels = await TeamsInfo.getTeamChannels(context, teamId);
      for (const ch of channels) {
        if (!ch.id) continue;
        await this.deps.refs.saveChannel({ teamId, channelId: ch.id, teamName: cd?.team?.name, channelName: ch.name ?? 'General', tenantId: cd?.tenant?.id, reference: ref });
      }
      this.deps.logger.info({ teamId, channels: channels.length }, 'bot added to a team; channels captured');
    } catch (e) {
      this.deps.logger.warn({ err: e, teamId }, 'could not list the team channels');
    }
    if (teamId === this.deps.itTeamId) {
      await context.sendActivity('Device Onboarding is set up here. Approved requests, compliance alerts and access reviews will be posted to the IT Security channel.');
    }
  }
}
