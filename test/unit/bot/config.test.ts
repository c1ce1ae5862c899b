import assert from 'node:assert/strict';
import { ConfigurationError, loadConfig } from '../../../bot/config';

const GUID = (n: number) => `b0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const base = {
  GRAPH_BASE_URL: 'http://127.0.0.1:5990',
  ACCESS_GROUP_ID: GUID(1),
  IT_SECURITY_GROUP_ID: GUID(3),
};
const prod = {
  ...base,
  NODE_ENV: 'production',
  GRAPH_BASE_URL: 'https://graph.microsoft.com',
  MicrosoftAppId: GUID(10),
  MicrosoftAppPassword: 'secret',
  MicrosoftAppTenantId: GUID(11),
  GRAPH_TENANT_ID: GUID(11),
  GRAPH_CLIENT_ID: GUID(12),
  GRAPH_CLIENT_SECRET: 'secret',
  MONGODB_URI: 'mongodb+srv://cluster.example.net/',
  DATA_RESIDENCY_REGION: 'EU (West Europe)',
  PUBLIC_BASE_URL: 'https://bot.contoso.com',
  DATA_EXPORT_SIGNING_KEY: 'k'.repeat(32),
};

describe('loadConfig', () => {
  it('when only the required settings are given locally, then defaults fill the rest and the result is frozen', () => {
    const c = loadConfig(base);
    assert.equal(c.port, 3978);
    assert.equal(c.mongo.dbName, 'device_onboarding');
    assert.equal(c.mongo.embeddedBackend, 'postgresql');
    assert.equal(c.bot.authEnabled, false);
    assert.equal(c.workflow.itReviewMode, 'manual');
    assert.deepEqual([c.graph.timeoutMs, c.graph.callBudgetMs, c.graph.turnBudgetMs, c.bot.connectorTimeoutMs, c.bot.openIdTimeoutMs], [10_000, 60_000, 2_000, 15_000, 5_000]);
    assert.deepEqual([c.mongo.connectTimeoutMs, c.mongo.serverSelectionTimeoutMs, c.mongo.socketTimeoutMs], [5_000, 5_000, 30_000]);
    assert.deepEqual(c.roles, { cacheMs: 60_000, staleMs: 900_000 });
    assert.deepEqual(c.leases, { ttlSeconds: 15, instanceIdPrefix: 'bot' });
    assert.equal(c.workerIdleMaxSeconds, 30);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.groups));
    assert.equal(c.mongo.unavailableNoticeMs, 3000);
    assert.equal(c.enrollmentCheckWaitMs, 2000);
    assert.deepEqual(c.compliance, { sweepIntervalMs: 4 * 3_600_000, graceHours: 72, reminderHoursBefore: [48, 24], digestIntervalMs: 24 * 3_600_000 });
    assert.deepEqual(c.outbox, { maxAttempts: 8, baseDelayMs: 30_000 });
    assert.deepEqual({ ...c.consent }, {
      publicBaseUrl: 'http://localhost:3978',
      exportSigningKey: undefined,
      exportLinkMinutes: 10,
      transparencyUrl: 'https://learn.microsoft.com/mem/intune/user-help/what-info-can-your-company-see-when-you-enroll-your-device-in-intune',
    });
  });

  it('when incident settings are not given, then automatic incidents are on for high and compromised threat states; bad values are refused by name', () => {
    assert.deepEqual({ ...loadConfig(base).incidents }, { autoOpen: true, threatStates: ['highSeverity', 'compromised'], clockSkewMs: 300_000 });
    const c = loadConfig({ ...base, INCIDENT_AUTO_OPEN: 'false', INCIDENT_THREAT_STATES: 'mediumSeverity, highSeverity', INCIDENT_ACTION_CLOCK_SKEW_MINUTES: '2' });
    assert.deepEqual({ ...c.incidents }, { autoOpen: false, threatStates: ['mediumSeverity', 'highSeverity'], clockSkewMs: 120_000 });
    assert.throws(() => loadConfig({ ...base, INCIDENT_AUTO_OPEN: 'yes' }), (e: unknown) => e instanceof ConfigurationError && /INCIDENT_AUTO_OPEN/.test(e.message));
    assert.throws(() => loadConfig({ ...base, INCIDENT_THREAT_STATES: 'high severity!' }), (e: unknown) => e instanceof ConfigurationError && /INCIDENT_THREAT_STATES/.test(e.message));
  });

  it('when production has no public address, then "my data" offers no download link instead of a localhost one', () => {
    assert.equal(loadConfig({ ...prod, PUBLIC_BASE_URL: '' }).consent.publicBaseUrl, undefined);
    assert.equal(loadConfig({ ...prod }).consent.publicBaseUrl, 'https://bot.contoso.com');
  });

  it('when compliance reminders are listed in any order, then they are kept largest first without repeats', () => {
    assert.deepEqual(loadConfig({ ...base, COMPLIANCE_GRACE_HOURS: '120', COMPLIANCE_REMINDER_HOURS: '24, 72,24' }).compliance.reminderHoursBefore, [72, 24]);
    assert.deepEqual(loadConfig({ ...base, COMPLIANCE_SWEEP_SCOPE: 'groups', COMPLIANCE_SWEEP_GROUP_IDS: 'B0000000-0000-4000-8000-0000000000A3, b0000000-0000-4000-8000-0000000000a3' }).fleet.sweepScope, {
      kind: 'groups',
      groupIds: ['b0000000-0000-4000-8000-0000000000a3'],
    });
    assert.deepEqual(loadConfig(base).fleet, { teamsSendsPerSecond: 45, outboxDoneRetentionDays: 30, sweepScope: { kind: 'tenant' }, peopleCheckIntervalMs: 3_600_000 });
  });

  it('when a complete production configuration is given, then it loads with authentication on', () => {
    const c = loadConfig(prod);
    assert.equal(c.bot.authEnabled, true);
    assert.equal(c.graph.hasCredentials, true);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['ACCESS_GROUP_ID missing', { ...base, ACCESS_GROUP_ID: '' }, /ACCESS_GROUP_ID/],
    ['a group id that is not a GUID', { ...base, IT_SECURITY_GROUP_ID: 'it-team' }, /IT_SECURITY_GROUP_ID must be a GUID/],
    ['PORT not a number', { ...base, PORT: 'eighty' }, /PORT/],
    ['GRAPH_BASE_URL with a version path', { ...base, GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0' }, /GRAPH_BASE_URL must be an origin/],
    ['a remote Graph without credentials', { ...base, GRAPH_BASE_URL: 'https://graph.microsoft.com' }, /GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are required/],
    ['half of the Graph credentials', { ...base, GRAPH_CLIENT_ID: GUID(5) }, /must be set together/],
    ['an app id without a password', { ...base, MicrosoftAppId: GUID(9), MicrosoftAppTenantId: GUID(8) }, /MicrosoftAppPassword is required/],
    ['a single-tenant app without a tenant', { ...base, MicrosoftAppId: GUID(9), MicrosoftAppPassword: 'x' }, /MicrosoftAppTenantId is required/],
    ['IT team without channel', { ...base, IT_TEAM_ID: '19:abc@thread.tacv2' }, /IT_TEAM_ID and IT_CHANNEL_ID/],
    ['a MongoDB URI of another scheme', { ...base, MONGODB_URI: 'postgres://x' }, /MONGODB_URI/],
    ['an unknown embedded database backend', { ...base, EMBEDDED_DB_BACKEND: 'mysql' }, /EMBEDDED_DB_BACKEND/],
    ['production with an empty app id', { ...prod, MicrosoftAppId: '' }, /MicrosoftAppId is required in production/],
    ['production without Graph credentials', { ...prod, GRAPH_CLIENT_SECRET: '' }, /must be set together|Graph credentials/],
    ['production on a plain-text remote database', { ...prod, MONGODB_URI: 'mongodb://db.example.net:27017/' }, /without TLS/],
    ['a lease shorter than a second', { ...base, LEASE_SECONDS: '0.5' }, /LEASE_SECONDS/],
    ['an instance id prefix with spaces', { ...base, INSTANCE_ID_PREFIX: 'bot one' }, /INSTANCE_ID_PREFIX/],
    ['a database notice time of zero', { ...base, DB_UNAVAILABLE_NOTICE_SECONDS: '0' }, /DB_UNAVAILABLE_NOTICE_SECONDS/],
    ['an enrollment check wait over 10 s', { ...base, ENROLLMENT_CHECK_WAIT_SECONDS: '60' }, /ENROLLMENT_CHECK_WAIT_SECONDS/],
    ['production on the embedded database', { ...prod, MONGODB_URI: '' }, /MONGODB_URI is required in production/],
    ['production with a plain-http public address', { ...prod, PUBLIC_BASE_URL: 'http://bot.contoso.com' }, /PUBLIC_BASE_URL must be https/],
    ['a short download signing key', { ...base, DATA_EXPORT_SIGNING_KEY: 'short' }, /DATA_EXPORT_SIGNING_KEY must be at least 32/],
    ['a transparency page that is not https', { ...base, TRANSPARENCY_URL: 'http://example.com/' }, /TRANSPARENCY_URL must be https/],
    ['a download link lasting hours', { ...base, DATA_EXPORT_LINK_MINUTES: '600' }, /DATA_EXPORT_LINK_MINUTES/],
    ['a Graph timeout that is not a number', { ...base, GRAPH_TIMEOUT_MS: 'soon' }, /GRAPH_TIMEOUT_MS/],
    ['a turn budget longer than a whole Graph call may take', { ...base, TURN_GRAPH_BUDGET_MS: '90000', GRAPH_CALL_BUDGET_MS: '60000' }, /TURN_GRAPH_BUDGET_MS must not exceed GRAPH_CALL_BUDGET_MS/],
    ['a stale window shorter than the role cache', { ...base, ROLE_CACHE_SECONDS: '600', ROLE_CACHE_STALE_SECONDS: '60' }, /ROLE_CACHE_STALE_SECONDS/],
    ['a reminder list that is not numbers', { ...base, COMPLIANCE_REMINDER_HOURS: 'three days' }, /COMPLIANCE_REMINDER_HOURS/],
    ['a reminder before the grace period starts', { ...base, COMPLIANCE_GRACE_HOURS: '48', COMPLIANCE_REMINDER_HOURS: '72,24' }, /COMPLIANCE_REMINDER_HOURS must all be shorter/],
    ['a sweep scoped to groups without groups', { ...base, COMPLIANCE_SWEEP_SCOPE: 'groups' }, /COMPLIANCE_SWEEP_GROUP_IDS is required/],
    ['sweep groups that are not GUIDs', { ...base, COMPLIANCE_SWEEP_SCOPE: 'groups', COMPLIANCE_SWEEP_GROUP_IDS: 'mobile-users' }, /COMPLIANCE_SWEEP_GROUP_IDS/],
    ['sweep groups with a tenant-wide sweep', { ...base, COMPLIANCE_SWEEP_GROUP_IDS: 'b0000000-0000-4000-8000-0000000000a3' }, /COMPLIANCE_SWEEP_SCOPE is not groups/],
    ['an unknown sweep scope', { ...base, COMPLIANCE_SWEEP_SCOPE: 'everyone' }, /COMPLIANCE_SWEEP_SCOPE/],
    ['a Teams send rate above what Teams allows', { ...base, TEAMS_APP_SENDS_PER_SECOND: '80' }, /TEAMS_APP_SENDS_PER_SECOND/],
    ['a sweep more often than every 5 minutes', { ...base, COMPLIANCE_SWEEP_INTERVAL_MINUTES: '1' }, /COMPLIANCE_SWEEP_INTERVAL_MINUTES/],
    ['a zero database timeout', { ...base, MONGODB_SOCKET_TIMEOUT_MS: '0' }, /MONGODB_SOCKET_TIMEOUT_MS/],
    ['production on a loopback database without TLS', { ...prod, MONGODB_URI: 'mongodb://127.0.0.1:27017/' }, /MONGODB_URI does not use TLS/],
    ['production on an SRV database with TLS switched off', { ...prod, MONGODB_URI: 'mongodb+srv://cluster.example.net/?tls=false' }, /MONGODB_URI/],
    ['production with Graph over plain HTTP', { ...prod, GRAPH_BASE_URL: 'http://graph.example.net' }, /GRAPH_BASE_URL does not use TLS/],
    ['production with a Bot Connector over plain HTTP', { ...prod, BOT_CONNECTOR_SERVICE_URLS: 'https://smba.trafficmanager.net/,http://connector.example.net/' }, /BOT_CONNECTOR_SERVICE_URLS entry http:\/\/connector.example.net\/ does not use TLS/],
    ['a Bot Connector entry that is not a URL', { ...base, BOT_CONNECTOR_SERVICE_URLS: 'smba' }, /BOT_CONNECTOR_SERVICE_URLS entry smba is not a URL/],
    ['production without a data-residency region', { ...prod, DATA_RESIDENCY_REGION: '' }, /DATA_RESIDENCY_REGION is required/],
    ['consent kept less than six years', { ...base, RETENTION_CONSENT_DAYS: '365' }, /RETENTION_CONSENT_DAYS must be at least 2190 days/],
    ['audit kept less than six years', { ...base, RETENTION_AUDIT_DAYS: '2000' }, /RETENTION_AUDIT_DAYS must be at least 2190 days/],
    ['the access log kept less than six years', { ...base, RETENTION_LOG_DAYS: '30' }, /RETENTION_LOG_DAYS must be at least 2190 days/],
    ['an unknown approval time zone', { ...base, APPROVAL_TIME_ZONE: 'Mars/Olympus' }, /APPROVAL_TIME_ZONE/],
    ['working hours that end before they start', { ...base, APPROVAL_WORKING_HOURS: '17:00-09:00' }, /APPROVAL_WORKING_HOURS/],
    ['working hours in another form', { ...base, APPROVAL_WORKING_HOURS: '9-5' }, /APPROVAL_WORKING_HOURS/],
    ['a working day that is not a day', { ...base, APPROVAL_WORKING_DAYS: 'monday,funday' }, /APPROVAL_WORKING_DAYS/],
    ['a breach regulation table that is not JSON', { ...base, BREACH_REGULATIONS: 'HIPAA=60d' }, /BREACH_REGULATIONS must be a JSON array/],
    ['a breach regulation with no deadline', { ...base, BREACH_REGULATIONS: '[{"id":"HIPAA","name":"HIPAA","notify":"individuals"}]' }, /BREACH_REGULATIONS 0\.hours/],
    ['a breach regulation telling nobody known', { ...base, BREACH_REGULATIONS: '[{"id":"CCPA","name":"CCPA","notify":"press","hours":720}]' }, /BREACH_REGULATIONS 0\.notify/],
    ['two breach regulations with one id', { ...base, BREACH_REGULATIONS: '[{"id":"GDPR","name":"a","notify":"authority","hours":72},{"id":"GDPR","name":"b","notify":"individuals","hours":72}]' }, /regulation ids must be unique/],
    ['breach notices faster than Teams allows an app', { ...base, BREACH_SEND_PER_SECOND: '80' }, /BREACH_SEND_PER_SECOND/],
    ['a negative reminder count', { ...base, APPROVAL_REMINDER_MAX: '-1' }, /APPROVAL_REMINDER_MAX/],
    ['a zero expiry', { ...base, APPROVAL_EXPIRE_AFTER_DAYS: '0' }, /APPROVAL_EXPIRE_AFTER_DAYS/],
    ['a people search offering nobody', { ...base, DELEGATION_SEARCH_MAX: '0' }, /DELEGATION_SEARCH_MAX/],
    ['a people search offering a hundred', { ...base, DELEGATION_SEARCH_MAX: '100' }, /DELEGATION_SEARCH_MAX/],
    ['a notice reminder as long as the deadline', { ...base, NOTICE_DEADLINE_DAYS: '7', NOTICE_REMINDER_DAYS: '7,2' }, /NOTICE_REMINDER_DAYS must all be shorter/],
    ['notice reminders in another form', { ...base, NOTICE_REMINDER_DAYS: 'a week' }, /NOTICE_REMINDER_DAYS/],
    ['change notices faster than Teams allows', { ...base, NOTICE_SENDS_PER_SECOND: '60' }, /NOTICE_SENDS_PER_SECOND/],
    ['an export link longer than an hour', { ...base, CONSENT_EXPORT_LINK_MINUTES: '120' }, /CONSENT_EXPORT_LINK_MINUTES/],
    ['an access review more than a year apart', { ...base, ACCESS_REVIEW_INTERVAL_DAYS: '400' }, /ACCESS_REVIEW_INTERVAL_DAYS/],
    ['a retention dry run that is not true or false', { ...base, RETENTION_DRY_RUN: 'yes' }, /RETENTION_DRY_RUN/],
    ['an evidence link working for hours', { ...base, AUDITOR_LINK_MINUTES: '600' }, /AUDITOR_LINK_MINUTES/],
  ];
  for (const [name, env, message] of bad) {
    it(`when ${name}, then start-up fails naming the setting`, () => {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigurationError && message.test(e.message));
    });
  }

  it('when nothing about notice campaigns is set, then 10 notices a second, a 30-day deadline and reminders 7 and 2 days before apply', () => {
    const n = loadConfig({ ...base, NOTICE_REMINDER_DAYS: '2, 7,2' }).notices;
    assert.deepEqual([n.sendsPerSecond, n.deadlineDays, n.reminderDaysBefore, n.progressIntervalMs, n.exportLinkMinutes], [10, 30, [7, 2], 60_000, 5]);
  });

  it('when nothing about oversight is set, then a quarterly access review due in 14 days, daily enforced retention and 5-minute audit retries apply', () => {
    assert.deepEqual(loadConfig(base).oversight, {
      accessReviewIntervalMs: 91 * 86_400_000,
      accessReviewDueMs: 14 * 86_400_000,
      accessReviewReminderMs: 3 * 86_400_000,
      retentionIntervalMs: 24 * 3_600_000,
      retentionDryRun: false,
      auditRetryMs: 5 * 60_000,
      auditorLinkMinutes: 10,
    });
    assert.equal(loadConfig({ ...base, RETENTION_DRY_RUN: 'true' }).oversight.retentionDryRun, true);
  });

  it('when EMBEDDED_DB_BACKEND names SQLite, then the embedded database uses it', () => {
    assert.equal(loadConfig({ ...base, EMBEDDED_DB_BACKEND: 'sqlite' }).mongo.embeddedBackend, 'sqlite');
  });

  it('when nothing about retention or residency is set locally, then six years and no region apply', () => {
    const c = loadConfig(base);
    assert.deepEqual(c.governance.retentionDays, { personal: 2190, consent: 2190, audit: 2190, log: 2190, conversationState: 365 });
    assert.equal(c.governance.dataResidencyRegion, undefined);
    assert.deepEqual(c.governance.connectorServiceUrls, ['https://smba.trafficmanager.net/']);
  });

  it('when the approval timings are not set, then reminders come daily twice, escalation after 3 days, expiry after 14 days, 09:00-17:00 UTC on weekdays', () => {
    const c = loadConfig(base);
    assert.deepEqual(c.workflow.approval, { reminderAfterHours: 24, reminderEveryHours: 24, reminderMax: 2, escalateAfterHours: 72, expireAfterDays: 14 });
    assert.deepEqual(c.approvalWorkingHours, { timeZone: 'UTC', days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 1020 });
    assert.equal(c.delegation.searchMax, 8);
  });

  it('when a Windows time zone and custom hours are configured, then they are read as IANA zone and minutes', () => {
    const c = loadConfig({ ...base, APPROVAL_TIME_ZONE: 'W. Europe Standard Time', APPROVAL_WORKING_HOURS: '08:30-16:00', APPROVAL_WORKING_DAYS: 'Sunday,Monday', APPROVAL_ESCALATE_AFTER_HOURS: '0' });
    assert.deepEqual(c.approvalWorkingHours, { timeZone: 'Europe/Berlin', days: [0, 1], startMinute: 510, endMinute: 960 });
    assert.equal(c.workflow.approval.escalateAfterHours, 0);
  });

  it('when breach and register settings are not set, then HIPAA gives 60 days to individuals, GDPR 72 hours to the authority, and reviews are yearly', () => {
    const c = loadConfig(base);
    assert.deepEqual(c.breach.regulations.map((r) => [r.id, r.notify, r.hours]), [
      ['HIPAA', 'individuals', 1440],
      ['GDPR', 'authority', 72],
    ]);
    assert.deepEqual(c.breach.itReminderHoursBefore, [48, 24, 6]);
    assert.equal(c.breach.sendPerSecond, 20);
    assert.deepEqual(c.thirdParties, { reviewIntervalDays: 365, remindDaysBefore: 30, checkEveryMs: 24 * 3_600_000 });
  });

  it('when production uses a TLS connection to a remote database, then it is accepted', () => {
    assert.doesNotThrow(() => loadConfig({ ...prod, MONGODB_URI: 'mongodb://db.example.net:27017/?tls=true' }));
  });
});
