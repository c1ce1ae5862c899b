import { z } from 'zod';
import { DEFAULT_EMBEDDED_BACKEND, EMBEDDED_BACKENDS, type EmbeddedBackend } from '../services/db/embeddedBackend';
import { DAY_NAMES, minutesOf, toIanaTimeZone, type WorkingHours } from '../services/onboarding/workingHours';
import type { ApprovalPolicy } from '../services/workflow/transition';
import { DEFAULT_TRANSPARENCY_URL } from '../services/content/transparency';
import path from 'node:path';

/** A configuration problem found at start-up; the message names the setting. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const optionalGuid = z.preprocess(emptyToUndefined, z.string().trim().regex(GUID, 'must be a GUID').optional());
const requiredGuid = z.preprocess(emptyToUndefined, z.string({ error: 'is required' }).trim().regex(GUID, 'must be a GUID'));
const positiveNumber = (fallback: number) => z.preprocess(emptyToUndefined, z.coerce.number().positive().default(fallback));

/** HIPAA keeps required documentation six years (45 CFR 164.316(b)(2)(i)); 6 × 365 days. */
export const SIX_YEARS_DAYS = 2190;

/** HIPAA: individuals within 60 days of discovery (45 CFR 164.404(b)); GDPR: the supervisory authority within 72 hours (Art. 33(1)). */
export const DEFAULT_BREACH_REGULATIONS = JSON.stringify([
  { id: 'HIPAA', name: 'HIPAA Breach Notification Rule (45 CFR 164.404)', notify: 'individuals', hours: 1440 },
  { id: 'GDPR', name: 'GDPR Art. 33 (notification to the supervisory authority)', notify: 'authority', hours: 72 },
]);

const regulationTable = z
  .array(
    z.object({
      id: z.string().regex(/^[A-Z0-9_-]{2,20}$/, 'id must be 2-20 capital letters, digits, - or _'),
      name: z.string().min(1).max(200),
      notify: z.enum(['individuals', 'authority']),
      hours: z.number().positive().max(24 * 365),
    }),
  )
  .min(1)
  .refine((list) => new Set(list.map((r) => r.id)).size === list.length, 'regulation ids must be unique');

/** A comma-separated list of positive hours, largest first. */
const hourList = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, 'must be a comma-separated list of hours, e.g. 48,24,6')
      .default(fallback)
      .transform((v) => [...new Set(v.split(',').map((h) => Number(h.trim())))].filter((h) => h > 0).sort((a, b) => b - a)),
  );

const schema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'test', 'production']).default('development')),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3978)),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  MicrosoftAppId: optionalGuid,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.preprocess(emptyToUndefined, z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant')),
  MicrosoftAppTenantId: optionalGuid,
  MONGODB_URI: z.preprocess(emptyToUndefined, z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional()),
  MONGODB_DB: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a plain database name').default('device_onboarding')),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('.data')),
  EMBEDDED_DB_BACKEND: z.preprocess(emptyToUndefined, z.enum(EMBEDDED_BACKENDS).default(DEFAULT_EMBEDDED_BACKEND)),
  GRAPH_BASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .url('must be a URL')
      .refine((u) => new URL(u).pathname.replace(/\/$/, '') === '', 'must be an origin such as https://graph.microsoft.com (no /v1.0)')
      .default('https://graph.microsoft.com'),
  ),
  GRAPH_TENANT_ID: optionalGuid,
  GRAPH_CLIENT_ID: optionalGuid,
  GRAPH_CLIENT_SECRET: optionalString,
  TEAMS_APP_CATALOG_ID: optionalString,
  IT_TEAM_ID: optionalString,
  IT_CHANNEL_ID: optionalString,
  ACCESS_GROUP_ID: requiredGuid,
  FALLBACK_APPROVER_GROUP_ID: optionalGuid,
  IT_SECURITY_GROUP_ID: requiredGuid,
  ADMIN_GROUP_ID: optionalGuid,
  AUDITOR_GROUP_ID: optionalGuid,
  IT_REVIEW_MODE: z.preprocess(emptyToUndefined, z.enum(['manual', 'auto']).default('manual')),
  ACCESS_GRANT_TARGET: z.preprocess(emptyToUndefined, z.enum(['user', 'device']).default('user')),
  ENROLLMENT_DEADLINE_HOURS: positiveNumber(72),
  ENROLLMENT_REMINDER_HOURS: positiveNumber(24),
  APPROVAL_REMINDER_AFTER_HOURS: positiveNumber(24),
  APPROVAL_REMINDER_EVERY_HOURS: positiveNumber(24),
  APPROVAL_REMINDER_MAX: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(20).default(2)),
  APPROVAL_ESCALATE_AFTER_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().min(0).default(72)),
  APPROVAL_EXPIRE_AFTER_DAYS: positiveNumber(14),
  APPROVAL_TIME_ZONE: z.preprocess(
    emptyToUndefined,
    z.string().trim().refine((v) => Boolean(toIanaTimeZone(v)), 'must be an IANA or Windows time zone name').default('UTC'),
  ),
  APPROVAL_WORKING_HOURS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must look like 09:00-17:00')
      .refine((v) => {
        const [start, end] = v.split('-').map(minutesOf);
        return start !== undefined && end !== undefined && start < end;
      }, 'must start before it ends, within one day')
      .default('09:00-17:00'),
  ),
  APPROVAL_WORKING_DAYS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v.split(',').every((d) => (DAY_NAMES as readonly string[]).includes(d.trim())), 'must be day names such as monday,tuesday')
      .default('monday,tuesday,wednesday,thursday,friday'),
  ),
  /** How many people the delegation card's people picker offers per search. */
  DELEGATION_SEARCH_MAX: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(25).default(8)),
  COMPLIANCE_POLL_FIRST_SECONDS: positiveNumber(60),
  COMPLIANCE_POLL_MAX_SECONDS: positiveNumber(3600),
  WORKER_INTERVAL_SECONDS: positiveNumber(5),
  WORKER_IDLE_MAX_SECONDS: positiveNumber(30),
  WORKER_FULL_SCAN_SECONDS: positiveNumber(300),
  EFFECT_DRAINS_PER_INSTANCE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(500).default(16)),
  LEASE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(600).default(15)),
  INSTANCE_ID_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be letters, digits, dot, dash or underscore').default('bot')),
  MAX_BODY_BYTES: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1024).default(262144)),
  GRAPH_TIMEOUT_MS: positiveNumber(10_000),
  GRAPH_CALL_BUDGET_MS: positiveNumber(60_000),
  TURN_GRAPH_BUDGET_MS: positiveNumber(2_000),
  ROLE_CACHE_SECONDS: positiveNumber(60),
  ROLE_CACHE_STALE_SECONDS: positiveNumber(900),
  MONGODB_CONNECT_TIMEOUT_MS: positiveNumber(5_000),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: positiveNumber(5_000),
  MONGODB_SOCKET_TIMEOUT_MS: positiveNumber(30_000),
  BOT_CONNECTOR_TIMEOUT_MS: positiveNumber(15_000),
  BOT_OPENID_TIMEOUT_MS: positiveNumber(5_000),
  DB_UNAVAILABLE_NOTICE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0.5).max(30).default(3)),
  ENROLLMENT_CHECK_WAIT_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(10).default(2)),
  REFERENCE_CACHE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0).default(600)),
  BOT_CONNECTOR_SERVICE_URLS: z.preprocess(emptyToUndefined, z.string().default('https://smba.trafficmanager.net/')),
  DATA_RESIDENCY_REGION: optionalString,
  RETENTION_PERSONAL_DAYS: positiveNumber(SIX_YEARS_DAYS),
  RETENTION_CONSENT_DAYS: positiveNumber(SIX_YEARS_DAYS),
  RETENTION_AUDIT_DAYS: positiveNumber(SIX_YEARS_DAYS),
  RETENTION_LOG_DAYS: positiveNumber(SIX_YEARS_DAYS),
  RETENTION_CONVERSATION_DAYS: positiveNumber(365),
  TAB_SSO_ISSUER: z.preprocess(emptyToUndefined, z.string().url('must be a URL').optional()),
  TAB_SSO_JWKS_URL: z.preprocess(emptyToUndefined, z.string().url('must be a URL').optional()),
  TAB_SSO_AUDIENCE: optionalString,
  TAB_SSO_TENANT_ID: optionalGuid,
  TAB_SSO_CLOCK_TOLERANCE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(300).default(60)),
  TAB_SSO_JWKS_TIMEOUT_MS: positiveNumber(5_000),
  TAB_DEV_SIGN_IN_URL: z.preprocess(emptyToUndefined, z.string().url('must be a URL').optional()),
  TAB_DIST_DIR: z.preprocess(emptyToUndefined, z.string().default('tab/dist')),
  PUBLIC_BASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .url('must be a URL')
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be http(s)')
      .optional(),
  ),
  DATA_EXPORT_SIGNING_KEY: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  DATA_EXPORT_LINK_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(60).default(10)),
  TRANSPARENCY_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .url('must be a URL')
      .refine((u) => new URL(u).protocol === 'https:', 'must be https')
      .default(DEFAULT_TRANSPARENCY_URL),
  ),
  COMPLIANCE_SWEEP_INTERVAL_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(5).default(240)),
  COMPLIANCE_GRACE_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(24 * 90).default(72)),
  COMPLIANCE_REMINDER_HOURS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, 'must be a comma-separated list of hours, e.g. 72,24')
      .default('48,24')
      .transform((v) => [...new Set(v.split(',').map((h) => Number(h.trim())))].filter((h) => h > 0).sort((a, b) => b - a)),
  ),
  COMPLIANCE_DIGEST_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).default(24)),
  OUTBOX_MAX_ATTEMPTS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(20).default(8)),
  OUTBOX_RETRY_BASE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0.1).default(30)),
  // Device incidents: automatic incidents from the compliance sweep, and the device-action retry check.
  INCIDENT_AUTO_OPEN: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),
  INCIDENT_THREAT_STATES: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*[A-Za-z]+(\s*,\s*[A-Za-z]+)*\s*$/, 'must be a comma-separated list of partnerReportedThreatState values, e.g. highSeverity,compromised')
      .default('highSeverity,compromised')
      .transform((v) => [...new Set(v.split(',').map((s) => s.trim()))]),
  ),
  INCIDENT_ACTION_CLOCK_SKEW_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(60).default(5)),
  // Fleet compliance at scale: Teams pacing, outbox retention, sweep scope, people who leave.
  TEAMS_APP_SENDS_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(50).default(45)),
  OUTBOX_DONE_RETENTION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(30)),
  COMPLIANCE_SWEEP_SCOPE: z.preprocess(emptyToUndefined, z.enum(['tenant', 'groups', 'enrolled']).default('tenant')),
  COMPLIANCE_SWEEP_GROUP_IDS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('')
      .transform((v) => [...new Set(v.split(',').map((g) => g.trim().toLowerCase()).filter(Boolean))])
      .refine((ids) => ids.every((g) => GUID.test(g)), 'must be a comma-separated list of group GUIDs'),
  ),
  PEOPLE_CHECK_INTERVAL_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(5).default(60)),
  // Breach notification and the third-party integrations register.
  BREACH_REGULATIONS: z.preprocess(emptyToUndefined, z.string().default(DEFAULT_BREACH_REGULATIONS)),
  BREACH_IT_REMINDER_HOURS: hourList('48,24,6'),
  BREACH_PERSON_REMINDER_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).default(72)),
  BREACH_PERSON_REMINDER_MAX: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(10).default(2)),
  BREACH_STATUS_REFRESH_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(1).default(60)),
  BREACH_SEND_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number().min(0.1).max(50).default(20)),
  THIRD_PARTY_REVIEW_INTERVAL_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3650).default(365)),
  THIRD_PARTY_REMIND_DAYS_BEFORE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(365).default(30)),
  THIRD_PARTY_CHECK_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).default(24)),
  // Change-notice campaigns.
  NOTICE_SENDS_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(25).default(10)),
  NOTICE_DEADLINE_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(365).default(30)),
  NOTICE_REMINDER_DAYS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be a comma-separated list of whole days, e.g. 7,2')
      .default('7,2')
      .transform((v) => [...new Set(v.split(',').map((d) => Number(d.trim())))].filter((d) => d > 0).sort((a, b) => b - a)),
  ),
  NOTICE_PROGRESS_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(5).max(3600).default(60)),
  CONSENT_EXPORT_LINK_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(60).default(5)),
  NOTICE_REGISTRY_FILE: z.preprocess(emptyToUndefined, z.string().default(path.resolve(__dirname, '..', 'services', 'content', 'notices', 'published.json'))),
  NOTICE_CACHE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(600).default(30)),
  ACCESS_REVIEW_INTERVAL_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(366).default(91)),
  ACCESS_REVIEW_DUE_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(90).default(14)),
  ACCESS_REVIEW_REMINDER_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().min(0.5).max(30).default(3)),
  RETENTION_INTERVAL_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(24 * 31).default(24)),
  RETENTION_DRY_RUN: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false').transform((v) => v === 'true')),
  AUDIT_RETRY_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(0.1).max(24 * 60).default(5)),
  AUDITOR_LINK_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(60).default(10)),
});

type Raw = z.infer<typeof schema>;

/** Validated, frozen configuration for the whole process. */
export interface AppConfig {
  env: Raw['NODE_ENV'];
  port: number;
  logLevel: Raw['LOG_LEVEL'];
  bot: {
    appId?: string;
    appPassword?: string;
    appType: Raw['MicrosoftAppType'];
    tenantId?: string;
    authEnabled: boolean;
    /** Limit on one Bot Connector call (send, update, create conversation). */
    connectorTimeoutMs: number;
    /** Limit on fetching the Bot Framework's OpenID metadata and signing keys. */
    openIdTimeoutMs: number;
  };
  mongo: {
    uri?: string;
    dbName: string;
    dataDir: string;
    embeddedBackend: EmbeddedBackend;
    connectTimeoutMs: number;
    serverSelectionTimeoutMs: number;
    socketTimeoutMs: number;
    /** A typed message still running this long, with the database not answering a ping, is told at once. */
    unavailableNoticeMs: number;
  };
  graph: {
    baseUrl: string;
    tenantId?: string;
    clientId?: string;
    clientSecret?: string;
    hasCredentials: boolean;
    /** Limit on one Graph request attempt. */
    timeoutMs: number;
    /** Limit on one Graph call, retries and Retry-After waits included, outside a user's turn. */
    callBudgetMs: number;
    /** Limit on the Graph calls of one user turn (a card action must answer within a few seconds). */
    turnBudgetMs: number;
  };
  roles: { cacheMs: number; staleMs: number };
  teams: { appCatalogId?: string; itTeamId?: string; itChannelId?: string };
  groups: { access: string; fallbackApprovers?: string; itSecurity: string; admins?: string; auditors?: string };
  workflow: {
    itReviewMode: Raw['IT_REVIEW_MODE'];
    accessGrantTarget: Raw['ACCESS_GRANT_TARGET'];
    enrollmentDeadlineHours: number;
    enrollmentReminderHours: number;
    compliancePollFirstSeconds: number;
    compliancePollMaxSeconds: number;
    /** Reminders, escalation and expiry of an unanswered approval. */
    approval: ApprovalPolicy;
  };
  /** Working hours for approval reminders where the approver's mailbox does not give them. */
  approvalWorkingHours: WorkingHours;
  /** Approval delegations: people offered per picker search (their dates use approvalWorkingHours.timeZone by default). */
  delegation: { searchMax: number };
  workerIntervalSeconds: number;
  /** Longest pause of the background worker when nothing is due. */
  workerIdleMaxSeconds: number;
  /** How often the worker reads the earliest jobs of the whole jobs collection; in between only the minutes since. */
  workerFullScanSeconds: number;
  /** Requests whose effects one instance carries out at once; the others wait their turn in memory, holding no lease. */
  effectDrainsPerInstance: number;
  /** Background work leases: time to live (renewed while work runs) and the prefix of this instance's id. */
  leases: { ttlSeconds: number; instanceIdPrefix: string };
  maxBodyBytes: number;
  /** How long "I've enrolled" waits for the device check before answering. */
  enrollmentCheckWaitMs: number;
  /** How long a written conversation reference is trusted from memory before it is compared with the database again. */
  referenceCacheMs: number;
  governance: {
    /** Where the data is kept, as the organisation chose it (privacy SOP §2); shown in evidence packs. */
    dataResidencyRegion?: string;
    /** Days each category of stored data is kept (see services/governance/dataCatalog.ts). */
    retentionDays: { personal: number; consent: number; audit: number; log: number; conversationState: number };
    /** Bot Connector service URL prefixes the bot may talk to. */
    connectorServiceUrls: string[];
  };
  /** The Teams tab: single sign-on token validation (absent: the tab API answers 503) and its built files. */
  tab: {
    sso?: { issuer: string; jwksUrl?: string; audiences: string[]; tenantId: string; clockToleranceSeconds: number; jwksTimeoutMs: number };
    /** Local mode only: the Graph simulator's Entra, which mints tokens for demo users. */
    devSignInUrl?: string;
    distDir: string;
  };
  consent: {
    /** The bot's public origin, for links people open in a browser (the "my data" download); unset in production: no link. */
    publicBaseUrl?: string;
    /** Key that signs "my data" download links; absent: a random key per process (links die with it). */
    exportSigningKey?: string;
    /** How long a "my data" download link works. */
    exportLinkMinutes: number;
    /** Microsoft's page on what an organization can see on an enrolled device. */
    transparencyUrl: string;
  };
  /** Continuous compliance of enrolled devices after access is granted. */
  compliance: {
    sweepIntervalMs: number;
    /** Grace period after a drift when Intune reports none of its own. */
    graceHours: number;
    /** Reminders before the end of grace, in hours, largest first. */
    reminderHoursBefore: number[];
    digestIntervalMs: number;
  };
  /** The shared outbox: attempts before a message is given up and shown to IT, and the retry backoff base. */
  outbox: { maxAttempts: number; baseDelayMs: number };
  /** Device incidents (lost or stolen devices, jailbreaks, threats). */
  incidents: {
    /** Open incidents automatically when the sweep sees a jailbreak or a listed threat state. */
    autoOpen: boolean;
    /** partnerReportedThreatState values that open an incident. */
    threatStates: string[];
    /** How far Intune's clock may run behind ours when a device's action results are matched to a sent action. */
    clockSkewMs: number;
  };
  /** Fleet compliance at scale. */
  fleet: {
    /** Teams sends per second for the bot in the tenant, across all instances. */
    teamsSendsPerSecond: number;
    /** Carried-out outbox entries are removed after this many days (failed ones stay until the audit retention). */
    outboxDoneRetentionDays: number;
    /** Which devices a sweep reads: the whole tenant, members of groups, or the people the product enrolled. */
    sweepScope: { kind: 'tenant' } | { kind: 'groups'; groupIds: string[] } | { kind: 'enrolled' };
    /** How often the people the product knows are checked for having left (deleted or disabled in Entra). */
    peopleCheckIntervalMs: number;
  };
  /** Breach notification: the regulations' deadlines, reminders and the pace of the fan-out. */
  breach: {
    regulations: { id: string; name: string; notify: 'individuals' | 'authority'; hours: number }[];
    itReminderHoursBefore: number[];
    personReminderEveryHours: number;
    personReminderMax: number;
    statusRefreshMinutes: number;
    sendPerSecond: number;
  };
  /** The third-party integrations register's review rules. */
  thirdParties: { reviewIntervalDays: number; remindDaysBefore: number; checkEveryMs: number };
  /** Change-notice campaigns and the operators' doors in Teams. */
  notices: {
    /** Change notices and reminders sent per second (the bot's whole traffic shares Teams' 50 per second per tenant). */
    sendsPerSecond: number;
    /** Deadline of a campaign when the administrator names none, in days. */
    deadlineDays: number;
    /** Reminders before the deadline, in days, largest first. */
    reminderDaysBefore: number[];
    /** How often IT's progress card is refreshed while notices are being sent. */
    progressIntervalMs: number;
    /** How long an auditor's consent export link works. */
    exportLinkMinutes: number;
    /** The seed file of published notices: its versions are stored in the database at start-up when missing. */
    registryFile: string;
    /** How long an instance serves the published versions it loaded before reading the database again. */
    cacheMs: number;
  };
  /** Scheduled governance work: access reviews, retention, parked audit entries, auditors' download links. */
  oversight: {
    /** How often an access review is posted (default quarterly). */
    accessReviewIntervalMs: number;
    /** An access review not attested within this is overdue and reminds the administrators. */
    accessReviewDueMs: number;
    /** How often an overdue review reminds again. */
    accessReviewReminderMs: number;
    /** How often the retention job runs. */
    retentionIntervalMs: number;
    /** The scheduled retention run records what it would remove without removing it. */
    retentionDryRun: boolean;
    /** How often audit entries that could not be stored are tried again. */
    auditRetryMs: number;
    /** How long an evidence download link from Teams works. */
    auditorLinkMinutes: number;
  };
}

const isLoopbackHost = (host: string) => ['localhost', '127.0.0.1', '::1', '[::1]'].includes(host.toLowerCase());

/** Whether a MongoDB URI reaches a remote host without TLS. */
function isPlainTextRemote(uri: string): boolean {
  if (uri.startsWith('mongodb+srv://')) return /[?&](tls|ssl)=false/i.test(uri);
  const hosts = uri.replace(/^mongodb:\/\//, '').replace(/^[^@/]*@/, '').split(/[/?]/)[0];
  const allLoopback = hosts.split(',').every((h) => isLoopbackHost(h.replace(/:\d+$/, '')));
  return !allLoopback && !/[?&](tls|ssl)=true/i.test(uri);
}

/** Whether a MongoDB URI asks for TLS (SRV records turn it on unless switched off). */
function isTls(uri: string): boolean {
  if (uri.startsWith('mongodb+srv://')) return !/[?&](tls|ssl)=false/i.test(uri);
  return /[?&](tls|ssl)=true/i.test(uri);
}

/**
 * Reads and validates the environment once at start-up. Throws ConfigurationError naming every bad setting,
 * and refuses unsafe combinations in production.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const problems: string[] = [];

  const graphCreds = [e.GRAPH_TENANT_ID, e.GRAPH_CLIENT_ID, e.GRAPH_CLIENT_SECRET];
  const hasCredentials = graphCreds.every(Boolean);
  if (!hasCredentials && graphCreds.some(Boolean)) {
    problems.push('GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET must be set together');
  }
  if (!hasCredentials && !isLoopbackHost(new URL(e.GRAPH_BASE_URL).hostname)) {
    problems.push('GRAPH_BASE_URL is not a loopback address, so GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are required');
  }
  if (e.COMPLIANCE_SWEEP_SCOPE === 'groups' && !e.COMPLIANCE_SWEEP_GROUP_IDS.length) {
    problems.push('COMPLIANCE_SWEEP_GROUP_IDS is required when COMPLIANCE_SWEEP_SCOPE is groups');
  }
  if (e.COMPLIANCE_SWEEP_SCOPE !== 'groups' && e.COMPLIANCE_SWEEP_GROUP_IDS.length) {
    problems.push('COMPLIANCE_SWEEP_GROUP_IDS is set but COMPLIANCE_SWEEP_SCOPE is not groups');
  }
  if (e.NOTICE_REMINDER_DAYS.some((d) => d >= e.NOTICE_DEADLINE_DAYS)) {
    problems.push('NOTICE_REMINDER_DAYS must all be shorter than NOTICE_DEADLINE_DAYS (a reminder before the campaign starts is never sent)');
  }
  if (e.COMPLIANCE_REMINDER_HOURS.some((h) => h >= e.COMPLIANCE_GRACE_HOURS)) {
    problems.push('COMPLIANCE_REMINDER_HOURS must all be shorter than COMPLIANCE_GRACE_HOURS (a reminder before the grace period starts is never sent)');
  }
  if (e.MicrosoftAppId) {
    if (e.MicrosoftAppType === 'SingleTenant' && !e.MicrosoftAppTenantId) problems.push('MicrosoftAppTenantId is required for a SingleTenant bot');
    if (e.MicrosoftAppType !== 'UserAssignedMSI' && !e.MicrosoftAppPassword) problems.push('MicrosoftAppPassword is required when MicrosoftAppId is set');
    if (e.MicrosoftAppType === 'UserAssignedMSI' && e.MicrosoftAppPassword) problems.push('MicrosoftAppPassword must be empty for UserAssignedMSI');
  }
  if (Boolean(e.IT_TEAM_ID) !== Boolean(e.IT_CHANNEL_ID)) problems.push('IT_TEAM_ID and IT_CHANNEL_ID must be set together');
  if (e.TURN_GRAPH_BUDGET_MS > e.GRAPH_CALL_BUDGET_MS) problems.push('TURN_GRAPH_BUDGET_MS must not exceed GRAPH_CALL_BUDGET_MS');
  const connectorUrls = e.BOT_CONNECTOR_SERVICE_URLS.split(',').map((u) => u.trim()).filter(Boolean);
  for (const u of connectorUrls.filter((x) => !URL.canParse(x))) problems.push(`BOT_CONNECTOR_SERVICE_URLS entry ${u} is not a URL`);
  if (e.ROLE_CACHE_STALE_SECONDS < e.ROLE_CACHE_SECONDS) problems.push('ROLE_CACHE_STALE_SECONDS must not be shorter than ROLE_CACHE_SECONDS');
  const ssoTenantId = e.TAB_SSO_TENANT_ID ?? e.MicrosoftAppTenantId ?? e.GRAPH_TENANT_ID;
  if (e.TAB_SSO_ISSUER) {
    if (!e.TAB_SSO_AUDIENCE) problems.push('TAB_SSO_AUDIENCE is required with TAB_SSO_ISSUER (the application id URI, api://<domain>/<client id>)');
    if (!ssoTenantId) problems.push('TAB_SSO_TENANT_ID (or MicrosoftAppTenantId or GRAPH_TENANT_ID) is required with TAB_SSO_ISSUER');
  } else if (e.TAB_SSO_AUDIENCE || e.TAB_SSO_JWKS_URL) {
    problems.push('TAB_SSO_ISSUER is required with TAB_SSO_AUDIENCE or TAB_SSO_JWKS_URL');
  }
  if (e.NODE_ENV === 'production') {
    if (e.TAB_DEV_SIGN_IN_URL) problems.push('TAB_DEV_SIGN_IN_URL must be empty in production (it signs in demo users)');
    for (const key of ['TAB_SSO_ISSUER', 'TAB_SSO_JWKS_URL'] as const) if (e[key] && !e[key].startsWith('https://')) problems.push(`${key} must be an https URL in production`);
    if (!e.MicrosoftAppId) problems.push('MicrosoftAppId is required in production (an empty app id disables inbound authentication)');
    if (!hasCredentials) problems.push('Graph credentials (GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET) are required in production');
    if (!e.MONGODB_URI) problems.push('MONGODB_URI is required in production (the embedded database is for development)');
    else if (isPlainTextRemote(e.MONGODB_URI)) problems.push('MONGODB_URI reaches a remote host without TLS; add tls=true');
    else if (!isTls(e.MONGODB_URI)) problems.push('MONGODB_URI does not use TLS; add tls=true (every connection outside local mode is encrypted)');
    if (new URL(e.GRAPH_BASE_URL).protocol !== 'https:') problems.push('GRAPH_BASE_URL does not use TLS; use https://');
    for (const u of connectorUrls.filter((x) => !x.startsWith('https://'))) problems.push(`BOT_CONNECTOR_SERVICE_URLS entry ${u} does not use TLS; use https://`);
    if (!e.DATA_RESIDENCY_REGION) problems.push('DATA_RESIDENCY_REGION is required in production (the region the organisation chose for its data)');
    if (e.PUBLIC_BASE_URL && new URL(e.PUBLIC_BASE_URL).protocol !== 'https:') problems.push('PUBLIC_BASE_URL must be https in production');
  }
  for (const [key, days] of [
    ['RETENTION_CONSENT_DAYS', e.RETENTION_CONSENT_DAYS],
    ['RETENTION_AUDIT_DAYS', e.RETENTION_AUDIT_DAYS],
    ['RETENTION_LOG_DAYS', e.RETENTION_LOG_DAYS],
  ] as const) {
    if (days < SIX_YEARS_DAYS) problems.push(`${key} must be at least ${SIX_YEARS_DAYS} days (six years, HIPAA 45 CFR 164.316(b)(2))`);
  }
  let regulations: z.infer<typeof regulationTable> = [];
  try {
    const table = regulationTable.safeParse(JSON.parse(e.BREACH_REGULATIONS));
    if (table.success) regulations = table.data;
    else problems.push(`BREACH_REGULATIONS ${table.error.issues.map((i) => `${i.path.join('.') || '(table)'} ${i.message}`).join(', ')}`);
  } catch {
    problems.push('BREACH_REGULATIONS must be a JSON array of {id, name, notify: "individuals"|"authority", hours}');
  }
  if (problems.length) throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);

  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    bot: Object.freeze({
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appType: e.MicrosoftAppType,
      tenantId: e.MicrosoftAppTenantId,
      authEnabled: Boolean(e.MicrosoftAppId),
      connectorTimeoutMs: e.BOT_CONNECTOR_TIMEOUT_MS,
      openIdTimeoutMs: e.BOT_OPENID_TIMEOUT_MS,
    }),
    mongo: Object.freeze({
      uri: e.MONGODB_URI,
      dbName: e.MONGODB_DB,
      dataDir: e.DATA_DIR,
      embeddedBackend: e.EMBEDDED_DB_BACKEND,
      connectTimeoutMs: e.MONGODB_CONNECT_TIMEOUT_MS,
      serverSelectionTimeoutMs: e.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
      socketTimeoutMs: e.MONGODB_SOCKET_TIMEOUT_MS,
      unavailableNoticeMs: e.DB_UNAVAILABLE_NOTICE_SECONDS * 1000,
    }),
    graph: Object.freeze({
      baseUrl: e.GRAPH_BASE_URL.replace(/\/$/, ''),
      tenantId: e.GRAPH_TENANT_ID,
      clientId: e.GRAPH_CLIENT_ID,
      clientSecret: e.GRAPH_CLIENT_SECRET,
      hasCredentials,
      timeoutMs: e.GRAPH_TIMEOUT_MS,
      callBudgetMs: e.GRAPH_CALL_BUDGET_MS,
      turnBudgetMs: e.TURN_GRAPH_BUDGET_MS,
    }),
    roles: Object.freeze({ cacheMs: e.ROLE_CACHE_SECONDS * 1000, staleMs: e.ROLE_CACHE_STALE_SECONDS * 1000 }),
    teams: Object.freeze({ appCatalogId: e.TEAMS_APP_CATALOG_ID, itTeamId: e.IT_TEAM_ID, itChannelId: e.IT_CHANNEL_ID }),
    groups: Object.freeze({
      access: e.ACCESS_GROUP_ID,
      fallbackApprovers: e.FALLBACK_APPROVER_GROUP_ID,
      itSecurity: e.IT_SECURITY_GROUP_ID,
      admins: e.ADMIN_GROUP_ID,
      auditors: e.AUDITOR_GROUP_ID,
    }),
    workflow: Object.freeze({
      itReviewMode: e.IT_REVIEW_MODE,
      accessGrantTarget: e.ACCESS_GRANT_TARGET,
      enrollmentDeadlineHours: e.ENROLLMENT_DEADLINE_HOURS,
      enrollmentReminderHours: e.ENROLLMENT_REMINDER_HOURS,
      compliancePollFirstSeconds: e.COMPLIANCE_POLL_FIRST_SECONDS,
      compliancePollMaxSeconds: e.COMPLIANCE_POLL_MAX_SECONDS,
      approval: Object.freeze({
        reminderAfterHours: e.APPROVAL_REMINDER_AFTER_HOURS,
        reminderEveryHours: e.APPROVAL_REMINDER_EVERY_HOURS,
        reminderMax: e.APPROVAL_REMINDER_MAX,
        escalateAfterHours: e.APPROVAL_ESCALATE_AFTER_HOURS,
        expireAfterDays: e.APPROVAL_EXPIRE_AFTER_DAYS,
      }),
    }),
    approvalWorkingHours: Object.freeze({
      timeZone: toIanaTimeZone(e.APPROVAL_TIME_ZONE) ?? 'UTC',
      days: e.APPROVAL_WORKING_DAYS.split(',').map((d) => DAY_NAMES.indexOf(d.trim() as (typeof DAY_NAMES)[number])),
      startMinute: minutesOf(e.APPROVAL_WORKING_HOURS.split('-')[0]) ?? 540,
      endMinute: minutesOf(e.APPROVAL_WORKING_HOURS.split('-')[1]) ?? 1020,
    }),
    delegation: Object.freeze({ searchMax: e.DELEGATION_SEARCH_MAX }),
    workerIntervalSeconds: e.WORKER_INTERVAL_SECONDS,
    workerIdleMaxSeconds: Math.max(e.WORKER_IDLE_MAX_SECONDS, e.WORKER_INTERVAL_SECONDS),
    workerFullScanSeconds: e.WORKER_FULL_SCAN_SECONDS,
    effectDrainsPerInstance: e.EFFECT_DRAINS_PER_INSTANCE,
    leases: Object.freeze({ ttlSeconds: e.LEASE_SECONDS, instanceIdPrefix: e.INSTANCE_ID_PREFIX }),
    maxBodyBytes: e.MAX_BODY_BYTES,
    enrollmentCheckWaitMs: e.ENROLLMENT_CHECK_WAIT_SECONDS * 1000,
    referenceCacheMs: e.REFERENCE_CACHE_SECONDS * 1000,
    governance: Object.freeze({
      dataResidencyRegion: e.DATA_RESIDENCY_REGION,
      retentionDays: Object.freeze({
        personal: e.RETENTION_PERSONAL_DAYS,
        consent: e.RETENTION_CONSENT_DAYS,
        audit: e.RETENTION_AUDIT_DAYS,
        log: e.RETENTION_LOG_DAYS,
        conversationState: e.RETENTION_CONVERSATION_DAYS,
      }),
      connectorServiceUrls: connectorUrls,
    }),
    tab: Object.freeze({
      sso:
        e.TAB_SSO_ISSUER && e.TAB_SSO_AUDIENCE && ssoTenantId
          ? Object.freeze({
              issuer: e.TAB_SSO_ISSUER,
              jwksUrl: e.TAB_SSO_JWKS_URL,
              audiences: e.TAB_SSO_AUDIENCE.split(',').map((a) => a.trim()).filter(Boolean),
              tenantId: ssoTenantId.toLowerCase(),
              clockToleranceSeconds: e.TAB_SSO_CLOCK_TOLERANCE_SECONDS,
              jwksTimeoutMs: e.TAB_SSO_JWKS_TIMEOUT_MS,
            })
          : undefined,
      devSignInUrl: e.TAB_DEV_SIGN_IN_URL?.replace(/\/$/, ''),
      distDir: e.TAB_DIST_DIR,
    }),
    consent: Object.freeze({
      publicBaseUrl: (e.PUBLIC_BASE_URL ?? (e.NODE_ENV === 'production' ? undefined : `http://localhost:${e.PORT}`))?.replace(/\/$/, ''),
      exportSigningKey: e.DATA_EXPORT_SIGNING_KEY,
      exportLinkMinutes: e.DATA_EXPORT_LINK_MINUTES,
      transparencyUrl: e.TRANSPARENCY_URL,
    }),
    compliance: Object.freeze({
      sweepIntervalMs: e.COMPLIANCE_SWEEP_INTERVAL_MINUTES * 60_000,
      graceHours: e.COMPLIANCE_GRACE_HOURS,
      reminderHoursBefore: e.COMPLIANCE_REMINDER_HOURS,
      digestIntervalMs: e.COMPLIANCE_DIGEST_HOURS * 3_600_000,
    }),
    outbox: Object.freeze({ maxAttempts: e.OUTBOX_MAX_ATTEMPTS, baseDelayMs: e.OUTBOX_RETRY_BASE_SECONDS * 1000 }),
    incidents: Object.freeze({
      autoOpen: e.INCIDENT_AUTO_OPEN,
      threatStates: e.INCIDENT_THREAT_STATES,
      clockSkewMs: e.INCIDENT_ACTION_CLOCK_SKEW_MINUTES * 60_000,
    }),
    fleet: Object.freeze({
      teamsSendsPerSecond: e.TEAMS_APP_SENDS_PER_SECOND,
      outboxDoneRetentionDays: e.OUTBOX_DONE_RETENTION_DAYS,
      sweepScope: Object.freeze(
        e.COMPLIANCE_SWEEP_SCOPE === 'groups' ? { kind: 'groups' as const, groupIds: e.COMPLIANCE_SWEEP_GROUP_IDS } : { kind: e.COMPLIANCE_SWEEP_SCOPE },
      ),
      peopleCheckIntervalMs: e.PEOPLE_CHECK_INTERVAL_MINUTES * 60_000,
    }),
    breach: Object.freeze({
      regulations,
      itReminderHoursBefore: e.BREACH_IT_REMINDER_HOURS,
      personReminderEveryHours: e.BREACH_PERSON_REMINDER_HOURS,
      personReminderMax: e.BREACH_PERSON_REMINDER_MAX,
      statusRefreshMinutes: e.BREACH_STATUS_REFRESH_MINUTES,
      sendPerSecond: e.BREACH_SEND_PER_SECOND,
    }),
    thirdParties: Object.freeze({
      reviewIntervalDays: e.THIRD_PARTY_REVIEW_INTERVAL_DAYS,
      remindDaysBefore: e.THIRD_PARTY_REMIND_DAYS_BEFORE,
      checkEveryMs: e.THIRD_PARTY_CHECK_HOURS * 3_600_000,
    }),
    notices: Object.freeze({
      sendsPerSecond: e.NOTICE_SENDS_PER_SECOND,
      deadlineDays: e.NOTICE_DEADLINE_DAYS,
      reminderDaysBefore: e.NOTICE_REMINDER_DAYS,
      progressIntervalMs: e.NOTICE_PROGRESS_SECONDS * 1000,
      exportLinkMinutes: e.CONSENT_EXPORT_LINK_MINUTES,
      registryFile: e.NOTICE_REGISTRY_FILE,
      cacheMs: e.NOTICE_CACHE_SECONDS * 1000,
    }),
    oversight: Object.freeze({
      accessReviewIntervalMs: e.ACCESS_REVIEW_INTERVAL_DAYS * 86_400_000,
      accessReviewDueMs: e.ACCESS_REVIEW_DUE_DAYS * 86_400_000,
      accessReviewReminderMs: e.ACCESS_REVIEW_REMINDER_DAYS * 86_400_000,
      retentionIntervalMs: e.RETENTION_INTERVAL_HOURS * 3_600_000,
      retentionDryRun: e.RETENTION_DRY_RUN,
      auditRetryMs: e.AUDIT_RETRY_MINUTES * 60_000,
      auditorLinkMinutes: e.AUDITOR_LINK_MINUTES,
    }),
  });
}
