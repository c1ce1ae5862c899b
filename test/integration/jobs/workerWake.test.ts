import assert from 'node:assert/strict';
import { createLogger } from '../../../bot/logger';
import { JobQueue } from '../../../services/jobs/jobQueue';
import type { EffectRunner } from '../../../services/onboarding/effectRunner';
import { BackgroundWorker, type WakeReason } from '../../../services/onboarding/worker';
import type { RequestRepository } from '../../../services/storage/requestRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { useTestDb } from '../../support/testDb';

/** An idle pause far longer than any test: a job handled while the worker "sleeps" proves something woke it. */
const IDLE_MAX_MS = 3_600_000;

describe('a sleeping background worker and a job announced sooner than it would wake', function () {
  this.timeout(30_000);
  const store = useTestDb('worker_wake');
  let worker: BackgroundWorker | undefined;

  afterEach(async () => worker?.stop());

  function build(clock: () => Date) {
    const db = store.db;
    const jobs = new JobQueue(db, { owner: 'wake-test', leaseMs: 5_000 }, clock);
    const requests = { listWithPendingWork: async () => [] } as unknown as RequestRepository;
    const runner = { idle: async () => undefined, runClaimed: async () => undefined } as unknown as EffectRunner;
    const events: string[] = [];
    let handled: (subject: string) => void = () => undefined;
    const ran = new Promise<string>((resolve) => (handled = resolve));
    worker = new BackgroundWorker(jobs, requests, runner, createLogger('silent'), { intervalMs: 1_000, idleMaxMs: IDLE_MAX_MS }, clock).on(
      'approvalTimer',
      async (subject, lease) => {
        events.push(`ran:${subject}`);
        await jobs.finish(lease, await jobs.revision(lease), null);
        handled(subject);
      },
    );
    worker.onWake((reason: WakeReason) => events.push(`wake:${reason}`));
    return { db, jobs, events, ran };
  }

  it('when a reminder is announced due in a second while the worker sleeps for an hour, then the worker wakes for it and runs it', async () => {
    let now = new Date('2026-12-01T09:00:00.000Z');
    const app = build(() => now);
    await ensureIndexes(app.db);
    await app.jobs.ensureIndexes();
    await worker!.start();
    // The first round finds nothing and the worker goes to sleep for its idle pause.
    while (!app.events.includes('wake:timer')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    await app.jobs.announce('approvalTimer', 'request-1', new Date(now.getTime() + 1_000));
    now = new Date(now.getTime() + 1_000);
    assert.equal(await app.ran, 'request-1');
    assert.deepEqual(app.events, ['wake:timer', 'wake:announce', 'ran:request-1'], 'woken by the announcement, not by its idle pause');
  });

  it('when a job is announced due after the worker would wake anyway, then its sleep is left alone', async () => {
    const now = new Date('2026-12-01T09:00:00.000Z');
    const app = build(() => now);
    await worker!.start();
    while (!app.events.includes('wake:timer')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    await app.jobs.announce('approvalTimer', 'request-2', new Date(now.getTime() + 2 * IDLE_MAX_MS));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(app.events, ['wake:timer']);
  });
});
