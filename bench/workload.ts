/**
 * The people, stored data and Teams activities of `npm run bench`. People are synthetic employees of the demo
 * tenant (graphsim/tenants/demo.json) whose manager is Megan Bowen; requests and conversation references are
 * written through the product's own repositories, so the stored documents are exactly what the bot writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Db } from 'mongodb';
import { Verb } from '../cards/verbs';
import { DEMO_TENANT, DEMO_TENANT_PATH } from '../scripts/lib/demoEnvironment';
import { ConversationReferenceRepository } from '../services/storage/conversationReferenceRepository';
import { RequestRepository } from '../services/storage/requestRepository';
import { createRequest } from '../services/workflow/transition';

/** The demo tenant's manager: every synthetic employee reports to her, and she approves every seeded request. */
export const MANAGER = { aadObjectId: 'a0000000-0000-4000-8000-000000000001', name: 'Megan Bowen', teamsId: '29:bench-megan' };

/** The bot's Teams identity in the activities (the playground config's bot id). */
export const BOT_ACCOUNT = { id: '28:device-onboarding-bot', name: 'Device Onboarding' };

/**
 * Groups of synthetic people, each its own id range:
 * - `regular`: people who write "help" (a known employee's plain turn);
 * - `stored`: requesters of the requests stored before the run;
 * - `newcomer`: a fresh person for every intake turn;
 * - `approval`: requesters of the requests a cell approves, one each;
 * - `viewed`: requesters of the requests whose approval card the manager refreshes.
 */
export type PersonKind = 'regular' | 'stored' | 'newcomer' | 'approval' | 'viewed';

const PREFIX: Record<PersonKind, string> = { stored: '10000000', regular: '20000000', newcomer: '30000000', approval: '40000000', viewed: '50000000' };

/** A synthetic person. */
export interface Person {
  aadObjectId: string;
  teamsId: string;
  name: string;
}

/** The `index`th person of a group; the same every run. */
export function person(kind: PersonKind, index: number): Person {
  const aadObjectId = `${PREFIX[kind]}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
  return { aadObjectId, teamsId: `29:bench-${kind}-${index}`, name: `Bench ${kind} ${index}` };
}

/** Writes the demo tenant plus `counts` synthetic employees (all reporting to Megan) to `file`, for the Graph simulator. */
export function writeBenchTenant(file: string, counts: Record<PersonKind, number>): void {
  const tenant = JSON.parse(readFileSync(DEMO_TENANT_PATH, 'utf8')) as { users: Record<string, unknown>[] };
  for (const kind of Object.keys(counts) as PersonKind[]) {
    for (let i = 0; i < counts[kind]; i++) {
      const p = person(kind, i);
      tenant.users.push({
        id: p.aadObjectId,
        displayName: p.name,
        givenName: 'Bench',
        surname: `${kind} ${i}`,
        userPrincipalName: `bench.${kind}.${i}@contoso.example`,
        mail: `bench.${kind}.${i}@contoso.example`,
        department: 'Marketing',
        managerId: MANAGER.aadObjectId,
      });
    }
  }
  writeFileSync(file, JSON.stringify(tenant));
}

/** Where the bot answers: the stub Bot Connector. */
export interface Channel {
  serviceUrl: string;
}

/** A Teams activity in `from`'s 1:1 chat with the bot, shaped as Teams sends it. */
function personalActivity(channel: Channel, from: Person, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id: `bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: channel.serviceUrl,
    from: { id: from.teamsId, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { id: BOT_ACCOUNT.id, name: BOT_ACCOUNT.name },
    conversation: { id: `a:bench-${from.aadObjectId}`, conversationType: 'personal', tenantId: DEMO_TENANT.tenantId, isGroup: false },
    channelData: { tenant: { id: DEMO_TENANT.tenantId } },
    locale: 'en-US',
    ...extra,
  };
}

/** A typed message. */
export function messageActivity(channel: Channel, from: Person, text: string): Record<string, unknown> {
  return personalActivity(channel, from, { type: 'message', text, textFormat: 'plain' });
}

/** An Action.Execute press (or a card refresh) on the approval card the manager was sent. */
export function approvalActionActivity(channel: Channel, verb: Verb, requestId: string, version: number): Record<string, unknown> {
  const manager = { aadObjectId: MANAGER.aadObjectId, teamsId: MANAGER.teamsId, name: MANAGER.name };
  return personalActivity(channel, manager, {
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: `bench-card-${requestId}`,
    value: {
      action: { type: 'Action.Execute', verb, data: { verb, requestId, version } },
      trigger: verb === Verb.ApprovalRefresh ? 'automatic' : 'manual',
    },
  });
}

/** The request id of the `index`th seeded request of a group. */
export const requestIdOf = (kind: PersonKind, index: number) => `bench-${kind}-${index}`;

/** Runs `fn` over 0..count-1 with at most `concurrency` calls in flight. */
async function forEachLimited(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Stores, through the product's repositories, `count` requests of group `kind` waiting for Megan's approval (from
 * index `from`), and a 1:1 conversation reference for each requester (and for Megan) pointing at the stub connector.
 */
export async function seedPendingRequests(db: Db, channel: Channel, kind: PersonKind, from: number, count: number): Promise<void> {
  const requests = new RequestRepository(db);
  const refs = new ConversationReferenceRepository(db);
  const now = new Date().toISOString();
  const reference = (p: Person) => ({
    channelId: 'msteams',
    serviceUrl: channel.serviceUrl,
    bot: { id: BOT_ACCOUNT.id, name: BOT_ACCOUNT.name },
    user: { id: p.teamsId, name: p.name, aadObjectId: p.aadObjectId },
    conversation: { id: `a:bench-${p.aadObjectId}`, conversationType: 'personal', tenantId: DEMO_TENANT.tenantId, isGroup: false, name: '' },
  });
  await refs.saveUser(MANAGER.aadObjectId, reference({ aadObjectId: MANAGER.aadObjectId, teamsId: MANAGER.teamsId, name: MANAGER.name }), 'turn', MANAGER.teamsId, DEMO_TENANT.tenantId);
  await forEachLimited(count, 8, async (n) => {
    const i = from + n;
    const p = person(kind, i);
    const { next } = createRequest(
      {
        id: requestIdOf(kind, i),
        reference: `DEV-B${kind.slice(0, 2).toUpperCase()}${i.toString(36).toUpperCase().padStart(4, '0')}`,
        tenantId: DEMO_TENANT.tenantId,
        requester: { aadObjectId: p.aadObjectId, displayName: p.name },
        device: { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email and Teams while visiting clients' },
        approvers: [{ aadObjectId: MANAGER.aadObjectId, displayName: MANAGER.name }],
        approverSource: 'manager',
      },
      now,
    );
    await requests.insert(next);
    await refs.saveUser(p.aadObjectId, reference(p), 'turn', p.teamsId, DEMO_TENANT.tenantId);
  });
}
