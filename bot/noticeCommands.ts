/**
 * The operators' notice and consent doors in Teams, beside the command-line tools: an administrator drafts a notice
 * publication ("publish notice personal 2027-01-01 material deadline 2027-02-01: what changed"), sees what would
 * change and for how many people, and confirms it with a button, which publishes the version and starts its
 * campaign; an auditor or administrator asks for a consent export and gets a short-lived signed download link. An
 * employee answers a change notice with its button. Every step checks the acting person's roles from the directory
 * (Entra groups), never from card data; a draft is kept server-side and only its drafter may confirm it; publications,
 * campaign starts, export links and exports are recorded in the operator audit trail.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Request, Response, Server } from 'restify';
import { renderNoticeCard } from '../cards/noticeCard';
import { Verb, type NoticeCommandVerb } from '../cards/verbs';
import { draftConsentText } from '../services/content/consentText';
import { noticeDiff } from '../services/content/noticeDiff';
import { notices, type NoticeRegistry, type PublishedNotice } from '../services/content/notices/noticeRegistry';
import { exportConsents } from '../services/consent/consentExport';
import type { ConsentService } from '../services/consent/consentService';
import { DownloadLinkError, type DownloadLinks } from '../services/consent/downloadLinks';
import { NoticeAnswerRefusedError, type NoticeCampaigns } from '../services/consent/noticeCampaigns';
import { NOTICE_DRAFTS_COLLECTION } from '../services/consent/noticeDrafts';
import { NoticePublicationError, type NoticePublisher } from '../services/consent/noticePublisher';
import { OperatorNotAuthorizedError, requireRole, type Operator, type OperatorAuditLog } from '../services/consent/operatorAuditLog';
import type { DirectoryService } from '../services/graph/graphTypes';
import type { CardJson } from '../services/onboarding/views';
import { NotAuthorizedError, NotFoundError } from '../services/workflow/errors';
import { CampaignTermsError } from '../services/workflow/noticeCampaign';
import type { Role } from '../services/workflow/transition';
import type { ActionContext, ActionHandler } from './actionRouter';
import type { Logger } from './logger';

/** The path that serves consent exports; the token travels in the query so request logs never hold it. */
export const CONSENT_EXPORT_PATH = '/api/consents-export';
const EXPORT_PURPOSE = 'consents-export';
const DRAFT_MINUTES = 30;
const DAY = 24 * 3600 * 1000;

/** A drafted publication: everything the confirmation publishes, kept server-side. */
export interface NoticeDraftDocument {
  _id: string;
  ownership: 'personal' | 'company';
  version: string;
  summary: string;
  material: boolean;
  deadline: string;
  lines: string[];
  sha256: string;
  draftedBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt?: Date;
}

/** Settings of the operator commands (configuration). */
export interface NoticeCommandOptions {
  publicBaseUrl?: string;
  exportLinkMinutes: number;
  deadlineDays: number;
}

/** What the typed commands carry. */
export type PublishIntent = { ownership: 'personal' | 'company'; version: string; material: boolean; deadline?: string; summary: string };
export type ExportIntent = { person?: string; from?: string; to?: string; version?: string; format: 'csv' | 'json' };

const plain = (s: string) => s.replace(/[*_[\]()`<>#]/g, '');

/** The notice commands for administrators, auditors and employees. */
export class NoticeCommands {
  private readonly drafts: Collection<NoticeDraftDocument>;

  constructor(
    db: Db,
    private readonly roles: { rolesOf(aadObjectId: string): Promise<Role[]> },
    private readonly publisher: NoticePublisher,
    private readonly campaigns: NoticeCampaigns,
    private readonly audit: OperatorAuditLog,
    private readonly consent: ConsentService,
    private readonly directory: Pick<DirectoryService, 'getUser'>,
    private readonly links: DownloadLinks,
    private readonly options: NoticeCommandOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
    /** The registry this process serves consent cards from; a publication is put in force in it at once (other instances follow within their cache time). */
    private readonly registry: Pick<NoticeRegistry, 'include'> = notices,
  ) {
    this.drafts = db.collection<NoticeDraftDocument>(NOTICE_DRAFTS_COLLECTION);
  }

  private async operator(person: { aadObjectId: string; displayName: string }): Promise<Operator> {
    return { aadObjectId: person.aadObjectId, displayName: person.displayName, roles: await this.roles.rolesOf(person.aadObjectId) };
  }

  private message(title: string, text: string, tone: 'good' | 'warning' | 'attention' | 'accent'): CardJson {
    return renderNoticeCard({ title, text, tone }) as CardJson;
  }

  /** The stored versions of an ownership's notice, oldest first. */
  private async published(ownership: 'personal' | 'company'): Promise<PublishedNotice[]> {
    return (await this.publisher.read())
      .filter((n) => n.ownership === ownership)
      .sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
  }

  /** "publish notice …": an administrator's draft, shown with what changes and a button to confirm. */
  async draftPublication(person: { aadObjectId: string; displayName: string }, intent: PublishIntent): Promise<CardJson> {
    const operator = await this.operator(person);
    try {
      requireRole(operator, ['admin'], 'publish a notice version');
    } catch (e) {
      if (!(e instanceof OperatorNotAuthorizedError)) throw e;
      this.logger.info({ operator: operator.aadObjectId }, 'notice publication refused: not an administrator');
      return this.message('Only administrators can publish', 'Publishing a notice version is for members of the administrators group.', 'warning');
    }
    const now = this.clock();
    const deadline = intent.deadline ? new Date(`${intent.deadline}T23:59:59.000Z`) : new Date(now.getTime() + this.options.deadlineDays * DAY);
    if (Number.isNaN(deadline.getTime()) || deadline <= now) return this.message('Check the deadline', 'The deadline must be a date after today (YYYY-MM-DD).', 'warning');
    const previous = (await this.published(intent.ownership)).at(-1);
    const { lines, sha256 } = draftConsentText(intent.ownership, { version: intent.version });
    if (!previous) return this.message('Nothing to compare with', `No ${intent.ownership} notice has been published yet; publish the first one with npm run notice.`, 'warning');
    if ((await this.published(intent.ownership)).some((n) => n.version === intent.version)) return this.message('Version already published', `${intent.ownership}@${intent.version} is already published. Choose a new version name.`, 'warning');
    const draft: NoticeDraftDocument = {
      _id: randomUUID(),
      ownership: intent.ownership,
      version: intent.version,
      summary: intent.summary.slice(0, 500),
      material: intent.material,
      deadline: deadline.toISOString(),
      lines: [...lines],
      sha256,
      draftedBy: operator.aadObjectId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + DRAFT_MINUTES * 60_000),
    };
    await this.drafts.insertOne(draft);
    const changes = noticeDiff(previous.lines, lines);
    const concerned = await this.campaigns.concernedCount(intent.ownership, sha256);
    const text = [
      `**${intent.ownership === 'company' ? 'Company-owned' : 'Personal'} device notice, version ${intent.version}** (${intent.material ? 'material: people must consent again' : 'minor: people acknowledge it'}), replacing ${previous.version}.`,
      `${changes.length} changed lines (${changes.filter((c) => c.change === 'added').length} added, ${changes.filter((c) => c.change === 'removed').length} removed).`,
      `About **${concerned}** people with a standing consent will be told in Teams, reminded, and have until **${deadline.toISOString().slice(0, 10)}**${intent.material ? '; those who do not accept by then lose access until they do' : ''}.`,
      `This draft can be confirmed by you for ${DRAFT_MINUTES} minutes.`,
    ].join('\n\n');
    return renderNoticeCard({
      title: 'Publish this notice version?',
      text,
      tone: intent.material ? 'warning' : 'default',
      detail: intent.summary,
      actions: [{ title: 'Publish and notify', verb: Verb.NoticePublishConfirm, draftId: draft._id }],
    }) as CardJson;
  }

  /** The confirmation: publishes the drafted version (audited), puts it in force here and starts its campaign. */
  private async confirmPublication(c: ActionContext): Promise<CardJson> {
    const draftId = typeof c.data.draftId === 'string' ? c.data.draftId : '';
    const draft = draftId ? await this.drafts.findOne({ _id: draftId }) : null;
    const operator = await this.operator(c.actor);
    if (!draft || draft.draftedBy !== operator.aadObjectId) return this.message('Not your draft', 'Only the administrator who drafted this publication can confirm it.', 'warning');
    try {
      requireRole(operator, ['admin'], 'publish a notice version');
    } catch (e) {
      if (!(e instanceof OperatorNotAuthorizedError)) throw e;
      return this.message('Only administrators can publish', 'You are no longer in the administrators group.', 'warning');
    }
    if (draft.expiresAt <= this.clock()) return this.message('This draft has expired', 'Type the publish command again to draft it anew.', 'warning');
    // One confirmation wins; a second press finds the draft used and shows the campaign.
    const claimed = await this.drafts.updateOne({ _id: draft._id, usedAt: { $exists: false } }, { $set: { usedAt: this.clock() } });
    if (claimed.modifiedCount === 0) return this.message('Already published', `${draft.ownership}@${draft.version} was published from this draft.`, 'good');
    try {
      const previous = (await this.published(draft.ownership)).at(-1);
      const { notice } = await this.publisher.publish({ ownership: draft.ownership, version: draft.version, summary: draft.summary, material: draft.material, lines: draft.lines }, operator);
      this.registry.include(notice);
      if (!previous || previous.sha256 === notice.sha256) return this.message('Published', `${notice.ownership}@${notice.version} is in force. There was no earlier text to announce a change of.`, 'good');
      const campaign = await this.campaigns.start({ notice, previous, deadline: draft.deadline, startedBy: { aadObjectId: operator.aadObjectId, displayName: operator.displayName } });
      await this.audit.record(operator, 'notice.campaign', { campaignId: campaign._id, material: campaign.material, deadline: campaign.deadline, previousVersion: previous.version });
      return this.message(
        'Published: people are being told',
        `${notice.ownership}@${notice.version} is in force (SHA-256 ${notice.sha256.slice(0, 12)}…). Everyone concerned gets the change notice in Teams; IT Security's channel shows the progress. Every bot instance serves it within the notice cache time.`,
        'good',
      );
    } catch (e) {
      await this.drafts.updateOne({ _id: draft._id }, { $unset: { usedAt: '' } });
      if (e instanceof NoticePublicationError || e instanceof CampaignTermsError) return this.message('Not published', plain(e.problems.join('; ')), 'warning');
      throw e;
    }
  }

  /** "export consents …": a short-lived signed link to the export, for auditors and administrators. */
  async exportLink(person: { aadObjectId: string; displayName: string }, intent: ExportIntent): Promise<CardJson> {
    const operator = await this.operator(person);
    try {
      requireRole(operator, ['admin', 'auditor'], 'export consents');
    } catch (e) {
      if (!(e instanceof OperatorNotAuthorizedError)) throw e;
      this.logger.info({ operator: operator.aadObjectId }, 'consent export refused: not an auditor or administrator');
      return this.message('Only auditors and administrators can export consents', 'Ask a member of the auditors group for the export you need.', 'warning');
    }
    if (!this.options.publicBaseUrl) return this.message('No download address', 'Downloads need the bot\'s public address (PUBLIC_BASE_URL); use npm run consents:export instead.', 'warning');
    const query: Record<string, string> = { format: intent.format };
    if (intent.person) {
      const user = await this.directory.getUser(intent.person);
      if (!user) return this.message('Person not found', `Nobody in the directory has the address ${plain(intent.person)}.`, 'warning');
      query.person = user.id;
    }
    if (intent.from) query.from = intent.from;
    if (intent.to) query.to = intent.to;
    if (intent.version) query.version = intent.version;
    const expires = new Date(this.clock().getTime() + this.options.exportLinkMinutes * 60_000);
    const token = this.links.signFor(EXPORT_PURPOSE, operator.aadObjectId, query, expires);
    await this.audit.record(operator, 'consents.exportLink', { person: query.person ?? null, from: query.from ?? null, to: query.to ?? null, noticeVersion: query.version ?? null, format: intent.format, expiresAt: expires.toISOString() });
    const card = renderNoticeCard({
      title: 'Consent export ready',
      text: `Consents${query.person ? ` of ${plain(intent.person ?? '')}` : ''}${query.from ? ` from ${query.from}` : ''}${query.to ? ` to ${query.to}` : ''}${query.version ? `, notice version ${plain(query.version)}` : ''} as ${intent.format.toUpperCase()}. The link works for ${this.options.exportLinkMinutes} minutes, only while you are an auditor or administrator, and every download is recorded.`,
      tone: 'good',
    });
    (card as { actions?: unknown[] }).actions = [{ type: 'Action.OpenUrl', title: `Download ${intent.format.toUpperCase()}`, url: `${this.options.publicBaseUrl}${CONSENT_EXPORT_PATH}?token=${encodeURIComponent(token)}` }];
    return card as CardJson;
  }

  /** GET /api/consents-export?token=…: the export, for a valid, unexpired link of someone who still has the role. */
  registerDownload(server: Server): void {
    server.get(CONSENT_EXPORT_PATH, async (req: Request, res: Response) => {
      const token = new URL(req.url ?? '', 'http://localhost').searchParams.get('token') ?? '';
      let claims: { sub: string; q: Record<string, string> };
      try {
        claims = this.links.verifyFor(EXPORT_PURPOSE, token, this.clock());
      } catch (e) {
        if (!(e instanceof DownloadLinkError)) throw e;
        this.logger.info({ reason: e.reason }, 'consent export download refused');
        res.send(e.reason === 'expired' ? 410 : 403, { error: e.reason === 'expired' ? 'This link has expired. Ask the bot for a new one.' : 'This link is not valid.' });
        return;
      }
      const operator = await this.operator({ aadObjectId: claims.sub, displayName: claims.sub });
      const format = claims.q.format === 'json' ? 'json' : 'csv';
      let out;
      try {
        out = await exportConsents(this.consent, this.audit, operator, { aadObjectId: claims.q.person, from: claims.q.from, to: claims.q.to, noticeVersion: claims.q.version }, format);
      } catch (e) {
        if (!(e instanceof OperatorNotAuthorizedError)) throw e;
        this.logger.info({ operator: claims.sub }, 'consent export download refused: role no longer held');
        res.send(403, { error: 'You are no longer an auditor or administrator.' });
        return;
      }
      this.logger.info({ operator: claims.sub, rows: out.rows }, 'consent export downloaded');
      res.sendRaw(200, out.text, {
        'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
        'Content-Disposition': `attachment; filename="consents-${this.clock().toISOString().slice(0, 10)}.${format}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
    });
  }

  /** The card verbs: an employee's answer to a change notice, an administrator's confirmation. */
  handlers(): Record<NoticeCommandVerb, ActionHandler> {
    return {
      [Verb.NoticeAnswer]: async (c) => {
        const recipientId = typeof c.data.recipientId === 'string' ? c.data.recipientId : '';
        try {
          return (await this.campaigns.answer(c.person, recipientId)).card as CardJson;
        } catch (e) {
          if (e instanceof NotAuthorizedError || e instanceof NotFoundError) return this.message('Not your notice', 'This notice was sent to someone else.', 'warning');
          if (e instanceof NoticeAnswerRefusedError) return this.message('Nothing to accept', 'Your consent for this device is no longer standing, so there is nothing to accept. Type "my consents" to see your answers.', 'warning');
          throw e;
        }
      },
      [Verb.NoticePublishConfirm]: (c) => this.confirmPublication(c),
    };
  }
}
