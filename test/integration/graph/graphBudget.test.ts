/**
 * Time limits on Graph, end to end over real HTTP: the Graph client and the role lookup against the simulator with
 * a hung or throttling Graph, and a card action through the bot with the turn budget the composition root sets.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConversationState, TestAdapter, type Activity } from 'botbuilder';
import type { Db } from 'mongodb';
import { ActionRouter } from '../../../bot/actionRouter';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { OnboardingBot } from '../../../bot/onboardingBot';
import { Verb } from '../../../cards/verbs';
import { MainDialog } from '../../../dialogs/mainDialog';
import { startGraphSimulator, type RunningGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { outsideGraphBudget, withGraphBudget } from '../../../services/graph/graphBudget';
import { GraphThrottledError, GraphTimeoutError } from '../../../services/graph/graphErrors';
import { createGraphServices } from '../../../services/graph/graphServices';
import type { GraphServices } from '../../../services/graph/graphTypes';
import type { Delivery, Messenger } from '../../../services/messaging/proactiveMessenger';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { newInstanceId } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { EffectRunner } from '../../../services/onboarding/effectRunner';
import { OnboardingService } from '../../../services/onboarding/onboardingService';
import { RoleResolver, RolesUnavailableError } from '../../../services/onboarding/roleResolver';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { MongoStorage } from '../../../services/storage/mongoStorage';
import { RequestRepository } from '../../../services/storage/requestRepository';
import { dropTestDb, testDb } from '../../support/testDb';
import { ALEX, IT_SECURITY, LYNNE, MEGAN } from './testTenant';

const logger = createLogger('silent');
const TENANT = '00000000-0000-0000-0000-000000000001';
/** The turn budget in these tests; a sentinel far above it tells "answered" from "still waiting". */
const TURN_BUDGET_MS = 500;
const STILL_WAITING = Symbol('still waiting');

/** Settles with the outcome of `work` (value or error), or STILL_WAITING if it takes far longer than any budget here. */
async function outcomeOf<T>(work: Promise<T>): Promise<T | Error | typeof STILL_WAITING> {
  let timer: NodeJS.Timeout | undefined;
  const sentinel = new Promise<typeof STILL_WAITING>((resolve) => {
    timer = setTimeout(() => resolve(STILL_WAITING), 10_000);
  });
  try {
    return await Promise.race([work.catch((e: Error) => e), sentinel]);
  } finally {
    clearTimeout(timer);
  }
}

describe('Graph time limits (Graph simulator over HTTP)', function () {
  this.timeout(60_000);
  let sim: RunningGraphSimulator;
  let graph: GraphServices;
  const calls = (pathPart: string) => sim.controls.requests().filter((r) => r.path.includes(pathPart));

  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')) });
    graph = createGraphServices({ baseUrl: sim.url, logger, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 30_000, timeoutMs: 300, callBudgetMs: 30_000 } });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.controls.reset();
  });

  describe('the Graph client', () => {
    const faults: [string, Parameters<RunningGraphSimulator['controls']['injectFault']>[0], (e: unknown) => void][] = [
      [
        'Graph hangs',
        { path: '/users', status: 'hang', count: 100 },
        (e) => assert.ok(e instanceof GraphTimeoutError, String(e)),
      ],
      [
        'Graph answers 429 with Retry-After: 20',
        { path: '/users', status: 429, retryAfterSeconds: 20 },
        (e) => {
          assert.ok(e instanceof GraphThrottledError, String(e));
          assert.equal(e.retryAfterMs, 20_000);
        },
      ],
    ];
    for (const [name, fault, check] of faults) {
      it(`when ${name} during a turn, then the call ends within the turn's budget with a named error`, async () => {
        sim.controls.injectFault(fault);
        const outcome = await outcomeOf(withGraphBudget(TURN_BUDGET_MS, () => graph.directory.getUser(ALEX)));
        assert.notEqual(outcome, STILL_WAITING, 'the call held the turn');
        check(outcome);
      });
    }

    it('when one attempt hangs outside a turn, then it is aborted after GRAPH_TIMEOUT_MS and the read is retried', async () => {
      sim.controls.injectFault({ path: `/users/${ALEX}`, status: 'hang' });
      const user = await graph.directory.getUser(ALEX);
      assert.equal(user?.id, ALEX);
      assert.deepEqual(calls(`/users/${ALEX}`).map((r) => r.status), [0, 200], 'the hung attempt is never answered; the retry is');
    });

    it('when work is started from a turn and outlives it, then it is not bound by the turn budget', async () => {
      sim.controls.injectFault({ path: '/users', status: 429, retryAfterSeconds: 1 });
      const background = await withGraphBudget(TURN_BUDGET_MS, async () => outsideGraphBudget(() => graph.directory.getUser(ALEX)));
      assert.equal(background?.id, ALEX, 'waited out the Retry-After');
    });
  });

  describe('role lookup', () => {
    let now: number;
    const resolver = (ttlMs: number, staleMs: number) => new RoleResolver(graph.directory, { itSecurity: IT_SECURITY }, { ttlMs, staleMs }, () => now);

    beforeEach(() => {
      now = Date.parse('2026-11-30T09:00:00Z');
    });

    const outages: [string, Parameters<RunningGraphSimulator['controls']['injectFault']>[0]][] = [
      ['hangs', { path: '/users', status: 'hang', count: 100 }],
      ['throttles with Retry-After: 20', { path: '/users', status: 429, retryAfterSeconds: 20, count: 100 }],
    ];
    for (const [name, fault] of outages) {
      it(`when Graph ${name} and a recent answer is cached, then the cached roles serve within the turn's budget`, async () => {
        const roles = resolver(60_000, 900_000);
        assert.deepEqual(await roles.rolesOf(LYNNE), ['itSecurity']);
        now += 120_000; // past the TTL, within the stale window
        sim.controls.injectFault(fault);
        const outcome = await outcomeOf(withGraphBudget(TURN_BUDGET_MS, () => roles.rolesOf(LYNNE)));
        assert.deepEqual(outcome, ['itSecurity']);
      });

      it(`when Graph ${name} and the cached answer is too old, then the lookup fails with RolesUnavailableError`, async () => {
        const roles = resolver(60_000, 900_000);
        await roles.rolesOf(LYNNE);
        now += 1_000_000;
        sim.controls.injectFault(fault);
        const outcome = await outcomeOf(withGraphBudget(TURN_BUDGET_MS, () => roles.rolesOf(LYNNE)));
        assert.ok(outcome instanceof RolesUnavailableError, String(outcome));
      });
    }

    it('when Graph does not know the person (404: a guest, a removed account), then they have no roles', async () => {
      assert.deepEqual(await resolver(60_000, 900_000).rolesOf('a0000000-0000-4000-8000-0000000000ee'), []);
    });
  });

  describe('a card action', () => {
    let db: Db;

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

    /** The bot as bot/index.ts wires it, with a TestAdapter for the Teams side and the turn budget middleware. */
    function buildBot() {
      const requests = new RequestRepository(db);
      const refs = new ConversationReferenceRepository(db);
      const service = new OnboardingService(requests, new ConsentRepository(db), graph, {
        tenantId: TENANT,
        policy: { itReviewMode: 'manual', enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 },
      }, logger);
      const jobs = new JobQueue(db, { owner: newInstanceId('test'), leaseMs: 15_000 });
      const runner = new EffectRunner(requests, new AuditRepository(db), refs, new NullMessenger(), botCards, graph, service, jobs, new DeliveryLog(db), { accessGroupId: 'b0000000-0000-4000-8000-0000000000a1', accessGrantTarget: 'user' }, logger);
      service.setDrain({ announce: (id) => runner.announce(id), kick: (id) => outsideGraphBudget(() => runner.kick(id)) });
      // A TTL of 1 ms: every action asks Graph, so the cached answer serves only because Graph is down.
      const roles = new RoleResolver(graph.directory, { itSecurity: IT_SECURITY }, { ttlMs: 1, staleMs: 900_000 });
      const bot = new OnboardingBot({
        conversationState: new ConversationState(new MongoStorage(db)),
        dialog: new MainDialog(async (ctx) => service.openRequestOf(ctx.activity.from.aadObjectId!)),
        actions: new ActionRouter(service, roles, botCards, logger),
        refs,
        service,
        directory: graph.directory,
        cards: botCards,
        logger,
      });
      const adapter = new TestAdapter(async (ctx) => bot.run(ctx));
      adapter.use(async (_ctx, next) => withGraphBudget(TURN_BUDGET_MS, next));
      return { adapter, service, runner };
    }

    const person = (aadObjectId: string, id: string, name: string) => ({ id, name, aadObjectId });
    const alex = person(ALEX, 'user-id-0', 'Alex Wilber');
    const megan = person(MEGAN, 'user-id-1', 'Megan Bowen');
    const invoke = (from: ReturnType<typeof person>, verb: string, data: Record<string, unknown>): Partial<Activity> => ({
      type: 'invoke',
      name: 'adaptiveCard/action',
      channelId: 'msteams',
      serviceUrl: 'http://connector.test/',
      from,
      recipient: { id: 'bot', name: 'Device Onboarding' },
      conversation: { id: `personal-${from.id}`, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
      channelData: { tenant: { id: TENANT } },
      value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
    });
    async function turn(b: ReturnType<typeof buildBot>, activity: Partial<Activity>) {
      b.adapter.activeQueue.splice(0);
      await b.adapter.processActivity(activity);
      const reply = b.adapter.activeQueue.find((r) => r.type === 'invokeResponse')?.value as { body?: { value?: unknown } } | undefined;
      return JSON.stringify(reply?.body?.value ?? null);
    }

    beforeEach(async () => {
      db = await testDb('graph_budget');
      await ensureIndexes(db);
    });
    afterEach(() => dropTestDb(db));

    const outages: [string, Parameters<RunningGraphSimulator['controls']['injectFault']>[0]][] = [
      ['hangs', { path: '/users', status: 'hang', count: 100 }],
      ['throttles with Retry-After: 20', { path: '/users', status: 429, retryAfterSeconds: 20, count: 100 }],
    ];
    for (const [name, fault] of outages) {
      it(`when Graph ${name}, then the manager's Approve is still answered within the turn budget and decided`, async () => {
        const b = buildBot();
        await turn(b, invoke(alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
        await b.runner.idle();
        const request = (await b.service.openRequestOf(ALEX))!;
        await turn(b, invoke(megan, Verb.ApprovalRefresh, { requestId: request._id }));

        sim.controls.injectFault(fault);
        const answer = await outcomeOf(turn(b, invoke(megan, Verb.ApprovalApprove, { requestId: request._id, version: request.version })));
        assert.notEqual(answer, STILL_WAITING, 'the invoke was held');
        assert.match(String(answer), /Approved by Megan Bowen/);
        assert.equal((await b.service.get(request._id)).state !== 'pendingApproval', true);
        sim.controls.clearFaults();
        await b.runner.idle();
      });
    }

    it('when Graph is down and no role was ever cached, then the manager still decides and an outsider is told Microsoft 365 is busy', async () => {
      const before = buildBot();
      await turn(before, invoke(alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
      await before.runner.idle();
      const request = (await before.service.openRequestOf(ALEX))!;

      const b = buildBot(); // a new instance: nothing cached
      sim.controls.injectFault({ path: '/users', status: 503, count: 1000 });
      sim.controls.injectFault({ path: '/groups', status: 503, count: 1000 });
      const outsider = person(LYNNE, 'user-id-9', 'Lynne Robbins');
      assert.match(await turn(b, invoke(outsider, Verb.ApprovalRefresh, { requestId: request._id })), /Microsoft 365 is busy/);
      assert.match(await turn(b, invoke(megan, Verb.ApprovalApprove, { requestId: request._id, version: request.version })), /Approved by Megan Bowen/);
      sim.controls.clearFaults();
      await b.runner.idle();
    });
  });
});
