/**
 * A bot process over botbuilder's TestAdapter, the embedded database and the Graph simulator, for turn tests that
 * need no HTTP: Teams-shaped activities from the demo tenant's people, invokes and Action.Submit messages.
 */
import path from 'node:path';
import { ConversationState, TestAdapter, type Activity } from 'botbuilder';
import type { Db } from 'mongodb';
import { ActionRouter, type ActionRouterOptions } from '../../../bot/actionRouter';
import { AuditorCommands } from '../../../bot/auditorCommands';
import { AccessLog } from '../../../services/governance/accessLog';
import { createOversightModule } from '../../../services/governance/oversightModule';
import { ConsentCommands } from '../../../bot/consentCommands';
import { GovernanceCommands } from '../../../bot/governanceCommands';
import { createBreachModule } from '../../../services/breach/breachModule';
import { AggregateChain } from '../../../services/storage/aggregateChain';
import { ThirdPartyRegister } from '../../../services/thirdParties/thirdPartyRegister';
import { ConsentService } from '../../../services/consent/consentService';
import { ConsentWithdrawal } from '../../../services/consent/consentWithdrawal';
import { DownloadLinks } from '../../../services/consent/downloadLinks';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { OnboardingBot, type OnboardingBotDeps } from '../../../bot/onboardingBot';
import { MainDialog } from '../../../dialogs/mainDialog';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { createGraphServices } from '../../../services/graph/graphServices';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { Outbox } from '../../../services/outbox/outbox';
import { newInstanceId } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import type { Delivery, Messenger } from '../../../services/messaging/proactiveMessenger';
import { EffectRunner } from '../../../services/onboarding/effectRunner';
import { OnboardingService } from '../../../services/onboarding/onboardingService';
import { RoleResolver } from '../../../services/onboarding/roleResolver';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { MongoStorage } from '../../../services/storage/mongoStorage';
import { RequestRepository } from '../../../services/storage/requestRepository';

export const TENANT = '00000000-0000-0000-0000-000000000001';
export const IT_SECURITY_GROUP = 'b0000000-0000-4000-8000-0000000000a3';
export const ADMINS_GROUP = 'b0000000-0000-4000-8000-0000000000a4';
export const AUDITORS_GROUP = 'b0000000-0000-4000-8000-0000000000a5';

/** People of the demo tenant (graphsim/tenants/demo.json). */
export const people = {
  alex: { id: 'user-id-0', aadObjectId: 'a0000000-0000-4000-8000-000000000000', name: 'Alex Wilber' },
  megan: { id: 'user-id-1', aadObjectId: 'a0000000-0000-4000-8000-000000000001', name: 'Megan Bowen' },
  adele: { id: 'user-id-2', aadObjectId: 'a0000000-0000-4000-8000-000000000002', name: 'Adele Vance' },
  lynne: { id: 'user-id-5', aadObjectId: 'a0000000-0000-4000-8000-000000000005', name: 'Lynne Robbins' },
  /** An administrator (Device Bot Admins). */
  patti: { id: 'user-id-4', aadObjectId: 'a0000000-0000-4000-8000-000000000004', name: 'Patti Fernandez' },
  /** Someone Graph does not know (a guest, a removed account): every lookup answers 404. */
  ghost: { id: 'user-id-ghost', aadObjectId: 'a0000000-0000-4000-8000-0000000000ff', name: 'Gus Guest' },
};
export type Person = (typeof people)[keyof typeof people];

/** A Teams-shaped activity in the person's personal chat. */
export function teamsActivity(from: Person, extra: Partial<Activity>): Partial<Activity> {
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

/** An Action.Execute invoke of `verb` with card data. */
export const invoke = (from: Person, verb: string, data: Record<string, unknown>) =>
  teamsActivity(from, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' } });

/** The Action.Submit fallback of the same button: a message whose value is the card data. */
export const submit = (from: Person, verb: string, data: Record<string, unknown>) =>
  teamsActivity(from, { type: 'message', replyToId: 'clicked-card', value: { verb, ...data } });

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

/** Starts the demo tenant's Graph simulator. */
export function startDemoGraph() {
  return startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')) });
}

/** A bot process on `db` and the simulator at `graphUrl`: what a restart replaces. */
export function buildBot(
  db: Db,
  graphUrl: string,
  options: {
    enrollmentCheckWaitMs?: number;
    consent?: boolean;
    governance?: boolean;
    incidents?: Pick<ActionRouterOptions, 'incidentHandlers'> & Pick<OnboardingBotDeps, 'incidents'>;
    oversight?: { clock: () => Date };
  } = {},
) {
  const logger = createLogger('silent');
  const graph = createGraphServices({ baseUrl: graphUrl, logger, retry: { maxDelayMs: 50 } });
  const requests = new RequestRepository(db);
  const refs = new ConversationReferenceRepository(db);
  const service = new OnboardingService(
    requests,
    new ConsentRepository(db),
    graph,
    {
      tenantId: TENANT,
      policy: { itReviewMode: 'manual', enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 },
    },
    logger,
  );
  const jobs = new JobQueue(db, { owner: newInstanceId('test'), leaseMs: 15_000 });
  const runner = new EffectRunner(
    requests,
    new AuditRepository(db),
    refs,
    new NullMessenger(),
    botCards,
    graph,
    service,
    jobs,
    new DeliveryLog(db),
    { accessGroupId: 'b0000000-0000-4000-8000-0000000000a1', accessGrantTarget: 'user' },
    logger,
  );
  const outbox = new Outbox(db, jobs, { maxAttempts: 6, baseDelayMs: 1_000 }, logger);
  service.setOutbox(outbox);
  runner.useOutbox(outbox);
  service.setDrain(runner);
  const roles = new RoleResolver(graph.directory, options.oversight ? { itSecurity: IT_SECURITY_GROUP, admins: ADMINS_GROUP, auditors: AUDITORS_GROUP } : { itSecurity: IT_SECURITY_GROUP });
  // The oversight module and the auditors' commands as bot/index.ts wires them.
  let auditorCommands: AuditorCommands | undefined;
  let oversight: ReturnType<typeof createOversightModule> | undefined;
  if (options.oversight) {
    const clock = options.oversight.clock;
    const jobs = new JobQueue(db, { owner: newInstanceId('oversight'), leaseMs: 15_000 }, clock);
    oversight = createOversightModule({
      db,
      jobs,
      outbox: new Outbox(db, jobs, { maxAttempts: 3, baseDelayMs: 10 }, logger, clock),
      audit: new AuditRepository(db),
      accessLog: new AccessLog(db, clock),
      graph,
      options: {
        review: { intervalMs: 91 * 86_400_000, dueMs: 14 * 86_400_000, reminderMs: 3 * 86_400_000, groups: { access: 'b0000000-0000-4000-8000-0000000000a1', itSecurity: IT_SECURITY_GROUP, admins: ADMINS_GROUP, auditors: AUDITORS_GROUP } },
        retention: { intervalMs: 86_400_000, dryRun: true, days: { personal: 2190, consent: 2190, audit: 2190, log: 2190, conversationState: 365 } },
        auditRetryMs: 60_000,
      },
      logger,
      clock,
    });
    auditorCommands = new AuditorCommands(oversight.desk, oversight.reviews, roles, graph.directory, new DownloadLinks('k'.repeat(32)), botCards, { publicBaseUrl: 'http://bot.test', linkMinutes: 10 }, logger, clock);
  }
  // The consent commands as bot/index.ts wires them (my consents, my data, what IT can see, withdrawal).
  const consents = new ConsentRepository(db);
  const itNotices: string[] = [];
  const consentCommands = options.consent
    ? new ConsentCommands(
        new ConsentService(consents.ledger, consents, requests, new AuditRepository(db), db),
        service,
        new DownloadLinks('k'.repeat(32)),
        botCards,
        { publicBaseUrl: 'http://bot.test', exportLinkMinutes: 10, transparencyUrl: 'https://learn.microsoft.com/x' },
        logger,
        undefined,
        new ConsentWithdrawal(consents.ledger, service, graph.groups, async (r) => (itNotices.push(r.reference), true), logger),
      )
    : undefined;
  // Breach notification and the third-party register as bot/index.ts wires them (on a shared outbox nobody drains here).
  const governance = options.governance ? governanceCommands(db, graph, logger) : undefined;
  const actions = new ActionRouter(service, roles, botCards, logger, {
    enrollmentCheckWaitMs: options.enrollmentCheckWaitMs ?? 5000,
    consentHandlers: consentCommands?.handlers(),
    incidentHandlers: options.incidents?.incidentHandlers,
    governanceHandlers: governance?.commands.handlers(),
    oversightHandlers: auditorCommands?.handlers(),
  });
  const bot = new OnboardingBot({
    withdrawConsent: consentCommands && ((actor, requestId) => consentCommands.withdraw(actor, requestId)),
    thirdPartyCommand: governance && ((actor, intent) => governance.commands.thirdParty(actor, intent)),
    conversationState: new ConversationState(new MongoStorage(db)),
    dialog: new MainDialog(
      async (ctx) => service.openRequestOf(ctx.activity.from.aadObjectId!),
      consentCommands && (async (ctx) => consentCommands.withdrawable(ctx.activity.from.aadObjectId!)),
    ),
    actions,
    refs,
    service,
    directory: graph.directory,
    cards: botCards,
    logger,
    itTeamId: '19:it-team@thread.tacv2',
    roles,
    incidents: options.incidents?.incidents,
    auditor: auditorCommands,
  });
  const adapter = new TestAdapter(async (ctx) => bot.run(ctx));
  const updates: Partial<Activity>[] = [];
  adapter.updateActivity = async (_ctx, activity) => {
    updates.push(activity);
  };

  /** Runs one turn and the effects it started; returns what the bot sent (replies, invoke response, card updates). */
  async function turn(activity: Partial<Activity>) {
    adapter.activeQueue.splice(0);
    updates.splice(0);
    await adapter.processActivity(activity);
    await runner.idle();
    return [...adapter.activeQueue, ...updates];
  }
  return { adapter, service, runner, refs, requests, turn, itNotices, governance, auditorCommands, oversight };
}

/** The breach module, the register and their Teams commands on `db`. */
function governanceCommands(db: Db, graph: ReturnType<typeof createGraphServices>, logger: ReturnType<typeof createLogger>) {
  const jobs = new JobQueue(db, { owner: newInstanceId('test'), leaseMs: 15_000 });
  const outbox = new Outbox(db, jobs, { maxAttempts: 3, baseDelayMs: 10 }, logger);
  const audit = new AuditRepository(db);
  const breaches = createBreachModule({
    db,
    jobs,
    audit,
    outbox,
    messenger: new NullMessenger(),
    deliveries: new DeliveryLog(db),
    refs: new ConversationReferenceRepository(db),
    directory: graph.directory,
    options: { regulations: [{ id: 'HIPAA', name: 'HIPAA', notify: 'individuals', hours: 1440 }], policy: { itReminderHoursBefore: [24], personReminderEveryHours: 72, personReminderMax: 1, statusRefreshMinutes: 60 }, sendPerSecond: 50, maxAttempts: 3 },
    logger,
  });
  const register = new ThirdPartyRegister(db, new AggregateChain(db, audit), outbox, jobs, graph.directory, { reviewIntervalDays: 365, remindDaysBefore: 30, checkEveryMs: 86_400_000 }, logger);
  return { breaches, register, commands: new GovernanceCommands(breaches, register, botCards, logger) };
}

/** The card an invoke answered with. */
export const invokeCard = (replies: Partial<Activity>[]) =>
  (replies.find((r) => r.type === 'invokeResponse')?.value as { body: { value: unknown } } | undefined)?.body.value;

/** Everything the bot showed in a turn, as one string. */
export const shown = (replies: Partial<Activity>[]) => replies.map((a) => JSON.stringify(a.attachments?.map((x) => x.content) ?? a.value ?? a.text ?? '')).join('\n');
