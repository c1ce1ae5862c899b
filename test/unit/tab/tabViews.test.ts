import assert from 'node:assert/strict';
import { auditView, maySee, pagesFor, requestView } from '../../../bot/tabViews';
import { consentTextFor, dataCollectionFor } from '../../../services/content/consentText';
import type { AuditEntry, OnboardingRequest } from '../../../services/workflow/model';
import { createRequest, type Actor, type Role } from '../../../services/workflow/transition';

const NOW = '2026-11-30T09:00:00.000Z';
const alex = { aadObjectId: 'a0000000-0000-4000-8000-000000000000', displayName: 'Alex Wilber' };
const megan = { aadObjectId: 'a0000000-0000-4000-8000-000000000001', displayName: 'Megan Bowen' };
const user = (p: typeof alex, roles: Role[] = []): Actor => ({ kind: 'user', ...p, roles });
const someone = { aadObjectId: 'a0000000-0000-4000-8000-000000000009', displayName: 'Someone' };

function request(patch: Partial<OnboardingRequest> = {}): OnboardingRequest {
  const { next } = createRequest(
    {
      id: 'r1',
      reference: 'DEV-ABCDE',
      tenantId: 't',
      requester: alex,
      device: { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email' },
      approvers: [megan],
      approverSource: 'manager',
    },
    NOW,
  );
  return { ...next, version: 1, ...patch };
}

function entry(seq: number, prevHash: string): AuditEntry {
  return { _id: `r1:${seq}`, requestId: 'r1', seq, at: NOW, actor: { kind: 'user', displayName: 'Alex Wilber' }, event: 'submit', from: null, to: 'pendingApproval', procedureStep: 1, controls: [], details: {}, prevHash, hash: `h${seq}` };
}

describe('tab view models', () => {
  it('pages follow roles: everyone has their own requests and approvals; IT Security and auditors get theirs', () => {
    const table: [Role[], string[]][] = [
      [[], ['employee', 'manager']],
      [['itSecurity'], ['employee', 'manager', 'it', 'auditor']],
      [['auditor'], ['employee', 'manager', 'auditor']],
      [['admin'], ['employee', 'manager', 'auditor']],
    ];
    for (const [roles, pages] of table) assert.deepEqual(pagesFor(roles), pages, roles.join(','));
  });

  it('when the approver views a pending request, then it may be decided; the requester and others may not decide it', () => {
    const r = request();
    assert.equal(requestView(r, user(megan)).canDecide, true);
    assert.equal(requestView(r, user(alex)).canDecide, false);
    assert.equal(requestView(r, user(someone, ['itSecurity'])).canDecide, false);
    assert.equal(requestView({ ...r, state: 'awaitingConsent' }, user(megan)).canDecide, false);
  });

  it('shows the same words as the cards: state label, next step, device', () => {
    const v = requestView(request(), user(alex));
    assert.equal(v.stateLabel, 'Waiting for approval');
    assert.match(v.nextStep, /Your manager has been asked to approve/);
    assert.deepEqual(v.device, { platform: 'iOS / iPadOS', ownership: 'Personal', model: 'iPhone 15', justification: 'Email' });
  });

  it('when the device fails a setting, then the view lists it with its fix steps', () => {
    const v = requestView(
      request({
        state: 'nonCompliant',
        compliance: {
          deviceId: 'd',
          deviceName: "Alex's iPhone",
          operatingSystem: 'iOS',
          osVersion: '17.0',
          complianceState: 'noncompliant',
          evaluatedAt: NOW,
          policies: [],
          settings: [
            { policy: 'p', setting: 'IosCompliancePolicy.passcodeRequired', check: 'passcode', label: 'Passcode', state: 'nonCompliant' },
            { policy: 'p', setting: 'IosCompliancePolicy.storageRequireEncryption', check: 'encryption', label: 'Encryption', state: 'compliant' },
          ],
        },
      }),
      user(alex),
    );
    assert.equal(v.compliance?.failing.length, 1);
    assert.equal(v.compliance?.failing[0].label, 'Passcode');
    assert.ok(v.compliance?.failing[0].steps.length);
  });

  it('shows what IT can and cannot see for the ownership, and the consent with its exact text when the fingerprint matches', () => {
    const text = consentTextFor('personal');
    const v = requestView(request({ consent: { outcome: 'consented', consentId: 'c', textVersion: text.version, textHash: text.sha256, at: NOW } }), user(alex));
    assert.deepEqual(v.privacy.neverSees, [...dataCollectionFor('personal').neverSees]);
    assert.equal(v.consent?.text, text.text);
    const older = requestView(request({ consent: { outcome: 'consented', consentId: 'c', textVersion: '2025-01-01', textHash: 'ab'.repeat(32), at: NOW } }), user(alex));
    assert.equal(older.consent?.text, undefined, 'a text the app does not have for that fingerprint is not shown as if it were');
    assert.equal(older.consent?.version, '2025-01-01');
  });

  it('who may see a request: its requester, its approver, IT Security and auditors; nobody else', () => {
    const r = request();
    const table: [Actor, boolean][] = [
      [user(alex), true],
      [user(megan), true],
      [user(someone, ['itSecurity']), true],
      [user(someone, ['auditor']), true],
      [user(someone), false],
      [{ kind: 'system' }, false],
    ];
    for (const [actor, expected] of table) assert.equal(maySee(r, actor), expected, JSON.stringify(actor));
  });

  describe('audit chain status', () => {
    const head = (seq: number, hash: string) => ({ auditHead: { seq, hash } });
    const table: [string, Partial<OnboardingRequest>, AuditEntry[], number | null, string, number | null][] = [
      ['every record stored and the head matches', head(2, 'h2'), [entry(1, ''), entry(2, 'h1')], null, 'intact', null],
      ['the newest record still in the outbox', { ...head(2, 'h2'), outbox: [{ id: 'e', createdAt: NOW, effect: { type: 'recordAudit', entry: entry(2, 'h1') } }] }, [entry(1, '')], null, 'pending', null],
      ['the tail removed', head(2, 'h2'), [entry(1, '')], null, 'broken', 2],
      ['a record altered', head(2, 'h2'), [entry(1, ''), entry(2, 'h1')], 2, 'broken', 2],
      ['the last record replaced', head(2, 'other'), [entry(1, ''), entry(2, 'h1')], null, 'broken', 2],
    ];
    for (const [name, patch, entries, verified, status, firstBroken] of table) {
      it(`when ${name}, then the chain is ${status}`, () => {
        const v = auditView(request(patch), entries, verified, user(someone, ['auditor']));
        assert.equal(v.chain.status, status);
        assert.equal(v.chain.firstBrokenSeq, firstBroken);
        assert.equal(v.entries.length, entries.length);
      });
    }
  });
});
