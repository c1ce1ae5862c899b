import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { NOT_YOURS_TEXT } from '../../../cards/notYoursCard';
import { FIXTURE_REQUESTS } from '../../../cards/fixtures';
import { Verb } from '../../../cards/verbs';
import { consentTextFor } from '../../../services/content/consentText';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import type { OnboardingRequest } from '../../../services/workflow/model';
import { dropTestDb, testDb } from '../../support/testDb';
import { buildBot, invoke, people, shown, startDemoGraph, submit, type Person } from './botHarness';

/** Words only the request's own people may see. */
const SECRETS = { model: 'Pixel Quietmodel 9', justification: 'Quietly covering the night rota' };

type Fixture = keyof typeof FIXTURE_REQUESTS;
type Role = 'requester' | 'approver' | 'itSecurity' | 'outsider';
const ROLE_PEOPLE: Record<Role, Person> = { requester: people.alex, approver: people.megan, itSecurity: people.lynne, outsider: people.adele };

/** Every card view and refresh, on a request in the state that card is shown in. */
const VIEWS: [string, Fixture, (r: OnboardingRequest) => Record<string, unknown>][] = [
  [Verb.ApprovalRefresh, 'pendingApproval', (r) => ({ requestId: r._id })],
  [Verb.ApprovalRefresh, 'awaitingConsent', (r) => ({ requestId: r._id })],
  [Verb.ApprovalApprove, 'pendingApproval', (r) => ({ requestId: r._id, version: r.version })],
  [Verb.ApprovalDeny, 'pendingApproval', (r) => ({ requestId: r._id, version: r.version, reason: 'No' })],
  [Verb.ApprovalApprove, 'pendingApproval', (r) => ({ requestId: r._id, version: r.version + 5 })],
  [Verb.ConsentAccept, 'awaitingConsent', (r) => ({ requestId: r._id, version: r.version, textHash: consentTextFor('personal').sha256 })],
  [Verb.ConsentDecline, 'awaitingConsent', (r) => ({ requestId: r._id, version: r.version, textHash: 'stale' })],
  [Verb.EnrollmentDone, 'awaitingEnrollment', (r) => ({ requestId: r._id, version: r.version })],
  [Verb.ComplianceRecheck, 'nonCompliant', (r) => ({ requestId: r._id, version: r.version })],
  [Verb.ItRefresh, 'pendingItReview', (r) => ({ requestId: r._id })],
  [Verb.ItRefresh, 'nonCompliant', (r) => ({ requestId: r._id })],
  [Verb.ItConfirm, 'pendingItReview', (r) => ({ requestId: r._id, version: r.version })],
  [Verb.ItDeny, 'pendingItReview', (r) => ({ requestId: r._id, version: r.version })],
  [Verb.RequestCancel, 'pendingApproval', (r) => ({ requestId: r._id })],
  [Verb.RequestStatus, 'pendingApproval', (r) => ({ requestId: r._id })],
];

describe('who sees a request: every card view and refresh × every role × Action.Execute and Action.Submit', function () {
  this.timeout(120_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;
  let bot: ReturnType<typeof buildBot>;

  before(async () => {
    sim = await startDemoGraph();
    db = await testDb('authz');
    await ensureIndexes(db);
    bot = buildBot(db, sim.url, { enrollmentCheckWaitMs: 200 });
  });
  after(async () => {
    await dropTestDb(db);
    await sim.close();
  });

  /** A fresh request of Alex's, approved by Megan, in the fixture's state. */
  async function requestIn(fixture: Fixture): Promise<OnboardingRequest> {
    const f = FIXTURE_REQUESTS[fixture];
    const id = randomUUID();
    return bot.requests.insert({
      ...f,
      _id: id,
      reference: `DEV-${id.slice(0, 6).toUpperCase()}`,
      requester: { aadObjectId: people.alex.aadObjectId, displayName: people.alex.name },
      approvers: [{ aadObjectId: people.megan.aadObjectId, displayName: people.megan.name }],
      device: { ...f.device, ownership: 'personal', model: SECRETS.model, justification: SECRETS.justification },
      openKey: `${people.alex.aadObjectId}:${id}`,
      outbox: [],
      cards: [],
    });
  }

  for (const [verb, fixture, data] of VIEWS) {
    for (const role of Object.keys(ROLE_PEOPLE) as Role[]) {
      for (const [mode, activity] of [
        ['Action.Execute', invoke],
        ['Action.Submit', submit],
      ] as const) {
        const expectation = role === 'outsider' ? (verb === Verb.RequestStatus ? 'nothing of the request' : '"not yours" and nothing else') : 'the request';
        it(`when the ${role} sends ${verb} on a ${fixture} request by ${mode}, then they see ${expectation}`, async () => {
          const request = await requestIn(fixture);
          const replies = await bot.turn(activity(ROLE_PEOPLE[role], verb, data(request)));
          const all = shown(replies);
          assert.ok(replies.length > 0, 'the turn was answered');
          if (role === 'outsider') {
            for (const secret of [request.reference, people.alex.name, SECRETS.model, SECRETS.justification, request._id]) {
              assert.ok(!all.includes(secret), `an outsider was shown ${JSON.stringify(secret)}: ${all.slice(0, 300)}`);
            }
            if (verb !== Verb.RequestStatus) assert.ok(all.includes(NOT_YOURS_TEXT.title), all.slice(0, 300));
            const after = await bot.service.get(request._id);
            assert.equal(after.state, request.state, 'nothing changed');
          } else {
            assert.ok(!all.includes(NOT_YOURS_TEXT.title), `the ${role} was told the request is not theirs`);
          }
        });
      }
    }
  }
});
