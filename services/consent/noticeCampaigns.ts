/**
 * Change-notice campaigns (privacy SOP §5, "informed of any changes to data collection or usage policies"): when a
 * new notice version is published, everyone whose standing consent is to an earlier text is told in Teams, with the
 * summary and the changed lines, and asked to consent again (material change) or to acknowledge it (minor change)
 * by a deadline, with reminders before it. At the deadline of a material change, access is removed from whoever has
 * not consented again, through the enrolled device's own consentLapsed event (its outbox effect removes the group
 * membership), and it comes back when they accept. IT Security follows a progress card updated in place.
 *
 * Crash safety: the campaign's timer is a job (`noticeCampaign`), so whichever instance holds its lease carries on
 * where another stopped. The fan-out pages through the consent ledger heads in id order and records its cursor
 * after each page; a person's campaign record is written before the outbox entry of their notice, and both are
 * keyed by campaign and ledger, so a page done twice writes nothing new. Every message goes through the shared
 * outbox under a key of its own and the delivery log, so each person gets each message once, paced by due times
 * within Teams' rate limits. The rules (who is concerned, reminders, the deadline) are pure: services/workflow/noticeCampaign.ts.
 */
import type { Collection, Db } from 'mongodb';
import type { Logger } from '../logging/logger';
import { renderCampaignProgressCard } from '../../cards/campaignProgressCard';
import { renderNoticeChangeCard } from '../../cards/noticeChangeCard';
import { notices, type PublishedNotice } from '../content/notices/noticeRegistry';
import type { DeviceRepository, EnrolledDevice } from '../devices/deviceRepository';
import type { DeviceService } from '../devices/deviceService';
import type { JobQueue } from '../jobs/jobQueue';
import { LeaseLostError, type Lease } from '../jobs/leases';
import type { DeliveryLog } from '../messaging/deliveryLog';
import { cardActivity, statusOf, type Delivery, type Messenger } from '../messaging/proactiveMessenger';
import { UNCONDITIONAL, type NewOutboxEntry, type Outbox, type OutboxEntry } from '../outbox/outbox';
import type { ConversationReferenceRepository } from '../storage/conversationReferenceRepository';
import { NotAuthorizedError, NotFoundError } from '../workflow/errors';
import type { Ownership } from '../workflow/model';
import {
  campaignCounts,
  campaignTermsProblems,
  CampaignTermsError,
  isAffected,
  nextCampaignStep,
  recipientTransition,
  RECIPIENT_STATES,
  wantsReminder,
  type CampaignCounts,
  type RecipientCore,
  type RecipientEvent,
  type RecipientState,
} from '../workflow/noticeCampaign';
import { LedgerTransitionError, type LedgerDevice } from './consentLedger';
import { LEDGER_COLLECTIONS, type ConsentLedgerRepository, type LedgerHead } from './consentLedgerRepository';

/** Collections of the campaigns. */
export const CAMPAIGN_COLLECTIONS = { campaigns: 'noticeCampaigns', recipients: 'noticeCampaignRecipients' } as const;

/** The outbox kinds campaigns use. */
export const CampaignOutboxKind = {
  Notice: 'noticeChange',
  Reminder: 'noticeReminder',
  Progress: 'noticeProgress',
} as const;

const CAMPAIGN_AGGREGATE = 'noticeCampaign';
const DAY = 24 * 3600 * 1000;

/** One campaign: the version it announces, the text before it, its terms and how far it got. */
export interface NoticeCampaign {
  /** `<ownership>@<version>`. */
  _id: string;
  ownership: Ownership;
  version: string;
  sha256: string;
  publishedAt: string;
  summary: string;
  material: boolean;
  lines: string[];
  previous: { version: string; sha256: string; lines: string[] };
  deadline: string;
  reminderDaysBefore: number[];
  startedAt: string;
  startedBy: { aadObjectId: string; displayName: string };
  fanOut: { done: boolean; cursor: string; count: number; slotBase?: string };
  remindersSent: number[];
  closedAt?: string;
  /** IT Security's progress card, once posted. */
  progressCard?: Delivery;
}

/** One person's part in a campaign (one per consent ledger, i.e. per person and device). */
export interface CampaignRecipient extends RecipientCore {
  /** `<campaign id>|<ledger id>`. */
  _id: string;
  campaignId: string;
  streamId: string;
  subject: { aadObjectId: string; displayName: string };
  device: LedgerDevice;
  /** Position in the fan-out (paces the sends). */
  index: number;
  toldAt?: string;
  answeredAt?: string;
  lapsedAt?: string;
  updatedAt: string;
}

/** Campaign settings, from configuration. */
export interface CampaignOptions {
  /** Notices sent per second (Teams allows 50 requests per second per app and tenant for all of the bot's traffic). */
  sendsPerSecond: number;
  /** Reminders before the deadline, in days. */
  reminderDaysBefore: readonly number[];
  /** How often the progress card is refreshed while notices are still being sent. */
  progressIntervalMs: number;
  transparencyUrl: string;
  /** Ledger heads read per fan-out page. */
  pageSize?: number;
}

/** What an administrator starts. */
export interface CampaignStart {
  notice: PublishedNotice;
  previous: PublishedNotice;
  deadline: string;
  startedBy: { aadObjectId: string; displayName: string };
  reminderDaysBefore?: readonly number[];
}

/** An answer that cannot be taken (the consent was withdrawn, or the device's ledger no longer stands). */
export class NoticeAnswerRefusedError extends Error {
  override readonly name = 'NoticeAnswerRefusedError';
  constructor(
    readonly recipientId: string,
    readonly reason: string,
  ) {
    super(`Answer to ${recipientId} refused: ${reason}`);
  }
}

/** The campaign id of a notice version. */
export const campaignIdOf = (n: Pick<PublishedNotice, 'ownership' | 'version'>) => `${n.ownership}@${n.version}`;
const recipientIdOf = (campaignId: string, streamId: string) => `${campaignId}|${streamId}`;

/** The campaigns' use cases, job handlers and outbox handlers. */
export class NoticeCampaigns {
  readonly campaigns: Collection<NoticeCampaign>;
  readonly recipients: Collection<CampaignRecipient>;
  private readonly heads: Collection<LedgerHead>;

  constructor(
    private readonly db: Db,
    private readonly jobs: JobQueue,
    private readonly outbox: Outbox,
    private readonly ledger: ConsentLedgerRepository,
    private readonly devices: { repository: DeviceRepository; service: DeviceService },
    private readonly messenger: Messenger,
    private readonly deliveries: DeliveryLog,
    private readonly refs: ConversationReferenceRepository,
    private readonly options: CampaignOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
    /** When a text was published, by its SHA-256 (the registry of this build by default). */
    private readonly publishedAtOf: (sha256: string) => string | undefined = (h) => notices.byHash(h)?.publishedAt,
  ) {
    this.campaigns = db.collection<NoticeCampaign>(CAMPAIGN_COLLECTIONS.campaigns);
    this.recipients = db.collection<CampaignRecipient>(CAMPAIGN_COLLECTIONS.recipients);
    this.heads = db.collection<LedgerHead>(LEDGER_COLLECTIONS.heads);
  }

  async ensureIndexes(): Promise<void> {
    await this.recipients.createIndex({ campaignId: 1, state: 1 }, { name: 'by_campaign_state' });
    await this.recipients.createIndex({ 'subject.aadObjectId': 1 }, { name: 'by_subject' });
  }

  /** Registers the outbox handlers and counts a person whose notice could not be delivered as unreachable. */
  register(outbox: Outbox): void {
    outbox.handle(CampaignOutboxKind.Notice, (e) => this.sendNotice(e, 'open'));
    outbox.handle(CampaignOutboxKind.Reminder, (e) => this.sendNotice(e, 'reminder'));
    outbox.handle(CampaignOutboxKind.Progress, (e) => this.showProgress(String(e.payload.campaignId)));
    outbox.onFailed(async (e) => {
      if (e.kind !== CampaignOutboxKind.Notice && e.kind !== CampaignOutboxKind.Reminder) return;
      this.logger.warn({ entry: e._id, attempts: e.attempts }, 'change notice not delivered; person counted unreachable');
      await this.moveRecipient(String(e.payload.recipientId), { type: 'undeliverable' });
      await this.announceProgress(String(e.payload.campaignId), 0);
    });
  }

  /** Starts the campaign of a newly published version (see startCampaign). */
  async start(input: CampaignStart): Promise<NoticeCampaign> {
    const campaign = await startCampaign(this.db, this.jobs, input, this.options.reminderDaysBefore, this.clock);
    this.logger.info({ campaignId: campaign._id, material: campaign.material, deadline: campaign.deadline }, 'notice campaign started');
    return campaign;
  }

  async get(campaignId: string): Promise<NoticeCampaign | null> {
    return this.campaigns.findOne({ _id: campaignId });
  }

  /** Every campaign, newest first. */
  async list(): Promise<NoticeCampaign[]> {
    return this.campaigns.find().sort({ startedAt: -1 }).limit(100).toArray();
  }

  /** The counts the administrator sees. */
  async counts(campaignId: string): Promise<CampaignCounts> {
    return campaignCountsOf(this.db, campaignId);
  }

  /** How many standing consents of an ownership are to another text (the draft's estimate of who is concerned). */
  async concernedCount(ownership: Ownership, sha256: string): Promise<number> {
    return this.heads.countDocuments({ 'state.status': 'consented', 'device.ownership': ownership, 'state.textHash': { $ne: sha256 } });
  }

  /** The people who have not answered, by name (the progress card after the deadline). */
  async notAnswered(campaignId: string, limit = 25): Promise<{ names: string[]; total: number }> {
    const filter = { campaignId, state: { $in: ['pending', 'told', 'unreachable', 'lapsed'] as RecipientState[] } };
    const [people, total] = await Promise.all([this.recipients.find(filter).sort({ index: 1 }).limit(limit).toArray(), this.recipients.countDocuments(filter)]);
    return { names: people.map((p) => p.subject.displayName), total };
  }

  /** The campaign's timer, run by the background worker under the job's lease. */
  async runClaimed(lease: Lease, campaignId: string): Promise<void> {
    const stop = this.jobs.leases.keepAlive(lease, (e) => this.logger.warn({ err: e }, 'campaign lease renewal failed'));
    let seenRev: number | undefined;
    let next: Date | null = null;
    try {
      seenRev = await this.jobs.revision(lease);
      next = await this.step(lease, campaignId);
    } catch (e) {
      if (e instanceof LeaseLostError) {
        this.logger.warn({ campaignId }, 'campaign lease lost to another instance; stopping');
        return;
      }
      next = new Date(this.clock().getTime() + 60_000);
      throw e;
    } finally {
      stop();
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Does what is due now; returns when to run again (null: the campaign is closed). */
  private async step(lease: Lease, campaignId: string): Promise<Date | null> {
    for (;;) {
      const campaign = await this.get(campaignId);
      if (!campaign) return null;
      const now = this.clock();
      const step = nextCampaignStep(campaign, { fanOutDone: campaign.fanOut.done, remindersSent: campaign.remindersSent, closedAt: campaign.closedAt }, now);
      switch (step.kind) {
        case 'closed':
          return null;
        case 'wait':
          return new Date(step.until);
        case 'fanOut':
          await this.fanOut(lease, campaign);
          break;
        case 'remind':
          await this.remind(lease, campaign, step.daysBefore);
          await this.campaigns.updateOne({ _id: campaignId }, { $addToSet: { remindersSent: { $each: step.covers } } });
          break;
        case 'deadline':
          await this.deadline(lease, campaign);
          await this.campaigns.updateOne({ _id: campaignId, closedAt: { $exists: false } }, { $set: { closedAt: now.toISOString() } });
          await this.announceProgress(campaignId, 0);
          this.logger.info({ campaignId }, 'notice campaign closed at its deadline');
          return null;
      }
    }
  }

  /** The time slot of the n-th message of a run: `sendsPerSecond` messages per second from `base`. */
  private slot(base: Date, n: number): Date {
    return new Date(base.getTime() + Math.floor(n / Math.max(1, this.options.sendsPerSecond)) * 1000);
  }

  /** Finds everyone concerned, page by page, writing each person's record and then their notice's outbox entry. */
  private async fanOut(lease: Lease, campaign: NoticeCampaign): Promise<void> {
    const notice = { ownership: campaign.ownership, sha256: campaign.sha256, publishedAt: campaign.publishedAt };
    const slotBase = campaign.fanOut.slotBase ? new Date(campaign.fanOut.slotBase) : this.clock();
    let { cursor, count } = campaign.fanOut;
    if (!campaign.fanOut.slotBase) await this.campaigns.updateOne({ _id: campaign._id }, { $set: { 'fanOut.slotBase': slotBase.toISOString() } });
    await this.announceProgress(campaign._id, this.options.progressIntervalMs);
    for (;;) {
      await this.jobs.leases.assertHeld(lease);
      const page = await this.heads
        .find({ _id: { $gt: cursor }, 'state.status': 'consented', 'device.ownership': campaign.ownership })
        .sort({ _id: 1 })
        .limit(this.options.pageSize ?? 200)
        .toArray();
      if (!page.length) break;
      const now = this.clock().toISOString();
      const found: CampaignRecipient[] = [];
      for (const h of page) {
        const textPublishedAt = h.state.textHash === campaign.previous.sha256 ? '' : this.publishedAtOf(h.state.textHash ?? '');
        const affected = isAffected(
          { status: h.state.status, ownership: h.device.ownership, textHash: h.state.textHash, textPublishedAt: textPublishedAt === '' ? undefined : textPublishedAt },
          notice,
        );
        if (!affected) continue;
        found.push({
          _id: recipientIdOf(campaign._id, h._id),
          campaignId: campaign._id,
          streamId: h._id,
          subject: { aadObjectId: h.subjectId, displayName: (await this.displayNameOf(h)) ?? 'Employee' },
          device: h.device,
          index: count++,
          state: 'pending',
          accessRemoved: false,
          updatedAt: now,
        });
      }
      if (found.length) {
        await this.insertIgnoringDuplicates(found);
        // The records exist before their entries, so every entry finds its person; a repeated page stages the same keys.
        const stored = await this.recipients.find({ _id: { $in: found.map((r) => r._id) } }).toArray();
        await this.stage(
          stored
            .filter((r) => r.state === 'pending')
            .map((r) => ({ key: `${r._id}:notice`, kind: CampaignOutboxKind.Notice, dueAt: this.slot(slotBase, r.index), payload: { campaignId: campaign._id, recipientId: r._id } })),
        );
      }
      cursor = page[page.length - 1]._id;
      await this.campaigns.updateOne({ _id: campaign._id }, { $set: { 'fanOut.cursor': cursor, 'fanOut.count': count } });
    }
    await this.campaigns.updateOne({ _id: campaign._id }, { $set: { 'fanOut.done': true } });
    this.logger.info({ campaignId: campaign._id, people: count }, 'notice campaign fan-out done');
  }

  /** The person's name as their ledger's last entry records it. */
  private async displayNameOf(h: LedgerHead): Promise<string | undefined> {
    const [last] = await this.ledger.list(h._id).then((l) => l.slice(-1));
    return last?.subject.displayName;
  }

  private async insertIgnoringDuplicates(docs: CampaignRecipient[]): Promise<void> {
    try {
      await this.recipients.insertMany(docs, { ordered: false });
    } catch (e) {
      const errors = (e as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
      const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
      if (!list.length || list.some((w) => w.code !== 11000)) throw e;
    }
  }

  private async stage(entries: NewOutboxEntry[]): Promise<void> {
    if (entries.length) await this.outbox.stage({ type: CAMPAIGN_AGGREGATE, id: String(entries[0].payload.campaignId), version: 0, commitToken: UNCONDITIONAL }, entries);
  }

  /** Reminds everyone who has not answered (paced like the notices); the entry's key makes each reminder once. */
  private async remind(lease: Lease, campaign: NoticeCampaign, daysBefore: number): Promise<void> {
    const base = this.clock();
    let n = 0;
    let batch: NewOutboxEntry[] = [];
    for await (const r of this.recipients.find({ campaignId: campaign._id, state: { $in: ['told', 'unreachable'] } }).sort({ index: 1 })) {
      if (!wantsReminder(r)) continue;
      batch.push({ key: `${r._id}:reminder:${daysBefore}`, kind: CampaignOutboxKind.Reminder, dueAt: this.slot(base, n++), payload: { campaignId: campaign._id, recipientId: r._id, daysBefore } });
      if (batch.length >= 200) {
        await this.jobs.leases.assertHeld(lease);
        await this.stage(batch);
        batch = [];
      }
    }
    await this.stage(batch);
    this.logger.info({ campaignId: campaign._id, daysBefore, reminders: n }, 'notice campaign reminders staged');
  }

  /**
   * The deadline: everyone who has not answered lapses; for a material change their device's access is removed
   * first (the device's consentLapsed event, idempotent), so a crash between the two is finished by the next run.
   */
  private async deadline(lease: Lease, campaign: NoticeCampaign): Promise<void> {
    let n = 0;
    for await (const r of this.recipients.find({ campaignId: campaign._id, state: { $in: ['pending', 'told', 'unreachable'] } })) {
      if (n++ % 50 === 0) await this.jobs.leases.assertHeld(lease);
      let removed = false;
      if (campaign.material) {
        const device = await this.deviceOf(r);
        if (device) {
          const after = await this.devices.service.apply(device._id, { type: 'consentLapsed', noticeVersion: campaign.version });
          removed = after?.state === 'consentLapsed';
        }
      }
      const outcome = recipientTransition(r, { type: 'deadline' }, campaign.material);
      if (!outcome.changed) continue;
      await this.recipients.updateOne(
        { _id: r._id, state: r.state },
        { $set: { state: outcome.next.state, accessRemoved: removed, lapsedAt: this.clock().toISOString(), updatedAt: this.clock().toISOString() } },
      );
    }
  }

  /** The enrolled device a person's ledger is about, while watched. */
  private async deviceOf(r: Pick<CampaignRecipient, 'subject' | 'device'>): Promise<EnrolledDevice | undefined> {
    const list = await this.devices.repository.collection.find({ 'person.aadObjectId': r.subject.aadObjectId }).toArray();
    return list.find((d) => d.state !== 'retired' && (d.requestId === r.device.requestId || (r.device.managedDeviceId !== undefined && d._id === r.device.managedDeviceId)));
  }

  private async moveRecipient(recipientId: string, event: RecipientEvent): Promise<CampaignRecipient | null> {
    const r = await this.recipients.findOne({ _id: recipientId });
    if (!r) return null;
    const campaign = await this.get(r.campaignId);
    const outcome = recipientTransition(r, event, Boolean(campaign?.material));
    if (!outcome.changed) return r;
    const now = this.clock().toISOString();
    const set: Partial<CampaignRecipient> = { state: outcome.next.state, accessRemoved: outcome.next.accessRemoved, updatedAt: now };
    if (event.type === 'delivered') set.toldAt = now;
    if (event.type === 'answered') set.answeredAt = now;
    await this.recipients.updateOne({ _id: r._id, state: r.state }, { $set: set });
    return { ...r, ...set };
  }

  /** The card a person sees for their part in a campaign. */
  private card(campaign: NoticeCampaign, r: CampaignRecipient, status: 'open' | 'reminder') {
    const shown = r.state === 'answered' ? 'answered' : r.state === 'lapsed' ? 'lapsed' : status;
    return renderNoticeChangeCard({
      recipientId: r._id,
      version: campaign.version,
      ownership: campaign.ownership,
      material: campaign.material,
      deadline: campaign.deadline,
      summary: campaign.summary,
      previousLines: campaign.previous.lines,
      lines: campaign.lines,
      status: shown,
      answeredAt: r.answeredAt,
      transparencyUrl: this.options.transparencyUrl,
    });
  }

  /** Sends a person's notice or reminder, once per entry key, unless they answered meanwhile. */
  private async sendNotice(entry: OutboxEntry, status: 'open' | 'reminder'): Promise<void> {
    const r = await this.recipients.findOne({ _id: String(entry.payload.recipientId) });
    const campaign = r && (await this.get(r.campaignId));
    if (!r || !campaign || r.state === 'answered' || campaign.closedAt) return;
    const card = this.card(campaign, r, status);
    const summary = status === 'reminder' ? 'Reminder: the device management notice changed' : 'The device management notice changed';
    const via = (await this.refs.findUser(r.subject.aadObjectId))?.reference;
    const prior = await this.deliveries.begin(entry._id);
    if (prior.state !== 'delivered') {
      let delivery: Delivery;
      try {
        delivery = await this.messenger.sendToUser(r.subject.aadObjectId, cardActivity(card, summary), via);
      } catch (e) {
        if (statusOf(e) !== undefined) await this.deliveries.refused(entry._id);
        throw e;
      }
      await this.deliveries.confirm(entry._id, delivery);
    }
    await this.moveRecipient(r._id, { type: 'delivered' });
  }

  /**
   * A person answers their change notice: the ledger entry first (re-consent or acknowledgement of the new text),
   * then their device's access back if the deadline had removed it, then their campaign record. Each step is
   * idempotent, so pressing the button again after a failure finishes what the first press began.
   */
  async answer(actor: { aadObjectId: string; displayName: string }, recipientId: string): Promise<{ card: ReturnType<typeof renderNoticeChangeCard>; recipient: CampaignRecipient }> {
    const r = await this.recipients.findOne({ _id: recipientId });
    if (!r) throw new NotFoundError('notice campaign recipient', recipientId);
    // Card data names the record; whose it is comes from the database.
    if (r.subject.aadObjectId !== actor.aadObjectId) throw new NotAuthorizedError(recipientId, actor.aadObjectId, 'notice.answer');
    const campaign = await this.get(r.campaignId);
    if (!campaign) throw new NotFoundError('notice campaign', r.campaignId);
    const head = await this.ledger.head(r.streamId);
    if (head?.state.textHash !== campaign.sha256) {
      if (head?.state.status !== 'consented') throw new NoticeAnswerRefusedError(recipientId, `consent is ${head?.state.status ?? 'missing'}`);
      try {
        await this.ledger.append({
          kind: campaign.material ? 'reconsented' : 'acknowledged',
          at: this.clock().toISOString(),
          subject: { aadObjectId: actor.aadObjectId, displayName: actor.displayName },
          device: head.device,
          noticeVersion: campaign.version,
          textHash: campaign.sha256,
        });
      } catch (e) {
        // Another press got there first: the ledger already holds this answer.
        if (!(e instanceof LedgerTransitionError)) throw e;
      }
    }
    if (campaign.material) {
      const device = await this.deviceOf(r);
      if (device?.state === 'consentLapsed') await this.devices.service.apply(device._id, { type: 'consentRenewed', noticeVersion: campaign.version }, { kind: 'user', ...actor });
    }
    const after = (await this.moveRecipient(r._id, { type: 'answered' })) ?? r;
    await this.announceProgress(campaign._id, 0);
    this.logger.info({ campaignId: campaign._id, recipientId, material: campaign.material }, 'change notice answered');
    return { card: this.card(campaign, after, 'open'), recipient: after };
  }

  /** Schedules a refresh of the progress card (`inMs` from now, or sooner if one is already due). */
  async announceProgress(campaignId: string, inMs: number): Promise<void> {
    await this.jobs.announce('noticeProgress', campaignId, new Date(this.clock().getTime() + inMs));
  }

  /** The progress job: stages a refresh of IT's card; comes back while notices are still on their way. */
  async runProgress(lease: Lease, campaignId: string): Promise<void> {
    const seenRev = await this.jobs.revision(lease);
    let next: Date | null = null;
    try {
      const campaign = await this.get(campaignId);
      if (!campaign) return;
      const counts = await this.counts(campaignId);
      const key = `${CAMPAIGN_AGGREGATE}:${campaignId}:progress:${campaign.closedAt ? 'closed' : 'open'}:${counts.told}:${counts.answered}:${counts.unreachable}:${counts.accessRemoved}:${counts.affected}`;
      await this.stage([{ key, kind: CampaignOutboxKind.Progress, payload: { campaignId } }]);
      const sending = !campaign.fanOut.done || (await this.recipients.countDocuments({ campaignId, state: 'pending' })) > 0;
      if (sending && !campaign.closedAt) next = new Date(this.clock().getTime() + this.options.progressIntervalMs);
    } finally {
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Posts IT Security's progress card the first time, then updates it in place (skipping an edit that changes nothing). */
  private async showProgress(campaignId: string): Promise<void> {
    if (!this.messenger.hasItChannel) return;
    const campaign = await this.get(campaignId);
    if (!campaign) return;
    const counts = await this.counts(campaignId);
    const late = campaign.closedAt ? await this.notAnswered(campaignId) : { names: [], total: 0 };
    const card = renderCampaignProgressCard({
      ownership: campaign.ownership,
      version: campaign.version,
      material: campaign.material,
      deadline: campaign.deadline,
      startedBy: campaign.startedBy.displayName,
      counts,
      phase: campaign.closedAt ? 'closed' : campaign.fanOut.done && counts.affected - counts.told - counts.unreachable <= 0 ? 'open' : 'sending',
      notAnswered: late.names,
      notAnsweredMore: Math.max(0, late.total - late.names.length),
      updatedAt: this.clock().toISOString(),
    });
    const activity = cardActivity(card, 'Notice change progress');
    if (campaign.progressCard) {
      if (await this.deliveries.shows(campaign.progressCard, card)) return;
      await this.messenger.update(campaign.progressCard, activity);
      await this.deliveries.rendered(campaign.progressCard, card);
      return;
    }
    const key = `${CAMPAIGN_AGGREGATE}:${campaignId}:progressCard`;
    const prior = await this.deliveries.begin(key);
    const delivery = prior.state === 'delivered' ? prior.delivery : await this.messenger.sendToItChannel(activity);
    if (prior.state !== 'delivered') await this.deliveries.confirm(key, delivery);
    await this.campaigns.updateOne({ _id: campaignId }, { $set: { progressCard: delivery } });
    await this.deliveries.rendered(delivery, card);
  }

  /** The card of a person's part, for "my consents" and a stale button. */
  async cardFor(actor: { aadObjectId: string }, recipientId: string) {
    const r = await this.recipients.findOne({ _id: recipientId });
    if (!r || r.subject.aadObjectId !== actor.aadObjectId) throw new NotAuthorizedError(recipientId, actor.aadObjectId, 'notice.view');
    const campaign = await this.get(r.campaignId);
    if (!campaign) throw new NotFoundError('notice campaign', r.campaignId);
    return this.card(campaign, r, 'open');
  }

  /** The default deadline of a campaign started now. */
  defaultDeadline(days: number): string {
    return new Date(this.clock().getTime() + days * DAY).toISOString();
  }
}

/**
 * Writes a campaign and announces its timer (the timer first, so a crash after the write still runs it). Starting
 * the same version again returns the campaign as it is. The command-line tool and the bot both start campaigns
 * this way; the bot's instances carry them out.
 */
export async function startCampaign(
  db: Db,
  jobs: Pick<JobQueue, 'announce'>,
  input: CampaignStart,
  defaultReminderDays: readonly number[],
  clock: () => Date = () => new Date(),
): Promise<NoticeCampaign> {
  const { notice, previous } = input;
  const now = clock().toISOString();
  const startedAt = notice.publishedAt > now ? notice.publishedAt : now;
  const reminderDaysBefore = [...(input.reminderDaysBefore ?? defaultReminderDays)];
  const deadline = new Date(input.deadline).toISOString();
  const problems = Number.isNaN(Date.parse(input.deadline)) ? ['the deadline is not a date'] : campaignTermsProblems({ material: notice.material, startedAt, deadline, reminderDaysBefore });
  if (previous.ownership !== notice.ownership || previous.sha256 === notice.sha256) problems.push('the previous version must be another text of the same notice');
  if (problems.length) throw new CampaignTermsError(problems);
  const campaign: NoticeCampaign = {
    _id: campaignIdOf(notice),
    ownership: notice.ownership,
    version: notice.version,
    sha256: notice.sha256,
    publishedAt: notice.publishedAt,
    summary: notice.summary,
    material: notice.material,
    lines: [...notice.lines],
    previous: { version: previous.version, sha256: previous.sha256, lines: [...previous.lines] },
    deadline,
    reminderDaysBefore,
    startedAt,
    startedBy: input.startedBy,
    fanOut: { done: false, cursor: '', count: 0 },
    remindersSent: [],
  };
  const campaigns = db.collection<NoticeCampaign>(CAMPAIGN_COLLECTIONS.campaigns);
  await jobs.announce('noticeCampaign', campaign._id, new Date(startedAt));
  try {
    await campaigns.insertOne(campaign);
  } catch (e) {
    if ((e as { code?: number }).code !== 11000) throw e;
    return (await campaigns.findOne({ _id: campaign._id }))!;
  }
  return campaign;
}

/** A campaign's counts: how many people are in each state, and how many lost access at the deadline. */
export async function campaignCountsOf(db: Db, campaignId: string): Promise<CampaignCounts> {
  const recipients = db.collection<CampaignRecipient>(CAMPAIGN_COLLECTIONS.recipients);
  const byState: Partial<Record<RecipientState, number>> = {};
  for (const s of RECIPIENT_STATES) byState[s] = await recipients.countDocuments({ campaignId, state: s });
  return campaignCounts(byState, await recipients.countDocuments({ campaignId, accessRemoved: true }));
}
