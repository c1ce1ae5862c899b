/**
 * Steps the onboarding end-to-end tests share: filling the request form in the playground UI, making people other
 * than the current user reachable, and pressing buttons on the cards the bot actually sent them (found in the
 * playground's frame stream, with the card's own action `data`, never hand-built request state).
 */
import assert from 'node:assert/strict';
import type { PlaygroundUser } from '../../scripts/lib/demoEnvironment';
import { cardText, type ConversationTarget, type LogFrame, type LogStream, type PlaygroundApi } from './playgroundApi';
import type { PlaygroundPage } from './playgroundPage';

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
const CARD = '.ac-adaptiveCard';

/** An Adaptive Card as JSON. */
export type CardJson = Record<string, unknown>;

/** A card action found by its title. */
export interface FoundAction {
  type: string;
  title: string;
  verb?: string;
  data: Record<string, unknown>;
}

/** The request form's answers, as the employee types them. */
export interface RequestFormAnswers {
  platform: string;
  ownership: string;
  model: string;
  justification: string;
}

/** The answers every scenario uses: Alex's personal iPhone, which the demo tenant enrolls. */
export const ALEX_IPHONE: RequestFormAnswers = {
  platform: 'iOS / iPadOS',
  ownership: 'Personal (my own device)',
  model: 'iPhone 15',
  justification: 'Email and Teams while visiting clients',
};

/**
 * Chooses an option of a compact Input.ChoiceSet. The playground renders it as a Fluent Combobox (an input with
 * role "combobox" and a listbox in a portal), which PlaygroundPage.chooseCardOption does not handle.
 */
export async function chooseComboOption(ui: PlaygroundPage, label: string, option: string, cardText?: string | RegExp): Promise<void> {
  const cards = cardText ? ui.page.locator(CARD, { hasText: cardText }) : ui.page.locator(CARD);
  await cards.last().getByRole('combobox', { name: label }).click();
  await ui.page.getByRole('option', { name: option, exact: true }).click();
}

/** Types the opening sentence, fills the request form and submits it; returns the status card the form turns into. */
export async function requestThroughUi(ui: PlaygroundPage, answers: RequestFormAnswers = ALEX_IPHONE): Promise<void> {
  const form = 'Tell us about the device';
  await ui.sendMessage('I want to use my phone for work');
  await ui.waitForCard(form);
  await chooseComboOption(ui, 'Device platform', answers.platform, form);
  await ui.chooseCardOption('Who owns the device?', answers.ownership, form);
  await ui.fillCardInput('Device model', answers.model, form);
  await ui.fillCardInput('Why do you need it for work?', answers.justification, form);
  await ui.screenshot('request-form-filled');
  await ui.clickCardButton('Submit', form);
  await ui.waitForCard(/Your device access request[\s\S]*Waiting for approval/);
  await ui.screenshot('request-submitted-status');
}

/**
 * Gives `user` their own 1:1 chat with the bot, as when they install the app themselves: the playground opens the
 * chat (hidden in its UI, which shows only the current user) and the bot receives the installationUpdate from it.
 */
export async function installAppFor(api: PlaygroundApi, user: PlaygroundUser, log: LogStream): Promise<ConversationTarget> {
  const res = await fetch(`${api.baseUrl}/_connector/v3/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      isGroup: false,
      bot: { id: api.config.bot.id, name: api.config.bot.name },
      members: [{ id: user.id }],
      tenantId: api.config.tenantId,
      channelData: { tenant: { id: api.config.tenantId } },
    }),
    signal: AbortSignal.timeout(10000),
  });
  const body = (await res.json()) as { id?: string };
  assert.ok(res.ok && body.id, `the playground opened a chat for ${user.name}: ${res.status} ${JSON.stringify(body)}`);
  const target: ConversationTarget = { id: body.id, type: 'personal' };
  const frame = await api.sendCustomActivity(api.activityFrom(user, target, { type: 'installationUpdate', action: 'add' }), log);
  assert.equal(frame?.response?.statusCode, 200, `the bot accepted ${user.name}'s installation: ${JSON.stringify(frame?.response)}`);
  return target;
}

/**
 * A message the bot sent or edited, read from the playground's activity log. The conversation stream only carries
 * the conversations the UI shows; the log also has the hidden 1:1 chats of people other than the current user.
 */
export interface SentMessage {
  conversationId: string;
  /** The activity id the bot got back (a card's replyToId). */
  activityId: string;
  action: 'create' | 'update';
  /** Who it went to (a personal chat's member), when the bot said. */
  recipientId?: string;
  text: string;
  card?: CardJson;
  /** The playground's timestamp (epoch ms). */
  timestamp: number;
}

function asSentMessage(f: LogFrame): SentMessage | undefined {
  if (f.from !== 'User Application') return undefined;
  const body = f.request?.body as Record<string, unknown> | undefined;
  if (!body || body.type !== 'message') return undefined;
  const raw = f.raw as { log?: { messageId?: string; timestamp?: number } };
  const response = f.response?.body as { id?: string } | undefined;
  const conversationId = String((body.conversation as { id?: string } | undefined)?.id ?? f.conversationId ?? '');
  const activityId = String(response?.id ?? body.id ?? raw.log?.messageId ?? '');
  const attachments = (body.attachments as { contentType?: string; content?: unknown }[] | undefined) ?? [];
  const card = attachments.find((a) => a.contentType === CARD_CONTENT_TYPE)?.content as CardJson | undefined;
  return {
    conversationId,
    activityId,
    // The playground logs an edit (PUT) as a message too; it answers a new message 201 and an edit 200.
    action: f.response?.statusCode === 201 ? 'create' : 'update',
    recipientId: (body.recipient as { id?: string } | undefined)?.id,
    text: [typeof body.text === 'string' ? body.text : '', card ? cardText(card) : ''].filter(Boolean).join('\n'),
    card,
    timestamp: Number(raw.log?.timestamp ?? 0),
  };
}

/** Everything the bot has sent or edited so far, oldest first. */
export function sentMessages(log: LogStream): SentMessage[] {
  return log.frames.map(asSentMessage).filter((m): m is SentMessage => Boolean(m));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const matchesText = (text: string | RegExp, s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
const oneLine = (s: string) => s.replace(/\s+/g, ' ').slice(0, 200);

/** Waits for a message the bot sent (or edited to) whose text or card shows `text`. */
export async function waitForSent(
  log: LogStream,
  text: string | RegExp,
  options: { conversationId?: string; activityId?: string; since?: number; timeoutMs?: number } = {},
): Promise<SentMessage> {
  const deadline = Date.now() + (options.timeoutMs ?? 20000);
  for (;;) {
    const found = sentMessages(log).find(
      (m) =>
        (!options.conversationId || m.conversationId === options.conversationId) &&
        (!options.activityId || m.activityId === options.activityId) &&
        (!options.since || m.timestamp >= options.since) &&
        matchesText(text, m.text),
    );
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = sentMessages(log).map((m) => `${m.action} ${m.conversationId} ${m.activityId}: ${oneLine(m.text)}`);
      assert.fail(`the bot sent nothing showing ${String(text)} ${JSON.stringify(options)}; it sent:\n${seen.slice(-15).join('\n')}`);
    }
    await sleep(150);
  }
}

/**
 * The newest version of a message the bot sent (its last create or update). The bot edits cards in place as the
 * request moves on, and a click must carry the data of the card as it is shown now.
 */
export function latestVersionOf(log: LogStream, message: Pick<SentMessage, 'conversationId' | 'activityId'>): SentMessage {
  const versions = sentMessages(log).filter((m) => m.activityId === message.activityId && m.conversationId.split(';')[0] === message.conversationId.split(';')[0]);
  assert.ok(versions.length, `the bot sent message ${message.activityId}`);
  return versions[versions.length - 1];
}

/** Waits until a message the bot sent shows `text` in its newest version (sent like that, or edited to it). */
export async function waitForVersion(log: LogStream, message: SentMessage, text: string | RegExp, timeoutMs = 20000): Promise<SentMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const latest = latestVersionOf(log, message);
    if (matchesText(text, latest.text)) return latest;
    if (Date.now() > deadline) assert.fail(`message ${message.activityId} never showed ${String(text)}; it shows: ${oneLine(latest.text)}`);
    await sleep(150);
  }
}

/**
 * The 1:1 chat the bot opened with `user` through createConversation (the playground creates it hidden from its UI).
 * The bot's messages into such a chat name no recipient, so the createConversation request says whose chat it is.
 */
export async function waitForChatOpenedWith(log: LogStream, user: PlaygroundUser, timeoutMs = 20000): Promise<ConversationTarget> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of log.frames) {
      if (f.activityName !== 'createConversation' || f.from !== 'User Application') continue;
      const members = ((f.request?.body as { members?: { id?: string; aadObjectId?: string }[] } | undefined)?.members ?? []).filter(
        (m) => m.id === user.id || m.aadObjectId === user.aadObjectId,
      );
      const id = (f.response?.body as { id?: string } | undefined)?.id;
      if (members.length && id) return { id, type: 'personal' };
    }
    if (Date.now() > deadline) assert.fail(`the bot never opened a chat with ${user.name}`);
    await sleep(150);
  }
}

/** The card a message carries; fails the test when it has none. */
export function cardOf(message: SentMessage): CardJson {
  assert.ok(message.card, `message ${message.activityId} carries an Adaptive Card: ${oneLine(message.text)}`);
  return message.card;
}

/** Every action on a card, including those inside Action.ShowCard cards, depth first. */
export function cardActions(card: unknown): FoundAction[] {
  const out: FoundAction[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Action.') && typeof o.title === 'string') {
      out.push({ type: o.type, title: o.title, verb: typeof o.verb === 'string' ? o.verb : undefined, data: (o.data as Record<string, unknown>) ?? {} });
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'fallback' && typeof v === 'object') walk(v);
  };
  walk((card as CardJson | undefined)?.body);
  walk((card as CardJson | undefined)?.actions);
  return out;
}

/** The titles of a card's buttons (Action.Execute / Submit / ShowCard), in order. */
export function buttonTitles(card: unknown): string[] {
  return cardActions(card).map((a) => a.title);
}

/** The Action.Execute titled `title` on a card; fails the test when the card has none. */
export function executeAction(card: CardJson, title: string): FoundAction {
  const action = cardActions(card).find((a) => a.type === 'Action.Execute' && a.title === title);
  assert.ok(action?.verb, `the card has an Action.Execute "${title}"; it has: ${buttonTitles(card).join(', ') || '(no buttons)'}`);
  return action;
}

/** The bot's invoke response as the playground relays it. */
export interface InvokeAnswer {
  statusCode?: number;
  type?: string;
  value?: CardJson;
}

/**
 * Presses a button as `user` on a card the bot sent: an Action.Execute invoke from that person with the action's own
 * `data` plus the inputs they typed (Teams merges inputs into `data`), replying to the card's activity id. For a card
 * in a channel, pass the thread's conversation id (`<channel>;messageid=<root>`), as Teams does.
 */
export async function pressAs(
  api: PlaygroundApi,
  log: LogStream,
  user: PlaygroundUser,
  target: ConversationTarget,
  message: SentMessage,
  title: string,
  inputs: Record<string, string> = {},
): Promise<InvokeAnswer> {
  const action = executeAction(cardOf(message), title);
  const activity = api.activityFrom(user, target, {
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: message.activityId,
    value: { action: { type: 'Action.Execute', title, verb: action.verb, data: { ...action.data, ...inputs } }, trigger: 'manual' },
  });
  if (target.type === 'channel') {
    // channelData names the channel itself, never the thread.
    const channelId = target.id.split(';')[0];
    const channelData = activity.channelData as Record<string, unknown>;
    activity.channelData = { ...channelData, channel: { id: channelId }, teamsChannelId: channelId };
  }
  const frame = await api.sendCustomActivity(activity, log);
  const body = frame?.response?.body;
  const answer = body as InvokeAnswer;
  assert.equal(answer?.statusCode, 200, `the bot answered ${user.name}'s "${title}": ${JSON.stringify(frame?.response)?.slice(0, 300)}`);
  assert.ok(answer.value && typeof answer.value === 'object', `the answer to "${title}" carries a card: ${JSON.stringify(body)?.slice(0, 300)}`);
  return answer;
}

/** All the text a card shows. */
export function textOf(card: unknown): string {
  return cardText(card);
}

/** The request reference ("DEV-XXXXXX") a card shows. */
export function referenceIn(text: string): string {
  const m = /\bDEV-[A-Z0-9]{6}\b/.exec(text);
  assert.ok(m, `the card names a request reference: ${oneLine(text)}`);
  return m[0];
}

/**
 * Sends `text` in the UI and waits for a new card showing `expected` (a card already on screen with the same text
 * does not count: the bot edits earlier cards in place, so "the last card with X" could be an old one).
 */
export async function sendAndWaitForNewCard(ui: PlaygroundPage, text: string, expected: string | RegExp, timeoutMs = 20000): Promise<void> {
  const cards = ui.page.locator(CARD, { hasText: expected });
  const before = await cards.count();
  await ui.sendMessage(text);
  const deadline = Date.now() + timeoutMs;
  while ((await cards.count()) <= before) {
    if (Date.now() > deadline) assert.fail(`no new card showing ${String(expected)} after "${text}"; chat: ${JSON.stringify((await ui.messageRows()).slice(-3))}`);
    await sleep(150);
  }
}

/**
 * Makes a describe block's tests one sequence of steps: once a step fails, the later steps are skipped instead of
 * failing on its leftovers, so the report points at the step that broke.
 */
export function stepByStep(): void {
  let failed: string | undefined;
  beforeEach(function () {
    if (failed) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = this.currentTest.title;
  });
}
