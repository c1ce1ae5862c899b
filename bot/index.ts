/**
 * Composition root: configuration, database, Graph, services, dialogs, the bot, the adapter and the HTTP
 * server. No business logic here.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConversationState } from 'botbuilder';
import { renderNoticeCard } from '../cards/noticeCard';
import { MainDialog } from '../dialogs/mainDialog';
import { ensureConsentLedgerIndexes } from '../services/consent/consentLedgerRepository';
import { ConsentService } from '../services/consent/consentService';
import { ConsentWithdrawal } from '../services/consent/consentWithdrawal';
import { createCampaignModule } from '../services/consent/campaignModule';
import { NoticePublisher } from '../services/consent/noticePublisher';
import { NoticeVersions, NoticeVersionStore } from '../services/consent/noticeVersions';
import { OperatorAuditLog } from '../services/consent/operatorAuditLog';
import { DownloadLinks } from '../services/consent/downloadLinks';
import { startEmbeddedFerretDb } from '../services/db/embeddedFerretDb';
import { createDeviceModule } from '../services/devices/deviceModule';
import { createIncidentModule } from '../services/incidents/incidentModule';
import type { OwnershipLookup } from '../services/incidents/incidentService';
import { openRequestsFrom } from '../services/devices/peopleCheck';
import { SharedRatePacer } from '../services/messaging/teamsRatePacer';
import { createBreachModule } from '../services/breach/breachModule';
import { ThirdPartyRegister } from '../services/thirdParties/thirdPartyRegister';
import { AggregateChain } from '../services/storage/aggregateChain';
import { Outbox } from '../services/outbox/outbox';
import { outsideGraphBudget, withGraphBudget } from '../services/graph/graphBudget';
import { createGraphServices } from '../services/graph/graphServices';
import { JobQueue, type JobKind } from '../services/jobs/jobQueue';
import { newInstanceId } from '../services/jobs/leases';
import { TimedBotFrameworkAuthentication } from '../services/messaging/connectorTimeout';
import { DeliveryLog } from '../services/messaging/deliveryLog';
import { cardActivity, ProactiveMessenger } from '../services/messaging/proactiveMessenger';
import { APPROVAL_TIMER, ApprovalTimers } from '../services/onboarding/approvalTimers';
import { EffectRunner } from '../services/onboarding/effectRunner';
import { OnboardingService } from '../services/onboarding/onboardingService';
import { RoleResolver } from '../services/onboarding/roleResolver';
import { BackgroundWorker } from '../services/onboarding/worker';
import { AccessLog } from '../services/governance/accessLog';
import { createOversightModule } from '../services/governance/oversightModule';
import { AuditRepository } from '../services/storage/auditRepository';
import { ConsentRepository } from '../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../services/storage/conversationReferenceRepository';
import { DelegationAuditLog, DelegationRepository } from '../services/storage/delegationRepository';
import { DELEGATION_EXPIRY, DelegationService } from '../services/onboarding/delegationService';
import { DelegationCommands } from './delegationCommands';
import { ValidationError } from '../services/workflow/errors';
import { COLLECTIONS, connectMongo, ensureIndexes } from '../services/storage/mongoConnection';
import { MongoStorage } from '../services/storage/mongoStorage';
import { RequestRepository } from '../services/storage/requestRepository';
import { ActionRouter } from './actionRouter';
import { AuditorCommands } from './auditorCommands';
import { ConsentCommands } from './consentCommands';
import { IncidentCommands } from './incidentCommands';
import { GovernanceCommands } from './governanceCommands';
import { NoticeCommands } from './noticeCommands';
import { createBotCards } from './cardViews';
import { loadConfig, type AppConfig } from './config';
import { createLogger, type Logger } from './logger';
import { OnboardingBot } from './onboardingBot';
import { boundOpenIdMetadataFetch } from './openIdMetadataFetch';
import { createServer, EdgeAdapter } from './server';
import { SsoTokenValidator } from './ssoTokenValidator';
import { IT_STATES, registerTabApi } from './tabApi';
import { EvidenceService } from '../services/evidence/evidencePack';
import type { PublishedNotice } from '../services/content/notices/noticeRegistry';
import { createTurnErrorHandler } from './turnErrors';

/** A running bot process. */
export interface RunningApp {
  port: number;
  stop(): Promise<void>;
}

/** Builds and starts everything; `env` defaults to process.env. */
export async function startApp(config: AppConfig, logger: Logger): Promise<RunningApp> {
  const startedAt = Date.now();
  const stops: (() => Promise<void>)[] = [];

  let mongoUri = config.mongo.uri;
  if (!mongoUri) {
    // Development default: an embedded MongoDB-compatible server (FerretDB on PostgreSQL or SQLite) under DATA_DIR.
    const embedded = await startEmbeddedFerretDb({
      dataDir: path.resolve(config.mongo.dataDir, 'ferretdb'),
      backend: config.mongo.embeddedBackend,
      logger: logger.child({ component: 'ferretdb' }),
    });
    mongoUri = embedded.uri;
    stops.push(() => embedded.stop());
  }
  const mongo = await connectMongo(mongoUri, config.mongo.dbName, logger, config.mongo);
  stops.push(() => mongo.close());
  await ensureIndexes(mongo.db);
  await ensureConsentLedgerIndexes(mongo.db);
  // Published notice versions live in the database, shared by every instance; the seed file's versions are stored
  // when missing, and a seed version stored with another text refuses start-up (NoticeSeedMismatchError).
  const noticeStore = new NoticeVersionStore(mongo.db);
  await noticeStore.seed(JSON.parse(readFileSync(config.notices.registryFile, 'utf8')) as PublishedNotice[]);
  const noticeVersions = new NoticeVersions(noticeStore, { cacheMs: config.notices.cacheMs });
  await noticeVersions.fresh();
  // Background work (outbox, campaigns, the tab) reads the registry too: keep it within the cache time.
  const noticeRefresh = setInterval(() => noticeVersions.fresh().catch((e: unknown) => logger.warn({ err: e }, 'notice versions could not be reloaded')), Math.max(config.notices.cacheMs, 1000));
  noticeRefresh.unref();
  stops.push(async () => clearInterval(noticeRefresh));

  const graph = createGraphServices({
    baseUrl: config.graph.baseUrl,
    tenantId: config.graph.tenantId,
    clientId: config.graph.clientId,
    clientSecret: config.graph.clientSecret,
    logger: logger.child({ component: 'graph' }),
    retry: { timeoutMs: config.graph.timeoutMs, callBudgetMs: config.graph.callBudgetMs },
  });

  const botCards = createBotCards({ transparencyUrl: config.consent.transparencyUrl });
  const requests = new RequestRepository(mongo.db);
  const refs = new ConversationReferenceRepository(mongo.db, { cacheMs: config.referenceCacheMs });
  const audit = new AuditRepository(mongo.db, logger);
  const consents = new ConsentRepository(mongo.db);
  const conversationState = new ConversationState(new MongoStorage(mongo.db));

  const auth = new TimedBotFrameworkAuthentication({
    MicrosoftAppId: config.bot.appId ?? '',
    MicrosoftAppPassword: config.bot.appPassword ?? '',
    // Without an app id botbuilder runs unauthenticated; its SingleTenant check would otherwise demand one.
    MicrosoftAppType: config.bot.authEnabled ? config.bot.appType : '',
    MicrosoftAppTenantId: config.bot.tenantId ?? '',
  }, config.bot.connectorTimeoutMs);
  boundOpenIdMetadataFetch(config.bot.openIdTimeoutMs);
  const adapter = new EdgeAdapter(auth);
  // Graph calls made while someone waits for an answer end by the turn's deadline (graphBudget.ts).
  adapter.use(async (_context, next) => withGraphBudget(config.graph.turnBudgetMs, next));
  // Every turn answers from the notice versions in force across instances (read again after NOTICE_CACHE_SECONDS);
  // if the database cannot be read, the turn goes on with the versions loaded last (recording consent reads it again).
  adapter.use(async (_context, next) => {
    await noticeVersions.fresh().catch((e: unknown) => logger.warn({ err: e }, 'notice versions could not be reloaded'));
    await next();
  });

  const tenantId = config.bot.tenantId ?? config.graph.tenantId ?? '';
  const delegations = new DelegationRepository(mongo.db);
  const service = new OnboardingService(
    requests,
    consents,
    graph,
    { tenantId, fallbackApproverGroupId: config.groups.fallbackApprovers, policy: config.workflow, delegations, noticeVersions },
    logger.child({ component: 'onboarding' }),
  );
  // Teams' per-app limit in the tenant, shared by every instance (services/messaging/teamsRatePacer.ts).
  const pacer = new SharedRatePacer(mongo.db, { bucket: `teams:${config.bot.appId || 'local'}:${tenantId || 'local'}`, perSecond: config.fleet.teamsSendsPerSecond });
  const messenger = new ProactiveMessenger(
    adapter,
    refs,
    graph.teamsApps,
    { appId: config.bot.appId ?? '', tenantId, catalogAppId: config.teams.appCatalogId, itTeamId: config.teams.itTeamId, itChannelId: config.teams.itChannelId, pacer },
    logger.child({ component: 'messenger' }),
  );
  const instanceId = newInstanceId(config.leases.instanceIdPrefix);
  const jobs = new JobQueue(mongo.db, { owner: instanceId, leaseMs: config.leases.ttlSeconds * 1000, fullScanMs: config.workerFullScanSeconds * 1000 });
  const deliveries = new DeliveryLog(mongo.db);
  const runner = new EffectRunner(
    requests,
    audit,
    refs,
    messenger,
    botCards,
    graph,
    service,
    jobs,
    deliveries,
    { accessGroupId: config.groups.access, accessGrantTarget: config.workflow.accessGrantTarget, concurrentDrains: config.effectDrainsPerInstance },
    logger.child({ component: 'effects' }),
  );
  // One shared outbox per process: the request's effects and the enrolled devices' messages.
  const outbox = new Outbox(mongo.db, jobs, config.outbox, logger.child({ component: 'outbox' }));
  service.setOutbox(outbox);
  runner.useOutbox(outbox);
  // Effects run after the turn has answered: they take the Graph client's own budget, not the turn's.
  service.setDrain({
    announce: (requestId) => runner.announce(requestId),
    kick: (requestId) => outsideGraphBudget(() => runner.kick(requestId)),
    scheduleCheck: (requestId, at) => runner.scheduleCheck(requestId, at),
  });
  // Continuous compliance after the grant: enrolled devices, sweeps, grace timers, IT alerts, the shared outbox.
  const devices = createDeviceModule({
    db: mongo.db,
    jobs,
    audit,
    messenger,
    deliveries,
    refs,
    graph,
    options: {
      policy: { graceHours: config.compliance.graceHours, reminderHoursBefore: config.compliance.reminderHoursBefore },
      sweepIntervalMs: config.compliance.sweepIntervalMs,
      digestIntervalMs: config.compliance.digestIntervalMs,
      digestNearingMs: Math.max(...config.compliance.reminderHoursBefore, 24) * 3_600_000,
      outbox: config.outbox,
      sweepScope: config.fleet.sweepScope,
      peopleCheckIntervalMs: config.fleet.peopleCheckIntervalMs,
    },
    openRequests: openRequestsFrom({
      keys: mongo.db.collection<{ _id: string }>(COLLECTIONS.openRequestKeys),
      findOpenByRequester: (id) => requests.findOpenByRequester(id),
      apply: (id, event, actor) => service.apply(id, event, actor),
    }),
    grantedSince: (since) => requests.grantedSince(since),
    logger,
    outbox,
  });
  await devices.ensureIndexes();
  // Device incidents: lost or stolen reports, IT's device actions, automatic incidents from the sweep.
  const ownershipOf: OwnershipLookup = async (device) => (await requests.get(device.requestId))?.device.ownership;
  const incidents = createIncidentModule({
    db: mongo.db,
    jobs,
    audit,
    devices,
    messenger,
    deliveries,
    refs,
    graph,
    ownershipOf,
    options: { maxAttempts: config.outbox.maxAttempts, clockSkewMs: config.incidents.clockSkewMs, autoOpen: config.incidents.autoOpen, threatStates: config.incidents.threatStates },
    logger,
  });
  await incidents.ensureIndexes();
  // A person's change answers at once; its effects (access removal, the device action) run outside the turn.
  incidents.service.setKick(async () => {
    void outsideGraphBudget(() => incidents.drainNow()).catch((e) => logger.warn({ err: e }, 'incident effects left to the background worker'));
  });
  await pacer.ensureIndexes();
  // A sweep scoped to groups that do not exist would watch nobody: refuse to start.
  await devices.checkSweepScope();
  // Breach notification and the third-party integrations register, on the device module's shared outbox.
  const auditChain = new AggregateChain(mongo.db, audit);
  const breaches = createBreachModule({
    db: mongo.db,
    jobs,
    audit,
    outbox: devices.outbox,
    messenger,
    deliveries,
    refs,
    directory: graph.directory,
    options: { ...config.breach, policy: config.breach, maxAttempts: config.outbox.maxAttempts },
    logger,
  });
  // The incident card declares breaches through the breach module, with the configured regulations.
  const incidentCommands = new IncidentCommands(incidents.service, graph.directory, ownershipOf, botCards, logger.child({ component: 'incident-commands' }), {
    declareBreach: breaches.declareBreach,
    regulations: config.breach.regulations,
  });
  const thirdParties = new ThirdPartyRegister(mongo.db, auditChain, devices.outbox, jobs, graph.directory, config.thirdParties, logger.child({ component: 'thirdParties' }));
  thirdParties.register(devices.outbox, messenger, deliveries, refs);
  await Promise.all([breaches.ensureIndexes(), thirdParties.ensureIndexes()]);
  runner.setGrantListener((request, access) => devices.enrollFromGrant(request, access));
  const worker = new BackgroundWorker(jobs, requests, runner, logger.child({ component: 'worker', instanceId }), {
    intervalMs: config.workerIntervalSeconds * 1000,
    idleMaxMs: config.workerIdleMaxSeconds * 1000,
  });
  const approvalTimers = new ApprovalTimers(
    requests,
    service,
    graph,
    jobs,
    { defaultWorkingHours: config.approvalWorkingHours, fallbackApproverGroupId: config.groups.fallbackApprovers },
    logger.child({ component: 'approvalTimers' }),
  );
  service.setApprovalClock(approvalTimers);
  worker.on(APPROVAL_TIMER, (requestId, lease) => approvalTimers.runClaimed(requestId, lease));
  // Managers' approval delegations: set in chat or on the card, audited in their own chain, recorded when they run out.
  const delegationService = new DelegationService(
    delegations,
    new DelegationAuditLog(mongo.db),
    graph.directory,
    jobs,
    { defaultTimeZone: config.approvalWorkingHours.timeZone, searchMax: config.delegation.searchMax },
    logger.child({ component: 'delegations' }),
  );
  const delegationCommands = new DelegationCommands(delegationService, graph.directory, botCards, logger.child({ component: 'delegations' }));
  worker.on(DELEGATION_EXPIRY, (delegatorId, lease) => delegationService.runClaimed(delegatorId, lease));
  for (const [kind, run] of Object.entries(devices.handlers)) if (run) worker.on(kind as JobKind, (subject, lease) => run(lease, subject));
  for (const [kind, run] of Object.entries(breaches.handlers)) worker.on(kind as JobKind, (subject, lease) => run(lease, subject));
  worker.on('thirdPartyReview', (_subject, lease) => thirdParties.runClaimed(lease));
  // Change-notice campaigns and consent withdrawal, on the enrolled devices and the shared outbox.
  const campaignModule = createCampaignModule({
    db: mongo.db,
    jobs,
    devices,
    ledger: consents.ledger,
    messenger,
    deliveries,
    refs,
    options: {
      sendsPerSecond: config.notices.sendsPerSecond,
      reminderDaysBefore: config.notices.reminderDaysBefore,
      progressIntervalMs: config.notices.progressIntervalMs,
      transparencyUrl: config.consent.transparencyUrl,
    },
    logger,
  });
  await campaignModule.ensureIndexes();
  for (const [kind, run] of Object.entries(campaignModule.handlers)) if (run) worker.on(kind as JobKind, (subject, lease) => run(lease, subject));

  const roles = new RoleResolver(
    graph.directory,
    { itSecurity: config.groups.itSecurity, admins: config.groups.admins, auditors: config.groups.auditors },
    { ttlMs: config.roles.cacheMs, staleMs: config.roles.staleMs },
    Date.now,
    logger.child({ component: 'roles' }),
  );
  // Oversight: access reviews, scheduled retention, parked audit entries, and the auditors' commands in Teams.
  const accessLog = new AccessLog(mongo.db);
  const oversight = createOversightModule({
    db: mongo.db,
    jobs,
    outbox: devices.outbox,
    audit,
    accessLog,
    graph,
    channel: { messenger, deliveries },
    options: {
      review: {
        intervalMs: config.oversight.accessReviewIntervalMs,
        dueMs: config.oversight.accessReviewDueMs,
        reminderMs: config.oversight.accessReviewReminderMs,
        groups: { access: config.groups.access, admins: config.groups.admins, auditors: config.groups.auditors, itSecurity: config.groups.itSecurity, fallbackApprovers: config.groups.fallbackApprovers },
      },
      retention: {
        intervalMs: config.oversight.retentionIntervalMs,
        dryRun: config.oversight.retentionDryRun,
        days: config.governance.retentionDays,
        outboxDoneDays: config.fleet.outboxDoneRetentionDays,
      },
      auditRetryMs: config.oversight.auditRetryMs,
      dataResidencyRegion: config.governance.dataResidencyRegion,
    },
    logger,
  });
  await oversight.ensureIndexes();
  for (const [kind, run] of Object.entries(oversight.handlers)) if (run) worker.on(kind as JobKind, (subject, lease) => run(lease, subject));
  const auditorCommands = new AuditorCommands(
    oversight.desk,
    oversight.reviews,
    roles,
    graph.directory,
    // Evidence links are signed for their own purpose: a "my data" link never opens an evidence pack.
    new DownloadLinks(config.consent.exportSigningKey ?? randomBytes(32)),
    botCards,
    { publicBaseUrl: config.consent.publicBaseUrl, linkMinutes: config.oversight.auditorLinkMinutes },
    logger.child({ component: 'auditor' }),
  );
  const consentLogger = logger.child({ component: 'consent' });
  if (config.env === 'production' && config.consent.publicBaseUrl && !config.consent.exportSigningKey) {
    consentLogger.warn('DATA_EXPORT_SIGNING_KEY is not set: "my data" and evidence links work only on the instance that issued them, until it restarts');
  }
  const withdrawal = new ConsentWithdrawal(
    consents.ledger,
    service,
    graph.groups,
    async (request, accessRemoved) => {
      if (!messenger.hasItChannel) return false;
      const text = `The employee withdrew consent to device management.${accessRemoved ? ' The device has left the access group.' : ''} Retire the device in Intune to remove work apps and data.`;
      const card = renderNoticeCard({ title: 'Consent withdrawn', text, tone: 'warning', reference: request.reference, detail: request.requester.displayName });
      await messenger.sendToItChannel(cardActivity(card));
      return true;
    },
    consentLogger,
    undefined,
    campaignModule.withdrawalDevices,
    jobs,
  );
  worker.on('consentWithdrawal', (subject, lease) => withdrawal.followUp(lease, subject));
  const consentService = new ConsentService(consents.ledger, consents, requests, audit, mongo.db);
  // Without a configured key (development only) links are signed with a key that lives as long as the process.
  const downloadLinks = new DownloadLinks(config.consent.exportSigningKey ?? randomBytes(32));
  const operatorAudit = new OperatorAuditLog(mongo.db);
  const noticeCommands = new NoticeCommands(
    mongo.db,
    roles,
    new NoticePublisher(noticeStore, operatorAudit),
    campaignModule.campaigns,
    operatorAudit,
    consentService,
    graph.directory,
    downloadLinks,
    { publicBaseUrl: config.consent.publicBaseUrl, exportLinkMinutes: config.notices.exportLinkMinutes, deadlineDays: config.notices.deadlineDays },
    consentLogger,
    undefined,
    noticeVersions,
  );
  const consentCommands = new ConsentCommands(
    consentService,
    service,
    downloadLinks,
    botCards,
    config.consent,
    consentLogger,
    undefined,
    withdrawal,
  );
  const governanceCommands = new GovernanceCommands(breaches, thirdParties, botCards, logger.child({ component: 'governance' }));
  const actions = new ActionRouter(service, roles, botCards, logger.child({ component: 'actions' }), {
    enrollmentCheckWaitMs: config.enrollmentCheckWaitMs,
    consentHandlers: consentCommands.handlers(),
    delegationHandlers: delegationCommands.handlers(),
    noticeHandlers: noticeCommands.handlers(),
    deviceRecheck: (deviceId, actor) => devices.recheck(deviceId, actor),
    incidentHandlers: incidentCommands.handlers(),
    governanceHandlers: governanceCommands.handlers(),
    oversightHandlers: auditorCommands.handlers(),
  });
  const dialog = new MainDialog(
    async (context) => {
      const id = context.activity.from?.aadObjectId;
      return typeof id === 'string' && id ? service.openRequestOf(id) : null;
    },
    async (context) => {
      const id = context.activity.from?.aadObjectId;
      return typeof id === 'string' && id ? consentCommands.withdrawable(id) : null;
    },
    async (context, said) => {
      const actor = await actions.actorOf(context, false);
      if (!actor) throw new ValidationError(['Teams did not identify you; open the bot from Teams and try again.']);
      return delegationService.plan(actor, said);
    },
  );
  const bot = new OnboardingBot({
    conversationState,
    dialog,
    actions,
    refs,
    service,
    directory: graph.directory,
    cards: botCards,
    logger: logger.child({ component: 'bot' }),
    itTeamId: config.teams.itTeamId,
    roles,
    withdrawConsent: (actor, requestId) => consentCommands.withdraw(actor, requestId),
    delegation: delegationCommands,
    incidents: incidentCommands,
    thirdPartyCommand: (actor, intent) => governanceCommands.thirdParty(actor, intent),
    noticeOperators: noticeCommands,
    databaseWatch: {
      afterMs: config.mongo.unavailableNoticeMs,
      // A ping that has not answered within half the notice time counts as the database being unreachable.
      probe: () => withDeadline(mongo.db.command({ ping: 1 }), Math.max(500, config.mongo.unavailableNoticeMs / 2)),
    },
    accessLog,
    auditor: auditorCommands,
  });

  adapter.onTurnError = createTurnErrorHandler({ conversationState, cards: botCards, logger });

  const server = createServer({
    port: config.port,
    maxBodyBytes: config.maxBodyBytes,
    adapter,
    bot,
    logger: logger.child({ component: 'http' }),
    authEnabled: config.bot.authEnabled,
    tenantId: config.bot.tenantId ?? config.graph.tenantId,
    serviceUrlPrefixes: config.env === 'production' ? config.governance.connectorServiceUrls : undefined,
    readiness: [
      { name: 'database', check: async () => void (await mongo.db.command({ ping: 1 })) },
      { name: 'graph', check: () => graph.health.ping() },
    ],
  });
  registerTabApi(server, {
    validator: config.tab.sso && new SsoTokenValidator(config.tab.sso),
    devSignIn: config.tab.devSignInUrl && config.tab.sso ? { url: config.tab.devSignInUrl, audience: config.tab.sso.audiences[0] } : undefined,
    distDir: path.resolve(config.tab.distDir),
    roles,
    service,
    requests,
    audit,
    // The tab's record pages: devices, consents and data, IT's lists, people, evidence and exports.
    records: {
      devices: devices.devices,
      alerts: devices.alerts,
      recheck: (deviceId, actor) => devices.recheck(deviceId, actor),
      consent: consentService,
      withdrawal,
      evidence: new EvidenceService(mongo.db, audit, accessLog, { dataResidencyRegion: config.governance.dataResidencyRegion }, graph.groups),
      operatorAudit,
      accessLog,
      requests,
      audit,
      searchDirectory: async (text) =>
        ((await graph.directory.searchUsers?.(text, 10)) ?? []).map((u) => ({ aadObjectId: u.id, displayName: u.displayName, mail: u.mail ?? undefined, source: 'directory' as const })),
      directoryUser: async (id) => {
        const u = await graph.directory.getUser(id);
        return u && { aadObjectId: u.id, displayName: u.displayName };
      },
      notices: () => noticeVersions.registry.list(),
      incidents: incidents.incidents,
      snapshots: devices.snapshots,
      campaignProgress: async (id) => {
        const campaign = await campaignModule.campaigns.get(id);
        return campaign ? { campaign, counts: await campaignModule.campaigns.counts(id) } : undefined;
      },
      states: IT_STATES,
    },
    logger: logger.child({ component: 'tab' }),
  });
  consentCommands.registerDownload(server);
  noticeCommands.registerDownload(server);
  auditorCommands.registerDownload(server);
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const port = (server.address() as { port: number }).port;
  void approvalTimers.adoptPending().catch((e) => logger.error({ err: e }, 'could not schedule approval timers found at start-up'));
  void worker.start();
  void devices.start().catch((e) => logger.error({ err: e }, 'could not schedule the compliance sweep and digest'));
  void thirdParties.start().catch((e) => logger.error({ err: e }, 'could not schedule the third-party review reminders'));
  void oversight.start().catch((e) => logger.error({ err: e }, 'could not schedule the access review, retention and audit retries'));
  logger.info({ port, authEnabled: config.bot.authEnabled, startupMs: Date.now() - startedAt }, 'bot listening');

  return {
    port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.stop();
      for (const stop of stops.reverse()) await stop().catch((e) => logger.warn({ err: e }, 'shutdown step failed'));
      logger.info('bot stopped');
    },
  };
}

/** Rejects when `p` has not settled within `ms`. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Entry point: validates configuration, starts, and stops cleanly on SIGTERM/SIGINT. */
async function main() {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    createLogger('error').fatal({ error: (e as Error).message }, 'configuration invalid');
    process.exit(78);
  }
  const logger = createLogger(config.logLevel);
  const app = await startApp(config, logger).catch((e) => {
    logger.fatal({ err: e }, 'start-up failed');
    process.exit(1);
  });
  // A closed stdout (the parent went away) must not stop the shutdown: log writes would fail with EPIPE.
  process.stdout.on('error', () => undefined);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      logger.info({ signal }, 'shutting down');
    } catch {
      // Logging is best effort during shutdown.
    }
    app
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) void main();
