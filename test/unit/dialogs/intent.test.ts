import assert from 'node:assert/strict';
import { classifyIntent, type Intent } from '../../../dialogs/intent';

describe('classifyIntent: handing approvals to someone else', () => {
  const table: [string, Intent][] = [
    ['reassign DEV-7K3Q2M to dana@contoso.com because I am on leave', { kind: 'reassign', reference: 'DEV-7K3Q2M', to: 'dana@contoso.com', reason: 'I am on leave' }],
    ['reassign dev-7k3q2m to dana@contoso.com: covers Retail', { kind: 'reassign', reference: 'DEV-7K3Q2M', to: 'dana@contoso.com', reason: 'covers Retail' }],
    ['<at>Device Bot</at> reassign DEV-7K3Q2M to dana@contoso.com', { kind: 'reassign', reference: 'DEV-7K3Q2M', to: 'dana@contoso.com', reason: '' }],
    ['delegate approvals to dana@contoso.com until 2026-12-24', { kind: 'delegate', to: 'dana@contoso.com', when: 'until 2026-12-24' }],
    ['Delegate my approvals to dana@contoso.com until 2026-12-24.', { kind: 'delegate', to: 'dana@contoso.com', when: 'until 2026-12-24.' }],
    ['delegate approvals to Dana until Friday', { kind: 'delegate', to: 'Dana', when: 'until Friday' }],
    ['delegate approvals to Dana Lee for 2 weeks', { kind: 'delegate', to: 'Dana Lee', when: 'for 2 weeks' }],
    ['delegate approvals to dana@contoso.com from Monday to Friday', { kind: 'delegate', to: 'dana@contoso.com', when: 'from Monday to Friday' }],
    ['delegate approvals', { kind: 'delegateCard' }],
    ['Delegate my approvals', { kind: 'delegateCard' }],
    ['my delegation', { kind: 'myDelegation' }],
    ['who decides for me?', { kind: 'myDelegation' }],
    ['end delegation', { kind: 'endDelegation' }],
    ['stop delegating', { kind: 'endDelegation' }],
    ['end my delegation', { kind: 'endDelegation' }],
    ['cancel', { kind: 'cancel' }],
  ];
  for (const [text, expected] of table) {
    it(`when someone types "${text}", then it reads as ${expected.kind}`, () => assert.deepEqual(classifyIntent(text), expected));
  }
});

describe("classifyIntent: the operators' notice and export commands", () => {
  const table: [string, Intent][] = [
    [
      'publish notice personal 2027-01-01 material deadline 2027-02-01: Retention is now three years.',
      { kind: 'publishNotice', ownership: 'personal', version: '2027-01-01', material: true, deadline: '2027-02-01', summary: 'Retention is now three years.' },
    ],
    ['Publish the notice Company v2 minor - Wording clarified', { kind: 'publishNotice', ownership: 'company', version: 'v2', material: false, summary: 'Wording clarified' }],
    ['publish notice personal 2027-01-01: no weight given', { kind: 'unknown' }],
    ['export consents', { kind: 'exportConsents', format: 'csv' }],
    [
      'export consents for alex@contoso.com from 2026-11-01 to 2026-12-01 version 2026-11-01 as json',
      { kind: 'exportConsents', person: 'alex@contoso.com', from: '2026-11-01', to: '2026-12-01', version: '2026-11-01', format: 'json' },
    ],
  ];
  for (const [text, expected] of table) {
    it(`when someone types "${text}", then it reads as ${expected.kind}`, () => assert.deepEqual(classifyIntent(text), expected));
  }
});

/** What people type about consent and their data, and what the bot must understand. */
const CASES: [string, Intent['kind']][] = [
  ['show my consents', 'myConsents'],
  ['My consent', 'myConsents'],
  ['what did I consent to?', 'myConsents'],
  ['consent history', 'myConsents'],
  ['what data do you have about me', 'myData'],
  ['my data', 'myData'],
  ['download my personal data', 'myData'],
  ['what information do you hold about me?', 'myData'],
  ['what can IT see on my phone?', 'transparency'],
  ['What can my company see', 'transparency'],
  ['what does my employer know about my iPhone', 'transparency'],
  ['withdraw my consent', 'withdrawConsent'],
  ['I want to revoke consent for my phone', 'withdrawConsent'],
  ['consent withdrawal please: withdraw', 'withdrawConsent'],
  ['withdraw', 'withdrawUnclear'],
  ['withdraw it', 'withdrawUnclear'],
  ['withdraw my request', 'cancel'],
  ['cancel', 'cancel'],
  ['privacy', 'privacy'],
  ['what can you see', 'privacy'],
  ['I want to use my phone for work', 'request'],
];

describe('intent', () => {
  for (const [text, kind] of CASES) {
    it(`when someone types "${text}", then it is understood as ${kind}`, () => assert.equal(classifyIntent(text).kind, kind));
  }
});

describe('classifyIntent: a lost or stolen device', () => {
  const table: [string, Intent][] = [
    ['I lost my phone', { kind: 'lostDevice', cause: 'lost' }],
    ['i think I have lost my iPhone', { kind: 'lostDevice', cause: 'lost' }],
    ["I can't find my phone anywhere", { kind: 'lostDevice', cause: 'lost' }],
    ['My phone was stolen', { kind: 'lostDevice', cause: 'stolen' }],
    ['someone stole my laptop', { kind: 'lostDevice', cause: 'stolen' }],
    ['<at>Device Bot</at> my tablet got stolen yesterday', { kind: 'lostDevice', cause: 'stolen' }],
    ['report a lost device', { kind: 'lostDevice', cause: 'lost' }],
    ['I want to use my phone for work', { kind: 'request' }],
    ['incident for adele@contoso.com: phone left in a taxi', { kind: 'openIncident', who: 'adele@contoso.com', summary: 'phone left in a taxi' }],
    ['open incident for adele@contoso.com because suspicious sign-ins', { kind: 'openIncident', who: 'adele@contoso.com', summary: 'suspicious sign-ins' }],
  ];
  for (const [text, expected] of table) {
    it(`when someone types "${text}", then it reads as ${expected.kind}`, () => assert.deepEqual(classifyIntent(text), expected));
  }
});

describe('classifyIntent: auditors and administrators', () => {
  const table: [string, Intent][] = [
    ['verify audit', { kind: 'verifyAudit' }],
    ['Verify the audit trail', { kind: 'verifyAudit' }],
    ['verify audit DEV-7K3Q2M', { kind: 'verifyAudit', reference: 'DEV-7K3Q2M' }],
    ['<at>Device Bot</at> verify audit for DEV-7K3Q2M', { kind: 'verifyAudit', reference: 'DEV-7K3Q2M' }],
    ['evidence for DEV-7K3Q2M', { kind: 'evidence', target: 'DEV-7K3Q2M' }],
    ['Evidence pack for alexw@contoso.com', { kind: 'evidence', target: 'alexw@contoso.com' }],
    ['evidence for', { kind: 'unknown' }],
    ['access log', { kind: 'accessLog' }],
    ['show the access log', { kind: 'accessLog' }],
    ['access log for alexw@contoso.com', { kind: 'accessLog', about: 'alexw@contoso.com' }],
    ['I need access to the log server on my phone', { kind: 'request' }],
  ];
  for (const [text, expected] of table) {
    it(`when someone types "${text}", then it reads as ${expected.kind}`, () => assert.deepEqual(classifyIntent(text), expected));
  }
});
