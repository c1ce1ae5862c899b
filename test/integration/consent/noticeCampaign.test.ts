import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { noticeHash, notices, type PublishedNotice } from '../../../services/content/notices/noticeRegistry';
import { ensureConsentLedgerIndexes, ConsentLedgerRepository, ledgerStreamId } from '../../../services/consent/consentLedgerRepository';
import { createCampaignModule } from '../../../services/consent/campaignModule';
import { campaignIdOf, CampaignOutboxKind, NoticeAnswerRefusedError } from '../../../services/consent/noticeCampaigns';
import { DeliveryLog } from '../../../services/messaging/deliveryLog';
import { ConversationReferenceRepository } from '../../../services/storage/conversationReferenceRepository';
import { ensureIndexes } from '../../../services/storage/mongoConnection';
import { NotAuthorizedError } from '../../../services/workflow/errors';
import { RecordingMessenger } from '../../support/onboardingInstance';
import { useTestDb } from '../../support/testDb';
import { ACCESS_GROUP, deviceInstance, HOUR, TestClock, useClockedSimulator } from '../devices/deviceHarness';

const DAY = 24 * HOUR;
const ALEX = 'a0000000-0000-4000-8000-000000000000';
const MEGAN = 'a0000000-0000-4000-8000-000000000001';
const ADELE = 'a0000000-0000-4000-8000-000000000002';
const WITH_DEVICES = [ALEX, MEGAN, ADELE];
const person = (i: number) => `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** A crash of the instance carrying out the fan-out, at a chosen read. */
class Crash extends Error {}

describe('change-notice campaigns: fan-out, reminders, deadline and re-consent, with the clock moved forward', function () {
  this.timeout(120_000);
  const clock = new TestClock(new Date('2027-01-04T09:00:00Z'));
  const sim = useClockedSimulator(clock);
  const store = useTestDb('campaign');
  let db: Db;
  const v1 = notices.current('personal', new Date('2027-01-01T00:00:00Z'));

  function newVersion(material: boolean): PublishedNotice {
    const lines = [...v1.lines.filter((l) => !l.includes('location')), '', '**Retention**', '• Compliance records are kept for three years.'];
    return { ownership: 'personal', version: '2027-01-04', publishedAt: clock.now().toISOString(), summary: 'Retention is now three years; location is no longer mentioned.', material, sha256: noticeHash(lines), lines };
  }

  beforeEach(async () => {
    db = store.db;
    await db.dropDatabase();
    await ensureIndexes(db);
    await ensureConsentLedgerIndexes(db);
    sim.controls.reset();
    clock.at = new Date('2027-01-04T09:00:00Z');
  });

  /** One bot instance: the device module and campaigns on the shared database; `crashAt` stops its fan-out at that ledger read. */
  async function instance(name: string, o: { crashAt?: number; messenger?: RecordingMessenger } = {}) {
    const messenger = o.messenger ?? new RecordingMessenger(name);
    const d = deviceInstance(db, sim.url, clock, { name, leaseMs: 2_000, messenger });
    await d.module.ensureIndexes();
    const ledger = new ConsentLedgerRepository(db, clock.now);
    let reads = 0;
    const crashingLedger = Object.create(ledger) as ConsentLedgerRepository;
    crashingLedger.list = async (streamId: string) => {
      reads += 1;
      if (o.crashAt !== undefined && reads === o.crashAt) throw new Crash('the instance stopped');
      return ledger.list(streamId);
    };
    const c = createCampaignModule({
      db,
      jobs: d.jobs,
      devices: d.module,
      ledger: crashingLedger,
      messenger,
      deliveries: new DeliveryLog(db, clock.now),
      refs: new ConversationReferenceRepository(db),
      options: { sendsPerSecond: 10, reminderDaysBefore: [7, 2], progressIntervalMs: 30_000, transparencyUrl: 'https://learn.microsoft.com/mem/intune/user-help/what-info-can-your-company-see-on-your-device', pageSize: 10 },
      logger: d.module.service['logger'],
      clock: clock.now,
    });
    await c.ensureIndexes();
    const handlers = { ...d.module.handlers, ...c.handlers };
    /** Runs every job due now (as the background worker's rounds do); a crash ends the round like a stopped process. */
    async function runDue(max = 500): Promise<number> {
      let n = 0;
      for (; n < max; n++) {
        const claim = await d.jobs.claimDue();
        if (!claim) break;
        try {
          await handlers[claim.job.kind]!(claim.lease, claim.job.subject);
        } catch (e) {
          if (!(e instanceof Crash)) throw e;
          return n;
        }
      }
      return n;
    }
    /** Moves the clock a second at a time until nothing is due within the paced sends. */
    async function drain(seconds = 30) {
      for (let i = 0; i < seconds; i++) {
        await runDue();
        clock.advance(1000);
      }
      await runDue();
    }
    return { ...d, campaigns: c.campaigns, ledger, messenger, runDue, drain };
  }

  /** Everyone consented to v1 for one device; three of them have an enrolled device with access. */
  async function seed(n: number) {
    const ledger = new ConsentLedgerRepository(db, clock.now);
    const people = [...WITH_DEVICES, ...Array.from({ length: n - WITH_DEVICES.length }, (_, i) => person(i + 1))];
    for (const [i, id] of people.entries()) {
      await ledger.append({
        kind: 'consented',
        at: clock.now().toISOString(),
        subject: { aadObjectId: id, displayName: `Person ${i}` },
        device: { requestId: `req-${i}`, platform: 'ios', ownership: 'personal' },
        noticeVersion: v1.version,
        textHash: v1.sha256,
      });
    }
    // Someone with a company-owned device and someone who withdrew are not concerned by a personal notice.
    await ledger.append({ kind: 'consented', at: clock.now().toISOString(), subject: { aadObjectId: person(900), displayName: 'Company' }, device: { requestId: 'req-co', platform: 'ios', ownership: 'company' }, noticeVersion: 'x', textHash: notices.current('company', new Date('2027-01-01T00:00:00Z')).sha256 });
    return people;
  }

  async function enrollDevices(x: Awaited<ReturnType<typeof instance>>) {
    for (const [i, id] of WITH_DEVICES.entries()) {
      await x.graph.groups.addMember(ACCESS_GROUP, id);
      await x.module.service.enroll({
        intuneDeviceId: `dev-${i}`,
        person: { aadObjectId: id, displayName: `Person ${i}` },
        requestId: `req-${i}`,
        platform: 'ios',
        deviceName: `Phone ${i}`,
        operatingSystem: 'iOS',
        access: { groupId: ACCESS_GROUP, memberId: id },
      });
    }
  }

  it('when a material version is published, then 40 people are told once each despite a crash mid-fan-out, reminded, the silent lose access at the deadline and accepting brings it back', async () => {
    const people = await seed(40);
    const a = await instance('a', { crashAt: 15 });
    await enrollDevices(a);
    const v2 = newVersion(true);
    const campaign = await a.campaigns.start({ notice: v2, previous: v1, deadline: new Date(clock.now().getTime() + 14 * DAY).toISOString(), startedBy: { aadObjectId: 'admin', displayName: 'Patti Fernandez' } });

    // Instance a stops part-way through the fan-out; instance b takes the job over once a's lease has lapsed.
    await a.runDue();
    const partial = await a.campaigns.recipients.countDocuments({ campaignId: campaign._id });
    assert.ok(partial > 0 && partial < people.length, `the crash came mid-fan-out (${partial} found)`);
    clock.advance(61_000);
    const b = await instance('b', { messenger: a.messenger });
    await b.drain();

    assert.equal(await b.campaigns.recipients.countDocuments({ campaignId: campaign._id }), people.length, 'every consented personal device is concerned; the company one is not');
    for (const id of people) assert.equal(a.messenger.to(id).length, 1, `${id} got the notice exactly once`);
    assert.equal(a.messenger.to(person(900)).length, 0);
    let counts = await b.campaigns.counts(campaign._id);
    assert.deepEqual({ told: counts.told, pending: counts.pending, answered: counts.answered }, { told: people.length, pending: people.length, answered: 0 });
    const card = a.messenger.to(ALEX)[0].text;
    assert.match(card, /Accept/);
    assert.match(card, /Compliance records are kept for three years/, 'the card shows the added line');
    assert.match(card, /Removed/);

    // IT's progress card: posted once, then updated in place.
    assert.equal(a.messenger.to('it').filter((m) => m.text.includes('Notice change')).length, 1);

    // Megan accepts before the deadline; Alex's button pressed by Adele is refused.
    const megansPart = `${campaign._id}|${ledgerStreamId(MEGAN, { requestId: 'req-1' })}`;
    const alexsPart = `${campaign._id}|${ledgerStreamId(ALEX, { requestId: 'req-0' })}`;
    await assert.rejects(b.campaigns.answer({ aadObjectId: ADELE, displayName: 'Adele Vance' }, alexsPart), NotAuthorizedError);
    const answered = await b.campaigns.answer({ aadObjectId: MEGAN, displayName: 'Megan Bowen' }, megansPart);
    assert.equal(answered.recipient.state, 'answered');
    assert.equal((await b.ledger.head(ledgerStreamId(MEGAN, { requestId: 'req-1' })))?.state.textHash, v2.sha256);
    await b.campaigns.answer({ aadObjectId: MEGAN, displayName: 'Megan Bowen' }, megansPart);
    assert.equal((await b.ledger.list(ledgerStreamId(MEGAN, { requestId: 'req-1' }))).filter((e) => e.kind === 'reconsented').length, 1, 'a second press records nothing more');

    // Reminders 7 and 2 days before the deadline go to those who have not answered, once each.
    clock.advance(7 * DAY);
    await b.drain();
    clock.advance(5 * DAY);
    await b.drain();
    assert.equal(a.messenger.to(ALEX).length, 3, 'Alex: notice and two reminders');
    assert.equal(a.messenger.to(MEGAN).length, 1, 'Megan answered: no reminders');

    // The deadline: access removed for those with a device who did not answer, through the device's own event.
    clock.advance(2 * DAY);
    await b.drain();
    assert.equal(await b.graph.groups.isMember(ACCESS_GROUP, ALEX), false);
    assert.equal(await b.graph.groups.isMember(ACCESS_GROUP, ADELE), false);
    assert.equal(await b.graph.groups.isMember(ACCESS_GROUP, MEGAN), true, 'Megan accepted in time');
    assert.equal((await b.module.service.get('dev-0'))?.state, 'consentLapsed');
    counts = await b.campaigns.counts(campaign._id);
    assert.equal(counts.accessRemoved, 2);
    assert.equal(counts.answered, 1);
    assert.ok(a.messenger.to(ALEX).some((m) => m.text.includes('Access to work data paused')), 'Alex is told why');
    const it = a.messenger.updates.at(-1)?.text ?? '';
    assert.match(it, /Closed at the deadline/);
    assert.match(it, /Did not answer by the deadline/);

    // Alex accepts after the deadline: his access comes back through the outbox.
    await b.campaigns.answer({ aadObjectId: ALEX, displayName: 'Alex Wilber' }, alexsPart);
    await b.drain(2);
    assert.equal(await b.graph.groups.isMember(ACCESS_GROUP, ALEX), true);
    assert.equal((await b.module.service.get('dev-0'))?.state, 'compliant');
    assert.equal((await b.campaigns.counts(campaign._id)).accessRemoved, 1);
    const outbox = await b.module.outbox.collection.countDocuments({ kind: CampaignOutboxKind.Notice, state: 'done' });
    assert.equal(outbox, people.length);
  });

  /** 300 by default; CAMPAIGN_TEST_PEOPLE=1000 runs the size the privacy SOP's campaign test names (about 3 minutes here). */
  const MANY = Number(process.env.CAMPAIGN_TEST_PEOPLE ?? 300);
  it(`when ${MANY} people are concerned and the fan-out instance stops mid-way, then each gets one card and the acknowledgements are counted`, async function () {
    this.timeout(600_000);
    const people = await seed(MANY);
    const a = await instance('a', { crashAt: Math.floor(MANY * 0.43) });
    const campaign = await a.campaigns.start({ notice: newVersion(false), previous: v1, deadline: new Date(clock.now().getTime() + 20 * DAY).toISOString(), startedBy: { aadObjectId: 'admin', displayName: 'Patti' } });
    await a.runDue();
    assert.ok((await a.campaigns.recipients.countDocuments({ campaignId: campaign._id })) < people.length, 'the stop came mid-fan-out');
    clock.advance(61_000);
    const b = await instance('b', { messenger: a.messenger });
    await b.drain(Math.ceil(MANY / 10) + 10);
    const perPerson = new Map<string, number>();
    for (const m of a.messenger.sent) perPerson.set(m.to, (perPerson.get(m.to) ?? 0) + 1);
    assert.equal(people.filter((id) => perPerson.get(id) === 1).length, people.length, 'everyone got exactly one card');
    for (const id of people.slice(0, MANY / 4)) await b.campaigns.answer({ aadObjectId: id, displayName: id }, `${campaign._id}|${ledgerStreamId(id, { requestId: `req-${people.indexOf(id)}` })}`);
    const counts = await b.campaigns.counts(campaign._id);
    assert.deepEqual({ affected: counts.affected, told: counts.told, answered: counts.answered, pending: counts.pending }, { affected: MANY, told: MANY, answered: MANY / 4, pending: MANY - MANY / 4 });
  });

  it('when a minor version is published, then people acknowledge it, nobody loses access at the deadline and the unanswered are counted', async () => {
    const people = await seed(5);
    const a = await instance('a');
    await enrollDevices(a);
    const v2 = newVersion(false);
    const campaign = await a.campaigns.start({ notice: v2, previous: v1, deadline: new Date(clock.now().getTime() + 3 * DAY).toISOString(), startedBy: { aadObjectId: 'admin', displayName: 'Patti' } });
    await a.drain(5);
    assert.match(a.messenger.to(ALEX)[0].text, /Got it/);
    await a.campaigns.answer({ aadObjectId: ALEX, displayName: 'Alex' }, `${campaign._id}|${ledgerStreamId(ALEX, { requestId: 'req-0' })}`);
    assert.equal((await a.ledger.list(ledgerStreamId(ALEX, { requestId: 'req-0' }))).at(-1)?.kind, 'acknowledged');
    clock.advance(1 * DAY);
    await a.drain(3);
    clock.advance(2 * DAY);
    await a.drain(3);
    const counts = await a.campaigns.counts(campaign._id);
    assert.deepEqual({ answered: counts.answered, pending: counts.pending, accessRemoved: counts.accessRemoved }, { answered: 1, pending: people.length - 1, accessRemoved: 0 });
    for (const id of WITH_DEVICES) assert.equal(await a.graph.groups.isMember(ACCESS_GROUP, id), true);
    assert.equal(a.messenger.to(MEGAN).length, 2, 'notice and the reminder two days before (seven is before the start)');
  });

  it('when a person whose consent was withdrawn presses Accept, then it is refused; a person the bot cannot reach is counted unreachable', async () => {
    await seed(3);
    const messenger = new RecordingMessenger('a');
    messenger.beforeReturn = async (sent) => {
      if (sent.to === ADELE) throw Object.assign(new Error('Forbidden'), { statusCode: 403 });
    };
    const a = await instance('a', { messenger });
    const v2 = newVersion(true);
    await a.ledger.append({ kind: 'withdrawn', at: clock.now().toISOString(), subject: { aadObjectId: MEGAN, displayName: 'Megan' }, device: { requestId: 'req-1', platform: 'ios', ownership: 'personal' }, noticeVersion: v1.version, textHash: v1.sha256 });
    const campaign = await a.campaigns.start({ notice: v2, previous: v1, deadline: new Date(clock.now().getTime() + 10 * DAY).toISOString(), startedBy: { aadObjectId: 'admin', displayName: 'Patti' } });
    await a.drain(5);
    const counts = await a.campaigns.counts(campaign._id);
    assert.equal(counts.affected, 2, 'Megan withdrew before the change: not concerned');
    assert.equal(counts.unreachable, 1);
    // Megan withdraws after being told? She was never concerned; a stale Accept on a record that is not hers is refused.
    await a.ledger.append({ kind: 'withdrawn', at: clock.now().toISOString(), subject: { aadObjectId: ALEX, displayName: 'Alex' }, device: { requestId: 'req-0', platform: 'ios', ownership: 'personal' }, noticeVersion: v1.version, textHash: v1.sha256 });
    await assert.rejects(a.campaigns.answer({ aadObjectId: ALEX, displayName: 'Alex' }, `${campaignIdOf(v2)}|${ledgerStreamId(ALEX, { requestId: 'req-0' })}`), NoticeAnswerRefusedError);
  });
});
