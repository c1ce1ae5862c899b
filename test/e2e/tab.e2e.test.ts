/**
 * The Teams tab end to end: the bot serves the built tab, the local Teams host page (tab/host.html) frames it and
 * answers its @microsoft/teams-js messages as Teams does (initialize, getContext, theme changes, getAuthToken with
 * a token minted by the simulated tenant's Entra), so the tab runs its real Teams code path in Chromium. Alex asks
 * for access in the Agents Playground; Megan decides in the tab, and her approval card in chat follows. Every page
 * is checked with axe-core. With TAB_SCREENSHOTS=<dir> (npm run tab:screenshots) each page is saved there.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/lib/chromium';
import { demoTabAudience, REPO_ROOT } from '../../scripts/lib/demoEnvironment';
import { buildTab, TAB_DIST_DIR } from '../../scripts/lib/tabBuild';
import type { OnboardingRequest } from '../../services/workflow/model';
import { referenceIn, requestThroughUi, stepByStep, waitForChatOpenedWith, waitForSent, waitForVersion, type SentMessage } from '../support/flowSteps';
import { startE2eStack, type E2eStack, type LogStream } from '../support/playground';
import { testClient } from '../support/testDb';
import { ConsentLedgerRepository } from '../../services/consent/consentLedgerRepository';
import { RequestRepository } from '../../services/storage/requestRepository';
import { createRequest } from '../../services/workflow/transition';
import { notices } from '../../services/content/notices/noticeRegistry';
import { deviceInstance, TestClock } from '../integration/devices/deviceHarness';
import { IncidentRepository } from '../../services/incidents/incidentRepository';
import { CAMPAIGN_COLLECTIONS, campaignIdOf, type CampaignRecipient, type NoticeCampaign } from '../../services/consent/noticeCampaigns';
import { incidentFixture } from '../support/incidentFixture';
import { ComplianceSnapshots } from '../../services/devices/complianceSnapshots';

const USERS = {
  alex: 'a0000000-0000-4000-8000-000000000000',
  megan: 'a0000000-0000-4000-8000-000000000001',
  adele: 'a0000000-0000-4000-8000-000000000002',
  patti: 'a0000000-0000-4000-8000-000000000004',
  lynne: 'a0000000-0000-4000-8000-000000000005',
  debra: 'a0000000-0000-4000-8000-000000000006',
  isaiah: 'a0000000-0000-4000-8000-000000000003',
} as const;
type Person = keyof typeof USERS;
const SCREENSHOTS = process.env.TAB_SCREENSHOTS ? path.resolve(REPO_ROOT, process.env.TAB_SCREENSHOTS) : undefined;
const AXE = require.resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

describe('e2e Teams tab: SSO sign-in, role pages, a decision that updates the card in chat, accessibility', function () {
  this.timeout(90000);
  stepByStep();
  let stack: E2eStack;
  let log: LogStream;
  let browser: Browser;
  let reference: string;
  let requestId: string;
  let approvalCard: SentMessage;
  let audience: string;

  before(async function () {
    this.timeout(180000);
    buildTab({ ifStale: true });
    stack = await startE2eStack({ name: 'tab', botEnv: { TAB_DIST_DIR } });
    audience = demoTabAudience(stack.config);
    log = await stack.activityLog();
    const ui = await stack.openPage();
    await ui.waitForCard('Request device access', 20000);
    await requestThroughUi(ui);
    reference = referenceIn(await (await ui.waitForCard(/Your device access request[\s\S]*Waiting for approval/)).innerText());
    const chat = await waitForChatOpenedWith(log, stack.api.user('Megan'));
    approvalCard = await waitForSent(log, 'Approve device access?', { conversationId: chat.id });
    const stored = await (await testClient()).db(stack.dbName).collection<OnboardingRequest>('requests').findOne({ reference });
    requestId = stored!._id;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const botUrl = () => stack.bot.url.replace(/\/$/, '');

  /** The local Teams host page signed in as `person`; resolves with the tab's frame once it shows `ready`. */
  async function openTab(person: Person, ready: RegExp, options: { theme?: string; page?: string; width?: number } = {}): Promise<{ page: Page; tab: Frame }> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1000, height: 800 }, deviceScaleFactor: 1 });
    // Offline: the teams-js origin list and fonts from CDNs are not reachable; fail those requests at once.
    await context.route(/^https?:\/\/(?!localhost|127\.0\.0\.1)/, (route) => route.abort());
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const query = new URLSearchParams({ user: USERS[person], ...(options.theme ? { theme: options.theme } : {}), ...(options.page ? { page: options.page } : {}) });
    await page.goto(`${botUrl()}/tab/host.html?${query}`);
    const tab = page.frameLocator('#tab');
    await tab.getByText(ready).first().waitFor({ state: 'visible' });
    const frame = page.frames().find((f) => f.parentFrame() && /\/tab\/(\?|$)/.test(f.url()));
    assert.ok(frame, 'the tab frame');
    return { page, tab: frame };
  }

  /**
   * Runs axe-core in the tab and fails on serious or critical violations. Fluent's focus management (Tabster)
   * adds focusable `aria-hidden` sentinels on purpose, which axe's aria-hidden-focus rule misreads
   * (https://github.com/microsoft/tabster/issues/288); they are left out, and nothing else is.
   */
  async function assertAccessible(tab: Frame, label: string): Promise<void> {
    await tab.addScriptTag({ path: AXE });
    const violations = await tab.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: object, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
      const result = await axe.run({ include: [document], exclude: [['[data-tabster-dummy]']] }, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })) }));
    });
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], `${label}: ${JSON.stringify(serious, null, 1)}`);
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    if (SCREENSHOTS) await page.locator('#tab').screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
    await page.screenshot({ path: path.join(stack.artifactsDir, `${name}.png`) });
  }

  /** Calls the tab API as `person` (token minted by the simulated tenant's Entra), or with `token` as given. */
  async function callAs(person: Person | { token: string }, route: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const token = typeof person === 'string' ? await stack.graph.entra.mint({ userId: USERS[person], audience }) : person.token;
    const res = await fetch(`${botUrl()}/api/tab${route}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('when Alex opens the tab in Teams, then SSO signs him in and he sees his request, where it stands, what IT can see, and no IT or audit pages', async () => {
    const { page, tab } = await openTab('alex', /My device requests/);
    const card = tab.getByRole('article').filter({ hasText: reference });
    await card.getByText('Waiting for approval').first().waitFor();
    assert.match(await card.innerText(), /Your manager has been asked to approve/);
    assert.match(await card.innerText(), /Megan Bowen/);
    assert.deepEqual(await tab.getByRole('tab').allInnerTexts(), ['My requests', 'Approvals']);
    await card.getByRole('button', { name: 'What IT can and cannot see on this device' }).click();
    await card.getByText('Passwords, photos and files').waitFor();
    await assertAccessible(tab, 'employee page');
    await screenshot(page, 'employee');
    await page.context().close();
  });

  it('when the API is called without a valid token or beyond a role, then it refuses: 401 without sign-in, 403 for IT and audit pages', async () => {
    const noToken = await fetch(`${botUrl()}/api/tab/me`);
    assert.equal(noToken.status, 401);
    assert.match(noToken.headers.get('www-authenticate') ?? '', /Bearer/);
    const real = await stack.graph.entra.mint({ userId: USERS.alex, audience });
    const [h, p] = real.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    // The page cannot claim to be someone else: a payload edited to Lynne's id no longer verifies.
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, oid: USERS.lynne })).toString('base64url')}.${real.split('.')[2]}`;
    assert.equal((await callAs({ token: forged }, '/me')).status, 401);
    const wrongAudience = await stack.graph.entra.mint({ userId: USERS.alex, audience: 'api://localhost/another-app' });
    assert.equal((await callAs({ token: wrongAudience }, '/me')).status, 401);
    assert.equal((await callAs('alex', '/it/requests?state=pendingApproval')).status, 403);
    assert.equal((await callAs('alex', `/audit/${reference}`)).status, 403);
    assert.equal((await callAs('megan', '/it/requests?state=pendingApproval')).status, 403);
    const me = await callAs('lynne', '/me');
    assert.deepEqual(me.body.pages, ['employee', 'manager', 'it', 'auditor']);
    // Adele is not Alex's approver: the same rule as the card refuses her decision.
    const adele = await callAs('adele', `/approvals/${requestId}/decision`, { method: 'POST', body: JSON.stringify({ decision: 'approve', version: 1 }) });
    assert.equal(adele.status, 403);
    assert.deepEqual((await callAs('adele', '/approvals')).body.requests, []);
  });

  it('when Megan approves in the tab, then the request moves on and her approval card in chat shows her decision', async () => {
    const { page, tab } = await openTab('megan', /Waiting for my approval/, { page: 'manager' });
    await tab.getByRole('heading', { name: 'Waiting for my approval' }).waitFor();
    const card = tab.getByRole('article').filter({ hasText: reference });
    await card.waitFor();
    await assertAccessible(tab, 'manager page');
    await screenshot(page, 'manager');
    await card.getByRole('button', { name: 'Approve' }).click();
    await tab.getByText(new RegExp(`${reference}: Waiting for consent`)).waitFor();
    await tab.getByText('Nothing is waiting for you.').waitFor();
    const stored = await (await testClient()).db(stack.dbName).collection<OnboardingRequest>('requests').findOne({ _id: requestId });
    assert.equal(stored?.state, 'awaitingConsent');
    assert.equal(stored?.decision?.by.aadObjectId, USERS.megan);
    await waitForVersion(log, approvalCard, /Approved by Megan Bowen/, 30000);
    // A second decision from an old page is refused as the card's would be.
    const again = await callAs('megan', `/approvals/${requestId}/decision`, { method: 'POST', body: JSON.stringify({ decision: 'deny', reason: 'late', version: 1 }) });
    assert.equal(again.status, 409);
    await page.context().close();
  });

  it('when Lynne (IT Security) opens the IT page, then she finds the request under its state', async () => {
    const { page, tab } = await openTab('lynne', /Show requests that are/, { page: 'it' });
    await tab.getByLabel('Show requests that are').selectOption('awaitingConsent');
    await tab.getByRole('article').filter({ hasText: reference }).waitFor();
    await assertAccessible(tab, 'IT page');
    await screenshot(page, 'it');
    await page.context().close();
  });

  it('when Lynne (auditor) verifies the request, then its audit trail is intact with each step recorded', async () => {
    const { page, tab } = await openTab('lynne', /Verify a request's audit trail/, { page: 'auditor' });
    await tab.getByLabel('Request reference (DEV-…) or id').fill(reference);
    await tab.getByRole('button', { name: 'Verify' }).click();
    await tab.getByText(/Audit trail intact/).first().waitFor();
    assert.ok((await tab.getByRole('row').count()) >= 3, 'a header and at least the submission and the approval');
    await assertAccessible(tab, 'auditor page');
    await screenshot(page, 'auditor');
    await page.context().close();
  });

  /** Adele's enrolled iPhone, in grace for a passcode; Intune already sees it compliant again, so Check again fixes it. */
  const ADELE_IPHONE = 'd0000000-0000-4000-8000-0000000000e1';
  const ADELE_REQUEST = 'r-adele-tab-0001';
  async function seedAdele(): Promise<void> {
    const db = (await testClient()).db(stack.dbName);
    stack.graph.controls.enrollDevice({
      id: ADELE_IPHONE,
      userId: USERS.adele,
      deviceName: "Adele's iPhone",
      operatingSystem: 'iOS',
      osVersion: '18.1',
      complianceState: 'compliant',
      managedDeviceOwnerType: 'personal',
      isEncrypted: true,
    });
    const { module } = deviceInstance(db, stack.graph.url, new TestClock(new Date()), { name: 'seed' });
    const adele = { aadObjectId: USERS.adele, displayName: 'Adele Vance' };
    await module.service.enroll({
      intuneDeviceId: ADELE_IPHONE,
      person: adele,
      requestId: ADELE_REQUEST,
      platform: 'ios',
      deviceName: "Adele's iPhone",
      operatingSystem: 'iOS',
      access: { groupId: 'b0000000-0000-4000-8000-0000000000a1', memberId: ADELE_IPHONE },
    });
    await module.service.apply(ADELE_IPHONE, { type: 'complianceObserved', compliant: false, failing: ['IosCompliancePolicy.passcodeRequired'] });
    const notice = notices.current('personal');
    await new ConsentLedgerRepository(db).append({
      kind: 'consented',
      at: new Date().toISOString(),
      subject: adele,
      device: { requestId: ADELE_REQUEST, platform: 'ios', ownership: 'personal' },
      noticeVersion: notice.version,
      textHash: notice.sha256,
    });
  }

  it('when Adele opens her devices and consents, then she sees what to fix, Check again clears it, and she withdraws after confirming', async () => {
    await seedAdele();
    const { page, tab } = await openTab('adele', /My devices/);
    const device = tab.getByRole('article').filter({ hasText: "Adele's iPhone" });
    await device.getByText('Needs fixing before the grace period ends').waitFor();
    assert.match(await device.innerText(), /Grace period ends .* left/);
    assert.match(await device.innerText(), /passcode/i);
    const consent = tab.getByRole('article').filter({ hasText: 'History of your answers' });
    await consent.getByText('Consent given').waitFor();
    await consent.getByRole('button', { name: 'The exact text you answered' }).click();
    await assertAccessible(tab, 'employee devices and consents');
    await screenshot(page, 'employee-devices');
    // Check again: the same use case as the notice's button re-reads Intune, which sees the device compliant.
    await device.getByRole('button', { name: 'Check again' }).click();
    await tab.getByText(/Checked just now: Compliant/).waitFor();
    const stored = await (await testClient()).db(stack.dbName).collection('enrolledDevices').findOne({ _id: ADELE_IPHONE as never });
    assert.equal(stored?.state, 'compliant');
    // Withdraw asks first; keeping the consent changes nothing.
    await consent.getByRole('button', { name: 'Withdraw consent' }).click();
    await tab.getByRole('alertdialog').getByRole('button', { name: 'Keep my consent' }).click();
    await consent.getByText('Consent given').waitFor();
    await consent.getByRole('button', { name: 'Withdraw consent' }).click();
    const dialog = tab.getByRole('alertdialog');
    await dialog.waitFor();
    // axe measures colours as drawn: wait until the dialog's opening animation has finished.
    await tab.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await assertAccessible(tab, 'withdraw confirmation');
    await dialog.getByRole('button', { name: 'Withdraw consent' }).click();
    await tab.getByText('Your withdrawal is recorded in your consent history.').waitFor();
    await tab.getByRole('article').filter({ hasText: 'History of your answers' }).getByText('Withdrawn', { exact: true }).waitFor();
    const head = await (await testClient()).db(stack.dbName).collection('consentLedgerHeads').findOne({ subjectId: USERS.adele });
    assert.equal((head as { state?: { status?: string } } | null)?.state?.status, 'withdrawn');
    // My data: a direct, authenticated download of everything stored about her.
    const [download] = await Promise.all([page.waitForEvent('download'), tab.getByRole('button', { name: 'Download my data' }).click()]);
    assert.match(download.suggestedFilename(), /^my-data-\d{4}-\d{2}-\d{2}\.json$/);
    await page.context().close();
  });

  it('when Lynne (IT Security) looks at devices, alerts, a person and the charts, then each shows the stored records and her look-up is logged', async () => {
    const { page, tab } = await openTab('lynne', /Show requests that are/, { page: 'it' });
    await tab.getByRole('tab', { name: 'Devices' }).click();
    // Adele's iPhone is where her Check again and her withdrawal left it (compliant, or retired once withdrawn).
    // Her withdrawal's last effects may still be moving it (compliant, then retired): list the state it is in now,
    // and once more if it moved between the read and the listing.
    for (let attempt = 1; ; attempt++) {
      const adeles = await (await testClient()).db(stack.dbName).collection('enrolledDevices').findOne({ _id: ADELE_IPHONE as never });
      await tab.getByLabel('Show devices that are').selectOption(String(adeles?.state));
      try {
        await tab.getByRole('article').filter({ hasText: "Adele's iPhone" }).waitFor({ timeout: attempt < 3 ? 5_000 : 15_000 });
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    assert.equal(await tab.getByRole('button', { name: 'Check again' }).count(), 0, 'only the owner checks her device');
    await assertAccessible(tab, 'IT devices');
    await tab.getByRole('tab', { name: 'Alerts' }).click();
    await tab.getByText(/No open alerts|Open alerts/).first().waitFor();
    await assertAccessible(tab, 'IT alerts');
    await tab.getByRole('tab', { name: 'Charts' }).click();
    await tab.getByText('Open requests by state').waitFor();
    await tab.getByRole('img', { name: /Managed devices by compliance/ }).waitFor();
    await assertAccessible(tab, 'IT charts');
    await screenshot(page, 'it-charts');
    await tab.getByRole('tab', { name: 'People' }).click();
    await tab.getByLabel('Name or email address').fill('Alex');
    await tab.getByRole('button', { name: 'Search' }).click();
    await tab.getByRole('button', { name: /Alex Wilber/ }).click();
    await tab.getByRole('heading', { name: 'Alex Wilber', exact: true }).waitFor();
    await tab.getByRole('article').filter({ hasText: reference }).waitFor();
    await assertAccessible(tab, 'IT person');
    await screenshot(page, 'it-person');
    // Someone with no records yet is found in the directory (Graph user search in the simulated tenant).
    await tab.getByLabel('Name or email address').fill('Patti');
    await tab.getByRole('button', { name: 'Search' }).click();
    await tab.getByRole('button', { name: /Patti .*directory/ }).waitFor();
    const logged = await (await testClient()).db(stack.dbName).collection('accessLog').findOne({ 'subject.id': USERS.alex, action: 'lookUpPerson' });
    assert.equal((logged as { door?: string } | null)?.door, 'tab');
    await page.context().close();
  });

  it('when Lynne (auditor) downloads an evidence pack and a consent export, then both arrive and both reads are in the access log', async () => {
    const { page, tab } = await openTab('lynne', /Verify a request's audit trail/, { page: 'auditor' });
    await tab.getByLabel('Request reference (DEV-…) or id').fill(reference);
    await tab.getByRole('button', { name: 'Verify' }).click();
    await tab.getByText(/Audit trail intact/).first().waitFor();
    const [pack] = await Promise.all([page.waitForEvent('download'), tab.getByRole('button', { name: 'Download evidence pack (JSON)' }).click()]);
    assert.equal(pack.suggestedFilename(), `evidence-request-${requestId}.json`);
    const [csv] = await Promise.all([page.waitForEvent('download'), tab.getByRole('button', { name: 'Download export' }).click()]);
    assert.match(csv.suggestedFilename(), /^consents-.*\.csv$/);
    await tab.getByRole('table', { name: 'Published notice versions' }).getByText('in force').first().waitFor();
    await assertAccessible(tab, 'auditor downloads and notices');
    await screenshot(page, 'auditor-evidence');
    const log = (await testClient()).db(stack.dbName).collection('accessLog');
    assert.ok(await log.findOne({ action: 'exportEvidence', 'subject.id': requestId, door: 'tab' }), 'the evidence read is logged');
    assert.ok(await log.findOne({ action: 'exportConsents', door: 'tab' }), 'the export is logged');
    await page.context().close();
  });

  /** Adele's lost iPhone, remote-locked by Lynne with Intune's answer, stored without carrying out its effects. */
  const ADELE_INCIDENT = 'INC-2026-TAB0E1';
  async function seedIncident(): Promise<void> {
    const db = (await testClient()).db(stack.dbName);
    const at = new Date();
    await new IncidentRepository(db).create(
      incidentFixture({
        id: ADELE_INCIDENT,
        owner: { aadObjectId: USERS.adele, displayName: 'Adele Vance' },
        by: { aadObjectId: USERS.lynne, displayName: 'Lynne Robbins' },
        deviceId: ADELE_IPHONE,
        deviceName: "Adele's iPhone",
        at,
        events: [
          { type: 'triage', severity: 'high' },
          { type: 'requestDeviceAction', id: 'lock-1', action: 'remoteLock', deviceId: ADELE_IPHONE },
          { type: 'deviceActionStarted', actionId: 'lock-1' },
          { type: 'deviceActionSettled', actionId: 'lock-1', outcome: 'accepted', httpStatus: 204, requestId: 'graph-request-e2e', verifiedBy: 'response', at: at.toISOString() },
        ],
      }),
    );
  }

  it('when Lynne (IT Security) opens the incidents, then the open one is listed and its detail shows the device action with Intune\'s answer, and the read is logged', async () => {
    await seedIncident();
    const { page, tab } = await openTab('lynne', /Show requests that are/, { page: 'it' });
    await tab.getByRole('tab', { name: 'Incidents' }).click();
    const open = tab.getByRole('table', { name: 'Open incidents' });
    await open.getByRole('row').filter({ hasText: ADELE_INCIDENT }).waitFor();
    assert.match(await open.innerText(), /Adele Vance/);
    await tab.getByRole('button', { name: ADELE_INCIDENT }).click();
    const actions = tab.getByRole('table', { name: 'Device actions and what Intune answered' });
    await actions.getByText(/HTTP 204.*graph-request-e2e/).waitFor();
    await tab.getByRole('heading', { name: 'Timeline' }).waitFor();
    await assertAccessible(tab, 'IT incidents');
    await screenshot(page, 'it-incidents');
    const logged = await (await testClient()).db(stack.dbName).collection('accessLog').findOne({ 'subject.kind': 'incident', 'subject.id': ADELE_INCIDENT });
    assert.equal((logged as { door?: string } | null)?.door, 'tab');
    await page.context().close();
  });

  it('when Lynne (IT Security) opens the charts, then compliance over time and the time from request to access show what the digest recorded', async () => {
    const snapshots = new ComplianceSnapshots((await testClient()).db(stack.dbName));
    const today = new Date();
    await snapshots.record(new Date(today.getTime() - 24 * 3600 * 1000), new Map([['compliant', 3], ['inGrace', 2]]));
    await snapshots.record(today, new Map([['compliant', 4], ['inGrace', 1], ['accessRemoved', 1]]), [20 * 60 * 1000, 30 * 3600 * 1000]);
    const { page, tab } = await openTab('lynne', /Show requests that are/, { page: 'it' });
    await tab.getByRole('tab', { name: 'Charts' }).click();
    const chart = tab.getByRole('img', { name: /Compliance over time/ });
    await chart.waitFor();
    assert.match((await chart.getAttribute('aria-label')) ?? '', /2 days from .*Compliant: work access on 4/);
    // Two requests granted today: one twenty minutes after it was asked for, one thirty hours after.
    const times = tab.getByRole('img', { name: /Time from request to access/ });
    assert.match((await times.getAttribute('aria-label')) ?? '', /Under an hour: 1; .*1 to 3 days: 1/);
    await assertAccessible(tab, 'IT compliance over time');
    await screenshot(page, 'it-compliance-over-time');
    await page.context().close();
  });

  it('when Debra (auditor) opens the notices, then a version\'s campaign shows its progress as IT\'s progress card counts it', async () => {
    // A closed campaign of the personal notice in force (closed: no job of the running bot acts on it).
    const db = (await testClient()).db(stack.dbName);
    const notice = notices.current('personal');
    const id = campaignIdOf(notice);
    const at = new Date().toISOString();
    const campaign: NoticeCampaign = {
      _id: id,
      ownership: 'personal',
      version: notice.version,
      sha256: notice.sha256,
      publishedAt: notice.publishedAt,
      summary: notice.summary,
      material: true,
      lines: [],
      previous: { version: 'earlier', sha256: '0'.repeat(64), lines: [] },
      deadline: '2026-12-15T00:00:00.000Z',
      reminderDaysBefore: [],
      startedAt: at,
      startedBy: { aadObjectId: USERS.lynne, displayName: 'Lynne Robbins' },
      fanOut: { done: true, cursor: '', count: 3 },
      remindersSent: [],
      closedAt: at,
    };
    await db.collection<NoticeCampaign>(CAMPAIGN_COLLECTIONS.campaigns).insertOne(campaign);
    const recipient = (n: number, state: CampaignRecipient['state'], accessRemoved = false): CampaignRecipient => ({
      _id: `${id}|ledger-${n}`,
      campaignId: id,
      streamId: `ledger-${n}`,
      subject: { aadObjectId: `person-${n}`, displayName: `Person ${n}` },
      device: { requestId: `r-${n}`, platform: 'ios', ownership: 'personal' },
      index: n,
      state,
      accessRemoved,
      updatedAt: at,
    });
    await db.collection<CampaignRecipient>(CAMPAIGN_COLLECTIONS.recipients).insertMany([recipient(1, 'answered'), recipient(2, 'lapsed', true), recipient(3, 'unreachable')]);
    const { page, tab } = await openTab('debra', /Verify a request's audit trail/, { page: 'auditor' });
    const progress = tab.getByRole('table', { name: 'Notice campaign progress' });
    const row = progress.getByRole('row').filter({ hasText: notice.version });
    await row.waitFor();
    // Told 2 of 3 (answered and lapsed), answered 1, pending 1 (lapsed), unreachable 1, access removed 1.
    const cells = (await row.getByRole('cell').allInnerTexts()).map((t) => t.trim());
    assert.match(cells[1], /^Closed/);
    assert.deepEqual(cells.slice(3), ['2 of 3', '1', '1', '1', '1']);
    await assertAccessible(tab, 'auditor notice campaigns');
    await screenshot(page, 'auditor-campaigns');
    await page.context().close();
  });

  it('the record APIs answer each role as the table says (route × role → status)', async () => {
    await seedIncident();
    const post = { method: 'POST', body: JSON.stringify({ confirm: true }) };
    // Alex and Megan have no role; Lynne is IT Security and an auditor; Debra is an auditor only.
    const table: [string, RequestInit, Record<'alex' | 'megan' | 'lynne' | 'debra', number>][] = [
      ['/devices/mine', {}, { alex: 200, megan: 200, lynne: 200, debra: 200 }],
      [`/devices/${ADELE_IPHONE}/check`, { method: 'POST', body: '{}' }, { alex: 403, megan: 403, lynne: 403, debra: 403 }],
      ['/consents/mine', {}, { alex: 200, megan: 200, lynne: 200, debra: 200 }],
      [`/consents/${ADELE_REQUEST}/withdraw`, post, { alex: 409, megan: 409, lynne: 409, debra: 409 }],
      ['/my-data', {}, { alex: 200, megan: 200, lynne: 200, debra: 200 }],
      ['/it/devices?state=compliant', {}, { alex: 403, megan: 403, lynne: 200, debra: 403 }],
      ['/it/alerts', {}, { alex: 403, megan: 403, lynne: 200, debra: 403 }],
      ['/it/charts', {}, { alex: 403, megan: 403, lynne: 200, debra: 403 }],
      ['/it/incidents', {}, { alex: 403, megan: 403, lynne: 200, debra: 403 }],
      ['/it/incidents?state=closed', {}, { alex: 403, megan: 403, lynne: 200, debra: 403 }],
      [`/it/incidents/${ADELE_INCIDENT}`, {}, { alex: 403, megan: 403, lynne: 200, debra: 403 }],
      ['/people?q=Adele', {}, { alex: 403, megan: 403, lynne: 200, debra: 200 }],
      [`/people/${USERS.adele}`, {}, { alex: 403, megan: 403, lynne: 200, debra: 200 }],
      [`/evidence/request/${requestId}`, {}, { alex: 403, megan: 403, lynne: 200, debra: 200 }],
      [`/evidence/person/${USERS.alex}`, {}, { alex: 403, megan: 403, lynne: 200, debra: 200 }],
      ['/consents/export?format=json', {}, { alex: 403, megan: 403, lynne: 200, debra: 200 }],
      ['/notices', {}, { alex: 403, megan: 403, lynne: 200, debra: 200 }],
    ];
    const got: string[] = [];
    const want: string[] = [];
    for (const [route, init, expected] of table) {
      for (const person of ['alex', 'megan', 'lynne', 'debra'] as const) {
        const token = await stack.graph.entra.mint({ userId: USERS[person], audience });
        const res = await fetch(`${botUrl()}/api/tab${route}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
        got.push(`${init.method ?? 'GET'} ${route} as ${person} → ${res.status}`);
        want.push(`${init.method ?? 'GET'} ${route} as ${person} → ${expected[person]}`);
      }
    }
    assert.deepEqual(got, want);
    // Without a token nothing is served.
    assert.equal((await fetch(`${botUrl()}/api/tab/my-data`)).status, 401);
  });

  it('when a request was delegated to Adele, then she sees it on Megan\'s behalf and decides it with the card\'s guards; Megan cannot', async () => {
    const db = (await testClient()).db(stack.dbName);
    const megan = { aadObjectId: USERS.megan, displayName: 'Megan Bowen' };
    const { next } = createRequest(
      {
        id: 'r-isaiah-delegated',
        reference: 'DEV-DELEG1',
        tenantId: stack.config.tenantId ?? 't',
        requester: { aadObjectId: USERS.isaiah, displayName: 'Isaiah Langer' },
        device: { platform: 'android', ownership: 'personal', model: 'Pixel 9', justification: 'Sales calls on the road' },
        approvers: [{ aadObjectId: USERS.adele, displayName: 'Adele Vance' }],
        approverSource: 'delegate',
        onBehalfOf: megan,
      },
      new Date().toISOString(),
    );
    await new RequestRepository(db).insert({ ...next, outbox: [] });
    // The delegator keeps a read-only view, as in chat: she is not the recorded approver.
    assert.deepEqual(((await callAs('megan', '/approvals')).body.requests as { reference: string }[]).map((r) => r.reference), []);
    const megans = await callAs('megan', '/approvals/r-isaiah-delegated/decision', { method: 'POST', body: JSON.stringify({ decision: 'approve', version: 1 }) });
    assert.equal(megans.status, 403);
    const { page, tab } = await openTab('adele', /Waiting for my approval/, { page: 'manager' });
    const card = tab.getByRole('article').filter({ hasText: 'DEV-DELEG1' });
    await card.getByText('Megan Bowen (delegated)').waitFor();
    await assertAccessible(tab, 'delegate approvals');
    await screenshot(page, 'manager-delegate');
    await card.getByRole('button', { name: 'Approve' }).click();
    await tab.getByText(/DEV-DELEG1: Waiting for consent/).waitFor();
    const stored = await db.collection<OnboardingRequest>('requests').findOne({ _id: 'r-isaiah-delegated' });
    assert.equal(stored?.decision?.by.aadObjectId, USERS.adele);
    assert.equal(stored?.decision?.onBehalfOf?.aadObjectId, USERS.megan);
    await page.context().close();
  });

  it('when Teams switches to dark or high contrast, then the tab follows the theme change', async () => {
    const { page, tab } = await openTab('alex', /My device requests/);
    const background = () => tab.evaluate(() => getComputedStyle(document.querySelector('.fui-FluentProvider')!).backgroundColor);
    const light = await background();
    for (const theme of ['dark', 'contrast']) {
      await page.selectOption('#theme', theme);
      await tab.waitForFunction((before) => getComputedStyle(document.querySelector('.fui-FluentProvider')!).backgroundColor !== before, light);
      await assertAccessible(tab, `${theme} theme`);
      await screenshot(page, `employee-${theme}`);
    }
    await page.context().close();
  });

  it('when the tab opens on a phone-sized screen, then nothing scrolls sideways and the pages are still reachable', async () => {
    const { page, tab } = await openTab('megan', /My device requests/, { width: 360 });
    const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    // The record pages fit too: Adele's devices and consents, and IT's views.
    for (const [person, ready, page2, tabName, shown] of [
      ['adele', /My devices/, undefined, undefined, /Download my data/],
      ['lynne', /Show requests that are/, 'it', 'Charts', /Managed devices by compliance/],
      ['lynne', /Show requests that are/, 'it', 'Alerts', /No open alerts|Open alerts/],
      ['lynne', /Verify a request's audit trail/, 'auditor', undefined, /Notice versions/],
    ] as const) {
      const narrow = await openTab(person, ready, { width: 360, page: page2 });
      if (tabName) await narrow.tab.getByRole('tab', { name: tabName }).click();
      await narrow.tab.getByText(shown).first().waitFor();
      const wider = await narrow.tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(wider <= 0, `${person} ${page2 ?? 'employee'} ${tabName ?? ''}: ${wider}px wider than the screen`);
      await narrow.page.context().close();
    }
    await tab.getByRole('tab', { name: 'Approvals' }).focus();
    await page.keyboard.press('Enter');
    await tab.getByRole('heading', { name: 'Waiting for my approval' }).waitFor();
    await screenshot(page, 'phone');
    await page.context().close();
  });

  it('when IT Security adds the tab to their channel, then the configuration page saves a tab that opens on the IT page', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.route(/^https?:\/\/(?!localhost|127\.0\.0\.1)/, (route) => route.abort());
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    await page.goto(`${botUrl()}/tab/host.html?user=${USERS.lynne}&frameContext=settings`);
    const tab = page.frameLocator('#tab');
    await tab.getByRole('heading', { name: 'Device requests for this channel' }).waitFor();
    // The page declares itself valid (pages.config.setValidityState), which enables the host's Save.
    await page.locator('#save:enabled').waitFor();
    await page.locator('#save').click();
    await page.getByText('Saved the channel tab (it)').waitFor();
    await tab.getByLabel('Show requests that are').waitFor();
    await context.close();
  });

  it('when the tab is opened outside Teams, then it says so and offers the local host for a demo user', async () => {
    const context = await browser.newContext();
    await context.route(/^https?:\/\/(?!localhost|127\.0\.0\.1)/, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${botUrl()}/tab/`);
    await page.getByText('Open this tab in Microsoft Teams').waitFor({ timeout: 15000 });
    assert.equal(await page.getByRole('link', { name: /local Teams host/ }).getAttribute('href'), '/tab/host.html');
    await context.close();
  });
});
