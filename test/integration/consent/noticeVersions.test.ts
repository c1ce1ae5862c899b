import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { draftConsentText } from '../../../services/content/consentText';
import { NoticeIntegrityError, NoticeRegistry, noticeHash, PUBLISHED_NOTICES, type PublishedNotice } from '../../../services/content/notices/noticeRegistry';
import { ensureConsentLedgerIndexes } from '../../../services/consent/consentLedgerRepository';
import { NoticePublisher } from '../../../services/consent/noticePublisher';
import { NOTICE_VERSIONS_COLLECTION, NoticeSeedMismatchError, NoticeVersions, NoticeVersionStore } from '../../../services/consent/noticeVersions';
import { OperatorAuditLog, type Operator } from '../../../services/consent/operatorAuditLog';
import { StaleCardError, UnpublishedNoticeError } from '../../../services/onboarding/onboardingService';
import { ConsentRepository } from '../../../services/storage/consentRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import type { OnboardingRequest } from '../../../services/workflow/model';
import { TestClock } from '../devices/deviceHarness';
import { alex, ALEX, form, megan, onboardingInstance, useGraphSimulator } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';

const PATTI: Operator = { aadObjectId: 'a0000000-0000-4000-8000-000000000004', displayName: 'Patti Fernandez', roles: ['admin'] };
const CACHE_MS = 30_000;

/** One bot instance's view of the published notices: its own store, cache and registry on the shared database. */
function noticeInstance(db: Db, clock: TestClock) {
  const store = new NoticeVersionStore(db);
  const versions = new NoticeVersions(store, { cacheMs: CACHE_MS, clock: clock.now }, new NoticeRegistry(PUBLISHED_NOTICES));
  return { store, versions, publisher: new NoticePublisher(store, new OperatorAuditLog(db)) };
}

describe('published notice versions in the database, shared by every instance', function () {
  this.timeout(60_000);
  const sim = useGraphSimulator();
  const shared = useTestDb('notice_versions');
  let db: Db;
  let clock: TestClock;

  beforeEach(async () => {
    db = shared.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await ensureConsentLedgerIndexes(db);
    await sim.reset();
    clock = new TestClock(new Date());
  });

  it('when instance A publishes a version, then instance B serves it once its cache time has passed and records consent to it, not to the old text', async () => {
    const a = noticeInstance(db, clock);
    const b = noticeInstance(db, clock);
    await Promise.all([a.store.seed(), b.store.seed()]);
    const old = await b.versions.current('personal');
    const app = onboardingInstance(db, sim.url, { name: 'notice-b', leaseMs: 15_000, noticeVersions: b.versions });
    try {
      let r: OnboardingRequest = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
      r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);

      const version = `${new Date(Date.now() - 60_000).toISOString().slice(0, 10)}-shared`;
      const { notice, created } = await a.publisher.publish(
        { ownership: 'personal', version, summary: 'Retention shortened.', material: true, lines: draftConsentText('personal', { version }).lines, publishedAt: new Date(Date.now() - 60_000).toISOString() },
        PATTI,
      );
      assert.equal(created, true);
      a.versions.include(notice);
      assert.equal((await a.versions.current('personal')).version, version, 'in force on the publishing instance at once');
      assert.equal((await b.versions.current('personal')).version, old.version, 'B serves its cached versions until the cache time passes');

      clock.advance(CACHE_MS);
      assert.equal((await b.versions.current('personal')).sha256, notice.sha256, 'B serves the new version after the cache time');
      await assert.rejects(app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: old.sha256 }), StaleCardError);
      await app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: notice.sha256 });
      const [record] = await new ConsentRepository(db).forSubject(ALEX);
      assert.deepEqual([record.textVersion, record.textHash], [version, notice.sha256]);
    } finally {
      await app.runner.idle();
    }
  });

  it('when an instance would record consent to a text that is not a stored published version, then it is refused', async () => {
    const b = noticeInstance(db, clock);
    await b.store.seed();
    await b.versions.fresh();
    // A text put in force in this process only (never stored): not a published version.
    const lines = ['**Never published**', 'This text was not stored.'];
    b.versions.include({ ownership: 'personal', version: 'local-only', publishedAt: new Date(Date.now() - 1000).toISOString(), summary: 'x', material: false, sha256: noticeHash(lines), lines });
    const app = onboardingInstance(db, sim.url, { name: 'notice-local', leaseMs: 15_000, noticeVersions: b.versions });
    try {
      let r: OnboardingRequest = await app.service.submit({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, form);
      r = await app.service.apply(r._id, { type: 'approve' }, megan, r.version);
      await assert.rejects(app.service.answerConsent(r._id, alex, { outcome: 'consented', textHash: noticeHash(lines) }), UnpublishedNoticeError);
      assert.equal((await new ConsentRepository(db).forSubject(ALEX)).length, 0);
    } finally {
      await app.runner.idle();
    }
  });

  it('when two instances seed at once, then each seed version is stored once, with who published it', async () => {
    const stores = [new NoticeVersionStore(db), new NoticeVersionStore(db), new NoticeVersionStore(db)];
    await Promise.all(stores.map((s) => s.seed()));
    const docs = await db.collection(NOTICE_VERSIONS_COLLECTION).find().toArray();
    assert.equal(docs.length, PUBLISHED_NOTICES.length);
    assert.deepEqual(new Set(docs.map((d) => d._id)), new Set(PUBLISHED_NOTICES.map((n) => `${n.ownership}:${n.version}`)));
    assert.ok(docs.every((d) => d.publishedBy === 'seed'));
    assert.equal((await stores[0].verifyReport()).ok, true);
  });

  const first = PUBLISHED_NOTICES[0];
  const id = `${first.ownership}:${first.version}`;
  const edited = [...first.lines, 'IT may also read your messages.'];
  const TAMPER: [string, Record<string, unknown>][] = [
    ['its text is edited', { lines: edited }],
    ['its text and hash are both replaced, consistently', { lines: edited, sha256: noticeHash(edited) }],
    ['its hash is replaced', { sha256: noticeHash(['another']) }],
  ];
  for (const [name, set] of TAMPER) {
    it(`when a seeded version stored in the database is altered (${name}), then start-up refuses with NoticeSeedMismatchError and npm run verify names it`, async () => {
      const store = new NoticeVersionStore(db);
      await store.seed();
      await db.collection<{ _id: string }>(NOTICE_VERSIONS_COLLECTION).updateOne({ _id: id }, { $set: set });
      await assert.rejects(new NoticeVersionStore(db).seed(), (e: unknown) => e instanceof NoticeSeedMismatchError && e.keys.includes(`${first.ownership}@${first.version}`));
      const report = await store.verifyReport();
      assert.equal(report.ok, false);
      assert.match(report.firstBad?.detail ?? '', new RegExp(id));
    });
  }

  it('when a published (not seeded) version is altered in the database, then reading the versions refuses it', async () => {
    const a = noticeInstance(db, clock);
    await a.store.seed();
    const version = '2099-01-01-x';
    const { notice } = await a.publisher.publish({ ownership: 'company', version, summary: 'Later.', material: false, lines: draftConsentText('company', { version }).lines, publishedAt: '2099-01-01T00:00:00Z' }, PATTI);
    await db.collection<PublishedNotice & { _id: string }>(NOTICE_VERSIONS_COLLECTION).updateOne({ _id: `company:${version}` }, { $set: { lines: ['altered'] } });
    await assert.rejects(a.store.list(), NoticeIntegrityError);
    assert.equal(await a.store.isPublished(notice.sha256), false);
  });
});
