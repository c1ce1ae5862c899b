/**
 * A Bot Connector over real HTTP that records what the bot sends (the `serviceUrl` of test activities), so a test
 * can post activities to the real bot server and read its replies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One activity the bot sent. */
export interface SentActivity {
  conversationId: string;
  body: { type?: string; text?: string; attachments?: { content?: unknown }[]; [k: string]: unknown };
}

export class StubConnector {
  readonly sent: SentActivity[] = [];
  private server?: Server;
  private waiters: { match: (a: SentActivity) => boolean; resolve: (a: SentActivity) => void }[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        const m = /^\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
        if (m && (req.method === 'POST' || req.method === 'PUT')) {
          const sent = { conversationId: decodeURIComponent(m[1]), body: data ? JSON.parse(data) : {} };
          this.sent.push(sent);
          for (const w of [...this.waiters]) {
            if (w.match(sent)) {
              this.waiters.splice(this.waiters.indexOf(w), 1);
              w.resolve(sent);
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `activity-${this.sent.length}` }));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`;
  }

  /** Resolves with the first activity sent to `conversationId` (already sent or future) that contains `text`. */
  next(conversationId: string, text: RegExp): Promise<SentActivity> {
    const match = (a: SentActivity) => a.conversationId === conversationId && text.test(JSON.stringify(a.body));
    const found = this.sent.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Everything sent to a conversation, as one string. */
  textTo(conversationId: string): string {
    return this.sent
      .filter((a) => a.conversationId === conversationId)
      .map((a) => JSON.stringify(a.body))
      .join('\n');
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server!.close(() => r()));
  }
}
