import assert from 'node:assert/strict';
import path from 'node:path';
import { ConversationState, TestAdapter, type Activity } from 'botbuilder';
import { MongoClient, type Db } from 'mongodb';
import { ActionRouter } from '../../../bot/actionRouter';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { OnboardingBot } from '../../../bot/onboardingBot';
import { Verb } from '../../../cards/verbs';
import { MainDialog } from '../../../dialogs/mainDialog';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { createGraphServices } from '../../../services/graph/graphServices';
import type { Delivery, Messenger } from '../../../services/messaging/proactiveMessenger';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { newInstanceId } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { EffectRunner } from '../../../services/onboarding/effectRunner';
import { OnboardingService } from '../../../services/onboarding/onboardingService';
import { RoleResolver } from '../../../services/onboarding/roleResolver';
import { AccessLog } from '../../../services/governance/accessLog';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { DelegationAuditLog, DelegationRepository } from '../../../services/storage/delegationRepository';
import { DelegationService } from '../../../services/onboarding/delegationService';
import { DelegationCommands } from '../../../bot/delegationCommands';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { MongoStorage } from '../../../services/storage/mongoStorage';
import { RequestRepository } from '../../../services/storage/requestRepository';

const TENANT = '00000000-0000-0000-0000-000000000001';
const people = {
  alex: { id: 'user-id-0', aadObjectId: 'a0000000-0000-4000-8000-000000000000', name: 'Alex Wilber' },
  megan: { id: 'user-id-1', aadObjectId: 'a0000000-0000-4000-8000-000000000001', name: 'Megan Bowen' },
  adele: { id: 'user-id-2', aadObjectId: 'a0000000-0000-4000-8000-000000000002', name: 'Adele Vance' },
  lynne: { id: 'user-id-5', aadObjectId: 'a0000000-0000-4000-8000-000000000005', name: 'Lynne Robbins' },
};
type Person = (typeof people)[keyof typeof people];

/** A Teams-shaped activity in a personal chat. */
function teamsActivity(from: Person, extra: Partial<Activity>): Partial<Activity> {
  return {
    channelId: 'msteams',
    serviceUrl: 'http://connector.test/',
    from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { id: 'bot', name: 'Device Onboarding' },
    conversation: { id: `personal-${from.id}`, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
    channelData: { tenant: { id: TENANT } },
    ...extra,
  };
}

const invoke = (from: Person, verb: string, data: Record<string, unknown>) =>
  teamsActivity(from, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' } });

class NullMessenger implements Messenger {
  readonly hasItChannel = false;
  async sendToUser(): Promise<Delivery> {
    return { conversationId: 'c', activityId: 'a', serviceUrl: 's' };
  }
  async sendToItChannel(): Promise<Delivery> {
    return { conversationId: 'c', activityId: 'a', serviceUrl: 's' };
  }
  async update() {}
}

const cardText = (a: Partial<Activity> | undefined) => JSON.stringify(a?.attachments?.[0]?.content ?? a?.value ?? a?.text ?? '');
const buttons = (card: unknown) => [...JSON.stringify(card).matchAll(/"type":"Action\.Execute","title":"([^"]+)"/g)].map((m) => m[1]);

describe('bot turns (TestAdapter, embedded database, Graph simulator)', function () {
  this.timeout(60_000);
  let client: MongoClient;
  let db: Db;
  let sim: Awaited<ReturnType<typeof startGraphSimulator>>;

  /** A bot process: what a restart replaces. */
  function buildBot() {
    const logger = createLogger('silent');
    const graph = createGraphServices({ baseUrl: sim.url, logger, retry: { maxDelayMs: 50 } });
    const requests = new RequestRepository(db);
    const refs = new ConversationReferenceRepository(db);
    const service = new OnboardingService(requests, new ConsentRepository(db), graph, {
      tenantId: TENANT,
      policy: { itReviewMode: 'manual', enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 },
      delegations: new DelegationRepository(db),
    }, logger);
    const jobs = new JobQueue(db, { owner: newInstanceId('test'), leaseMs: 15_000 });
    const runner = new EffectRunner(requests, new AuditRepository(db), refs, new NullMessenger(), botCards, graph, service, jobs, new DeliveryLog(db), { accessGroupId: 'b0000000-0000-4000-8000-0000000000a1', accessGrantTarget: 'user' }, logger);
    service.setDrain(runner);
    const roles = new RoleResolver(graph.directory, { itSecurity: 'b0000000-0000-4000-8000-0000000000a3' });
    const delegationService = new DelegationService(new DelegationRepository(db), new DelegationAuditLog(db), graph.directory, jobs, { defaultTimeZone: 'UTC', searchMax: 8 }, logger);
    const delegation = new DelegationCommands(delegationService, graph.directory, botCards, logger);
    const actions = new ActionRouter(service, roles, botCards, logger, { delegationHandlers: delegation.handlers() });
    const bot = new OnboardingBot({
      conversationState: new ConversationState(new MongoStorage(db)),
      dialog: new MainDialog(
        async (ctx) => service.openRequestOf(ctx.activity.from.aadObjectId!),
        undefined,
        async (ctx, said) => delegationService.plan((await actions.actorOf(ctx, false))!, said),
      ),
      delegation,
      actions,
      refs,
      service,
      directory: graph.directory,
      cards: botCards,
      logger,
      accessLog: new AccessLog(db),
    });
    const adapter = new TestAdapter(async (ctx) => bot.run(ctx));
    return { adapter, service, runner, refs };
  }

  async function turn(b: ReturnType<typeof buildBot>, activity: Partial<Activity>) {
    b.adapter.activeQueue.splice(0);
    await b.adapter.processActivity(activity);
    await b.runner.idle();
    return [...b.adapter.activeQueue];
  }
  const invokeCard = (replies: Partial<Activity>[]) => (replies.find((r) => r.type === 'invokeResponse')?.value as { body: { value: unknown } }).body.value;

  before(async () => {
    client = await MongoClient.connect(process.env.MONGODB_URI!, { ignoreUndefined: true });
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')) });
  });
  after(async () => {
    await sim.close();
    await client.close();
  });
  beforeEach(async () => {
    db = client.db(`test_bot_${process.pid}_${Date.now()}`);
    await ensureIndexes(db);
    await sim.controls.reset();
  });
  afterEach(() => db.dropDatabase());

  const phrases: [string, RegExp][] = [
    ['hi', /Request device access/],
    ['I want to use my phone for work', /platform/i],
    ['status', /Request device access|no request/i],
    ['privacy', /never see/i],
    ['what is the weather', /didn't understand/],
  ];
  for (const [text, expected] of phrases) {
    it(`when the employee writes "${text}", then the reply matches ${expected}`, async () => {
      const b = buildBot();
      const replies = await turn(b, teamsActivity(people.alex, { type: 'message', text }));
      assert.match(replies.map(cardText).join('\n'), expected);
    });
  }

  it('when any message arrives, then the conversation reference is stored by AAD object id', async () => {
    const b = buildBot();
    await turn(b, teamsActivity(people.alex, { type: 'message', text: 'hi' }));
    const ref = await b.refs.findUser(people.alex.aadObjectId);
    assert.equal(ref?.teamsUserId, people.alex.id);
    assert.equal(ref?.reference.serviceUrl, 'http://connector.test/');
  });

  it('when the form is submitted with problems, then the form comes back with the messages and the values kept', async () => {
    const b = buildBot();
    const card = invokeCard(await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', model: 'iPhone 15' })));
    assert.match(JSON.stringify(card), /personal or company-owned/);
    assert.match(JSON.stringify(card), /iPhone 15/);
  });

  it('when a non-manager, then the manager, then the manager again act on the approval card, then only one decision is taken', async () => {
    const b = buildBot();
    const submitted = invokeCard(await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' })));
    assert.match(JSON.stringify(submitted), /Megan Bowen/);
    const request = (await b.service.openRequestOf(people.alex.aadObjectId))!;

    const byAdele = invokeCard(await turn(b, invoke(people.adele, Verb.ApprovalApprove, { requestId: request._id, version: request.version })));
    assert.deepEqual(buttons(byAdele), ['My status'], 'someone else gets only "not yours"');
    assert.match(JSON.stringify(byAdele), /not yours/);
    assert.equal((await b.service.get(request._id)).state, 'pendingApproval');

    const byMegan = invokeCard(await turn(b, invoke(people.megan, Verb.ApprovalApprove, { requestId: request._id, version: request.version, comment: 'ok' })));
    assert.match(JSON.stringify(byMegan), /Approved by Megan Bowen/);
    const retried = invokeCard(await turn(b, invoke(people.megan, Verb.ApprovalApprove, { requestId: request._id, version: request.version })));
    assert.match(JSON.stringify(retried), /Approved by Megan Bowen/);
    assert.deepEqual(buttons(retried), []);
    const audit = await new AuditRepository(db).listForRequest(request._id);
    assert.equal(audit.filter((e) => e.event === 'approve').length, 1);
  });

  it('when Graph is down during a submit, then the employee gets a card with a reference id and nothing is stored', async () => {
    const b = buildBot();
    sim.controls.injectFault({ path: /\/manager$/, status: 503, count: 50 });
    try {
      const card = invokeCard(await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' })));
      assert.match(JSON.stringify(card), /Reference/i);
    } finally {
      sim.controls.clearFaults();
    }
    assert.equal(await b.service.openRequestOf(people.alex.aadObjectId), null);
  });

  it('when the Action.Submit fallback is used, then the clicked card is updated in place', async () => {
    const b = buildBot();
    const updates: Partial<Activity>[] = [];
    b.adapter.updateActivity = async (_ctx, activity) => {
      updates.push(activity);
    };
    await turn(b, teamsActivity(people.alex, { type: 'message', replyToId: 'card-1', value: { verb: Verb.RequestStart } }));
    assert.equal(updates.length, 1);
    assert.equal(updates[0].id, 'card-1');
    assert.match(cardText(updates[0]), /platform/i);
  });

  const lookups: [string, Person, RegExp, number][] = [
    ['IT Security', people.lynne, /Alex Wilber[\s\S]*DEV-/, 1],
    ['another employee', people.adele, /Only IT Security/, 0],
  ];
  for (const [who, person, expected, logged] of lookups) {
    it(`when ${who} asks "status for" a colleague in a channel, then the reply matches ${expected}`, async () => {
      const b = buildBot();
      await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
      const channel = {
        conversation: { id: '19:it-security@thread.tacv2', conversationType: 'channel', isGroup: true, tenantId: TENANT, name: '' },
        channelData: { tenant: { id: TENANT }, team: { id: '19:it-team@thread.tacv2' }, channel: { id: '19:it-security@thread.tacv2' } },
      };
      const replies = await turn(b, teamsActivity(person, { type: 'message', text: '<at>Device Onboarding</at> status for alexw@contoso.example', ...channel }));
      assert.match(replies.map(cardText).join(' '), expected);
      const reads = (await new AccessLog(db).listForSubject(people.alex.aadObjectId)).filter((e) => e.actor.aadObjectId === person.aadObjectId);
      assert.equal(reads.length, logged, 'a lookup is recorded in the access log');
      if (logged) assert.deepEqual([reads[0].door, reads[0].action, reads[0].subject.kind], ['teams', 'lookUpPerson', 'personStatus']);
    });
  }

  it('when the bot restarts between the cancel question and the answer, then the answer still cancels the request', async () => {
    const first = buildBot();
    await turn(first, invoke(people.alex, Verb.RequestSubmit, { platform: 'android', ownership: 'company', model: 'Pixel 9', justification: 'On-call rota' }));
    const question = await turn(first, teamsActivity(people.alex, { type: 'message', text: 'cancel' }));
    assert.match(question.map(cardText).join(' '), /Cancel your request DEV-/);

    const second = buildBot(); // a new process: dialog state must come back from MongoDB
    const answer = await turn(second, teamsActivity(people.alex, { type: 'message', text: 'yes' }));
    assert.match(answer.map(cardText).join(' '), /Cancelled|cancelled/);
    assert.equal(await second.service.openRequestOf(people.alex.aadObjectId), null);
  });

  it('when the manager reassigns on the card, then the card says to whom, the new approver decides, and the requester cannot reassign', async () => {
    const b = buildBot();
    await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
    const request = (await b.service.openRequestOf(people.alex.aadObjectId))!;
    const byAlex = invokeCard(await turn(b, invoke(people.alex, Verb.ApprovalReassign, { requestId: request._id, version: request.version, reassignTo: 'adelev@contoso.example', reassignReason: 'Faster' })));
    assert.deepEqual(buttons(byAlex), []);
    assert.deepEqual((await b.service.get(request._id)).approvers.map((p) => p.aadObjectId), [people.megan.aadObjectId]);

    const byMegan = invokeCard(
      await turn(b, invoke(people.megan, Verb.ApprovalReassign, { requestId: request._id, version: request.version, reassignTo: 'adelev@contoso.example', reassignReason: 'I am on leave' })),
    );
    assert.match(JSON.stringify(byMegan), /Reassigned to Adele Vance/);
    assert.deepEqual(buttons(byMegan), [], 'Megan can no longer decide');
    const moved = await b.service.get(request._id);
    const byAdele = invokeCard(await turn(b, invoke(people.adele, Verb.ApprovalApprove, { requestId: request._id, version: moved.version })));
    assert.match(JSON.stringify(byAdele), /Approved by Adele Vance on behalf of Megan Bowen/);
  });

  it('when IT Security types "reassign DEV-… to …", then the pending approval moves and the reply shows it', async () => {
    const b = buildBot();
    await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
    const request = (await b.service.openRequestOf(people.alex.aadObjectId))!;
    const replies = await turn(b, teamsActivity(people.lynne, { type: 'message', text: `reassign ${request.reference} to pattif@contoso.example because Megan left the company` }));
    assert.match(replies.map(cardText).join(' '), /Reassigned to Patti Fernandez/);
    const byAdele = await turn(b, teamsActivity(people.adele, { type: 'message', text: `reassign ${request.reference} to adelev@contoso.example because me` }));
    assert.match(byAdele.map(cardText).join(' '), /not yours/);
  });

  it('when the manager types "delegate approvals to Adele until <day>", then the bot asks back in words, saves only on yes, and the next request goes to Adele until "stop delegating"', async () => {
    const b = buildBot();
    const until = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const asked = await turn(b, teamsActivity(people.megan, { type: 'message', text: `delegate approvals to Adele until ${until}` }));
    assert.match(asked.map(cardText).join(' '), /Delegate to Adele Vance from \w{3} \d{1,2} \w{3} to \w{3} \d{1,2} \w{3}/);
    const no = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'no' }));
    assert.match(no.map(cardText).join(' '), /nothing was changed/);
    await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
    assert.deepEqual((await b.service.openRequestOf(people.alex.aadObjectId))!.approvers.map((p) => p.aadObjectId), [people.megan.aadObjectId], 'no answer, no delegation');
    await turn(b, teamsActivity(people.alex, { type: 'message', text: 'cancel' }));
    await turn(b, teamsActivity(people.alex, { type: 'message', text: 'yes' }));

    await turn(b, teamsActivity(people.megan, { type: 'message', text: `delegate approvals to adelev@contoso.example until ${until}` }));
    const set = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'yes' }));
    assert.match(set.map(cardText).join(' '), /Approvals delegated[\s\S]*Adele Vance/);
    await turn(b, invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
    const request = (await b.service.openRequestOf(people.alex.aadObjectId))!;
    assert.deepEqual(request.approvers.map((p) => p.aadObjectId), [people.adele.aadObjectId]);
    const status = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'status' }));
    assert.match(status.map(cardText).join(' '), /Your approvals go to Adele Vance from/);
    const adeleStatus = await turn(b, teamsActivity(people.adele, { type: 'message', text: 'status' }));
    assert.match(adeleStatus.map(cardText).join(' '), /You decide on behalf of Megan Bowen/);
    const stop = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'stop delegating' }));
    assert.match(stop.map(cardText).join(' '), /Delegation ended/);
    const bad = await turn(b, teamsActivity(people.megan, { type: 'message', text: `delegate approvals to meganb@contoso.example until ${until}` }));
    assert.match(bad.map(cardText).join(' '), /cannot delegate approvals to yourself/);
    const words = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'delegate approvals to Adele until whenever' }));
    assert.match(words.map(cardText).join(' '), /not a day I can read/);
  });

  it('when the manager types "delegate approvals", then the card with a people picker opens; the typeahead is answered from the directory and the card saves only what the server accepts', async () => {
    const b = buildBot();
    const [opened] = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'delegate approvals' }));
    const card = opened.attachments?.[0]?.content as { body: Record<string, unknown>[] };
    const picker = JSON.stringify(card).match(/\{"type":"Input\.ChoiceSet","id":"delegateTo"[^]*?"choices\.data":\{[^}]*\}\}/)?.[0];
    assert.ok(picker, 'a people picker');
    assert.match(picker, /"choices\.data":\{"type":"Data\.Query","dataset":"graph\.people"\}/);
    assert.match(picker, /Adele Vance/, "Megan's direct reports are offered before anything is typed");

    const search = (from: Person, queryText: string, dataset = 'graph.people') =>
      turn(b, teamsActivity(from, { type: 'invoke', name: 'application/search', value: { queryText, queryOptions: { skip: 0, top: 15 }, dataset } }));
    const [answer] = await search(people.megan, 'ad');
    const body = (answer.value as { status: number; body: { type: string; value: { results: { title: string; value: string }[] } } });
    assert.equal(body.status, 200);
    assert.equal(body.body.type, 'application/vnd.microsoft.search.searchResponse');
    assert.deepEqual(body.body.value.results, [{ title: 'Adele Vance (adelev@contoso.example)', value: people.adele.aadObjectId }]);
    const [self] = await search(people.megan, 'meg');
    assert.deepEqual((self.value as { body: { value: { results: unknown[] } } }).body.value.results, [], 'the manager is never offered to herself');
    const [other] = await search(people.megan, 'ad', 'graph.secrets');
    assert.deepEqual((other.value as { body: { value: { results: unknown[] } } }).body.value.results, [], 'only the people dataset is answered');

    const today = new Date().toISOString().slice(0, 10);
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const refused = invokeCard(await turn(b, invoke(people.megan, Verb.DelegationSet, { delegateTo: people.megan.aadObjectId, delegateFrom: today, delegateUntil: until })));
    assert.match(JSON.stringify(refused), /cannot delegate approvals to yourself[\s\S]*"type":"Input\.ChoiceSet"/, 'the form again, with the reason');
    const ghost = invokeCard(await turn(b, invoke(people.megan, Verb.DelegationSet, { delegateTo: 'a0000000-0000-4000-8000-0000000000ff', delegateFrom: today, delegateUntil: until })));
    assert.match(JSON.stringify(ghost), /not found in the directory/);
    const saved = invokeCard(await turn(b, invoke(people.megan, Verb.DelegationSet, { delegateTo: people.adele.aadObjectId, delegateFrom: today, delegateUntil: until })));
    assert.match(JSON.stringify(saved), /Approvals delegated[\s\S]*Adele Vance/);

    const mine = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'my delegation' }));
    assert.match(mine.map(cardText).join(' '), /Adele Vance decides on your behalf[\s\S]*Set: Adele Vance/);
    assert.deepEqual(buttons(mine[0].attachments?.[0]?.content), ['End delegation now', 'Change delegation']);
    const ended = invokeCard(await turn(b, invoke(people.megan, Verb.DelegationEnd, {})));
    assert.match(JSON.stringify(ended), /Delegation ended/);
    const history = await turn(b, teamsActivity(people.megan, { type: 'message', text: 'my delegation' }));
    assert.match(history.map(cardText).join(' '), /Nobody decides for you[\s\S]*Ended early: Adele Vance[\s\S]*Set: Adele Vance/);
  });
});
