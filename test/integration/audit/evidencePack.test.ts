import assert from 'node:assert/strict';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Activity } from 'botbuilder';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { startGraphSimulator } from '../../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../../graphsim/tenantFixture';
import { consentTextFor } from '../../../services/content/consentText';
import { renderEvidenceHtml } from '../../../services/evidence/evidenceHtml';
import { EvidenceService } from '../../../services/evidence/evidencePack';
import { EVIDENCE_PACK_SCHEMA } from '../../../services/evidence/evidenceSchema';
import { AccessLog } from '../../../services/governance/accessLog';
import { ActionNotPermittedError } from '../../../services/governance/authorization';
import { createGraphServices } from '../../../services/graph/graphServices';
import type { Delivery, Messenger } from '../../../services/messaging/proactiveMessenger';
import { JobQueue } from '../../../services/jobs/jobQueue';
import { newInstanceId } from '../../../services/jobs/leases';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { EffectRunner } from '../../../services/onboarding/effectRunner';
import { OnboardingService } from '../../../services/onboarding/onboardingService';
import { AuditRepository, hashAuditEntry } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { COLLECTIONS, ensureIndexes } from '../../../services/storage/mongoConnection';
import { RequestRepository } from '../../../services/storage/requestRepository';
import type { AuditEntry, OnboardingRequest } from '../../../services/workflow/model';
import type { Actor } from '../../../services/workflow/transition';
import { useTestDb } from '../../support/testDb';

const ALEX = 'a0000000-0000-4000-8000-000000000000';
const MEGAN = 'a0000000-0000-4000-8000-000000000001';
const LYNNE = 'a0000000-0000-4000-8000-000000000005';
const DEBRA = 'a0000000-0000-4000-8000-000000000006';
const ACCESS_GROUP = 'b0000000-0000-4000-8000-0000000000a1';
const user = (aadObjectId: string, displayName: string, roles: ('itSecurity' | 'admin' | 'auditor')[] = []): Extract<Actor, { kind: 'user' }> => ({ kind: 'user', aadObjectId, displayName, roles });
const auditor = user(DEBRA, 'Debra Berger', ['auditor']);

class SilentMessenger implements Messenger {
  readonly hasItChannel = true;
  private n = 0;
  async sendToUser(aad: string, _a: Partial<Activity>): Promise<Delivery> {
    return { conversationId: `conv-${aad}`, activityId: `act-${++this.n}`, serviceUrl: 'http://connector' };
  }
  async sendToItChannel(): Promise<Delivery> {
    return { conversationId: 'it', activityId: `act-${++this.n}`, serviceUrl: 'http://connector' };
  }
  async update() {}
}

describe('evidence pack for a request and a person', function () {
  this.timeout(60_000);
  const t = useTestDb('evidence');
  let sim: Awaited<ReturnType<typeof startGraphSimulator>>;
  let granted: OnboardingRequest;
  const clock = new Date('2026-11-23T10:00:00.000Z');

  before(async () => {
    await ensureIndexes(t.db);
    sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(path.resolve(__dirname, '../../../graphsim/tenants/demo.json')) });
    const logger = createLogger('silent');
    const graph = createGraphServices({ baseUrl: sim.url, logger, retry: { maxDelayMs: 50 } });
    const requests = new RequestRepository(t.db);
    const policy = { itReviewMode: 'manual' as const, enrollmentDeadlineHours: 72, enrollmentReminderHours: 24, compliancePollFirstSeconds: 60, compliancePollMaxSeconds: 3600 };
    const service = new OnboardingService(requests, new ConsentRepository(t.db), graph, { tenantId: 't', policy }, logger, () => clock);
    const runner = new EffectRunner(requests, new AuditRepository(t.db), new ConversationReferenceRepository(t.db), new SilentMessenger(), botCards, graph, service, new JobQueue(t.db, { owner: newInstanceId('evidence-test'), leaseMs: 15_000 }, () => clock), new DeliveryLog(t.db, () => clock), { accessGroupId: ACCESS_GROUP, accessGrantTarget: 'user' }, logger, () => clock);
    service.setDrain(runner);
    // Approval, consent, a non-compliant device (no passcode), remediation, compliant, IT confirmation, access.
    let r = await service.submit({ aadObjectId: ALEX, displayName: 'Alex' }, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Store visits' });
    await runner.idle();
    r = await service.apply(r._id, { type: 'approve' }, user(MEGAN, 'Megan Bowen'), (await service.get(r._id)).version);
    await runner.idle();
    await service.answerConsent(r._id, user(ALEX, 'Alex Wilber'), { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await runner.idle();
    await service.apply(r._id, { type: 'enrollmentReported' }, user(ALEX, 'Alex Wilber'));
    await runner.idle();
    await service.apply(r._id, { type: 'recheckRequested' }, user(ALEX, 'Alex Wilber'));
    await runner.idle();
    await service.apply(r._id, { type: 'itConfirm' }, user(LYNNE, 'Lynne Robbins', ['itSecurity']), (await service.get(r._id)).version);
    await runner.idle();
    granted = await service.get(r._id);
    assert.equal(granted.state, 'granted');
  });
  after(() => sim.close());

  function evidence() {
    const graph = createGraphServices({ baseUrl: sim.url, logger: createLogger('silent'), retry: { maxDelayMs: 50 } });
    return new EvidenceService(t.db, new AuditRepository(t.db), new AccessLog(t.db, () => clock), { dataResidencyRegion: 'EU (West Europe)' }, graph.groups, () => clock);
  }

  it('when an auditor asks for a granted request, then one schema-valid pack holds decision, consent text, compliance report, access change and a verified trail, each mapped to controls', async () => {
    const pack = await evidence().forRequest(auditor, granted.reference, 'cli');
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(EVIDENCE_PACK_SCHEMA);
    assert.ok(validate(JSON.parse(JSON.stringify(pack))), JSON.stringify(validate.errors));
    const [r] = pack.requests;
    assert.equal(pack.dataResidency.region, 'EU (West Europe)');
    assert.deepEqual([r.decision?.outcome, r.decision?.approver.aadObjectId], ['approved', MEGAN]);
    assert.equal(r.consent?.text, consentTextFor('personal').text, 'the exact text the employee consented to');
    assert.equal(r.complianceReport?.complianceState, 'compliant');
    assert.equal(r.complianceReport?.atGrant, true);
    assert.deepEqual([r.accessChange?.groupId, r.accessChange?.graphMembership?.isMember], [ACCESS_GROUP, true]);
    assert.equal(r.itReview?.by.aadObjectId, LYNNE);
    assert.equal(r.audit.ok, true);
    assert.ok(r.audit.entries.length >= 8 && r.audit.entries.every((e) => e.verification === 'verified' && e.evidences.includes('HIPAA 45 CFR 164.312(b)')));
    assert.ok(r.audit.entries.filter((e) => e.event === 'complianceEvaluated').length >= 2, 'the non-compliant and the compliant evaluation are both there');
    assert.ok(r.decision?.controls.includes('SOC 2 CC6.3') && r.accessChange?.controls.includes('SOC 2 CC6.1'));

    const html = renderEvidenceHtml(pack);
    for (const s of [granted.reference, 'EU (West Europe)', 'SOC 2 CC6.3', 'HIPAA 45 CFR 164.312(b)', 'Megan Bowen', 'verified', consentTextFor('personal').sha256]) assert.ok(html.includes(s), s);
    assert.ok(!html.includes('<script'), 'no script in the summary');
  });

  it('when an auditor asks for a person, then the pack holds their requests and consent answers, and the read is in the access log', async () => {
    const pack = await evidence().forPerson(auditor, ALEX, 'cli');
    assert.equal(pack.requests.length, 1);
    assert.equal(pack.person?.consents.length, 1);
    const reads = await new AccessLog(t.db).listForSubject(ALEX);
    assert.ok(reads.some((e) => e.actor.aadObjectId === DEBRA && e.door === 'cli' && e.action === 'exportEvidence'));
    const again = await evidence().forRequest(auditor, granted._id, 'cli');
    assert.ok(again.requests[0].reads.some((e) => e.subject.id === ALEX), "the request's pack shows reads of its requester's records too");
    assert.ok(reads.every((e) => !JSON.stringify(e).includes('Debra')), 'the access log keeps ids, not names');
  });

  const refused: [string, Actor][] = [
    ['the employee', user(ALEX, 'Alex Wilber')],
    ['IT Security', user(LYNNE, 'Lynne Robbins', ['itSecurity'])],
    ['the system', { kind: 'system' }],
  ];
  for (const [who, actor] of refused) {
    it(`when ${who} asks for evidence, then it is refused and nothing is read`, async () => {
      await assert.rejects(evidence().forRequest(actor, granted._id, 'teams'), ActionNotPermittedError);
    });
  }

  it('when a request has a year of history, then its pack is produced (time logged)', async () => {
    const audit = t.db.collection<AuditEntry>(COLLECTIONS.audit);
    const id = 'req-year';
    const entries: AuditEntry[] = [];
    for (let seq = 1; seq <= 1500; seq++) {
      const e: Omit<AuditEntry, 'hash'> = {
        _id: `${id}:${seq}`, requestId: id, seq, at: new Date(Date.parse('2025-11-23T00:00:00Z') + seq * 5_760_000).toISOString(), actor: { kind: 'system' },
        event: 'complianceEvaluated', from: 'granted', to: 'granted', procedureStep: 5, controls: ['SOC 2 CC6.1'], details: { complianceState: 'compliant' }, prevHash: entries.at(-1)?.hash ?? '',
      };
      entries.push({ ...e, hash: hashAuditEntry(e) });
    }
    await audit.insertMany(entries);
    await t.db.collection(COLLECTIONS.requests).insertOne({ ...granted, _id: id, reference: 'DEV-YEAR01', openKey: `x:${id}`, auditHead: { seq: 1500, hash: entries.at(-1)!.hash } } as never);
    const started = process.hrtime.bigint();
    const pack = await evidence().forRequest(auditor, id, 'cli');
    renderEvidenceHtml(pack);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`      evidence pack for 1500 audit entries: ${ms.toFixed(0)} ms`);
    assert.equal(pack.requests[0].audit.ok, true);
  });
});
