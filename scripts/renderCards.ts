/**
 * `npm run cards:render`: renders every card, from the fixtures, to docs/cards/<name>.png in headless Chromium with
 * the adaptivecards renderer and a Teams light host config, and writes docs/cards/README.md. Exits 1 if any card
 * reports a parse, validation or render problem, so a broken template cannot produce a pretty picture by accident.
 *
 * Offline by design: Debian's /usr/bin/chromium (never `playwright install`), every non-data: request aborted, the
 * renderer bundle inlined with addScriptTag. Teams' own font (Segoe UI) is not on Linux, so Open Sans stands in.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { renderApprovalCard } from '../cards/approvalCard';
import { renderComplianceCard } from '../cards/complianceCard';
import { renderConsentCard } from '../cards/consentCard';
import { renderEnrollmentCard } from '../cards/enrollmentCard';
import { renderErrorCard } from '../cards/errorCard';
import { renderNotYoursCard } from '../cards/notYoursCard';
import { FIXTURE_NOW, FIXTURE_PEOPLE, FIXTURE_REQUESTS } from '../cards/fixtures';
import { renderItCard } from '../cards/itCard';
import { renderLookupCard } from '../cards/lookupCard';
import { renderNotificationCard } from '../cards/notificationCard';
import { renderPrivacyCard } from '../cards/privacyCard';
import type { AdaptiveCard } from '../cards/renderTemplate';
import { renderRequestFormCard } from '../cards/requestFormCard';
import { renderRequestStatusCard } from '../cards/requestStatusCard';
import { renderWelcomeCard } from '../cards/welcomeCard';
import { consentTextFor } from '../services/content/consentText';

const ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'docs', 'cards');
/** Card width in CSS pixels: about a Teams message column on a laptop, and close to a phone's width. */
const CARD_WIDTH = 440;

interface GalleryEntry {
  name: string;
  caption: string;
  card: AdaptiveCard;
  /** Title of an Action.ShowCard to open before the picture is taken. */
  expand?: string;
}

const F = FIXTURE_REQUESTS;
const consentFor = (o: 'personal' | 'company') => consentTextFor(o);

/** Every card and the variants worth seeing, in the order the README lists them. */
function gallery(): GalleryEntry[] {
  return [
    { name: 'welcome', caption: 'Welcome card with an open request (employee, 1:1 chat).', card: renderWelcomeCard({ displayName: 'Megan Bowen', openRequest: { reference: 'DEV-PA001', stateLabel: 'Waiting for approval' } }) },
    { name: 'request-form', caption: 'Request form (OP-PROC-002 step 1).', card: renderRequestFormCard() },
    {
      name: 'request-form-errors',
      caption: 'Request form shown again with server-side messages and the values typed.',
      card: renderRequestFormCard({
        values: { platform: 'android', ownership: 'personal', model: 'P', justification: 'Email' },
        errors: ['Enter the device model (for example "iPhone 15").', 'Explain in a sentence why you need this device for work (at least 10 characters).'],
      }),
    },
    { name: 'status-pending-approval', caption: "Employee's status card while the manager decides; typed text is shown literally.", card: renderRequestStatusCard(F.pendingApproval, { now: FIXTURE_NOW }) },
    { name: 'status-awaiting-enrollment', caption: 'Status card with the enrollment deadline.', card: renderRequestStatusCard(F.awaitingEnrollment, { now: FIXTURE_NOW }) },
    { name: 'status-noncompliant', caption: 'Status card listing what to fix.', card: renderRequestStatusCard(F.nonCompliant, { now: FIXTURE_NOW }) },
    { name: 'status-denied', caption: "Status card after the manager's denial, with reason and comment.", card: renderRequestStatusCard(F.denied, { now: FIXTURE_NOW }) },
    {
      name: 'approval-approver',
      caption: "Manager's approval card: device, justification (escaped), what IT will and won't see.",
      card: renderApprovalCard(F.pendingApproval, { viewer: 'approver', refreshUserIds: ['29:manager'] }),
    },
    {
      name: 'approval-approver-deny',
      caption: 'Deny opens a required reason.',
      card: renderApprovalCard(F.pendingApprovalFallback, { viewer: 'approver', refreshUserIds: ['29:a', '29:b'] }),
      expand: 'Deny',
    },
    { name: 'approval-decided', caption: 'Approval card after the decision (every viewer).', card: renderApprovalCard(F.denied, { viewer: 'approver', refreshUserIds: ['29:manager'] }) },
    { name: 'approval-other', caption: 'Approval card for anyone but the approver while pending.', card: renderApprovalCard(F.pendingApprovalFallback, { viewer: 'other', refreshUserIds: [] }) },
    { name: 'it-pending-review', caption: 'IT Security channel card awaiting review: Confirm access or Deny.', card: renderItCard(F.pendingItReview, { viewer: 'it' }) },
    { name: 'it-noncompliant', caption: 'IT card as an alert: failing settings listed.', card: renderItCard(F.nonCompliant, { viewer: 'it' }) },
    { name: 'it-grace-period', caption: 'IT card for a device in its grace period.', card: renderItCard(F.nonCompliantGrace, { viewer: 'it' }) },
    { name: 'it-granted', caption: 'IT card once access is granted (read-only view).', card: renderItCard(F.granted, { viewer: 'other' }) },
    { name: 'consent-personal', caption: 'Consent and terms for a personal device (OP-PROC-002 step 4).', card: renderConsentCard({ ...F.awaitingConsent, device: { ...F.awaitingConsent.device, ownership: 'personal' } }, consentFor('personal')) },
    { name: 'consent-company-answered', caption: 'Consent card after the answer: recorded time, no buttons.', card: renderConsentCard(F.pendingItReview, consentFor('company')) },
    { name: 'enrollment-ios-personal', caption: 'Enrollment steps, iOS personal (account-driven User Enrollment).', card: renderEnrollmentCard({ ...F.awaitingEnrollment, device: { ...F.awaitingEnrollment.device, platform: 'ios', ownership: 'personal' } }) },
    { name: 'enrollment-android-company', caption: 'Enrollment steps, Android company-owned (fully managed).', card: renderEnrollmentCard({ ...F.awaitingEnrollment, device: { ...F.awaitingEnrollment.device, platform: 'android', ownership: 'company' } }) },
    { name: 'enrollment-windows-personal', caption: 'Enrollment steps, Windows personal.', card: renderEnrollmentCard(F.awaitingEnrollment) },
    { name: 'compliance-noncompliant', caption: 'Compliance card: each failing setting with its fix, and Check again.', card: renderComplianceCard(F.nonCompliant) },
    { name: 'compliance-grace-period', caption: 'Compliance card in the grace period, with the deadline.', card: renderComplianceCard(F.nonCompliantGrace) },
    { name: 'compliance-unknown', caption: 'Compliance card while Intune has not evaluated the device.', card: renderComplianceCard(F.complianceUndetermined) },
    { name: 'compliance-compliant', caption: 'Compliance card when the device passes (IT review next).', card: renderComplianceCard(F.pendingItReview) },
    { name: 'notice', caption: "Notification (here: the manager's denial, reason shown as typed).", card: renderNotificationCard(F.denied, 'denied', 'requester') },
    { name: 'notice-it-noncompliant', caption: 'Notification threaded under the IT card when a device fails compliance.', card: renderNotificationCard(F.nonCompliant, 'nonCompliant', 'it') },
    { name: 'error', caption: 'Error card with a reference id.', card: renderErrorCard({ referenceId: '7f3a9c21', message: 'Something went wrong on our side. Please try again.' }) },
    { name: 'not-yours', caption: 'Someone with no part in a request opens or clicks one of its cards: nothing about it is shown.', card: renderNotYoursCard() },
    { name: 'lookup', caption: "IT lookup of one person's requests.", card: renderLookupCard({ person: FIXTURE_PEOPLE.requester, requests: Object.values(F).slice(0, 8) }) },
    { name: 'privacy', caption: 'Privacy notice, with the personal-device details opened.', card: renderPrivacyCard(), expand: 'Personal device' },
  ];
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 0; padding: 20px; background: #F5F5F5; font-family: 'Open Sans', sans-serif; }
  #card { width: ${CARD_WIDTH}px; background: #fff; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.14), 0 0 2px rgba(0,0,0,.12); overflow: hidden; }
  .ac-textBlock p { margin: 0; } .ac-textBlock ol, .ac-textBlock ul { margin: 0; padding-left: 22px; }
  .ac-textBlock a { color: #5B5FC7; }
  .ac-actionSet { flex-wrap: wrap; row-gap: 8px; }
  .ac-pushButton { font: 600 14px 'Open Sans', sans-serif; min-height: 32px; padding: 4px 12px; border-radius: 4px; border: 1px solid #D1D1D1; background: #fff; color: #242424; white-space: nowrap; }
  .ac-pushButton.style-positive { background: #5B5FC7; border-color: #5B5FC7; color: #fff; }
  .ac-pushButton.style-destructive { color: #C50F1F; }
  .ac-pushButton.expanded { background: #EBEBFA; border-color: #5B5FC7; }
  .ac-input { font: 14px 'Open Sans', sans-serif; box-sizing: border-box; }
  .ac-textInput, .ac-multichoiceInput, select.ac-input { width: 100%; border: 1px solid #D1D1D1; border-bottom-color: #616161; border-radius: 4px; padding: 6px 8px; background: #fff; }
  .ac-textInput.ac-multiline { min-height: 64px; }
  .ac-choiceSetInput-expanded label { font-size: 14px; }
</style></head><body><div id="card"></div></body></html>`;

// Teams renders a CommonMark subset in TextBlocks (bold, italic, lists, links); the bare renderer does none, so
// this small processor stands in for the pictures. TextRuns are never passed through it, exactly as in Teams.
// Plain JavaScript in a string: it runs in the page, where the TS compiler's helpers do not exist.
const TEAMS_MARKDOWN_JS = String.raw`
window.__teamsMarkdown = function (text) {
  var esc = function (s) { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); };
  var inline = function (s) {
    return esc(s)
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|\W)_(.+?)_(?=\W|$)/g, '$1<em>$2</em>')
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
  };
  var lines = text.split(/\r\n|\r|\n/);
  var all = function (re) { return lines.length > 1 && lines.every(function (l) { return re.test(l); }); };
  if (all(/^\d+\.\s/)) return '<ol>' + lines.map(function (l) { return '<li>' + inline(l.replace(/^\d+\.\s/, '')) + '</li>'; }).join('') + '</ol>';
  if (all(/^-\s/)) return '<ul>' + lines.map(function (l) { return '<li>' + inline(l.slice(2)) + '</li>'; }).join('') + '</ul>';
  return lines.map(inline).join('<br>');
};`;

async function main(): Promise<void> {
  const entries = gallery();
  const hostConfig = JSON.parse(readFileSync(path.join(ROOT, 'cards', 'teamsHostConfig.json'), 'utf8'));
  mkdirSync(OUT_DIR, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), 'cards-render-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    deviceScaleFactor: 2,
    viewport: { width: CARD_WIDTH + 40, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const failures: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    for (const entry of entries) {
      const pageErrors: string[] = [];
      const onConsole = (m: { type(): string; text(): string }) => {
        if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
      };
      const onPageError = (e: Error) => pageErrors.push(`page: ${e.message}`);
      page.on('console', onConsole);
      page.on('pageerror', onPageError);
      await page.setContent(PAGE);
      await page.addScriptTag({ path: require.resolve('adaptivecards/dist/adaptivecards.min.js') });
      await page.addScriptTag({ content: TEAMS_MARKDOWN_JS });
      const problems = await page.evaluate(
        ({ card, hc }) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const AC = (window as any).AdaptiveCards;
          AC.AdaptiveCard.onProcessMarkdown = (text: string, result: { outputHtml?: string; didProcess: boolean }) => {
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            result.outputHtml = (window as any).__teamsMarkdown(text);
            result.didProcess = true;
          };
          const found: string[] = [];
          const ctx = new AC.SerializationContext(AC.Versions.v1_5);
          const ac = new AC.AdaptiveCard();
          ac.hostConfig = new AC.HostConfig(hc);
          ac.parse(card, ctx);
          for (let i = 0; i < ctx.eventCount; i++) found.push(`parse: ${ctx.getEventAt(i).message}`);
          for (const e of ac.validateProperties().validationEvents) found.push(`validate: ${e.message}`);
          const el = ac.render();
          if (!el) found.push('render returned nothing');
          else document.getElementById('card')?.appendChild(el);
          return found;
        },
        { card: entry.card, hc: hostConfig },
      );
      if (entry.expand) await page.locator('#card .ac-pushButton', { hasText: entry.expand }).first().click();
      await page.evaluate(() => document.fonts.ready);
      await page.locator('#card').screenshot({ path: path.join(OUT_DIR, `${entry.name}.png`) });
      page.off('console', onConsole);
      page.off('pageerror', onPageError);
      const all = [...problems, ...pageErrors];
      if (all.length) failures.push(`${entry.name}: ${all.join(' | ')}`);
      console.log(`${all.length ? 'FAIL' : 'ok  '} docs/cards/${entry.name}.png`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  writeFileSync(path.join(OUT_DIR, 'README.md'), readme(entries));
  if (failures.length) {
    console.error(`\n${failures.length} card(s) reported problems:\n${failures.join('\n')}`);
    process.exit(1);
  }
  console.log(`\n${entries.length} cards rendered to docs/cards/`);
}

function readme(entries: GalleryEntry[]): string {
  const rows = entries.map((e) => `### ${e.name}\n\n${e.caption}\n\n![${e.name}](./${e.name}.png)\n`);
  return [
    '# Cards',
    '',
    'Every Adaptive Card the bot sends, rendered from the fixtures in `cards/fixtures.ts` with the `adaptivecards`',
    'renderer in headless Chromium and a Teams light host config (`cards/teamsHostConfig.json`). Open Sans stands in for',
    "Teams' Segoe UI, and dates show in UTC. Regenerate with `npm run cards:render` (this file is generated too).",
    '',
    'Templates live in `cards/templates/*.json`; each `cards/<name>Card.ts` expands one. Text a person typed (model,',
    'justification, comments, reasons) is shown in plain-text TextRuns and escaped, so the markdown, link, mention and',
    'template syntax in the fixture justification appears literally.',
    '',
    '| Card | Renderer | Buttons (verbs) |',
    '|---|---|---|',
    '| Welcome | `renderWelcomeCard({ displayName, openRequest? })` | request.start, request.status, privacy.show |',
    '| Request form | `renderRequestFormCard({ values?, errors? })` | request.submit, request.cancel (no requestId: discard) |',
    '| Status (employee) | `renderRequestStatusCard(request, { now })` | request.status, request.cancel while cancellable |',
    '| Approval (manager) | `renderApprovalCard(request, { viewer, refreshUserIds })` | approval.approve, approval.deny; refresh approval.refresh |',
    '| IT Security channel | `renderItCard(request, { viewer })` | it.confirm, it.deny, compliance.recheck; refresh it.refresh |',
    '| Consent and terms | `renderConsentCard(request, consent, { answered? })` | consent.accept, consent.decline (data.textHash) |',
    '| Enrollment | `renderEnrollmentCard(request)` | enrollment.done |',
    '| Compliance | `renderComplianceCard(request)` | compliance.recheck, enrollment.done |',
    '| Notice | `renderNoticeCard({ title, text, tone, reference?, detail?, actions? })` | any |',
    '| Notification | `renderNotificationCard(request, topic, audience)` | request.status, request.start, enrollment.done |',
    '| Error | `renderErrorCard({ referenceId, message })` | none |',
    '| Not yours | `renderNotYoursCard()` | request.status |',
    '| Lookup (IT) | `renderLookupCard({ person, requests })` | none |',
    '| Privacy notice | `renderPrivacyCard({ privacyContact? })` | none (ShowCards) |',
    '',
    ...rows,
  ].join('\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
