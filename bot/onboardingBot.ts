import { randomUUID } from 'node:crypto';
import {
  CardFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationState,
  type StatePropertyAccessor,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { Verb } from '../cards/verbs';
import type { MainDialog, MainDialogResult } from '../dialogs/mainDialog';
import type { DirectoryService } from '../services/graph/graphTypes';
import type { OnboardingService } from '../services/onboarding/onboardingService';
import type { CardJson } from '../services/onboarding/views';
import type { ConversationReferenceRepository } from '../services/storage/conversationReferenceRepository';
import type { ActionData, ActionRouter } from './actionRouter';
import type { BotCards } from './botCards';
import type { Logger } from './logger';

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
  itTeamId?: string;
}

const CARD_RESPONSE = 'application/vnd.microsoft.card.adaptive';

/**
 * The Teams edge, kept thin: it captures conversation references, sends typed messages through the main
 * dialog, routes card actions through the verb table and saves conversation state once per turn.
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

  /** Saves state once per turn, after every handler ran. */
  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.deps.conversationState.saveChanges(context, false);
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
      this.deps.logger.error({ err: e, referenceId, verb: data.verb }, 'card action failed');
      return { statusCode: 200, type: CARD_RESPONSE, value: this.deps.cards.error(referenceId, 'That did not work. Please try again in a moment.') as never };
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
    const result = await this.deps.dialog.runTurn(context, this.dialogState);
    if (result) await this.act(context, result);
  }

  private async act(context: TurnContext, result: MainDialogResult) {
    const { cards, service, actions } = this.deps;
    const from = context.activity.from;
    const actor = await actions.actorOf(context);
    const send = (card: CardJson) => context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
    switch (result.intent.kind) {
      case 'request':
      case 'status':
        return send(await actions.handle(context, { verb: result.intent.kind === 'request' ? Verb.RequestStart : Verb.RequestStatus }));
      case 'cancel': {
        const open = actor ? await service.openRequestOf(actor.aadObjectId) : null;
        if (!open) return context.sendActivity('You have no open request to cancel.');
        if (!result.confirmed) return context.sendActivity(`OK, request ${open.reference} stays open.`);
        return send(await actions.handle(context, { verb: Verb.RequestCancel, requestId: open._id }));
      }
      case 'privacy':
        return send(cards.privacy());
      case 'lookup':
        return this.lookup(context, result.intent.who);
      case 'help':
        return this.welcome(context);
      default:
        await context.sendActivity("Sorry, I didn't understand that. Here is what I can do:");
        return this.welcome(context, from?.name);
    }
  }

  /** IT's "status for <person>": only IT Security, admins and auditors may look up someone else's requests. */
  private async lookup(context: TurnContext, who: string) {
    const actor = await this.deps.actions.actorOf(context);
    if (!actor || !actor.roles.some((r) => r === 'itSecurity' || r === 'admin' || r === 'auditor')) {
      return context.sendActivity("Only IT Security can look up other people's requests.");
    }
    const person = await this.deps.directory.getUser(who.replace(/^@/, ''));
    if (!person) return context.sendActivity('No one with that user name or email was found in the directory.');
    this.deps.logger.info({ actor: actor.aadObjectId, subject: person.id }, 'request lookup');
    const requests = await this.deps.service.listFor(person.id);
    return context.sendActivity({ attachments: [CardFactory.adaptiveCard(this.deps.cards.lookup(person, requests))] });
  }

  private async welcome(context: TurnContext, name?: string) {
    const from = context.activity.from;
    const open = from?.aadObjectId ? await this.deps.service.openRequestOf(from.aadObjectId) : null;
    // Install activities carry no display name; the directory has it.
    let displayName: string | undefined = name ?? from?.name;
    if (!displayName && from?.aadObjectId) displayName = (await this.deps.directory.getUser(from.aadObjectId).catch(() => undefined))?.displayName;
    await context.sendActivity({ attachments: [CardFactory.adaptiveCard(this.deps.cards.welcome(displayName ?? 'there', open))] });
  }

  /** Keeps the person's 1:1 reference (or the channel's) current on every turn. */
  private async captureReference(context: TurnContext) {
    const a = context.activity;
    const ref = TurnContext.getConversationReference(a);
    const tenantId = (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? a.conversation?.tenantId;
    try {
      if (a.conversation?.conversationType === 'personal' && a.from?.aadObjectId) {
        await this.deps.refs.saveUser(a.from.aadObjectId, ref, a.type === 'installationUpdate' ? 'install' : 'turn', a.from.id, tenantId);
      }
      const cd = a.channelData as { team?: { id?: string; name?: string }; channel?: { id?: string; name?: string } } | undefined;
      if (a.conversation?.conversationType === 'channel' && cd?.team?.id && cd.channel?.id) {
        await this.deps.refs.saveChannel({ teamId: cd.team.id, channelId: cd.channel.id, teamName: cd.team.name, channelName: cd.channel.name, tenantId, reference: ref });
      }
    } catch (e) {
      // A reference is an optimisation for later proactive messages; the turn itself must still be answered.
      this.deps.logger.warn({ err: e }, 'could not store the conversation reference');
    }
  }

  /** When the bot is added to a team, remember every channel so the IT Security channel can be reached later. */
  private async captureTeamChannels(context: TurnContext) {
    const a = context.activity;
    const cd = a.channelData as { team?: { id?: string; name?: string }; tenant?: { id?: string } } | undefined;
    const teamId = cd?.team?.id;
    if (!teamId) return;
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
