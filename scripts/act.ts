/**
 * `npm run act -- <person> <action> [text]`: in the local demo the playground shows one person (Alex), so this
 * clicks the buttons other people have on their cards: the manager's Approve / Deny, and IT Security's Confirm /
 * Deny on the channel card. It sends the same Action.Execute invoke Teams would send, from that person, through
 * the playground, using the card the bot actually posted (found in the dev database), so the bot checks who is
 * acting exactly as it does in Teams. Examples:
 *   npm run act -- megan approve "Enjoy"      npm run act -- megan deny "Use the shared tablet"
 *   npm run act -- lynne confirm              npm run act -- lynne deny "Model not supported"
 *   npm run act -- adele approve              (someone else: the bot refuses and shows the status)
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { Verb } from '../cards/verbs';
import type { OnboardingRequest } from '../services/workflow/model';
import { readPlaygroundConfig } from './lib/demoEnvironment';
import { DEV_STACK_FILE, type DevStack } from './lib/devStackFile';

const ACTIONS: Record<string, { verb: string; card: 'approval' | 'it'; state: OnboardingRequest['state']; input?: 'comment' | 'reason' }> = {
  approve: { verb: Verb.ApprovalApprove, card: 'approval', state: 'pendingApproval', input: 'comment' },
  deny: { verb: Verb.ApprovalDeny, card: 'approval', state: 'pendingApproval', input: 'reason' },
  confirm: { verb: Verb.ItConfirm, card: 'it', state: 'pendingItReview' },
  'it-deny': { verb: Verb.ItDeny, card: 'it', state: 'pendingItReview', input: 'reason' },
};

async function main() {
  const [who, actionName, text] = process.argv.slice(2);
  const config = readPlaygroundConfig();
  const people = [config.currentUser, ...config.users];
  const person = people.find((p) => p.name.toLowerCase().startsWith((who ?? '').toLowerCase()));
  // "deny" by IT Security means the IT card's Deny.
  const action = ACTIONS[actionName === 'deny' && person?.name === 'Lynne Robbins' ? 'it-deny' : (actionName ?? '')];
  if (!person || !action) {
    console.error(`Usage: npm run act -- <${people.map((p) => p.name.split(' ')[0].toLowerCase()).join('|')}> <approve|deny|confirm> [comment or reason]`);
    process.exit(2);
  }
  if (!existsSync(DEV_STACK_FILE)) {
    console.error('No running dev stack: start `npm run dev` first.');
    process.exit(1);
  }
  const stack = JSON.parse(readFileSync(DEV_STACK_FILE, 'utf8')) as DevStack;
  const client = await MongoClient.connect(stack.mongoUri);
  try {
    const request = await client
      .db(stack.mongoDb)
      .collection<OnboardingRequest>('requests')
      .find({ state: action.state })
      .sort({ updatedAt: -1 })
      .limit(1)
      .next();
    if (!request) throw new Error(`No request is waiting for "${actionName}" (state ${action.state}).`);
    const card = request.cards.find((c) => c.kind === action.card && (action.card === 'it' || c.recipientAadObjectId)) ?? request.cards.find((c) => c.kind === action.card);
    if (!card) throw new Error(`Request ${request.reference} has no ${action.card} card yet; try again in a moment.`);
    const isChannel = action.card === 'it';
    const activity = {
      id: randomUUID(),
      type: 'invoke',
      name: 'adaptiveCard/action',
      channelId: 'msteams',
      serviceUrl: `${stack.playgroundUrl}/_connector`,
      timestamp: new Date().toISOString(),
      from: { id: person.id, name: person.name, aadObjectId: person.aadObjectId },
      recipient: { id: config.bot.id, name: config.bot.name },
      conversation: { id: card.conversationId, conversationType: isChannel ? 'channel' : 'personal', tenantId: config.tenantId, ...(isChannel ? { isGroup: true } : {}) },
      channelData: isChannel
        ? { tenant: { id: config.tenantId }, team: { id: config.team.id, name: config.team.name }, channel: { id: card.conversationId } }
        : { tenant: { id: config.tenantId } },
      replyToId: card.activityId,
      value: {
        action: {
          type: 'Action.Execute',
          verb: action.verb,
          data: { verb: action.verb, requestId: request._id, version: request.version, ...(action.input && text ? { [action.input]: text } : {}) },
        },
        trigger: 'manual',
      },
    };
    const res = await fetch(`${stack.playgroundUrl}/_internal/v1/customActivities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    if (!res.ok) throw new Error(`The playground refused the activity: ${res.status} ${await res.text()}`);
    console.log(`${person.name} pressed "${actionName}" on ${request.reference} (${request.requester.displayName}). Watch the chat in the playground.`);
  } finally {
    await client.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
