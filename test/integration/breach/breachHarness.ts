import path from 'node:path';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { Db } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture, validateTenantFixture } from '../../../graphsim/tenantFixture';
import { createBreachModule } from '../../../services/breach/breachModule';
import { createGraphServices } from '../../../services/graph/graphServices';
import { GraphRequestError } from '../../../services/graph/graphErrors';
import type { TeamsAppInstallService } from '../../../services/graph/graphTypes';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { ProactiveMessenger, type Messenger } from '../../../services/messaging/proactiveMessenger';
import { Outbox } from '../../../services/outbox/outbox';
import { AggregateChain } from '../../../services/storage/aggregateChain';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { ThirdPartyRegister } from '../../../services/thirdParties/thirdPartyRegister';
import type { BreachPolicy, Regulation } from '../../../services/workflow/breachTransition';
import type { ScriptedConnector } from '../../support/scriptedConnector';

export const TENANT = '00000000-0000-0000-0000-000000000001';
export const IT_CHANNEL = '19:it-security@thread.tacv2';
export const AFFECTED_GROUP = 'b0000000-0000-4000-8000-0000000000b9';
export const LYNNE = 'a0000000-0000-4000-8000-000000000005';
export const HOUR = 3_600_000;
export const REGULATIONS: Regulation[] = [
  { id: 'HIPAA', name: 'HIPAA', notify: 'individuals', hours: 1440 },
  { id: 'GDPR', name: 'GDPR Art. 33', notify: 'authority', hours: 72 },
];
export const POLICY: BreachPolicy = { itReminderHoursBefore: [48, 24], personReminderEveryHours: 72, personReminderMax: 2, statusRefreshMinutes: 60 };
/** IT Security as the Teams door resolves it (roles from Entra groups). */
export const lynne = { kind: 'user' as const, aadObjectId: LYNNE, displayName: 'Lynne Robbins', roles: ['itSecurity' as const] };

/** The affected person number i (a user of the simulated tenant). */
export const personId = (i: number) => `e0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** The demo tenant plus `n` employees in one Entra group (Graph pages its members). */
export function tenantWith(n: number) {
  const t = JSON.parse(JSON.stringify(loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')))) as Record<string, unknown[]>;
  const ids = Array.from({ length: n }, (_, i) => personId(i));
  for (const [i, id] of ids.entries()) {
    t.users.push({ id, displayName: `Employee ${i}`, givenName: 'Employee', surname: String(i), userPrincipalName: `employee${i}@contoso.example`, mail: `employee${i}@contoso.example` });
  }
  t.groups.push({ id: AFFECTED_GROUP, displayName: 'Clinic staff', description: 'People whose data the lost device held', members: ids });
  return validateTenantFixture(t);
}

/** The Graph simulator with that tenant, for a describe block. */
export function useTenant(n: number, now?: () => Date) {
  let sim: Awaited<ReturnType<typeof startGraphSimulator>> | undefined;
  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: tenantWith(n), ...(now ? { now } : {}) });
  });
  after(async () => sim?.close());
  return {
    get url() {
      return sim!.url;
    },
  };
}

/** A reference to a conversation at the scripted Bot Connector. */
export const via = (connector: ScriptedConnector, conversation: string) => ({
  serviceUrl: connector.url,
  channelId: 'msteams',
  bot: { id: 'bot', name: 'Device Onboarding' },
  conversation: { id: conversation, tenantId: TENANT } as never,
});

/** The real messenger, over real HTTP to the scripted Bot Connector. */
export function realMessenger(db: Db, teamsApps?: TeamsAppInstallService): Messenger {
  // Nobody without a chat with the bot can have the app installed here (as when the tenant blocks the app).
  teamsApps ??= {
    ensureInstalledForUser: async (userId) => {
      throw new GraphRequestError({ method: 'POST', path: `/users/${userId}/teamwork/installedApps`, status: 403, code: 'Forbidden' });
    },
  };
  return new ProactiveMessenger(
    new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})),
    new ConversationReferenceRepository(db),
    teamsApps,
    { appId: '', tenantId: TENANT, catalogAppId: 'device-onboarding-app', itTeamId: '19:it-team@thread.tacv2', itChannelId: IT_CHANNEL, baseDelayMs: 10 },
    createLogger('silent'),
  );
}

/** One bot instance's breach machinery (its own jobs owner, outbox drain and messenger) on a shared database. */
export function breachInstance(db: Db, graphUrl: string, o: { name: string; messenger: Messenger; clock?: () => Date; leaseMs?: number; sendPerSecond?: number; deliveries?: DeliveryLog }) {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const clock = o.clock ?? (() => new Date());
  const graph = createGraphServices({ baseUrl: graphUrl, logger, retry: { maxDelayMs: 50 } });
  const jobs = new JobQueue(db, { owner: o.name, leaseMs: o.leaseMs ?? 5_000 }, clock);
  const outbox = new Outbox(db, jobs, { maxAttempts: 3, baseDelayMs: 10, batchSize: 100 }, logger, clock);
  const audit = new AuditRepository(db);
  const deliveries = o.deliveries ?? new DeliveryLog(db, clock);
  const refs = new ConversationReferenceRepository(db);
  const breaches = createBreachModule({
    db,
    jobs,
    audit,
    outbox,
    messenger: o.messenger,
    deliveries,
    refs,
    directory: graph.directory,
    options: { regulations: REGULATIONS, policy: POLICY, sendPerSecond: o.sendPerSecond ?? 1000, maxAttempts: 3 },
    logger,
    clock,
  });
  const register = new ThirdPartyRegister(db, new AggregateChain(db, audit), outbox, jobs, graph.directory, { reviewIntervalDays: 365, remindDaysBefore: 30, checkEveryMs: 24 * HOUR }, logger, clock);
  register.register(outbox, o.messenger, deliveries, refs);
  let stopped = false;
  /** Runs every job due now on this instance (as the background worker's round does). */
  async function runDue(max = 1000): Promise<number> {
    let n = 0;
    for (; n < max && !stopped; n++) {
      const claim = await jobs.claimDue();
      if (!claim) break;
      if (claim.job.kind === 'outbox') await outbox.runClaimed(claim.lease);
      else if (claim.job.kind === 'breachTimer') await breaches.handlers.breachTimer(claim.lease, claim.job.subject);
      else if (claim.job.kind === 'thirdPartyReview') await register.runClaimed(claim.lease);
      else await jobs.finish(claim.lease, undefined, null);
    }
    return n;
  }
  return {
    jobs,
    outbox,
    breaches,
    register,
    graph,
    runDue,
    async ensureIndexes() {
      await Promise.all([breaches.ensureIndexes(), outbox.ensureIndexes(), jobs.ensureIndexes(), register.ensureIndexes()]);
    },
    /** Stops this instance's lease renewals, as a killed process's stop. */
    crash() {
      stopped = true;
      jobs.leases.renew = async () => true;
    },
  };
}
