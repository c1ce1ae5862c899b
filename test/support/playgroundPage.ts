/**
 * Drives the Agents Playground's web UI in headless Debian Chromium through playwright-core, the way a person
 * uses Teams: open a chat, type, read the bot's cards, click their buttons. Selectors are the stable ones
 * from shared/reference/offline-test-tooling.md §4 (the Fluent atomic class names change between builds).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/lib/chromium';

const COMPOSE_BOX = '[role="textbox"][contenteditable="true"][data-lexical-editor="true"]';
const BOT_BUBBLE = '.fai-OutputCard';
const CARD = '.ac-adaptiveCard';
const MESSAGE_HEADER = '[aria-label="Message header"]';

/** One row of the chat as a person sees it. */
export interface ChatRow {
  /** The bot's display name for bot rows, "(me)" for the current user's. */
  from: string;
  text: string;
}

/** Options for {@link PlaygroundPage.open}. */
export interface OpenPlaygroundPageOptions {
  /** Folder for screenshots. */
  artifactsDir: string;
  /** Default wait for an element; clicks on non-interactive elements otherwise wait 30 s. */
  timeoutMs?: number;
  viewport?: { width: number; height: number };
}

/** A headless Chromium showing one playground. Chat history lives in the page: a reload starts afresh. */
export class PlaygroundPage {
  private shotCount = 0;
  private readonly consoleErrors: string[] = [];

  private constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly profileDir: string,
    readonly artifactsDir: string,
  ) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text());
    });
  }

  /**
   * Launches Chromium on a fresh profile and loads the playground. The load installs the app in the personal
   * chat (the UI does this on every load), so the bot's welcome follows.
   */
  static async open(baseUrl: string, options: OpenPlaygroundPageOptions): Promise<PlaygroundPage> {
    mkdirSync(options.artifactsDir, { recursive: true });
    const profileDir = mkdtempSync(path.join(tmpdir(), 'playground-chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: options.viewport ?? { width: 1400, height: 900 },
      deviceScaleFactor: 1,
    });
    try {
      // The UI asks a CDN for Segoe UI and a worklet; offline those requests only slow the page down.
      await context.route(/^https?:\/\/(?!localhost|127\.0\.0\.1)/, (route) => route.abort());
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(options.timeoutMs ?? 8000);
      const ui = new PlaygroundPage(page, context, profileDir, options.artifactsDir);
      await page.goto(baseUrl, { waitUntil: 'domcontentloaded', timeout: 30000 });
      await page.locator(COMPOSE_BOX).first().waitFor({ state: 'visible', timeout: 30000 });
      return ui;
    } catch (error) {
      await context.close().catch(() => undefined);
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Selects a conversation in the left tree: "Personal Chat", the group chat's name, or "<Team> - <Channel>". */
  async openChat(name = 'Personal Chat'): Promise<void> {
    await this.page.locator(`[role="treeitem"][aria-label="${name}"]`).click();
    await this.page.locator(COMPOSE_BOX).first().waitFor({ state: 'visible' });
  }

  /** Types `text` into the compose box and sends it. */
  async sendMessage(text: string): Promise<void> {
    const box = this.page.locator(COMPOSE_BOX).first();
    await box.click();
    await box.fill(text);
    await this.page.keyboard.press('Enter');
    // The sent text shows up as the user's own row once the playground has accepted it.
    await this.page.locator(MESSAGE_HEADER).last().waitFor({ state: 'attached' });
  }

  /** The last bot bubble (text or card) containing `text`. */
  botMessage(text: string | RegExp): Locator {
    return this.page.locator(BOT_BUBBLE, { hasText: text }).last();
  }

  /** Waits until a bot bubble containing `text` is visible and returns it. */
  async waitForBotMessage(text: string | RegExp, timeoutMs = 15000): Promise<Locator> {
    const bubble = this.botMessage(text);
    await bubble.waitFor({ state: 'visible', timeout: timeoutMs });
    return bubble;
  }

  /** Waits until a rendered Adaptive Card containing `text` is visible and returns the last such card. */
  async waitForCard(text: string | RegExp, timeoutMs = 15000): Promise<Locator> {
    const card = this.page.locator(CARD, { hasText: text }).last();
    await card.waitFor({ state: 'visible', timeout: timeoutMs });
    return card;
  }

  /** A card button by its title (the title is both `title` and `aria-label`), in the last card with `cardText`. */
  cardButton(title: string, cardText?: string | RegExp): Locator {
    const cards = cardText ? this.page.locator(CARD, { hasText: cardText }) : this.page.locator(CARD);
    return cards.last().locator(`.ac-actionSet button[title="${title}"]`).last();
  }

  /** Clicks a card button; for Action.Execute the card is then replaced by the bot's answer. */
  async clickCardButton(title: string, cardText?: string | RegExp): Promise<void> {
    await this.cardButton(title, cardText).click();
  }

  /**
   * Fills a card input found by its label (or aria-label / placeholder) in the last card with `cardText`.
   * Works for Input.Text (single and multi-line), Input.Number and Input.Date.
   */
  async fillCardInput(label: string, value: string, cardText?: string | RegExp): Promise<void> {
    const cards = cardText ? this.page.locator(CARD, { hasText: cardText }) : this.page.locator(CARD);
    const card = cards.last();
    const byLabel = card.getByLabel(label, { exact: false });
    const input = (await byLabel.count()) > 0 ? byLabel.first() : card.getByPlaceholder(label).first();
    await input.fill(value);
  }

  /** Chooses an option of an Input.ChoiceSet (compact shows a select; expanded shows radios or checkboxes). */
  async chooseCardOption(label: string, option: string, cardText?: string | RegExp): Promise<void> {
    const cards = cardText ? this.page.locator(CARD, { hasText: cardText }) : this.page.locator(CARD);
    const card = cards.last();
    const select = card.getByLabel(label, { exact: false }).locator('xpath=self::select');
    if ((await select.count()) > 0) {
      await select.first().selectOption({ label: option });
      return;
    }
    await card.getByLabel(option, { exact: true }).first().check();
  }

  /**
   * Every message row in the open conversation, oldest first. A row is the highest ancestor of a
   * "Message header" that holds no other header: the UI has no stable list container.
   */
  async messageRows(): Promise<ChatRow[]> {
    return this.page.evaluate((headerSelector) => {
      const headers = Array.from(document.querySelectorAll(headerSelector));
      return headers.map((header) => {
        let row: Element = header;
        while (row.parentElement && row.parentElement.querySelectorAll(headerSelector).length === 1) row = row.parentElement;
        const author = row.querySelector('[aria-label="Message author"]');
        return { from: author?.textContent?.trim() || '(me)', text: (row as HTMLElement).innerText.trim() };
      });
    }, MESSAGE_HEADER);
  }

  /** Saves a full-page PNG as `<artifactsDir>/<nn>-<name>.png` and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifactsDir, `${String(++this.shotCount).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Console errors the page logged, minus the expected offline font/CDN failures. */
  unexpectedConsoleErrors(): string[] {
    return this.consoleErrors.filter((e) => !/net::ERR_FAILED|ERR_BLOCKED|cdn\.office\.net|Failed to load resource/i.test(e));
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}
