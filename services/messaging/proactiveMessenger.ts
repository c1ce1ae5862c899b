import {
  CardFactory,
  TeamsInfo,
  TurnContext,
  type Activity,
  type CloudAdapter,
  type ConversationParameters,
  type ConversationReference,
} from 'botbuilder';
import type { Logger } from '../logging/logger';
import type { TeamsAppInstallService } from '../graph/graphTypes';
import { SlidingWindowLimiter, type WindowRule } from '../net/slidingWindow';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import type { RatePacer } from './teamsRatePacer';

/** Where a sent message landed, so it can be updated in place later. */
export interface Delivery {
  conversationId: string;
  activityId: string;
  serviceUrl: string;
}

/** The bot cannot reach this person or channel (not installed, blocked, or no reference to start from). */
export class RecipientUnreachableError extends Error {
  constructor(
    readonly recipient: string,
    readonly reason: string,
  ) {
    super(`Cannot reach ${recipient}: ${reason}`);
    this.name = 'RecipientUnreachableError';
  }
}

/** Options the messenger needs from configuration. */
export interface MessengerOptions {
  /** Bot app id ('' in local mode without authentication). */
  appId: string;
  tenantId: string;
  catalogAppId?: string;
  itTeamId?: string;
  itChannelId?: string;
  /** Attempts for 429/412/5xx before giving up (the outbox retries later). */
  maxAttempts?: number;
  /** Base backoff when Teams gives no Retry-After. */
  baseDelayMs?: number;
  /** Teams' limit for the app in the tenant, shared by every instance (see SharedRatePacer). */
  pacer?: RatePacer;
}

const RETRYABLE = new Set([412, 429, 500, 502, 503, 504]);
const GONE = new Set([403, 404]);
/**
 * Teams' limits for one bot in one conversation: 7 sends per second, 8 per 2 seconds, 60 per 30 seconds, 1,800
 * per hour (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit). Kept per instance:
 * the outbox drain, which sends almost every proactive message, runs on one instance at a time.
 */
export const CONVERSATION_LIMITS: readonly WindowRule[] = [
  { limit: 7, windowMs: 1000 },
  { limit: 8, windowMs: 2000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1800, windowMs: 3_600_000 },
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The HTTP status of a failed Bot Connector call, if it got an answer. */
export function statusOf(e: unknown): number | undefined {
  const x = e as { statusCode?: number; status?: number; response?: { status?: number } };
  return x.statusCode ?? x.status ?? x.response?.status;
}

function retryAfterMs(e: unknown): number | undefined {
  const headers = (e as { response?: { headers?: { get?(n: string): string | undefined } } }).response?.headers;
  const v = headers?.get?.('retry-after');
  if (!v) return undefined;
  const seconds = Number(v);
  return Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(v) - Date.now());
}

/** Sending and updating messages outside a turn; the seam tests replace with a recorder. */
export interface Messenger {
  readonly hasItChannel: boolean;
  sendToUser(aadObjectId: string, activity: Partial<Activity>, via?: Partial<ConversationReference>): Promise<Delivery>;
  sendToItChannel(activity: Partial<Activity>, via?: Partial<ConversationReference>, threadActivityId?: string): Promise<Delivery>;
  update(target: { conversationId: string; activityId: string; serviceUrl?: string }, activity: Partial<Activity>, via?: Partial<ConversationReference>): Promise<void>;
}

/** Wraps a card JSON as a message activity. */
export function cardActivity(card: object, summary?: string): Partial<Activity> {
  return { type: 'message', attachments: [CardFactory.adaptiveCard(card)], summary };
}

/**
 * Proactive messages to people and to the IT channel. Sends are awaited, serialised per conversation (Teams allows
 * about 7 per second per conversation), retried on 429/412/5xx honouring Retry-After, and a person the bot never
 * talked to gets the app installed through Graph first.
 */
export class ProactiveMessenger implements Messenger {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Sends per conversation within Teams' windows, to pace the next one. */
  private readonly perConversation = new SlidingWindowLimiter(CONVERSATION_LIMITS);
  private sends = 0;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly refs: ConversationReferenceRepository,
    private readonly teamsApps: TeamsAppInstallService,
    private readonly options: MessengerOptions,
    private readonly logger: Logger,
  ) {}

  /** Sends to a person's 1:1 chat with the bot, creating it when needed. `via` is a reference to borrow the service URL and bot account from. */
  async sendToUser(aadObjectId: string, activity: Partial<Activity>, via?: Partial<ConversationReference>): Promise<Delivery> {
    let ref = (await this.refs.findUser(aadObjectId))?.reference;
    if (!ref) ref = await this.createPersonalConversation(aadObjectId, via);
    try {
      return await this.send(ref, activity);
    } catch (e) {
      if (!GONE.has(statusOf(e) ?? 0)) throw e;
      // A stale reference (uninstalled, blocked, or a deleted chat): forget it and start a new conversation once.
      this.logger.warn({ status: statusOf(e) }, 'personal conversation gone; re-creating');
      await this.refs.forgetUser(aadObjectId);
      return this.send(await this.createPersonalConversation(aadObjectId, via ?? ref), activity);
    }
  }

  /** Posts to the configured IT Security channel (a new thread, or a reply in `threadActivityId`'s thread). */
  async sendToItChannel(activity: Partial<Activity>, via?: Partial<ConversationReference>, threadActivityId?: string): Promise<Delivery> {
    const ref = await this.itChannelReference(via);
    const conversationId = threadActivityId ? `${this.options.itChannelId};messageid=${threadActivityId}` : this.options.itChannelId!;
    return this.send({ ...ref, conversation: { ...ref.conversation!, id: conversationId } }, activity);
  }

  /** Whether an IT channel is configured. */
  get hasItChannel(): boolean {
    return Boolean(this.options.itTeamId && this.options.itChannelId);
  }

  /** Replaces a message the bot sent earlier. */
  async update(target: { conversationId: string; activityId: string; serviceUrl?: string }, activity: Partial<Activity>, via?: Partial<ConversationReference>) {
    const base = via ?? {};
    const ref: Partial<ConversationReference> = {
      ...base,
      channelId: base.channelId ?? 'msteams',
      serviceUrl: target.serviceUrl ?? base.serviceUrl,
      conversation: { ...(base.conversation ?? {}), id: target.conversationId } as ConversationReference['conversation'],
    };
    await this.withRetry(target.conversationId, () =>
      this.inConversation(ref, async (ctx) => {
        await ctx.updateActivity({ ...activity, id: target.activityId, conversation: ref.conversation });
      }),
    );
  }

  private async send(ref: Partial<ConversationReference>, activity: Partial<Activity>): Promise<Delivery> {
    let delivery: Delivery | undefined;
    await this.withRetry(ref.conversation!.id, () =>
      this.inConversation(ref, async (ctx) => {
        const res = await ctx.sendActivity(activity);
        delivery = { conversationId: ref.conversation!.id, activityId: res?.id ?? '', serviceUrl: ref.serviceUrl! };
      }),
    );
    return delivery!;
  }

  /**
   * Runs `fn` in a proactive turn and rethrows its failure. CloudAdapter hands errors thrown in the logic to
   * onTurnError instead of the caller, which would hide a 429 from the retry below and lose the message.
   */
  private async inConversation(ref: Partial<ConversationReference>, fn: (ctx: TurnContext) => Promise<void>): Promise<void> {
    let failure: unknown;
    await this.adapter.continueConversationAsync(this.options.appId, ref, async (ctx) => {
      try {
        await fn(ctx);
      } catch (e) {
        failure = e;
      }
    });
    if (failure) throw failure;
  }

  /**
   * The person's Teams user id ("29:…"), found in the IT team's roster by Entra object id. Teams creates a 1:1
   * conversation reliably only for that id; the object id alone is a fallback.
   */
  private async findTeamsUserId(aadObjectId: string, via: Partial<ConversationReference>): Promise<string | undefined> {
    const teamId = this.options.itTeamId;
    if (!teamId) return undefined;
    let found: string | undefined;
    try {
      await this.inConversation({ ...via, conversation: { id: teamId, isGroup: true, conversationType: 'channel' } as ConversationReference['conversation'] }, async (ctx) => {
        let token: string | undefined;
        for (let page = 0; page < 20 && !found; page++) {
          const result = await TeamsInfo.getPagedTeamMembers(ctx, teamId, 500, token);
          found = result.members.find((m) => m.aadObjectId === aadObjectId)?.id;
          token = result.continuationToken;
          if (!token) break;
        }
      });
    } catch (e) {
      this.logger.info({ status: statusOf(e) }, 'team roster not available for a member lookup');
    }
    return found;
  }

  private async itChannelReference(via?: Partial<ConversationReference>): Promise<Partial<ConversationReference>> {
    const { itTeamId, itChannelId } = this.options;
    if (!itTeamId || !itChannelId) throw new RecipientUnreachableError('IT channel', 'IT_TEAM_ID and IT_CHANNEL_ID are not configured');
    const stored = await this.refs.findChannel(itTeamId, itChannelId);
    if (stored) return stored.reference;
    if (!via?.serviceUrl) throw new RecipientUnreachableError('IT channel', 'the bot has not been added to the IT team yet');
    // The channel is configured but the bot has not seen it since start: build the reference from the
    // configured ids and the tenant's service URL (Teams serves one tenant from one service URL).
    return {
      channelId: 'msteams',
      serviceUrl: via.serviceUrl,
      bot: via.bot,
      conversation: { id: itChannelId, isGroup: true, conversationType: 'channel', tenantId: this.options.tenantId || via.conversation?.tenantId } as ConversationReference['conversation'],
    };
  }

  private async createPersonalConversation(aadObjectId: string, via?: Partial<ConversationReference>): Promise<Partial<ConversationReference>> {
    if (!via?.serviceUrl) throw new RecipientUnreachableError(aadObjectId, 'no conversation with the bot and no service URL to start one');
    if (this.options.catalogAppId) {
      // Teams only lets a bot message people who have it installed: install it for them first.
      // https://learn.microsoft.com/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages
      await this.teamsApps.ensureInstalledForUser(aadObjectId, this.options.catalogAppId);
    }
    const known = await this.refs.findUser(aadObjectId);
    // Locally no tenant is configured; the tenant of the conversation we borrow from is the same tenant.
    const tenantId = this.options.tenantId || via.conversation?.tenantId || known?.tenantId || '';
    const teamsUserId = known?.teamsUserId ?? (await this.findTeamsUserId(aadObjectId, via));
    const params = {
      isGroup: false,
      bot: via.bot,
      members: [{ id: teamsUserId ?? aadObjectId, aadObjectId }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    } as unknown as ConversationParameters;
    let created: Partial<ConversationReference> | undefined;
    await this.withRetry(`create:${aadObjectId}`, () =>
      this.adapter.createConversationAsync(
        this.options.appId,
        'msteams',
        via.serviceUrl!,
        this.options.appId ? 'https://api.botframework.com' : '',
        params,
        async (ctx) => {
          created = TurnContext.getConversationReference(ctx.activity);
        },
      ),
    );
    if (!created?.conversation?.id) throw new RecipientUnreachableError(aadObjectId, 'Teams did not return a conversation');
    await this.refs.saveUser(aadObjectId, created, 'created', teamsUserId, tenantId);
    return created;
  }

  private async withRetry(key: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      const attempts = this.options.maxAttempts ?? 4;
      for (let attempt = 1; ; attempt++) {
        try {
          // Pace before the next send rather than after this one: the caller records a delivery the moment
          // Teams answers, which keeps the window where a crash leaves a sent message unrecorded short.
          for (let wait = this.perConversation.take(key, Date.now()); wait > 0; wait = this.perConversation.take(key, Date.now())) await sleep(wait);
          if (++this.sends % 1000 === 0) this.perConversation.forgetIdle(Date.now());
          await this.options.pacer?.take();
          await fn();
          return;
        } catch (e) {
          const status = statusOf(e);
          if (!status || !RETRYABLE.has(status) || attempt >= attempts) throw e;
          const retryAfter = retryAfterMs(e);
          // Teams' 429 may be the app's limit, not this conversation's: every instance holds back as told.
          if (status === 429 && retryAfter !== undefined) await this.options.pacer?.pause(retryAfter);
          const wait = retryAfter ?? (this.options.baseDelayMs ?? 500) * 2 ** (attempt - 1) + Math.random() * 250;
          this.logger.warn({ status, attempt, waitMs: Math.round(wait) }, 'Teams send throttled or failed; retrying');
          await sleep(wait);
        }
      }
    });
    this.queues.set(key, run);
    try {
      await run;
    } finally {
      if (this.queues.get(key) === run) this.queues.delete(key);
    }
  }
}
