import path from 'node:path';
import type { Db } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { createDeviceModule, type DeviceModuleOptions } from '../../../services/devices/deviceModule';
import { createGraphServices } from '../../../services/graph/graphServices';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import type { Messenger } from '../../../services/messaging/proactiveMessenger';
import type { ComplianceSweepSource } from '../../../services/graph/intuneSweep';
import type { OpenRequests } from '../../../services/devices/peopleCheck';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { RecordingMessenger } from '../../support/onboardingInstance';

export const MEGAN = 'a0000000-0000-4000-8000-000000000001';
export const MEGAN_IPHONE = 'd0000000-0000-4000-8000-000000000001';
export const ACCESS_GROUP = 'b0000000-0000-4000-8000-0000000000a1';
export const HOUR = 3600 * 1000;

/** A clock tests move forward; the simulator and every instance read it. */
export class TestClock {
  constructor(public at = new Date('2026-03-02T09:00:00Z')) {}
  now = () => new Date(this.at);
  advance(ms: number) {
    this.at = new Date(this.at.getTime() + ms);
  }
}

/** The Graph simulator on the demo tenant on the test clock, for a describe block. */
export function useClockedSimulator(clock: TestClock) {
  let sim: Awaited<ReturnType<typeof startGraphSimulator>> | undefined;
  before(async () => {
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')), now: clock.now });
  });
  after(async () => sim?.close());
  return {
    get url() {
      return sim!.url;
    },
    get controls() {
      return sim!.controls;
    },
  };
}

export const OPTIONS: DeviceModuleOptions = {
  policy: { graceHours: 96, reminderHoursBefore: [72, 24] },
  sweepIntervalMs: 6 * HOUR,
  digestIntervalMs: 24 * HOUR,
  digestNearingMs: 48 * HOUR,
  outbox: { maxAttempts: 3, baseDelayMs: 10 },
};

/** One bot instance's continuous-compliance machinery on a shared database. */
export function deviceInstance(
  db: Db,
  graphUrl: string,
  clock: TestClock,
  o: { name: string; leaseMs?: number; messenger?: Messenger; options?: Partial<DeviceModuleOptions>; source?: (graphSource: ComplianceSweepSource) => ComplianceSweepSource; openRequests?: OpenRequests },
) {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const created = createGraphServices({ baseUrl: graphUrl, logger, retry: { maxDelayMs: 50 } });
  const graph = o.source ? { ...created, complianceSweep: o.source(created.complianceSweep!) } : created;
  const jobs = new JobQueue(db, { owner: o.name, leaseMs: o.leaseMs ?? 5_000 }, clock.now);
  const messenger = o.messenger ?? new RecordingMessenger(o.name);
  const module = createDeviceModule({
    db,
    jobs,
    audit: new AuditRepository(db),
    messenger,
    deliveries: new DeliveryLog(db, clock.now),
    refs: new ConversationReferenceRepository(db),
    graph,
    options: { ...OPTIONS, ...o.options },
    openRequests: o.openRequests,
    logger,
    clock: clock.now,
  });
  /** Runs every job due now on this instance (as the background worker's round does). */
  async function runDue(max = 100): Promise<number> {
    let n = 0;
    for (; n < max; n++) {
      const claim = await jobs.claimDue();
      if (!claim) break;
      await module.handlers[claim.job.kind]!(claim.lease, claim.job.subject);
    }
    return n;
  }
  return { jobs, module, messenger, runDue, graph };
}
