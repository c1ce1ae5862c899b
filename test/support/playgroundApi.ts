/**
 * UI-less access to a running Microsoft 365 Agents Playground: send as the current user or as anyone in the
 * config, install the app, click card actions, and read what the bot sent through the playground's
 * WebSocket streams. Facts: shared/reference/offline-test-tooling.md §4.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { PlaygroundConfig, PlaygroundUser } from '../../scripts/lib/demoEnvironment';

/** The playground answered an API call with an error status. */
export class PlaygroundApiError extends Error {
  constructor(
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`playground ${path} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'PlaygroundApiError';
  }
}

/** Nothing matching arrived on a stream in time; lists what did arrive. */
export class FrameWaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, seen: string[]) {
    super(`no ${what} within ${timeoutMs} ms; seen:\n${seen.slice(-15).join('\n') || '(nothing)'}`);
    this.name = 'FrameWaitTimeoutError';
  }
}

/** An attachment as the playground relays it. */
export interface FrameAttachment {
  contentType: string;
  content?: unknown;
}

/** A bot → user message as the chat pane receives it. */
export interface BotFrame {
  action: 'createMessage' | 'updateMessage' | 'typing';
  conversationId: string;
  messageId: string;
  timestamp: number;
  fromId: string;
  text?: string;
  attachments: FrameAttachment[];
  /** When this process received the frame (frames buffered before we connected arrive with old timestamps). */
  receivedAt: number;
  raw: unknown;
}

/** One entry of the playground's activity log (both directions, full payloads). */
export interface LogFrame {
  conversationId?: string;
  activityName?: string;
  from?: string;
  to?: string;
  request?: { body?: Record<string, unknown> };
  response?: { statusCode?: number; body?: unknown };
  displayText?: string;
  raw: unknown;
}

/** The text of every Adaptive Card TextBlock, RichTextBlock run, FactSet fact and action title, in order. */
export function cardText(content: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.text === 'string') out.push(o.text);
    if (typeof o.title === 'string') out.push(o.title);
    if (typeof o.value === 'string' && o.type === undefined) out.push(o.value);
    for (const [k, v] of Object.entries(o)) if (k !== 'text' && k !== 'title' && typeof v === 'object') walk(v);
  };
  walk(content);
  return out.join('\n');
}

/** Everything a frame shows as text: the message text and its cards. */
export function frameText(frame: BotFrame): string {
  return [frame.text ?? '', ...frame.attachments.map((a) => cardText(a.content))].filter(Boolean).join('\n');
}

/** A subscription to one of the playground's WebSocket streams, keeping every frame it receives. */
class FrameCollector<T> {
  readonly frames: T[] = [];
  private readonly waiters = new Set<() => void>();
  private constructor(
    private readonly ws: WebSocket,
    parse: (data: unknown) => T | undefined,
  ) {
    ws.on('message', (data: WebSocket.RawData) => {
      let parsed: T | undefined;
      try {
        parsed = parse(JSON.parse(data.toString()));
      } catch {
        return;
      }
      if (parsed === undefined) return;
      this.frames.push(parsed);
      for (const w of this.waiters) w();
    });
  }

  static async open<T>(url: string, parse: (data: unknown) => T | undefined): Promise<FrameCollector<T>> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new FrameCollector(ws, parse);
  }

  /** Resolves with the first frame (already received or arriving) that matches. */
  waitFor(match: (f: T) => boolean, what: string, timeoutMs: number, describe: (f: T) => string): Promise<T> {
    const found = this.frames.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const f = this.frames.find(match);
        if (!f) return;
        cleanup();
        resolve(f);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new FrameWaitTimeoutError(what, timeoutMs, this.frames.map(describe)));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Bot → user messages from `/_ws_conversation/v1/conversations/stream`. */
export class BotFrameStream {
  private constructor(private readonly collector: FrameCollector<BotFrame>) {}

  /** Connects; frames the playground buffered while no client was connected arrive first (see `since`). */
  static async open(baseUrl: string): Promise<BotFrameStream> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/_ws_conversation/v1/conversations/stream`;
    const collector = await FrameCollector.open<BotFrame>(url, (d) => {
      const f = d as { action?: string; actionConversationId?: string; message?: Record<string, unknown> };
      if (!f.action || !f.message) return undefined;
      const m = f.message as { messageId?: string; timestamp?: number; from?: { id?: string }; text?: string; attachments?: FrameAttachment[] };
      return {
        action: f.action as BotFrame['action'],
        conversationId: f.actionConversationId ?? '',
        messageId: String(m.messageId ?? ''),
        timestamp: Number(m.timestamp ?? 0),
        fromId: m.from?.id ?? '',
        text: m.text,
        attachments: m.attachments ?? [],
        receivedAt: Date.now(),
        raw: d,
      };
    });
    return new BotFrameStream(collector);
  }

  /** Every frame received so far. */
  get frames(): readonly BotFrame[] {
    return this.collector.frames;
  }

  /**
   * Waits for a created or updated message whose text or card text contains `text` (string or RegExp),
   * optionally in one conversation and newer than `since` (epoch ms of the playground's timestamp).
   */
  waitForMessage(text: string | RegExp, options: { conversationId?: string; since?: number; timeoutMs?: number } = {}): Promise<BotFrame> {
    const matches = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
    return this.collector.waitFor(
      (f) =>
        f.action !== 'typing' &&
        (!options.conversationId || f.conversationId === options.conversationId) &&
        (!options.since || f.timestamp >= options.since) &&
        matches(frameText(f)),
      `bot message containing ${String(text)}`,
      options.timeoutMs ?? 15000,
      (f) => `${f.action} ${f.conversationId} ${frameText(f).replace(/\s+/g, ' ').slice(0, 160)}`,
    );
  }

  close(): void {
    this.collector.close();
  }
}

/** The playground's activity log from `/_ws/log/stream`: requests and responses in both directions. */
export class LogStream {
  private constructor(private readonly collector: FrameCollector<LogFrame>) {}

  static async open(baseUrl: string): Promise<LogStream> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/_ws/log/stream`;
    const collector = await FrameCollector.open<LogFrame>(url, (d) => {
      const f = d as { logAction?: string; log?: Record<string, unknown> };
      if (f.logAction !== 'appendLog' || !f.log) return undefined;
      return { ...(f.log as Omit<LogFrame, 'raw'>), raw: d };
    });
    return new LogStream(collector);
  }

  get frames(): readonly LogFrame[] {
    return this.collector.frames;
  }

  /** Waits for the log entry of the activity with this id going to the bot, and returns it with its response. */
  waitForActivity(activityId: string, timeoutMs = 15000): Promise<LogFrame> {
    return this.collector.waitFor(
      (f) => f.request?.body?.id === activityId && f.response !== undefined,
      `log entry for activity ${activityId}`,
      timeoutMs,
      (f) => `${f.activityName ?? ''} ${f.displayText ?? ''}`.slice(0, 160),
    );
  }

  close(): void {
    this.collector.close();
  }
}

/** Where an activity goes: a conversation id and its kind. */
export interface ConversationTarget {
  id: string;
  type: 'personal' | 'groupChat' | 'channel';
}

/** HTTP client for one running playground. */
export class PlaygroundApi {
  constructor(
    readonly baseUrl: string,
    readonly config: PlaygroundConfig,
  ) {}

  /** The personal chat between the current user and the bot. */
  get personalChat(): ConversationTarget {
    return { id: this.config.personalChatId, type: 'personal' };
  }

  /** The team's extra channel ("IT Security" in the demo config). */
  get itChannel(): ConversationTarget {
    const channel = this.config.team.channels[0];
    if (!channel) throw new Error('the playground config has no channel besides General');
    return { id: channel.id, type: 'channel' };
  }

  /** A person from the config by first name, full name or aadObjectId. */
  user(nameOrId: string): PlaygroundUser {
    const all = [this.config.currentUser, ...this.config.users];
    const found = all.find((u) => u.aadObjectId === nameOrId || u.id === nameOrId || u.name === nameOrId || u.name.split(' ')[0] === nameOrId);
    if (!found) throw new Error(`no user "${nameOrId}" in the playground config (${all.map((u) => u.name).join(', ')})`);
    return found;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<string> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20000),
    });
    const text = await res.text();
    if (!res.ok) throw new PlaygroundApiError(path, res.status, text);
    return text;
  }

  private async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = await this.request(method, path, body);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** GET /_debug/ping answers "pong" once the server is up. */
  async ping(): Promise<boolean> {
    return (await this.request('GET', '/_debug/ping').catch(() => '')) === 'pong';
  }

  /** Sends the app-installed events (installationUpdate + conversationUpdate) that the UI sends on every load. */
  async install(conversationId: string = this.config.personalChatId): Promise<void> {
    await this.request('POST', `/_debug/conversation/${encodeURIComponent(conversationId)}/installation`, {});
  }

  /** Sends a message as the current user (the only sender this API allows); returns the playground's message id. */
  async sendMessage(text: string, conversationId: string = this.config.personalChatId): Promise<{ messageId: string; timestamp: number }> {
    return this.json('POST', `/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
      text,
      textFormat: 'plain',
      from: { id: this.config.currentUser.id },
    });
  }

  /** Clicks an Action.Submit as the current user: the bot gets a message whose `value` is `value`. */
  async submit(conversationId: string, replyToId: string, value: Record<string, unknown>): Promise<void> {
    await this.request('POST', '/_conversation/v1/submit', { conversation: { id: conversationId }, replyToId, from: { id: this.config.currentUser.id }, value });
  }

  /** Clicks an Action.Execute as the current user and returns the bot's invoke response body (usually a card). */
  async execute(conversationId: string, replyToId: string, action: { verb: string; data?: Record<string, unknown>; title?: string }): Promise<unknown> {
    return this.json('POST', '/_conversation/v1/invoke', {
      name: 'adaptiveCard/action',
      conversation: { id: conversationId },
      replyToId,
      from: { id: this.config.currentUser.id },
      value: { action: { type: 'Action.Execute', title: action.title ?? action.verb, verb: action.verb, data: action.data ?? {} } },
    });
  }

  /** An activity from `user` to the bot in `target`, shaped as Teams sends it. */
  activityFrom(user: PlaygroundUser, target: ConversationTarget, fields: Record<string, unknown>): Record<string, unknown> {
    const tenant = { id: this.config.tenantId };
    const team = { id: this.config.team.id, name: this.config.team.name, aadGroupId: this.config.team.aadGroupId };
    const channelData: Record<string, unknown> =
      target.type === 'channel' ? { tenant, team, channel: { id: target.id }, teamsTeamId: team.id, teamsChannelId: target.id } : { tenant };
    return {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: `${this.baseUrl}/_connector`,
      recipient: { id: this.config.bot.id, name: this.config.bot.name },
      conversation: {
        id: target.id,
        conversationType: target.type,
        tenantId: this.config.tenantId,
        ...(target.type === 'personal' ? {} : { isGroup: true }),
      },
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      channelData,
      entities: [{ type: 'clientInfo', locale: 'en-US', timezone: 'Europe/London' }],
      locale: 'en-US',
      ...fields,
    };
  }

  /**
   * Sends a raw activity through "Custom activity" (any `from`, unlike the conversation API). The playground
   * answers before the bot has seen it; pass a LogStream to wait for the bot's response.
   */
  async sendCustomActivity(activity: Record<string, unknown>, log?: LogStream): Promise<LogFrame | undefined> {
    await this.request('POST', '/_internal/v1/customActivities', activity);
    return log ? log.waitForActivity(String(activity.id)) : undefined;
  }

  /** Sends `text` as `user` (e.g. the manager) and waits until the bot has answered the turn. */
  async sendMessageAs(user: PlaygroundUser, text: string, target: ConversationTarget, log: LogStream): Promise<LogFrame> {
    const frame = await this.sendCustomActivity(this.activityFrom(user, target, { type: 'message', text, textFormat: 'plain' }), log);
    return frame!;
  }

  /** Clicks an Action.Execute as `user`; returns the bot's invoke response body (`{statusCode, type, value}`). */
  async executeAs(
    user: PlaygroundUser,
    target: ConversationTarget,
    replyToId: string,
    action: { verb: string; data?: Record<string, unknown>; title?: string },
    log: LogStream,
  ): Promise<unknown> {
    const activity = this.activityFrom(user, target, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId,
      value: { action: { type: 'Action.Execute', title: action.title ?? action.verb, verb: action.verb, data: action.data ?? {} } },
    });
    const frame = await this.sendCustomActivity(activity, log);
    return frame?.response?.body;
  }

  /** The playground's view of the config (blocks until the bot endpoint answers, up to 15 s). */
  async serverConfig(): Promise<unknown> {
    return this.json('GET', '/_internal/v1/config');
  }
}
