import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Db } from 'mongodb';
import restify from 'restify';
import { ConsentCommands, MY_DATA_PATH } from '../../../bot/consentCommands';
import type { ActionContext } from '../../../bot/actionRouter';
import { botCards } from '../../../bot/cardViews';
import { createLogger } from '../../../bot/logger';
import { Verb } from '../../../cards/verbs';
import { consentTextFor } from '../../../services/content/consentText';
import { ensureConsentLedgerIndexes } from '../../../services/consent/consentLedgerRepository';
import { ConsentService, type PersonalDataExport } from '../../../services/consent/consentService';
import { DownloadLinks } from '../../../services/consent/downloadLinks';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { ALEX, MEGAN, alex, form, megan, onboardingInstance, useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';

const KEY = 'k'.repeat(32);

describe('my consents, my data and what IT can see, over a real database and HTTP', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('consent_commands');
  let db: Db;
  let server: restify.Server;
  let base: string;
  let clock: Date;
  let commands: ConsentCommands;
  let app: ReturnType<typeof onboardingInstance>;

  const ctx = (actor: typeof alex): ActionContext => {
    const user = actor as ActionContext['actor'];
    return { actor: user, person: { aadObjectId: user.aadObjectId, displayName: user.displayName }, data: { verb: '' }, turn: undefined as never };
  };

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await ensureConsentLedgerIndexes(db);
    await sim.reset();
    clock = new Date();
    app = onboardingInstance(db, sim.url, { name: 'consent', leaseMs: 15_000 });
    const consents = new ConsentRepository(db);
    const service = new ConsentService(consents.ledger, consents, app.requests, new AuditRepository(db), db, () => clock);
    commands = new ConsentCommands(service, app.service, new DownloadLinks(KEY), botCards, { publicBaseUrl: 'http://placeholder', exportLinkMinutes: 10, transparencyUrl: 'https://learn.microsoft.com/x' }, createLogger('silent'), () => clock);
    server = restify.createServer();
    commands.registerDownload(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await app.runner.idle();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function consented() {
    let r = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
    r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);
    r = await app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: consentTextFor('personal').sha256 });
    await app.runner.idle();
    return r;
  }

  it('when Alex consented, then "my consents" lists the device, the version, the fingerprint and the exact text', async () => {
    const r = await consented();
    const card = JSON.stringify(await commands.handlers()[Verb.ConsentHistory](ctx(alex)));
    const text = consentTextFor('personal');
    assert.ok(card.includes(r.reference));
    assert.ok(card.includes(`version ${text.version}`));
    assert.ok(card.includes(text.sha256.slice(0, 12)));
    assert.ok(card.includes(text.sha256), 'the full SHA-256 of the text behind its button');
    assert.equal(r.consent?.consentId, (await new ConsentRepository(db).ledger.forRequest(r._id))[0]._id, 'the request refers to the ledger entry');
  });

  it('when Alex asks for his data, then the signed link downloads his requests, consents and audit entries, and nobody else\'s', async () => {
    const r = await consented();
    const card = JSON.stringify(await commands.handlers()[Verb.MyDataShow](ctx(alex)));
    const url = new URL(/"url":"(http:\/\/placeholder[^"]+)"/.exec(card)![1]);
    const res = await fetch(`${base}${url.pathname}${url.search}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.json"/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const data = (await res.json()) as PersonalDataExport;
    assert.equal(data.subject.aadObjectId, ALEX);
    assert.deepEqual(data.requests.map((x) => x.reference), [r.reference]);
    assert.equal(data.consentLedger[0].kind, 'consented');
    assert.equal(data.noticeTexts[0].text, consentTextFor('personal').text);
    assert.ok(data.auditEntries.length >= 3);
    assert.ok(data.auditEntries.every((e) => e.requestId === r._id));
    assert.ok(!JSON.stringify(data).includes('"outbox"'));

    // Megan approved Alex's request: her data names that audit entry, not Alex's consent.
    const hers = await (await fetch(`${base}${MY_DATA_PATH}?token=${new DownloadLinks(KEY).sign(MEGAN, new Date(Date.now() + 60_000))}`)).json() as PersonalDataExport;
    assert.deepEqual(hers.auditEntries.map((e) => e.event), ['approve']);
    assert.deepEqual(hers.consentLedger, []);
  });

  const REFUSED: [string, () => string, number][] = [
    ['a forged signature', () => `${new DownloadLinks(KEY).sign(ALEX, new Date(Date.now() + 60_000)).split('.')[0]}.AAAA`, 403],
    ['a link signed with another key', () => new DownloadLinks('x'.repeat(32)).sign(ALEX, new Date(Date.now() + 60_000)), 403],
    ['an expired link', () => new DownloadLinks(KEY).sign(ALEX, new Date(clock.getTime() - 1000)), 410],
    ['no token', () => '', 403],
    ['a token naming someone else, re-signed without the key', () => `${Buffer.from(JSON.stringify({ sub: MEGAN, exp: 9e9 })).toString('base64url')}.${new DownloadLinks(KEY).sign(ALEX, new Date(Date.now() + 60_000)).split('.')[1]}`, 403],
  ];
  for (const [name, token, status] of REFUSED) {
    it(`when the download link is ${name}, then it is refused with ${status} and no data`, async () => {
      await consented();
      const res = await fetch(`${base}${MY_DATA_PATH}?token=${encodeURIComponent(token())}`);
      assert.equal(res.status, status);
      assert.ok(!(await res.text()).includes(ALEX));
    });
  }

  it('when Alex asks what IT can see, then the answer is for his personal iPhone from the notice in force', async () => {
    await consented();
    const card = JSON.stringify(await commands.handlers()[Verb.TransparencyShow](ctx(alex)));
    assert.match(card, /iOS \/ iPadOS, personal/);
    assert.match(card, new RegExp(`Notice version ${consentTextFor('personal').version}`));
    assert.match(card, /https:\/\/learn.microsoft.com\/x/);
  });
});
