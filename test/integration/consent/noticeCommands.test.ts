import assert from 'node:assert/strict';
import restify from 'restify';
import type { Db } from 'mongodb';
import { NoticeCommands } from '../../../bot/noticeCommands';
import { createLogger } from '../../../bot/logger';
import { Verb } from '../../../cards/verbs';
import { NoticeRegistry, PUBLISHED_NOTICES } from '../../../services/content/notices/noticeRegistry';
import { ConsentLedgerRepository, ensureConsentLedgerIndexes } from '../../../services/consent/consentLedgerRepository';
import { ConsentService } from '../../../services/consent/consentService';
import { DownloadLinks } from '../../../services/consent/downloadLinks';
import { NoticeCampaigns, type NoticeCampaign } from '../../../services/consent/noticeCampaigns';
import { NoticePublisher } from '../../../services/consent/noticePublisher';
import { NoticeVersionStore } from '../../../services/consent/noticeVersions';
import { OperatorAuditLog } from '../../../services/consent/operatorAuditLog';
import { createGraphServices } from '../../../services/graph/graphServices';
import { RoleResolver } from '../../../services/onboarding/roleResolver';
import { AuditRepository } from '../../../services/storage/auditRepository';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { RequestRepository } from '../../../services/storage/requestRepository';
import type { ActionContext } from '../../../bot/actionRouter';
import { useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { deviceInstance, TestClock } from '../devices/deviceHarness';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import type { CardJson } from '../../../services/onboarding/views';

const PATTI = { aadObjectId: 'a0000000-0000-4000-8000-000000000004', displayName: 'Patti Fernandez' }; // administrator
const DEBRA = { aadObjectId: 'a0000000-0000-4000-8000-000000000006', displayName: 'Debra Berger' }; // auditor
const ALEX = { aadObjectId: 'a0000000-0000-4000-8000-000000000000', displayName: 'Alex Wilber' }; // employee
const GROUPS = { itSecurity: 'b0000000-0000-4000-8000-0000000000a3', admins: 'b0000000-0000-4000-8000-0000000000a4', auditors: 'b0000000-0000-4000-8000-0000000000a5' };
const text = (card: CardJson) => JSON.stringify(card);

describe("the operators' notice and export commands in Teams, roles from the directory", function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const store = useTestDb('notice_commands');
  let db: Db;
  let versions: NoticeVersionStore;
  let commands: NoticeCommands;
  let registry: NoticeRegistry;
  let server: restify.Server;
  let base: string;

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await ensureConsentLedgerIndexes(db);
    await sim.reset();
    versions = new NoticeVersionStore(db);
    await versions.seed();
    const logger = createLogger('silent');
    const graph = createGraphServices({ baseUrl: sim.url, logger, retry: { maxDelayMs: 50 } });
    const clock = new TestClock(new Date());
    const devices = deviceInstance(db, sim.url, clock, { name: 'cmd' });
    const ledger = new ConsentLedgerRepository(db);
    const campaigns = new NoticeCampaigns(db, devices.jobs, devices.module.outbox, ledger, { repository: devices.module.devices, service: devices.module.service }, devices.messenger, new DeliveryLog(db), new ConversationReferenceRepository(db), { sendsPerSecond: 10, reminderDaysBefore: [7, 2], progressIntervalMs: 60_000, transparencyUrl: 'https://example.com' }, logger);
    const audit = new OperatorAuditLog(db);
    server = restify.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    commands = new NoticeCommands(
      db,
      new RoleResolver(graph.directory, GROUPS),
      new NoticePublisher(versions, audit),
      campaigns,
      audit,
      new ConsentService(ledger, new ConsentRepository(db), new RequestRepository(db), new AuditRepository(db), db),
      graph.directory,
      new DownloadLinks('k'.repeat(32)),
      { publicBaseUrl: base, exportLinkMinutes: 5, deadlineDays: 30 },
      logger,
      undefined,
      // A registry of its own, so the version published here is not in force for other tests in this process.
      (registry = new NoticeRegistry(PUBLISHED_NOTICES)),
    );
    commands.registerDownload(server);
  });
  afterEach(() => server.close());

  const press = (person: typeof PATTI, data: Record<string, unknown>) =>
    commands.handlers()[Verb.NoticePublishConfirm]({ actor: { kind: 'user', ...person, roles: [] }, person, data: { verb: Verb.NoticePublishConfirm, ...data } } as unknown as ActionContext);
  const draftIdOf = (card: CardJson) => /"draftId":"([^"]+)"/.exec(text(card))?.[1];

  it('when an employee or an auditor types the publish command, then it is refused and nothing is drafted or published', async () => {
    for (const who of [ALEX, DEBRA]) {
      const card = await commands.draftPublication(who, { ownership: 'personal', version: '2027-01-01', material: true, summary: 'x' });
      assert.match(text(card), /Only administrators can publish/);
    }
    assert.equal(await db.collection('noticeDrafts').countDocuments(), 0);
  });

  it('when the administrator drafts and someone else presses Publish, then it is refused; when she confirms, the version is published, audited and its campaign started, once', async () => {
    const draft = await commands.draftPublication(PATTI, { ownership: 'personal', version: '2027-01-01-t', material: true, deadline: '2099-01-01', summary: 'Retention is three years.' });
    assert.match(text(draft), /Publish this notice version\?/);
    const draftId = draftIdOf(draft);
    assert.ok(draftId, 'the card names only the draft');
    assert.match(text(await press(ALEX, { draftId })), /Not your draft/);
    assert.match(text(await press(DEBRA, { draftId })), /Not your draft/);
    assert.match(text(await press(PATTI, { draftId })), /Published: people are being told/);
    assert.match(text(await press(PATTI, { draftId })), /Already published/);
    const published = await versions.list();
    assert.equal(published.filter((n) => n.version === '2027-01-01-t').length, 1);
    assert.ok(registry.version('personal', '2027-01-01-t'), 'in force in this process');
    const campaign = await db.collection<NoticeCampaign>('noticeCampaigns').findOne({ _id: 'personal@2027-01-01-t' });
    assert.equal(campaign?.material, true);
    assert.equal(campaign?.deadline, '2099-01-01T23:59:59.000Z');
    assert.deepEqual((await new OperatorAuditLog(db).list()).map((e) => [e.action, e.operator.aadObjectId]), [
      ['notice.publish', PATTI.aadObjectId],
      ['notice.campaign', PATTI.aadObjectId],
    ]);
  });

  it('when an auditor asks for an export in Teams, then the link downloads the audited CSV; an employee gets no link, and a forged or my-data link is refused', async () => {
    assert.match(text(await commands.exportLink(ALEX, { format: 'csv' })), /Only auditors and administrators/);
    const card = await commands.exportLink(DEBRA, { format: 'csv', from: '2026-01-01' });
    const url = /"url":"([^"]+consents-export[^"]+)"/.exec(text(card))?.[1];
    assert.ok(url, 'the card carries the link');
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^at,aadObjectId,displayName/);
    assert.deepEqual((await new OperatorAuditLog(db).list()).map((e) => e.action), ['consents.exportLink', 'consents.export']);
    const forged = url.replace(/token=([^.]+)\./, (_m, body: string) => `token=${body}x.`);
    assert.equal((await fetch(forged)).status, 403);
    const myData = new DownloadLinks('k'.repeat(32)).sign(DEBRA.aadObjectId, new Date(Date.now() + 60_000));
    assert.equal((await fetch(`${base}/api/consents-export?token=${encodeURIComponent(myData)}`)).status, 403);
  });
});
