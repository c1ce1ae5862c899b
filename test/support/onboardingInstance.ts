import path from 'node:path';
import type { Activity } from 'botbuilder';
import type { Db } from 'mongodb';
import { botCards } from '../../bot/cardViews';
import { createLogger } from '../../bot/logger';
import { startGraphSimulator } from '../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../graphsim/tenantFixture';
import { createGraphServices } from '../../services/graph/graphServices';
import { JobQueue } from '../../services/jobs/jobQueue';
import { Outbox } from '../../services/outbox/outbox';
import { newInstanceId } from '../../services/jobs/leases';
import { DeliveryLog } from '../../services/messaging/deliveryLog';
import type { Delivery, Messenger } from '../../services/messaging/proactiveMessenger';
import { EffectRunner } from '../../services/onboarding/effectRunner';
import { OnboardingService, type OnboardingOptions } from '../../services/onboarding/onboardingService';
import { BackgroundWorker } from '../../services/onboarding/worker';
import { AuditRepository } from '../../services/storage/auditRepository';
import { ConsentRepository } from '../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../services/storage/conversationReferenceRepository';
import { RequestRepository } from '../../services/storage/requestRepository';
import type { Actor, WorkflowPolicy } from '../../services/workflow/transition';

export const ALEX = 'a0000000-0000-4000-8000-000000000000';
export const MEGAN = 'a0000000-0000-4000-8000-000000000001';
export const ACCESS_GROUP = 'b0000000-0000-4000-8000-0000000000a1';
export const FALLBACK_GROUP = 'b0000000-0000-4000-8000-0000000000a2';
export const megan: Actor = { kind: 'user', aadObjectId: MEGAN, displayName: 'Megan Bowen', roles: [] };
export const alex: Actor = { kind: 'user', aadObjectId: ALEX, displayName: 'Alex Wilber', roles: [] };
export const form = { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email and Teams while visiting stores' };
export const policy: WorkflowPolicy = { itReviewMode: 'manual', enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 };

/** A gate a test opens when it chooses: code awaiting `passed()` waits until then. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, passed: () => opened };
}

/** Never settles: what a crashed process's pending work looks like from outside. */
export const never = () => new Promise<never>(() => undefined);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, polling; fails after `deadlineMs` (a generous bound, not a timing assertion). */
export async function eventually(check: () => Promise<boolean> | boolean, deadlineMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${deadlineMs} ms`);
    await sleep(50);
  }
}

/** Records what the bot would send to Teams. `beforeReturn` runs after a send is recorded (a test stalls or crashes there). */
export class RecordingMessenger implements Messenger {
  readonly hasItChannel = true;
  readonly sent: { to: string; text: string; activityId: string }[] = [];
  readonly updates: { activityId: string; text: string }[] = [];
  beforeReturn?: (sent: { to: string; text: string }) => Promise<void>;

  constructor(private readonly name: string) {}

  private text(a: Partial<Activity>) {
    return JSON.stringify(a.attachments?.[0]?.content ?? a.text ?? '');
  }
  private async record(to: string, a: Partial<Activity>, conversationId: string): Promise<Delivery> {
    const entry = { to, text: this.text(a), activityId: `${this.name}-act-${this.sent.length + 1}` };
    this.sent.push(entry);
    await this.beforeReturn?.(entry);
    return { conversationId, activityId: entry.activityId, serviceUrl: 'http://connector' };
  }
  sendToUser(aad: string, a: Partial<Activity>): Promise<Delivery> {
    return this.record(aad, a, `conv-${aad}`);
  }
  sendToItChannel(a: Partial<Activity>, _via?: unknown, thread?: string): Promise<Delivery> {
    return this.record(thread ? `it-thread:${thread}` : 'it', a, 'it-channel');
  }
  async update(target: { activityId: string }, a: Partial<Activity>) {
    this.updates.push({ activityId: target.activityId, text: this.text(a) });
  }
  to(who: string) {
    return this.sent.filter((s) => s.to === who);
  }
}

/** The Graph simulator on the demo tenant, for a describe block. */
export function useGraphSimulator() {
  let sim: Awaited<ReturnType<typeof startGraphSimulator>> | undefined;
  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../graphsim/tenants/demo.json')) });
  });
  after(async () => sim?.close());
  return {
    get url() {
      return sim!.url;
    },
    reset: () => sim!.controls.reset(),
  };
}

export interface InstanceOptions {
  name: string;
  leaseMs: number;
  messenger?: Messenger;
  requests?: RequestRepository;
  deliveries?: DeliveryLog;
  workerIntervalMs?: number;
  /** An instance of the version before the shared outbox: it keeps a request's effects in the request document. */
  documentOutbox?: boolean;
  /** The published notice versions this instance reads (absent: the versions shipped with this build). */
  noticeVersions?: OnboardingOptions['noticeVersions'];
  /** Draws request references (absent: the product's random draw). */
  newReference?: OnboardingOptions['newReference'];
  /** Requests whose effects run at once after a kick (absent: the product's default). */
  concurrentDrains?: number;
}

/** One bot instance's background machinery on a shared database (what bot/index.ts wires, minus the HTTP edge). */
export function onboardingInstance(db: Db, graphUrl: string, o: InstanceOptions) {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const graph = createGraphServices({ baseUrl: graphUrl, logger, retry: { maxDelayMs: 50 } });
  const requests = o.requests ?? new RequestRepository(db);
  const messenger = o.messenger ?? new RecordingMessenger(o.name);
  const jobs = new JobQueue(db, { owner: newInstanceId(o.name), leaseMs: o.leaseMs });
  const service = new OnboardingService(requests, new ConsentRepository(db), graph, { tenantId: 't', fallbackApproverGroupId: FALLBACK_GROUP, policy, noticeVersions: o.noticeVersions, newReference: o.newReference }, logger);
  const audit = new AuditRepository(db);
  const runner = new EffectRunner(
    requests,
    audit,
    new ConversationReferenceRepository(db),
    messenger,
    botCards,
    graph,
    service,
    jobs,
    o.deliveries ?? new DeliveryLog(db),
    { accessGroupId: ACCESS_GROUP, accessGrantTarget: 'user', concurrentDrains: o.concurrentDrains },
    logger,
  );
  const outbox = new Outbox(db, jobs, { maxAttempts: 6, baseDelayMs: 1_000 }, logger);
  if (!o.documentOutbox) {
    service.setOutbox(outbox);
    runner.useOutbox(outbox);
  }
  service.setDrain(runner);
  const interval = o.workerIntervalMs ?? 100;
  const worker = new BackgroundWorker(jobs, requests, runner, logger, { intervalMs: interval, idleMaxMs: interval * 5 });
  return {
    service,
    runner,
    worker,
    jobs,
    requests,
    messenger,
    outbox,
    audit,
    /** How many of the request's effects wait to be carried out (in the shared outbox or, from before it, the document). */
    pendingEffects: async (requestId: string) => (await outbox.pendingOf('request', requestId)).length + ((await requests.get(requestId))?.outbox.length ?? 0),
    /** Stops as a killed process would: nothing released, nothing more done. */
    crash() {
      runner.halt();
      void worker.stop();
    },
  };
}
