import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const MEGAN = 'a0000000-0000-4000-8000-000000000001';

/** A Bot Connector over real HTTP whose answers a test scripts: status codes in order, then success. */
export class ScriptedConnector {
  readonly calls: { method: string; path: string; body: Record<string, unknown> }[] = [];
  private readonly script = new Map<string, { status: number; retryAfter?: string }[]>();
  private server?: Server;
  url = '';

  fail(pathPrefix: string, ...answers: { status: number; retryAfter?: string }[]) {
    this.script.set(pathPrefix, answers);
  }

  async start() {
    this.server = createServer(async (req, res) => {
      const body = await readBody(req);
      const path = req.url ?? '';
      this.calls.push({ method: req.method ?? '', path, body });
      for (const [prefix, answers] of this.script) {
        if (decodeURIComponent(path).startsWith(prefix) && answers.length) {
          const a = answers.shift()!;
          res.writeHead(a.status, { 'content-type': 'application/json', ...(a.retryAfter ? { 'retry-after': a.retryAfter } : {}) });
          res.end(JSON.stringify({ error: { code: a.status === 429 ? 'Throttled' : 'Failure', message: 'scripted' } }));
          return;
        }
      }
      res.writeHead(req.method === 'POST' && path === '/v3/conversations' ? 201 : 200, { 'content-type': 'application/json' });
      if (path === '/v3/conversations') res.end(JSON.stringify({ id: 'a:new-chat-with-megan' }));
      else if (path.includes('/pagedmembers')) res.end(JSON.stringify({ members: [{ id: '29:megan-teams-id', aadObjectId: MEGAN, name: 'Megan Bowen' }] }));
      else res.end(JSON.stringify({ id: `activity-${this.calls.length}` }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`;
  }

  stop() {
    return new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** Card edits (PUT …/activities/{id}) in a conversation. */
  updates(conversationId: string) {
    return this.calls.filter((c) => c.method === 'PUT' && decodeURIComponent(c.path).startsWith(`/v3/conversations/${conversationId}/activities/`));
  }

  sends(conversationId: string) {
    // A proactive send is a POST to …/activities or, replying to the turn's event, …/activities/{id}.
    return this.calls.filter((c) => c.method === 'POST' && decodeURIComponent(c.path).startsWith(`/v3/conversations/${conversationId}/activities`));
  }
}

export function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data ? JSON.parse(data) : {}));
  });
}

