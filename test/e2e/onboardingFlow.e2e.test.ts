/**
 * OP-PROC-002 end to end, as people meet it: Alex Wilber (the playground's current user) works in the real UI in
 * headless Chromium; Megan Bowen (his manager), Adele Vance and Lynne Robbins (IT Security) press the buttons of the
 * cards the bot actually sent them, through Teams-shaped invokes with each card's own data. Every describe block has
 * its own stack (fresh Graph simulator, fresh database, fresh playground), so Alex starts without a request.
 * Screenshots of every step land in test-results/<block>/ as evidence.
 */
import assert from 'node:assert/strict';
import { consentTextFor } from '../../services/content/consentText';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_TENANT } from '../../scripts/lib/demoEnvironment';
import type { OnboardingRequest } from '../../services/workflow/model';
import {
  buttonTitles,
  cardOf,
  installAppFor,
  latestVersionOf,
  pressAs,
  referenceIn,
  requestThroughUi,
  sendAndWaitForNewCard,
  sentMessages,
  stepByStep,
  textOf,
  waitForChatOpenedWith,
  waitForSent,
  waitForVersion,
  type SentMessage,
} from '../support/flowSteps';
import { startE2eStack, type E2eStack, type LogStream, type PlaygroundPage } from '../support/playground';
import type { ConversationTarget } from '../support/playgroundApi';
import { testClient } from '../support/testDb';
import { eventually } from '../support/onboardingInstance';

const ACCESS_GROUP = DEMO_TENANT.groups.access;
const ALEX_AAD = 'a0000000-0000-4000-8000-000000000000';
/**
 * Wait for steps behind a compliance check or an access grant. The bot's background worker can drain a request's
 * effects while the in-process drain does (reported), and the loser defers the queue by 30 s before the worker
 * resumes it; the wait covers that instead of failing on it.
 */
const SLOW_STEP_MS = 50000;

/** One stack with Alex's page open on the welcome card and the activity log connected. */
interface Scene {
  stack: E2eStack;
  ui: PlaygroundPage;
  log: LogStream;
}

/** Keeps what the bot sent to everyone (hidden chats included) next to the screenshots, as evidence. */
function saveTranscript(scene: Scene | undefined): void {
  if (!scene) return;
  const lines = sentMessages(scene.log).map((m) => ({ ...m, card: undefined, text: m.text.replace(/\s+/g, ' ') }));
  writeFileSync(path.join(scene.stack.artifactsDir, 'bot-messages.json'), JSON.stringify(lines, null, 2));
}

async function openScene(name: string): Promise<Scene> {
  const stack = await startE2eStack({ name });
  try {
    // Connected before the page loads, so the log holds every message the bot sends from the first one.
    const log = await stack.activityLog();
    const ui = await stack.openPage();
    await ui.waitForCard('Request device access', 20000);
    await ui.screenshot('welcome');
    return { stack, ui, log };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The request as the bot stored it (only to prove that nothing changed where the chat cannot show it). */
async function storedRequest(stack: E2eStack, reference: string): Promise<OnboardingRequest> {
  const doc = await (await testClient()).db(stack.dbName).collection<OnboardingRequest>('requests').findOne({ reference });
  assert.ok(doc, `the bot stored request ${reference}`);
  return doc;
}

/**
 * The approval card the bot sent `person`: it reaches people other than the current user through createConversation,
 * which the playground answers with a hidden 1:1 chat.
 */
async function approvalCardFor(scene: Scene, person: string): Promise<SentMessage> {
  const chat = await waitForChatOpenedWith(scene.log, scene.stack.api.user(person));
  const card = await waitForSent(scene.log, 'Approve device access?', { conversationId: chat.id });
  assert.equal(card.action, 'create');
  return card;
}

/** Messages the bot sent (not edits) into one conversation that show `text`. */
function sentInto(log: LogStream, conversationId: string, text: string): SentMessage[] {
  return sentMessages(log).filter((m) => m.action === 'create' && m.conversationId === conversationId && m.text.includes(text));
}

describe('e2e onboarding: the employee happy path (request → approval → consent → enrollment → remediation → IT review → access)', function () {
  this.timeout(90000);
  stepByStep();
  let scene: Scene;
  let meganChat: ConversationTarget;
  let reference: string;
  let approvalCard: SentMessage;
  let itCard: SentMessage;

  before(async () => {
    scene = await openScene('onboarding-happy-path');
  });

  after(async () => {
    saveTranscript(scene);
    await scene?.stack.stop();
  });

  it('when Alex asks in his own words and submits the form, then his status card says it waits for Megan', async () => {
    const { ui } = scene;
    await requestThroughUi(ui);
    const status = await ui.waitForCard(/Your device access request[\s\S]*Waiting for approval/);
    const text = await status.innerText();
    assert.match(text, /iOS \/ iPadOS · Personal/);
    assert.match(text, /iPhone 15/);
    assert.match(text, /Megan Bowen/);
    reference = referenceIn(text);
  });

  it('when the request is sent, then Megan gets an approval card with Approve and Deny in her own chat', async () => {
    approvalCard = await approvalCardFor(scene, 'Megan');
    meganChat = { id: approvalCard.conversationId, type: 'personal' };
    assert.notEqual(meganChat.id, scene.stack.api.personalChat.id, "not in Alex's chat");
    assert.equal(referenceIn(approvalCard.text), reference);
    assert.match(approvalCard.text, /Alex Wilber/);
    const titles = buttonTitles(cardOf(approvalCard));
    assert.ok(titles.includes('Approve') && titles.includes('Deny'), `buttons: ${titles.join(', ')}`);
    assert.deepEqual(scene.stack.graph.controls.groupMembers(ACCESS_GROUP), [], 'nobody has access yet');
  });

  it('when Megan approves on her card, then her card shows her decision and Alex gets the approval notice and the consent card', async () => {
    const { ui, stack, log } = scene;
    const answer = await pressAs(stack.api, log, stack.api.user('Megan'), meganChat, approvalCard, 'Approve');
    assert.match(textOf(answer.value), /Approved by Megan Bowen/);
    assert.ok(!buttonTitles(answer.value).includes('Approve'), `no Approve after deciding: ${buttonTitles(answer.value).join(', ')}`);

    const notice = await ui.waitForCard(/Approved[\s\S]*Your manager approved request/, 20000);
    assert.match(await notice.innerText(), new RegExp(reference));
    const consent = await ui.waitForCard(/Consent and terms[\s\S]*I consent/, 20000);
    assert.match(await consent.innerText(), /I decline/);
    await ui.screenshot('approved-consent-card');
  });

  it('when Megan has approved, then the IT Security channel got the request card', async () => {
    const { stack, log } = scene;
    itCard = await waitForSent(log, /Device onboarding[\s\S]*DEV-/, { conversationId: stack.api.itChannel.id });
    assert.equal(itCard.action, 'create');
    assert.equal(referenceIn(itCard.text), reference);
    assert.match(itCard.text, /Alex Wilber/);
    assert.match(itCard.text, /Approved by Megan Bowen/);
  });

  it('when Alex consents, then the consent card records it and the enrollment instructions arrive', async () => {
    const { ui } = scene;
    await ui.clickCardButton('I consent', 'Consent and terms');
    await ui.waitForCard(/Consent and terms[\s\S]*You consented/, 20000);
    const enrollment = await ui.waitForCard(/Enroll your iOS \/ iPadOS device/, 20000);
    assert.match(await enrollment.innerText(), new RegExp(reference));
    await ui.cardButton("I've enrolled", 'Enroll your iOS / iPadOS device').waitFor({ state: 'visible' });
    await ui.screenshot('enrollment-instructions');
  });

  it('when Alex says he has enrolled, then the compliance card says not compliant and tells him to set a passcode', async () => {
    const { ui } = scene;
    await ui.clickCardButton("I've enrolled", 'Enroll your iOS / iPadOS device');
    const card = await ui.waitForCard(/Device compliance[\s\S]*Not compliant: 1 thing to fix/, SLOW_STEP_MS);
    const text = await card.innerText();
    assert.match(text, /Alex's iPhone/);
    assert.match(text, /Set a passcode/);
    assert.match(text, /Face ID & Passcode/);
    await ui.cardButton('Check again', 'Device compliance').waitFor({ state: 'visible' });
    await ui.screenshot('not-compliant-remediation');
  });

  it('when Alex has set the passcode and taps "Check again", then the compliance card says compliant and IT Security reviews', async () => {
    const { ui } = scene;
    await ui.clickCardButton('Check again', 'Device compliance');
    await ui.waitForCard(/Your device is compliant[\s\S]*IT Security is reviewing/, SLOW_STEP_MS);
    const card = await ui.waitForCard(/Device compliance[\s\S]*Your device meets every security requirement/, SLOW_STEP_MS);
    assert.doesNotMatch(await card.innerText(), /Not compliant/);
    await ui.screenshot('compliant-with-it-security');
    assert.deepEqual(scene.stack.graph.controls.groupMembers(ACCESS_GROUP), [], 'no access before IT Security confirms');
  });

  it('when Lynne confirms access on the IT card, then Alex sees "Access granted" and is in the access group', async () => {
    const { ui, stack, log } = scene;
    const review = await waitForVersion(log, itCard, /Compliant: your review is needed/, SLOW_STEP_MS);
    assert.ok(buttonTitles(cardOf(review)).includes('Confirm access'), `IT buttons: ${buttonTitles(cardOf(review)).join(', ')}`);
    const thread: ConversationTarget = { id: `${stack.api.itChannel.id};messageid=${itCard.activityId}`, type: 'channel' };
    const answer = await pressAs(stack.api, log, stack.api.user('Lynne'), thread, review, 'Confirm access');
    assert.ok(!buttonTitles(answer.value).includes('Confirm access'), `no Confirm after confirming: ${buttonTitles(answer.value).join(', ')}`);

    // The notice, not the status card (which says "Access granted" too once it is refreshed).
    const granted = await ui.waitForCard(/Access granted[\s\S]*Your iOS \/ iPadOS device can now reach company resources/, SLOW_STEP_MS);
    assert.match(await granted.innerText(), new RegExp(reference));
    await ui.screenshot('access-granted');

    assert.deepEqual(stack.graph.controls.groupMembers(ACCESS_GROUP), [ALEX_AAD]);
    const adds = stack.graph.controls.requests().filter((r) => r.method === 'POST' && r.path.endsWith(`/groups/${ACCESS_GROUP}/members/$ref`));
    assert.equal(adds.length, 1, `one add to the access group: ${JSON.stringify(adds)}`);
    assert.equal(adds[0].status, 204);
    await waitForVersion(log, itCard, /Access granted/, SLOW_STEP_MS);
    // Each step's message reaches the employee exactly once, however the background work interleaved.
    for (const text of ['Your device is compliant', 'Access granted', 'Device compliance']) {
      assert.equal(sentInto(log, stack.api.personalChat.id, text).length, 1, `"${text}" was sent once`);
    }
  });

  it('when Alex types "show my consents", then his card lists the consent for his request with the notice version', async () => {
    const { ui } = scene;
    await ui.sendMessage('show my consents');
    const card = await ui.waitForCard(/My consents[\s\S]*Consented/, 20000);
    const text = await card.innerText();
    assert.match(text, new RegExp(reference));
    assert.match(text, new RegExp(`version ${consentTextFor('personal').version}`));
    await ui.cardButton(`Text of version ${consentTextFor('personal').version} (personal)`, 'My consents').waitFor({ state: 'visible' });
    await ui.screenshot('my-consents');
  });

  it('when Alex withdraws his consent and confirms, then he is told, leaves the access group, and his consents show the withdrawal', async () => {
    const { ui, stack } = scene;
    await ui.sendMessage('withdraw my consent');
    await ui.waitForBotMessage(new RegExp(`Withdraw your consent for ${reference}`), 20000);
    await ui.sendMessage('yes');
    await ui.waitForCard(/Consent withdrawn[\s\S]*Work access for the device is being removed now/, SLOW_STEP_MS);
    // The enrolled device's outbox removes the membership moments after the card.
    await eventually(() => stack.graph.controls.groupMembers(ACCESS_GROUP).length === 0, SLOW_STEP_MS, 'Alex leaves the access group');
    await ui.sendMessage('my consents');
    await ui.waitForCard(/My consents[\s\S]*Withdrew consent/, 20000);
    await ui.screenshot('consent-withdrawn');
  });
});

describe('e2e onboarding: the manager denies', function () {
  this.timeout(90000);
  stepByStep();
  const reason = 'Please use the shared team tablet instead';
  let scene: Scene;
  let reference: string;

  before(async () => {
    scene = await openScene('onboarding-denial');
  });

  after(async () => {
    saveTranscript(scene);
    await scene?.stack.stop();
  });

  it('when Megan denies with a reason, then Alex sees the denial notice with her reason', async () => {
    const { ui, stack, log } = scene;
    await requestThroughUi(ui);
    reference = referenceIn(await (await ui.waitForCard(/Your device access request[\s\S]*Waiting for approval/)).innerText());
    const card = await approvalCardFor(scene, 'Megan');
    assert.equal(referenceIn(card.text), reference);

    const meganChat: ConversationTarget = { id: card.conversationId, type: 'personal' };
    const answer = await pressAs(stack.api, log, stack.api.user('Megan'), meganChat, card, 'Deny request', { reason });
    assert.match(textOf(answer.value), /Denied by Megan Bowen/);
    assert.ok(textOf(answer.value).includes(reason), `her card shows the reason: ${textOf(answer.value).slice(0, 400)}`);
    assert.deepEqual(
      buttonTitles(answer.value).filter((t) => t === 'Approve' || t === 'Deny'),
      [],
    );

    const notice = await ui.waitForCard(/Not approved[\s\S]*Your manager did not approve request/, 20000);
    const text = await notice.innerText();
    assert.ok(text.includes(reason), `the notice shows the reason: ${text}`);
    assert.match(text, new RegExp(reference));
    await ui.screenshot('denied-notice');
  });

  it('when Alex types "status" after the denial, then the request shows as denied and closed', async () => {
    const { ui, stack, log } = scene;
    await sendAndWaitForNewCard(ui, 'status', /Your device access request[\s\S]*Denied/);
    const status = await ui.waitForCard(/Your device access request[\s\S]*Denied/);
    const text = await status.innerText();
    assert.match(text, new RegExp(reference));
    assert.ok(text.includes(reason), `the status shows the reason: ${text}`);
    assert.ok(!(await status.locator('button[title="Cancel request"]').count()), 'a closed request cannot be cancelled');
    await ui.screenshot('status-denied');

    assert.equal(sentInto(log, stack.api.itChannel.id, reference).length, 0, 'IT Security never got a card for a denied request');
    assert.equal(sentInto(log, stack.api.personalChat.id, 'Consent and terms').length, 0, 'no consent card after a denial');
    // Closed means Alex may start again: the request form comes back, not the old request.
    await sendAndWaitForNewCard(ui, 'I want to use my phone for work', 'Tell us about the device');
    await ui.screenshot('new-request-form-after-denial');
  });
});

describe('e2e onboarding: only the manager can decide, and only once', function () {
  this.timeout(90000);
  stepByStep();
  let scene: Scene;
  let meganChat: ConversationTarget;
  let adeleChat: ConversationTarget;
  let reference: string;
  let approvalCard: SentMessage;

  before(async () => {
    scene = await openScene('onboarding-non-manager');
    // Adele has the app too (her own 1:1 chat with the bot), but the bot never sends her Alex's request.
    adeleChat = await installAppFor(scene.stack.api, scene.stack.api.user('Adele'), scene.log);
  });

  after(async () => {
    saveTranscript(scene);
    await scene?.stack.stop();
  });

  it('when Adele sends the approval for Alex\'s request, then she is told only that it is not hers and the request stays pending', async () => {
    const { ui, stack, log } = scene;
    await requestThroughUi(ui);
    reference = referenceIn(await (await ui.waitForCard(/Your device access request[\s\S]*Waiting for approval/)).innerText());
    approvalCard = await approvalCardFor(scene, 'Megan');
    meganChat = { id: approvalCard.conversationId, type: 'personal' };
    assert.equal(referenceIn(approvalCard.text), reference);
    assert.equal(sentInto(log, adeleChat.id, reference).length, 0, 'Adele was never sent the card');

    // Adele replays Megan's button (same verb, request id and version) from her own chat.
    const answer = await pressAs(stack.api, log, stack.api.user('Adele'), adeleChat, approvalCard, 'Approve');
    const text = textOf(answer.value);
    assert.deepEqual(
      buttonTitles(answer.value).filter((t) => t === 'Approve' || t === 'Deny' || t === 'Deny request'),
      [],
      `no decision buttons for Adele: ${buttonTitles(answer.value).join(', ')}`,
    );
    assert.match(text, /This request is not yours/);
    for (const detail of [reference, 'Alex Wilber', 'Megan Bowen', 'iPhone 15']) assert.ok(!text.includes(detail), `Adele was shown ${detail}`);

    await sendAndWaitForNewCard(ui, 'status', /Your device access request[\s\S]*Waiting for approval/);
    await ui.screenshot('still-pending-after-adele');
    assert.ok(buttonTitles(cardOf(latestVersionOf(log, approvalCard))).includes('Approve'), "Megan's card still offers Approve");
    assert.equal((await storedRequest(stack, reference)).state, 'pendingApproval');
  });

  it('when Megan then approves, then the approval goes through', async () => {
    const { ui, stack, log } = scene;
    const current = latestVersionOf(log, approvalCard);
    const answer = await pressAs(stack.api, log, stack.api.user('Megan'), meganChat, current, 'Approve');
    assert.match(textOf(answer.value), /Approved by Megan Bowen/);
    await ui.waitForCard(/Approved[\s\S]*Your manager approved request/, 20000);
    await ui.waitForCard(/Consent and terms[\s\S]*I consent/, 20000);
    await ui.screenshot('approved-by-megan');
  });

  it('when Megan clicks Approve a second time, then she gets the decided card and no second decision is made', async () => {
    const { ui, stack, log } = scene;
    const before = await storedRequest(stack, reference);
    assert.equal(before.decision?.outcome, 'approved');

    // The same invoke again, as a double click or a retried request sends it: the card as Megan first had it.
    const answer = await pressAs(stack.api, log, stack.api.user('Megan'), meganChat, approvalCard, 'Approve');
    const text = textOf(answer.value);
    assert.match(text, /Approved by Megan Bowen/);
    assert.deepEqual(
      buttonTitles(answer.value).filter((t) => t === 'Approve' || t === 'Deny' || t === 'Deny request'),
      [],
    );

    const after = await storedRequest(stack, reference);
    assert.equal(after.version, before.version, 'the second click changed nothing');
    assert.deepEqual(after.decision, before.decision);
    await sendAndWaitForNewCard(ui, 'status', /Your device access request[\s\S]*Waiting for consent/);
    await ui.screenshot('status-after-second-click');
    assert.equal(sentInto(log, stack.api.personalChat.id, 'Your manager approved request').length, 1, 'Alex was told once');
    assert.equal(sentInto(log, stack.api.itChannel.id, reference).length, 1, 'IT Security got one card');
  });
});
