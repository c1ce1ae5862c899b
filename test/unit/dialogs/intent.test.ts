import assert from 'node:assert/strict';
import { classifyIntent, type Intent } from '../../../dialogs/intent';

describe('classifyIntent: handing approvals to someone else', () => {
  const table: [string, Intent][] = [
    ['reassign DEV-7K3Q2M to dana@contoso.com because I am on leave', { kind: 'reassign', reference: 'DEV-7K3Q2M', to: 'dana@contoso.com', reason: 'I am on leave' }],
    ['reassign dev-7k3q2m to dana@contoso.com: covers Retail', { kind: 'reassign', reference: 'DEV-7K3Q2M', to: 'dana@contoso.com', reason: 'covers Retail' }],
    ['<at>Device Bot</at> reassign DEV-7K3Q2M to dana@contoso.com', { kind: 'reassign', reference: 'DEV-7K3Q2M', to: 'dana@contoso.com', reason: '' }],
    ['delegate approvals to dana@contoso.com until 2026-12-24', { kind: 'delegate', to: 'dana@contoso.com', until: '2026-12-24' }],
    ['Delegate my approvals to dana@contoso.com until 2026-12-24.', { kind: 'delegate', to: 'dana@contoso.com', until: '2026-12-24' }],
    ['delegate approvals to Dana until Friday', { kind: 'unknown' }],
    ['stop delegating', { kind: 'endDelegation' }],
    ['end my delegation', { kind: 'endDelegation' }],
    ['cancel', { kind: 'cancel' }],
  ];
  for (const [text, expected] of table) {
    it(`when someone types "${text}", then it reads as ${expected.kind}`, () => assert.deepEqual(classifyIntent(text), expected));
  }
});
