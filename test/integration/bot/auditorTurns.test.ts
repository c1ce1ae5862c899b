import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import type { Db } from 'mongodb';
import restify from 'restify';
import { FIXTURE_REQUESTS } from '../../../cards/fixtures';
import { Verb } from '../../../cards/verbs';
import { DownloadLinks } from '../../../services/consent/downloadLinks';
import { EVIDENCE_PACK_SCHEMA } from '../../../services/evidence/evidenceSchema';
import { AccessLog } from '../../../services/governance/accessLog';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import type { OnboardingRequest } from '../../../services/workflow/model';
import { dropTestDb, testDb } from '../../support/testDb';
import { buildBot, invokeCard, people, shown, startDemoGraph, teamsActivity, invoke, type Person } from './botHarness';

const KEY = 'k'.repeat(32);

describe('auditors and administrators in Teams: verify audit, evidence for, access log, the access review card', function () {
  this.timeout(120_000);
  let db: Db;
  let sim: Awaited<ReturnType<typeof startDemoGraph>>;
  let bot: ReturnType<typeof buildBot>;
  let server: restify.Server;
  let base: string;
  let now = new Date();
  let request: OnboardingRequest;

  before(async () => {
    sim = await startDemoGraph();
    db = await testDb('auditor_turns');
    await ensureIndexes(db);
    bot = buildBot(db, sim.url, { oversight: { clock: () => now } });
    server = restify.createServer();
    bot.auditorCommands!.registerDownload(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const f = FIXTURE_REQUESTS.granted;
    request = await bot.requests.insert({
      ...f,
      _id: 'req-audited',
      reference: 'DEV-AUD1T5',
      requester: { aadObjectId: people.alex.aadObjectId, displayName: people.alex.name },
      approvers: [{ aadObjectId: people.megan.aadObjectId, displayName: people.megan.name }],
      openKey: `${people.alex.aadObjectId}:req-audited`,
      outbox: [],
      cards: [],
    });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dropTestDb(db);
    await sim.close();
  });

  const say = (from: Person, text: string) => bot.turn(teamsActivity(from, { type: 'message', text }));
  const logged = async (who: Person, action: string) => (await new AccessLog(db).recent(100)).filter((e) => e.actor.aadObjectId === who.aadObjectId && e.action === action);
  const linkIn = (text: string, fmt: string) => {
    const m = new RegExp(`http://bot\\.test/api/evidence\\?token=([^"\\\\]+)`, 'g');
    for (const x of text.matchAll(m)) {
      const token = decodeURIComponent(x[1]);
      if (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).q.fmt === fmt) return `${base}/api/evidence?token=${encodeURIComponent(token)}`;
    }
    throw new Error(`no ${fmt} link`);
  };

  const COMMANDS = ['verify audit', 'verify audit DEV-AUD1T5', 'evidence for DEV-AUD1T5', 'evidence for alexw@contoso.example', 'access log', 'access log for alexw@contoso.example'];
  for (const [who, person] of [['an employee', people.alex], ['a manager', people.megan]] as const) {
    for (const command of COMMANDS) {
      it(`when ${who} types "${command}", then it is refused and nothing is read`, async () => {
        const before = (await new AccessLog(db).recent(1000)).length;
        const text = shown(await say(person, command));
        assert.match(text, /Auditors and administrators only/);
        assert.equal((await new AccessLog(db).recent(1000)).length, before);
      });
    }
  }

  it('when an auditor types "verify audit DEV-…", then a verification card answers and the use is in the access log', async () => {
    const text = shown(await say(people.lynne, 'verify audit DEV-AUD1T5'));
    assert.match(text, /Audit verification/);
    assert.match(text, /request DEV-AUD1T5/);
    assert.equal((await logged(people.lynne, 'verifyAudit')).length, 1);
  });

  it('when an auditor types "evidence for DEV-…", then the card links JSON and HTML; each download is role-checked again, recorded and schema-valid', async () => {
    const text = shown(await say(people.lynne, 'evidence for DEV-AUD1T5'));
    assert.match(text, /Evidence pack/);
    assert.match(text, /Download JSON/);
    const res = await fetch(linkIn(text, 'json'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /evidence-request-req-audited\.json/);
    const pack = await res.json();
    const ajv = new Ajv2020({ strict: false });
    assert.ok(ajv.validate(EVIDENCE_PACK_SCHEMA, pack), JSON.stringify(ajv.errors));
    const html = await fetch(linkIn(text, 'html'));
    assert.equal(html.status, 200);
    assert.match(await html.text(), /<h1>Evidence pack: request req-audited<\/h1>/);
    assert.deepEqual((await logged(people.lynne, 'exportEvidence')).map((e) => e.door), ['teams', 'teams', 'teams'], 'the card and both downloads');
  });

  it('when an evidence link is expired, forged, a "my data" link, or held by someone without the role, then the download is refused', async () => {
    const links = new DownloadLinks(KEY);
    const what = { scope: 'request', id: request._id, fmt: 'json' };
    const lynne = people.lynne.aadObjectId;
    const later = new Date(now.getTime() + 60_000);
    const get = (token: string) => fetch(`${base}/api/evidence?token=${encodeURIComponent(token)}`).then((r) => r.status);
    assert.equal(await get(links.signFor('evidence', lynne, what, new Date(now.getTime() - 1000))), 410);
    assert.equal(await get(new DownloadLinks('x'.repeat(32)).signFor('evidence', lynne, what, later)), 403);
    assert.equal(await get(links.sign(lynne, later)), 403, 'a "my data" token');
    assert.equal(await get(links.signFor('consent-export', lynne, what, later)), 403, 'a token for another purpose');
    assert.equal(await get(links.signFor('evidence', lynne, { ...what, fmt: 'exe' }, later)), 403, 'a format that is not offered');
    assert.equal(await get(links.signFor('evidence', people.alex.aadObjectId, what, later)), 403, 'no auditor role');
  });

  it('when an administrator types "access log", then the latest reads are listed by name and the read is logged', async () => {
    const text = shown(await say(people.patti, 'access log'));
    assert.match(text, /Access log/);
    assert.match(text, /Lynne Robbins/);
    assert.match(text, /exportEvidence/);
    assert.equal((await logged(people.patti, 'readAccessLog')).length, 1);
  });

  it('when an auditor types "access log for" a person, then every read of their records and requests is listed, the evidence downloads included', async () => {
    const text = shown(await say(people.lynne, 'access log for alexw@contoso.example'));
    assert.match(text, /For: /);
    assert.match(text, /exportEvidence · evidence req-audited/);
    assert.match(text, /verifyAudit · audit req-audited/);
  });

  it('when someone other than an administrator presses Attest on the review card, then nothing changes; when the administrator does, then it is attested', async () => {
    const review = await bot.oversight!.reviews.run();
    const data = { reviewId: review._id, version: review.version };
    const refused = JSON.stringify(invokeCard(await bot.turn(invoke(people.lynne, Verb.AccessReviewAttest, data))));
    assert.match(refused, /Administrators only/);
    assert.equal((await bot.oversight!.reviews.get(review._id))?.state, 'open');
    const card = JSON.stringify(invokeCard(await bot.turn(invoke(people.patti, Verb.AccessReviewAttest, data))));
    assert.match(card, /Attested/);
    assert.match(card, /by Patti Fernandez/);
    assert.equal((await bot.oversight!.reviews.get(review._id))?.attestation?.by.aadObjectId, people.patti.aadObjectId);
    now = new Date(now.getTime() + 1000);
  });
});
