/**
 * A breach notice as the person lives it, end to end: IT Security (Lynne Robbins, through the same use case the
 * incident card calls) declares a breach from an incident naming Alex Wilber (the playground's current user) and
 * sends it; the running bot's background worker delivers the notice from the shared outbox into Alex's chat; Alex
 * presses Acknowledge in the real UI and the card says when, and the acknowledgement is recorded for him.
 */
import assert from 'node:assert/strict';
import { createLogger } from '../../bot/logger';
import { BreachRepository } from '../../services/breach/breachRepository';
import { BreachService } from '../../services/breach/breachService';
import { createGraphServices } from '../../services/graph/graphServices';
import { JobQueue } from '../../services/jobs/jobQueue';
import { newInstanceId } from '../../services/jobs/leases';
import { Outbox } from '../../services/outbox/outbox';
import { AggregateChain } from '../../services/storage/aggregateChain';
import { AuditRepository } from '../../services/storage/auditRepository';
import { stepByStep } from '../support/flowSteps';
import { startE2eStack, type E2eStack, type PlaygroundPage } from '../support/playground';
import { testClient } from '../support/testDb';

const ALEX = 'a0000000-0000-4000-8000-000000000000';
const LYNNE = { kind: 'user' as const, aadObjectId: 'a0000000-0000-4000-8000-000000000005', displayName: 'Lynne Robbins', roles: ['itSecurity' as const] };

describe('e2e breach notice: a person acknowledges it in Teams', function () {
  this.timeout(90000);
  stepByStep();
  let stack: E2eStack;
  let ui: PlaygroundPage;
  let breaches: BreachService;
  let breachId: string;

  before(async () => {
    stack = await startE2eStack({ name: 'breach-acknowledge', botEnv: { WORKER_INTERVAL_SECONDS: '1', WORKER_IDLE_MAX_SECONDS: '2' } });
    try {
      ui = await stack.openPage();
      await ui.waitForCard('Request device access', 20000);
      const db = (await testClient()).db(stack.dbName);
      const logger = createLogger('silent');
      const jobs = new JobQueue(db, { owner: newInstanceId('e2e'), leaseMs: 15_000 });
      const graph = createGraphServices({ baseUrl: stack.graph.url, logger });
      breaches = new BreachService(
        db,
        new BreachRepository(db),
        new AggregateChain(db, new AuditRepository(db)),
        new Outbox(db, jobs, { maxAttempts: 3, baseDelayMs: 1000 }, logger),
        jobs,
        graph.directory,
        {
          regulations: [{ id: 'HIPAA', name: 'HIPAA', notify: 'individuals', hours: 1440 }],
          policy: { itReminderHoursBefore: [24], personReminderEveryHours: 72, personReminderMax: 1, statusRefreshMinutes: 60 },
          sendPerSecond: 20,
        },
        logger,
      );
      await db.collection('incidents').insertOne({ _id: 'INC-E2E001' as never, state: 'contained', ownerAadObjectId: ALEX, deviceIds: [], openedAt: new Date().toISOString() });
    } catch (error) {
      await stack.stop();
      throw error;
    }
  });

  after(async () => {
    await stack?.stop();
  });

  it('when IT declares a breach affecting Alex and sends it, then the notice arrives in his chat with Acknowledge', async () => {
    const breach = await breaches.declare({
      incidentId: 'INC-E2E001',
      actor: LYNNE,
      regulations: ['HIPAA'],
      affected: { kind: 'people', people: ['alexw@contoso.example'] },
      text: 'Dear {{name}}, a work phone that held your data was lost (incident {{incident}}). Please acknowledge. Reference {{reference}}.',
    });
    breachId = breach._id;
    await breaches.send(breachId, LYNNE);
    const card = await ui.waitForCard(/security incident that may affect you/, 30000);
    assert.match(await card.innerText(), /Dear Alex Wilber, a work phone that held your data was lost/);
    await ui.screenshot('breach-notice');
  });

  it('when Alex presses Acknowledge, then the card says when and his acknowledgement is recorded', async () => {
    await ui.clickCardButton('Acknowledge', /security incident that may affect you/);
    await ui.waitForCard(/Acknowledged on/, 20000);
    await ui.screenshot('breach-acknowledged');
    const notice = await (await testClient()).db(stack.dbName).collection('breachNotices').findOne({ _id: `${breachId}:${ALEX}` as never });
    assert.equal(notice?.state, 'acknowledged');
    assert.ok(notice?.acknowledgedAt);
  });
});
