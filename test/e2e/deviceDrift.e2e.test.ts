/**
 * Continuous compliance end to end: after Alex's access is granted (the whole onboarding flow in the Agents
 * Playground), Intune (the Graph simulator) reports his iPhone not compliant, the scheduled sweep runs, and Alex
 * gets the drift notice with the remediation steps and Check again; once he fixes the passcode, Check again says the
 * device complies again and he keeps access. Screenshots land in test-results/device-drift/.
 */
import assert from 'node:assert/strict';
import { dueSlot } from '../../services/jobs/jobQueue';
import { DEMO_TENANT } from '../../scripts/lib/demoEnvironment';
import { pressAs, requestThroughUi, stepByStep, waitForChatOpenedWith, waitForSent, waitForVersion, buttonTitles, cardOf, type SentMessage } from '../support/flowSteps';
import { startE2eStack, type E2eStack, type LogStream, type PlaygroundPage } from '../support/playground';
import type { ConversationTarget } from '../support/playgroundApi';
import { testClient } from '../support/testDb';

const ACCESS_GROUP = DEMO_TENANT.groups.access;
const ALEX_AAD = 'a0000000-0000-4000-8000-000000000000';
const ALEX_IPHONE = 'd0000000-0000-4000-8000-000000000011';
const PASSCODE = 'IosCompliancePolicy.passcodeRequired';
const SLOW_STEP_MS = 50000;

describe('e2e continuous compliance: drift after access, remediation, Check again', function () {
  this.timeout(120000);
  stepByStep();
  let stack: E2eStack;
  let ui: PlaygroundPage;
  let log: LogStream;

  before(async () => {
    stack = await startE2eStack({ name: 'device-drift' });
    log = await stack.activityLog();
    ui = await stack.openPage();
    await ui.waitForCard('Request device access', 20000);
  });
  after(async () => stack?.stop());

  it('when Alex goes through the onboarding flow, then his access is granted and his iPhone is watched', async () => {
    await requestThroughUi(ui);
    await ui.waitForCard(/Your device access request[\s\S]*Waiting for approval/);
    const meganChat = await waitForChatOpenedWith(log, stack.api.user('Megan'));
    const approval = await waitForSent(log, 'Approve device access?', { conversationId: meganChat.id });
    await pressAs(stack.api, log, stack.api.user('Megan'), meganChat, approval, 'Approve');
    const itCard: SentMessage = await waitForSent(log, /Device onboarding[\s\S]*DEV-/, { conversationId: stack.api.itChannel.id });
    await ui.clickCardButton('I consent', 'Consent and terms');
    await ui.waitForCard(/Enroll your iOS \/ iPadOS device/, 20000);
    await ui.clickCardButton("I've enrolled", 'Enroll your iOS / iPadOS device');
    await ui.waitForCard(/Device compliance[\s\S]*Not compliant/, SLOW_STEP_MS);
    await ui.clickCardButton('Check again', 'Device compliance');
    await ui.waitForCard(/Device compliance[\s\S]*Your device meets every security requirement/, SLOW_STEP_MS);
    const review = await waitForVersion(log, itCard, /Compliant: your review is needed/, SLOW_STEP_MS);
    const thread: ConversationTarget = { id: `${stack.api.itChannel.id};messageid=${itCard.activityId}`, type: 'channel' };
    await pressAs(stack.api, log, stack.api.user('Lynne'), thread, review, 'Confirm access');
    await ui.waitForCard(/Access granted[\s\S]*can now reach company resources/, SLOW_STEP_MS);
    assert.deepEqual(stack.graph.controls.groupMembers(ACCESS_GROUP), [ALEX_AAD]);
    const db = (await testClient()).db(stack.dbName);
    for (let i = 0; i < 100 && !(await db.collection('enrolledDevices').findOne({ _id: ALEX_IPHONE as never })); i++) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await db.collection('enrolledDevices').findOne({ _id: ALEX_IPHONE as never }))?.state, 'compliant');
  });

  it('when Intune reports the passcode off and the sweep runs, then Alex gets the drift notice with the remediation steps and Check again, and keeps access during grace', async () => {
    stack.graph.controls.setCompliance(ALEX_IPHONE, { complianceState: 'noncompliant', settingStates: [{ setting: PASSCODE, state: 'nonCompliant' }] });
    // The sweep is a scheduled job: make it due now, as its interval passing would.
    await (await testClient()).db(stack.dbName).collection('jobs').updateOne({ _id: 'complianceSweep:tenant' as never }, { $set: { dueAt: new Date(), slot: dueSlot(new Date()) } });
    const drift = await ui.waitForCard(/Your device needs attention[\s\S]*Set a passcode/, SLOW_STEP_MS);
    const text = await drift.innerText();
    assert.match(text, /Fix this by/);
    await ui.cardButton('Check again', 'Your device needs attention').waitFor({ state: 'visible' });
    await ui.screenshot('drift-notice');
    assert.deepEqual(stack.graph.controls.groupMembers(ACCESS_GROUP), [ALEX_AAD], 'access kept during grace');
    const alert = await waitForSent(log, /Device out of compliance/, { conversationId: stack.api.itChannel.id });
    assert.ok(!buttonTitles(cardOf(alert)).includes('Check again'), 'IT gets an alert, not the employee card');
  });

  it('when Alex sets the passcode and taps Check again, then the card says the device complies again', async () => {
    stack.graph.controls.setCompliance(ALEX_IPHONE, { complianceState: 'compliant' });
    await ui.clickCardButton('Check again', 'Your device needs attention');
    await ui.waitForCard(/Your device is compliant again/, SLOW_STEP_MS);
    await ui.screenshot('fixed-after-check-again');
    const db = (await testClient()).db(stack.dbName);
    assert.equal((await db.collection('enrolledDevices').findOne({ _id: ALEX_IPHONE as never }))?.state, 'compliant');
    assert.deepEqual(stack.graph.controls.groupMembers(ACCESS_GROUP), [ALEX_AAD]);
  });
});
