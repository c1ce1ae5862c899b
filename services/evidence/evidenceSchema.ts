/** JSON Schema (draft 2020-12) of an evidence pack, so an auditor's tooling can validate what it receives. */
const person = { type: 'object', required: ['aadObjectId', 'displayName'], properties: { aadObjectId: { type: 'string' }, displayName: { type: 'string' } } };
const controls = { type: 'array', minItems: 1, items: { enum: ['SOC 2 CC6.1', 'SOC 2 CC6.2', 'SOC 2 CC6.3', 'HIPAA 45 CFR 164.312(a)(1)', 'HIPAA 45 CFR 164.312(b)'] } };
const isoTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T' };
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const finding = {
  type: 'object',
  required: ['seq', 'problem', 'detail'],
  properties: { seq: { type: 'integer' }, problem: { enum: ['altered', 'inserted', 'reordered', 'removed', 'beyondHead', 'headMismatch', 'noHead'] }, detail: { type: 'string' } },
};
const nullable = (schema: object) => ({ anyOf: [{ type: 'null' }, schema] });

export const EVIDENCE_PACK_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:device-onboarding-bot:evidence-pack:1',
  title: 'Device onboarding evidence pack',
  type: 'object',
  required: ['schemaVersion', 'generatedAt', 'generatedBy', 'scope', 'dataResidency', 'controls', 'integrity', 'person', 'requests', 'accessReviews'],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: '1' },
    generatedAt: isoTime,
    generatedBy: {
      type: 'object',
      required: ['aadObjectId', 'roles', 'door'],
      properties: { aadObjectId: { type: 'string' }, roles: { type: 'array', minItems: 1, items: { enum: ['itSecurity', 'admin', 'auditor'] } }, door: { enum: ['teams', 'cli', 'tab'] } },
    },
    scope: { type: 'object', required: ['kind', 'id'], properties: { kind: { enum: ['request', 'person'] }, id: { type: 'string' } } },
    dataResidency: { type: 'object', required: ['region'], properties: { region: { type: ['string', 'null'] } } },
    controls: { type: 'object', minProperties: 4, additionalProperties: { type: 'string' } },
    integrity: {
      type: 'object',
      required: ['ok', 'chains', 'problems'],
      properties: {
        ok: { type: 'boolean' },
        chains: { type: 'integer', minimum: 0 },
        problems: { type: 'array', items: { type: 'object', required: ['chain', 'finding'], properties: { chain: { type: 'string' }, finding } } },
      },
    },
    person: nullable({
      type: 'object',
      required: ['aadObjectId', 'consents'],
      properties: {
        aadObjectId: { type: 'string' },
        consents: { type: 'array', items: { type: 'object', required: ['id', 'requestId', 'outcome', 'textVersion', 'textHash', 'at'], properties: { textHash: sha256, at: isoTime } } },
      },
    }),
    requests: {
      type: 'array',
      items: {
        type: 'object',
        required: ['request', 'decision', 'consent', 'itReview', 'complianceReport', 'accessChange', 'afterGrant', 'audit', 'reads'],
        additionalProperties: false,
        properties: {
          request: {
            type: 'object',
            required: ['id', 'reference', 'state', 'requester', 'device', 'approverSource', 'createdAt', 'closedAt'],
            properties: { requester: person, createdAt: isoTime, closedAt: nullable(isoTime) },
          },
          decision: nullable({
            type: 'object',
            required: ['outcome', 'approver', 'at', 'auditSeq', 'controls'],
            properties: { outcome: { enum: ['approved', 'denied'] }, approver: person, at: isoTime, auditSeq: { type: ['integer', 'null'] }, controls },
          }),
          consent: nullable({
            type: 'object',
            required: ['record', 'text', 'textMatchesHash', 'controls'],
            properties: {
              record: { type: 'object', required: ['id', 'outcome', 'textVersion', 'textHash', 'at'], properties: { outcome: { enum: ['consented', 'declined'] }, textHash: sha256, at: isoTime } },
              text: { type: ['string', 'null'] },
              textMatchesHash: { type: 'boolean' },
              controls,
            },
          }),
          itReview: nullable({ type: 'object', required: ['outcome', 'by', 'at', 'controls'], properties: { by: person, controls } }),
          complianceReport: nullable({
            type: 'object',
            required: ['deviceId', 'complianceState', 'evaluatedAt', 'settings', 'atGrant', 'controls'],
            properties: { settings: { type: 'array', items: { type: 'object', required: ['setting', 'state'] } }, atGrant: { type: 'boolean' }, controls },
          }),
          accessChange: nullable({
            type: 'object',
            required: ['groupId', 'memberId', 'grantedAt', 'auditSeq', 'graphMembership', 'controls'],
            properties: {
              graphMembership: nullable({ type: 'object', required: ['checkedAt', 'isMember'], properties: { checkedAt: isoTime, isMember: { type: ['boolean', 'null'] } } }),
              controls,
            },
          }),
          afterGrant: { type: 'array', items: { type: 'integer' } },
          audit: {
            type: 'object',
            required: ['ok', 'stored', 'pending', 'head', 'firstBad', 'entries', 'controls'],
            properties: {
              ok: { type: 'boolean' },
              head: nullable({ type: 'object', required: ['seq', 'hash'] }),
              firstBad: nullable(finding),
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['_id', 'requestId', 'seq', 'at', 'actor', 'event', 'to', 'procedureStep', 'controls', 'prevHash', 'hash', 'verification', 'evidences'],
                  properties: {
                    seq: { type: 'integer', minimum: 1 },
                    at: isoTime,
                    procedureStep: { type: 'integer', minimum: 1, maximum: 7 },
                    hash: sha256,
                    verification: { enum: ['verified', 'pending', 'unverifiable'] },
                    evidences: { type: 'array', minItems: 1, items: { type: 'string' } },
                  },
                },
              },
              controls,
            },
          },
          reads: { type: 'array', items: { type: 'object', required: ['at', 'actor', 'door', 'action', 'subject'] } },
        },
      },
    },
    accessReviews: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'startedAt', 'dueBy', 'state', 'mentions', 'attestation', 'revocations', 'events', 'verified', 'firstBad', 'controls'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          startedAt: isoTime,
          dueBy: isoTime,
          state: { enum: ['open', 'attested'] },
          mentions: { type: 'array', items: { type: 'string' } },
          attestation: nullable({ type: 'object', required: ['by', 'at'], properties: { at: isoTime } }),
          revocations: { type: 'array', items: { type: 'object', required: ['memberId', 'by', 'requestedAt', 'state'], properties: { state: { enum: ['requested', 'removed'] } } } },
          events: {
            type: 'array',
            items: {
              type: 'object',
              required: ['seq', 'at', 'event', 'actor', 'details', 'hash'],
              properties: { seq: { type: 'integer', minimum: 1 }, at: isoTime, event: { enum: ['reviewed', 'attested', 'revocationRequested', 'revoked', 'reminded'] }, hash: sha256 },
            },
          },
          verified: { type: 'boolean' },
          firstBad: nullable(finding),
          controls,
        },
      },
    },
  },
} as const;
