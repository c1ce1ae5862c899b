import { BREACH_NOTICES_COLLECTION, BREACHES_COLLECTION } from '../breach/breachRepository';
import { THIRD_PARTIES_COLLECTION } from '../thirdParties/thirdPartyRegister';
import { LEDGER_COLLECTIONS } from '../consent/consentLedgerRepository';
import { CAMPAIGN_COLLECTIONS } from '../consent/noticeCampaigns';
import { OPERATOR_AUDIT_COLLECTION } from '../consent/operatorAuditLog';
import { ALERT_LISTS_COLLECTION, ALERTS_COLLECTION } from '../devices/alertRepository';
import { COMPLIANCE_SNAPSHOTS_COLLECTION } from '../devices/complianceSnapshots';
import { DEVICE_LISTS_COLLECTION, DEVICES_COLLECTION, SWEEP_SIGHTINGS_COLLECTION } from '../devices/deviceRepository';
import { INCIDENT_LISTS_COLLECTION, INCIDENT_OPEN_KEYS_COLLECTION, INCIDENTS_COLLECTION } from '../incidents/incidentRepository';
import { JOBS_COLLECTION } from '../jobs/jobQueue';
import { CARD_RENDERS_COLLECTION, DELIVERIES_COLLECTION } from '../messaging/deliveryLog';
import { RATE_GRANTS_COLLECTION } from '../messaging/teamsRatePacer';
import { OUTBOX_COLLECTION } from '../outbox/outbox';
import { NOTICE_DRAFTS_COLLECTION } from '../consent/noticeDrafts';
import { NOTICE_VERSIONS_COLLECTION } from '../consent/noticeVersions';
import { COLLECTIONS } from '../storage/mongoConnection';
import { ACCESS_REVIEW_LOG_COLLECTION, ACCESS_REVIEWS_COLLECTION } from './accessReview';

/** How stored data is categorised (privacy SOP §2: data "properly categorized, labeled, and stored"). */
export type DataCategory = 'personal' | 'device' | 'consent' | 'audit' | 'conversationState' | 'log';

/** The retention settings, in days, by the category whose period applies. */
export type RetentionDays = Record<'personal' | 'consent' | 'audit' | 'log' | 'conversationState', number>;

/** One stored collection: its category, which retention period applies, and from which field it runs. */
export interface CatalogEntry {
  category: DataCategory;
  /** Categories of data held besides the main one (labels for the README and evidence). */
  alsoHolds?: DataCategory[];
  /** The retention period that applies; `null`: not removed by age (see `note`). */
  retention: keyof RetentionDays | null;
  /** The field the period runs from. */
  from?: string;
  note: string;
}

/** The locks collection is the document lock's own (services/storage/documentLock.ts). */
export const LOCKS_COLLECTION = 'locks';

/** Every collection the product stores, mapped to a category and a retention period. */
export const DATA_CATALOG: Readonly<Record<string, CatalogEntry>> = Object.freeze({
  [COLLECTIONS.requests]: {
    category: 'personal',
    alsoHolds: ['device'],
    retention: 'personal',
    from: 'closedAt',
    note: 'The onboarding request: requester, device details, decision, compliance report. Open requests are kept; the audit chain head is kept as a tombstone when a request is removed.',
  },
  [COLLECTIONS.requestListKeys]: { category: 'personal', retention: null, note: 'Request ids per approver, for the tab\'s list of what waits for them; an id leaves when its request moves on.' },
  [COLLECTIONS.openRequestKeys]: { category: 'personal', retention: null, note: 'Which request an employee has open; removed when the request closes.' },
  [COLLECTIONS.delegations]: {
    category: 'personal',
    retention: 'personal',
    from: 'until',
    note: "A manager's approval delegation: delegate and date range; one per manager, replaced by the next.",
  },
  [COLLECTIONS.delegationAudit]: {
    category: 'audit',
    retention: null,
    note: "Changes to a manager's approval delegation (set, changed, ended early, ran out): ids and dates only, one hash chain per manager with its head in chainHeads; kept, like the request audit's heads.",
  },
  [COLLECTIONS.consents]: { category: 'consent', retention: 'consent', from: 'at', note: 'The consent ledger: answer, text version and hash.' },
  [COLLECTIONS.audit]: { category: 'audit', retention: 'audit', from: 'at', note: 'Hash-chained audit entries; a chain is removed whole, after its last entry is past retention and its request is gone.' },
  [COLLECTIONS.pendingAudit]: { category: 'audit', retention: null, note: 'Audit entries waiting to be written; never removed by age (they move into the audit trail).' },
  [COLLECTIONS.chainHeads]: { category: 'audit', retention: null, note: 'Chain heads; removed together with their chain.' },
  [COLLECTIONS.accessLog]: { category: 'log', retention: 'log', from: 'chainId', note: 'Reads of sensitive records; one chain per day, removed whole.' },
  [COLLECTIONS.retentionRuns]: { category: 'log', retention: null, note: 'What each retention run removed (counts and ids); kept, hash-chained.' },
  [COLLECTIONS.conversationReferences]: { category: 'conversationState', retention: 'conversationState', from: 'updatedAt', note: 'Where to reach a person in Teams.' },
  [COLLECTIONS.channels]: { category: 'conversationState', retention: 'conversationState', from: 'updatedAt', note: 'Where to reach the IT channel in Teams.' },
  [COLLECTIONS.botState]: { category: 'conversationState', retention: 'conversationState', from: 'updatedAt', note: 'Dialog state between turns.' },
  [DELIVERIES_COLLECTION]: { category: 'conversationState', retention: 'conversationState', from: 'startedAt', note: 'Which message went to which conversation (idempotency keys and activity ids), so nothing is sent twice.' },
  [CARD_RENDERS_COLLECTION]: { category: 'conversationState', retention: 'conversationState', from: 'at', note: 'Fingerprints of the card last rendered per activity.' },
  [JOBS_COLLECTION]: { category: 'log', retention: null, note: 'Timers and leases of background work; each is finished by the job queue.' },
  [LOCKS_COLLECTION]: { category: 'log', retention: null, note: 'Short-lived write locks; each expires within seconds and is taken over.' },
  [DEVICES_COLLECTION]: {
    category: 'device',
    alsoHolds: ['personal'],
    retention: 'personal',
    from: 'updatedAt',
    note: 'Enrolled devices watched for compliance after the grant: person, Intune device id, request, consent, state. Kept while watched; a retired device is removed once the personal period has passed since it was retired (its audit chain head stays in chainHeads).',
  },
  [INCIDENTS_COLLECTION]: {
    category: 'device',
    alsoHolds: ['personal', 'audit'],
    retention: 'audit',
    from: 'closedAt',
    note: 'Device incidents (lost, stolen, jailbroken, threat): owner, devices, last seen, timeline, notes, corrective actions, device actions with Graph request ids. Evidence of incident response, so kept for the audit period after closing; open incidents are kept (removal by age is not automated yet).',
  },
  [INCIDENT_OPEN_KEYS_COLLECTION]: { category: 'device', retention: null, note: 'Which incident is open per device and cause (de-duplication); removed when the incident closes.' },
  [INCIDENT_LISTS_COLLECTION]: { category: 'device', retention: null, note: "Ids of the open and of the closed incidents, for IT's list in the tab; an id leaves when its incident is gone or closed." },
  [ALERTS_COLLECTION]: {
    category: 'device',
    alsoHolds: ['personal'],
    retention: 'personal',
    from: 'updatedAt',
    note: "IT Security's compliance alerts per device and failing settings, with where their card is. Open alerts are kept; a closed one (fixed, restored, retired, superseded) is removed once the personal period has passed since it closed.",
  },
  [OUTBOX_COLLECTION]: {
    category: 'conversationState',
    alsoHolds: ['personal'],
    retention: null,
    from: 'doneAt',
    note: 'Messages and effects owed by state changes, with their attempts. Carried-out and discarded entries are removed OUTBOX_DONE_RETENTION_DAYS after they were done (the delivery log and audit trail keep what was sent); failed ones, shown to IT as evidence of an undelivered message, follow the audit period.',
  },
  [RATE_GRANTS_COLLECTION]: { category: 'log', retention: null, note: "Shares of Teams' per-app send rate taken by instances, one per second and share; each run removes those older than a minute." },
  [BREACHES_COLLECTION]: {
    category: 'audit',
    alsoHolds: ['personal'],
    retention: 'audit',
    from: 'closedAt',
    note: 'Breach notifications: incident, regulations and deadlines, who declared it, the notice text and its hash; kept as long as audit evidence after closing (HIPAA documentation rule); open breaches are kept (removal by age is not automated yet).',
  },
  [BREACH_NOTICES_COLLECTION]: {
    category: 'audit',
    alsoHolds: ['personal'],
    retention: 'audit',
    from: 'updatedAt',
    note: 'Each affected person of a breach: when told, whether unreachable and why, when acknowledged; evidence of notification, kept with its breach (removal by age is not automated yet).',
  },
  [THIRD_PARTIES_COLLECTION]: {
    category: 'audit',
    alsoHolds: ['personal'],
    retention: null,
    note: 'The third-party integrations register (name, data shared, owner, purpose, legal basis, reviews); kept while the register lists it; removed entries stay marked removed with their hash-chained trail.',
  },
  [DEVICE_LISTS_COLLECTION]: { category: 'device', retention: null, note: "Device ids per compliance state, for IT's lists in the tab; an id leaves when its device moves on." },
  [COMPLIANCE_SNAPSHOTS_COLLECTION]: { category: 'device', retention: null, note: 'Managed devices by compliance state, one document a day written by the digest job (counts only, no person or device), for the compliance-over-time chart.' },
  [SWEEP_SIGHTINGS_COLLECTION]: {
    category: 'device',
    alsoHolds: ['personal'],
    retention: null,
    note: "The devices Intune listed during the running compliance sweep (device id, its user's Entra object id, compliance and threat state), merged by id with the watched devices; removed when the sweep ends, and any an interrupted sweep left are removed when the next one starts.",
  },
  [ALERT_LISTS_COLLECTION]: { category: 'device', retention: null, note: "Ids of the alerts still open, for IT's list in the tab; an id leaves when its alert closes." },
  [LEDGER_COLLECTIONS.entries]: {
    category: 'consent',
    alsoHolds: ['personal', 'device'],
    retention: 'consent',
    from: 'at',
    note: "The consent ledger: one hash-chained stream per person and device (consented, declined, withdrawn, re-consented, acknowledged), each with the notice version and the SHA-256 of its exact text. Kept at least six years (RETENTION_CONSENT_DAYS); a ledger is only ever removed whole, with its head (removal by age is not automated yet).",
  },
  [LEDGER_COLLECTIONS.heads]: {
    category: 'consent',
    alsoHolds: ['personal'],
    retention: 'consent',
    from: 'updatedAt',
    note: "Each consent ledger's chain head (last seq, hash and state), kept as long as its ledger so a removed tail is detected.",
  },
  [OPERATOR_AUDIT_COLLECTION]: {
    category: 'audit',
    alsoHolds: ['personal'],
    retention: 'audit',
    from: 'at',
    note: 'What operators did outside a request (notice publications, campaign starts, consent export links and exports): one hash chain whose head is in chainHeads; verified by npm run verify. Not removed by age.',
  },
  [CAMPAIGN_COLLECTIONS.campaigns]: {
    category: 'consent',
    retention: 'consent',
    from: 'startedAt',
    note: 'Change-notice campaigns: the version announced, the text before it, material or minor, deadline, reminders sent, fan-out cursor and where IT\'s progress card is. Kept with the consent records it explains.',
  },
  [CAMPAIGN_COLLECTIONS.recipients]: {
    category: 'consent',
    alsoHolds: ['personal'],
    retention: 'consent',
    from: 'updatedAt',
    note: "Each person's part in a campaign (told, answered, unreachable, lapsed, access removed); the answer itself is in the consent ledger. Kept with the consent records.",
  },
  [NOTICE_VERSIONS_COLLECTION]: {
    category: 'consent',
    retention: 'consent',
    from: 'publishedAt',
    note: 'Published notice versions (what people consent to): ownership, version, exact text, SHA-256, publication date, what changed, material or minor, who published it. Append-only, checked against each hash on every read and by npm run verify; kept at least as long as the consent records that refer to them (RETENTION_CONSENT_DAYS, at least six years), not removed by age while a consent refers to one.',
  },
  [NOTICE_DRAFTS_COLLECTION]: {
    category: 'log',
    retention: 'log',
    from: 'createdAt',
    note: 'Notice publications drafted in Teams, awaiting their administrator\'s confirmation (valid 30 minutes); the publication itself is in the operator audit trail.',
  },
  [ACCESS_REVIEWS_COLLECTION]: {
    category: 'audit',
    alsoHolds: ['personal'],
    retention: 'audit',
    from: 'startedAt',
    note: 'Access reviews: role holders and access-group members by Entra id and name, discrepancies, attestation, removals with Graph request ids.',
  },
  [ACCESS_REVIEW_LOG_COLLECTION]: { category: 'audit', retention: 'audit', from: 'at', note: "Each access review's hash chain (reviewed, attested, removal requested, removed, reminded); removed whole with its review." },
});
