import assert from 'node:assert/strict';
import { ActionNotPermittedError, authorize, PRIVILEGED_ACTIONS, type PrivilegedAction } from '../../../services/governance/authorization';
import type { Actor, Role } from '../../../services/workflow/transition';

const person = (...roles: Role[]): Actor => ({ kind: 'user', aadObjectId: 'u-1', displayName: 'Someone', roles });

/** Every role (and none, and the system) against every privileged action: allowed or refused. */
const table: [string, Actor, Record<PrivilegedAction, boolean>][] = [
  ['an employee (no role)', person(), { verifyAudit: false, exportEvidence: false, readAccessLog: false, lookUpPerson: false, runRetention: false, exportConsents: false, attestAccessReview: false }],
  ['IT Security', person('itSecurity'), { verifyAudit: false, exportEvidence: false, readAccessLog: false, lookUpPerson: true, runRetention: false, exportConsents: false, attestAccessReview: false }],
  ['an auditor', person('auditor'), { verifyAudit: true, exportEvidence: true, readAccessLog: true, lookUpPerson: true, runRetention: false, exportConsents: true, attestAccessReview: false }],
  ['an administrator', person('admin'), { verifyAudit: true, exportEvidence: true, readAccessLog: true, lookUpPerson: true, runRetention: true, exportConsents: true, attestAccessReview: true }],
  ['IT Security who is also an auditor', person('itSecurity', 'auditor'), { verifyAudit: true, exportEvidence: true, readAccessLog: true, lookUpPerson: true, runRetention: false, exportConsents: true, attestAccessReview: false }],
  ['the system', { kind: 'system' }, { verifyAudit: false, exportEvidence: false, readAccessLog: false, lookUpPerson: false, runRetention: false, exportConsents: false, attestAccessReview: false }],
];

describe('authorization table', () => {
  it('when the table is read, then it covers every privileged action', () => {
    for (const [, , expected] of table) assert.deepEqual(Object.keys(expected).sort(), [...PRIVILEGED_ACTIONS].sort());
  });
  for (const [who, actor, expected] of table) {
    for (const action of PRIVILEGED_ACTIONS) {
      it(`when ${who} tries ${action}, then it is ${expected[action] ? 'allowed' : 'refused'}`, () => {
        if (expected[action]) assert.doesNotThrow(() => authorize(actor, action));
        else assert.throws(() => authorize(actor, action), (e: unknown) => e instanceof ActionNotPermittedError && e.action === action);
      });
    }
  }
});
