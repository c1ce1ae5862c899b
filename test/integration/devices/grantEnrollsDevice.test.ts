import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { consentTextFor } from '../../../services/content/consentText';
import { deviceAuditStream } from '../../../services/devices/deviceService';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { ALEX, alex, form, megan, onboardingInstance, useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { deviceInstance, TestClock } from './deviceHarness';

describe('granting access starts watching the device', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('grant_enrolls');
  let db: Db;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await sim.reset();
  });

  it('when IT confirms a compliant device, then an enrolled device links the person, Intune device, request and consent, and is audited', async () => {
    const app = onboardingInstance(db, sim.url, { name: 'a', leaseMs: 5_000 });
    const devices = deviceInstance(db, sim.url, new TestClock(new Date()), { name: 'a-devices' });
    app.runner.setGrantListener((request, access) => devices.module.enrollFromGrant(request, access));
    const lynne = { kind: 'user' as const, aadObjectId: 'a0000000-0000-4000-8000-000000000005', displayName: 'Lynne Robbins', roles: ['itSecurity' as const] };

    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
    await app.runner.idle();
    r = await app.service.apply(r._id, { type: 'approve', comment: 'Fine' }, megan, (await app.service.get(r._id)).version);
    await app.runner.idle();
    r = await app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: consentTextFor('personal').sha256, cardActivityId: 'card-1' });
    await app.runner.idle();
    await app.service.apply(r._id, { type: 'enrollmentReported' }, alex);
    await app.runner.idle();
    await app.service.apply(r._id, { type: 'recheckRequested' }, alex);
    await app.runner.idle();
    r = await app.service.get(r._id);
    await app.service.apply(r._id, { type: 'itConfirm' }, lynne, r.version);
    await app.runner.idle();
    r = await app.service.get(r._id);
    assert.equal(r.state, 'granted');

    const device = await devices.module.service.get(r.managedDeviceId!);
    assert.ok(device, 'the device is watched');
    assert.equal(device.state, 'compliant');
    assert.equal(device.person.aadObjectId, ALEX);
    assert.equal(device.requestId, r._id);
    assert.equal(device.consentId, r.consent?.consentId);
    assert.deepEqual(device.access, { groupId: 'b0000000-0000-4000-8000-0000000000a1', memberId: ALEX });
    const trail = await new AuditRepository(db).listForRequest(deviceAuditStream(device._id));
    assert.deepEqual(trail.map((e) => e.event), ['enrolled']);
    assert.equal(trail[0].details.requestId, r._id);
    const grant = (await new AuditRepository(db).listForRequest(r._id)).find((e) => e.event === 'accessApplied');
    assert.match(String(grant?.details.graphRequestId), /^[0-9a-f-]{36}$/, "the grant's audit entry names Graph's request-id");
    assert.match(String(grant?.details.clientRequestId), /^[0-9a-f-]{36}$/);
  });
});
