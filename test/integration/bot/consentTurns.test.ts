import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { Verb } from '../../../cards/verbs';
import { consentTextFor } from '../../../services/content/consentText';
import { ensureConsentLedgerIndexes } from '../../../services/consent/consentLedgerRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import type { Actor } from '../../../services/workflow/transition';
import { dropTestDb, testDb } from '../../support/testDb';
import { buildBot, invoke, people, shown, startDemoGraph, teamsActivity } from './botHarness';

const say = (text: string, who = people.alex) => teamsActivity(who, { type: 'message', text });
const user = (p: typeof people.alex): Actor => ({ kind: 'user', aadObjectId: p.aadObjectId, displayName: p.name, roles: [] });

describe('bot turns: my consents, my data, what IT can see, withdrawing consent', function () {
  this.timeout(60_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;

  before(async () => {
    sim = await startDemoGraph();
  });
  after(async () => sim.close());
  beforeEach(async () => {
    db = await testDb('consent_turns');
    await ensureIndexes(db);
    await ensureConsentLedgerIndexes(db);
    await sim.controls.reset();
  });
  afterEach(async () => dropTestDb(db));

  async function consentedBot() {
    const bot = buildBot(db, sim.url, { consent: true });
    await bot.turn(invoke(people.alex, Verb.RequestSubmit, { platform: 'ios', ownership: 'personal', model: 'iPhone 15', justification: 'Email while travelling' }));
    let r = (await bot.service.openRequestOf(people.alex.aadObjectId))!;
    r = await bot.service.apply(r._id, { type: 'approve' }, user(people.megan), r.version);
    r = await bot.service.answerConsent(r._id, user(people.alex), { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await bot.runner.idle();
    return { bot, r };
  }

  it('when Alex types "show my consents", "what data do you have about me" and "what can IT see on my phone?", then each gets its card', async () => {
    const { bot, r } = await consentedBot();
    assert.match(shown(await bot.turn(say('show my consents'))), new RegExp(`My consents[\\s\\S]*${r.reference}[\\s\\S]*Consented`));
    assert.match(shown(await bot.turn(say('what data do you have about me'))), /Download my data \(JSON\)[\s\S]*http:\/\/bot\.test\/api\/my-data\?token=/);
    assert.match(shown(await bot.turn(say('what can IT see on my phone?'))), /iOS \/ iPadOS, personal/);
  });

  it('when Alex says "withdraw my consent" and confirms, then the consent is withdrawn, his request is closed and IT is told', async () => {
    const { bot, r } = await consentedBot();
    assert.match(shown(await bot.turn(say('withdraw my consent'))), new RegExp(`Withdraw your consent for ${r.reference}`));
    const answer = shown(await bot.turn(say('yes')));
    assert.match(answer, /Consent withdrawn/);
    assert.equal((await bot.service.get(r._id)).state, 'cancelled');
    assert.deepEqual(bot.itNotices, [r.reference]);
    assert.match(shown(await bot.turn(say('my consents'))), /Consent withdrawn[\s\S]*Withdrew consent/);
    assert.match(shown(await bot.turn(say('withdraw my consent'))), /no consent to withdraw/);
  });

  it('when Alex says "withdraw my consent" and then no, then nothing changes', async () => {
    const { bot, r } = await consentedBot();
    await bot.turn(say('withdraw my consent'));
    assert.match(shown(await bot.turn(say('no'))), /your consent stands/);
    assert.equal((await bot.service.get(r._id)).state, 'awaitingEnrollment');
  });

  it('when Alex says only "withdraw", then he is asked which he means; "withdraw my request" still asks to cancel', async () => {
    const { bot, r } = await consentedBot();
    assert.match(shown(await bot.turn(say('withdraw'))), /withdraw my request.*withdraw my consent/);
    assert.match(shown(await bot.turn(say('withdraw my request'))), new RegExp(`Cancel your request ${r.reference}`));
  });
});
