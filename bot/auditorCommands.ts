/**
 * The auditor's and administrator's door in Teams: "verify audit", "evidence for <request | person>", "access log"
 * and the access review card's buttons. The actor comes from the Teams activity and their roles from Entra groups;
 * every use is recorded in the access log by the shared use cases (services/governance/auditDesk.ts).
 */
import type { Request, Response, Server } from 'restify';
import { renderAccessLogCard, renderEvidenceCard, renderVerificationCard } from '../cards/auditDeskCard';
import { renderAccessReviewCard } from '../cards/accessReviewCard';
import { Verb, type OversightVerb } from '../cards/verbs';
import { DownloadLinkError, type DownloadLinks } from '../services/consent/downloadLinks';
import { renderEvidenceHtml } from '../services/evidence/evidenceHtml';
import { AccessReviewStateError, type AccessReviewService } from '../services/governance/accessReview';
import type { AuditDesk, EvidenceTarget } from '../services/governance/auditDesk';
import { ActionNotPermittedError } from '../services/governance/authorization';
import type { DirectoryService } from '../services/graph/graphTypes';
import type { RoleResolver } from '../services/onboarding/roleResolver';
import type { CardJson } from '../services/onboarding/views';
import { NotFoundError } from '../services/workflow/errors';
import type { Actor } from '../services/workflow/transition';
import type { ActionHandler } from './actionRouter';
import type { BotCards } from './botCards';
import type { Logger } from './logger';

type User = Extract<Actor, { kind: 'user' }>;

/** Settings (configuration). */
export interface AuditorCommandOptions {
  /** The bot's public origin; download links point here (unset: no download link is offered). */
  publicBaseUrl?: string;
  linkMinutes: number;
}

/** The path that serves evidence downloads; the token travels in the query so request logs never hold it. */
export const EVIDENCE_PATH = '/api/evidence';

const FORMATS = ['json', 'html'] as const;
/** What evidence links are signed for, so a "my data" or consent export link never opens an evidence pack. */
const EVIDENCE_PURPOSE = 'evidence';

/** Builds the auditor commands, the access review card handlers and the evidence download. */
export class AuditorCommands {
  constructor(
    private readonly desk: AuditDesk,
    private readonly reviews: AccessReviewService,
    private readonly roles: Pick<RoleResolver, 'rolesOf'>,
    private readonly directory: Pick<DirectoryService, 'getUser'>,
    /** Evidence links are signed for their own purpose, so a "my data" link is never an evidence link. */
    private readonly links: DownloadLinks,
    private readonly cards: Pick<BotCards, 'message'>,
    private readonly options: AuditorCommandOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** "verify audit" or "verify audit DEV-7K3Q2M". */
  verify(actor: User, reference?: string): Promise<CardJson> {
    return this.refusing(async () => renderVerificationCard(await this.desk.verify(actor, 'teams', reference)) as CardJson);
  }

  /** "evidence for DEV-7K3Q2M" or "evidence for alexw@contoso.com". */
  evidence(actor: User, typed: string): Promise<CardJson> {
    return this.refusing(async () => {
      const target = await this.desk.resolveTarget(actor, typed);
      const pack = await this.desk.pack(actor, 'teams', target);
      let links: { json: string; html: string } | null = null;
      if (this.options.publicBaseUrl) {
        const expires = new Date(this.clock().getTime() + this.options.linkMinutes * 60_000);
        const url = (fmt: (typeof FORMATS)[number]) =>
          `${this.options.publicBaseUrl}${EVIDENCE_PATH}?token=${encodeURIComponent(this.links.signFor(EVIDENCE_PURPOSE, actor.aadObjectId, { scope: target.kind, id: target.id, fmt }, expires))}`;
        links = { json: url('json'), html: url('html') };
        this.logger.info({ actor: actor.aadObjectId, scope: target.kind, expiresAt: expires.toISOString() }, 'evidence links issued');
      }
      return renderEvidenceCard(pack, links, this.options.linkMinutes) as CardJson;
    });
  }

  /** "access log": the latest reads; "access log for <person | request>": every read of their records. */
  accessLog(actor: User, about?: string): Promise<CardJson> {
    return this.refusing(async () => {
      const entries = about ? (await this.desk.accessAbout(actor, 'teams', about)).entries.reverse() : await this.desk.recentAccess(actor, 'teams', 15);
      const names = new Map<string, string>();
      for (const id of new Set(entries.map((e) => e.actor.aadObjectId))) {
        const u = await this.directory.getUser(id).catch(() => undefined);
        if (u) names.set(id, u.displayName);
      }
      return renderAccessLogCard(entries, names, about) as CardJson;
    });
  }

  /** The access review card's verbs: attest, and remove a listed member (administrators only). */
  handlers(): Record<OversightVerb, ActionHandler> {
    const reviewId = (data: Record<string, unknown>) => (typeof data.reviewId === 'string' ? data.reviewId : '');
    const version = (data: Record<string, unknown>) => (typeof data.version === 'number' ? data.version : undefined);
    return {
      [Verb.AccessReviewAttest]: (c) => this.onReview(reviewId(c.data), () => this.reviews.attest(c.actor, reviewId(c.data), version(c.data))),
      [Verb.AccessReviewRevoke]: (c) =>
        this.onReview(reviewId(c.data), () => this.reviews.revoke(c.actor, reviewId(c.data), typeof c.data.memberId === 'string' ? c.data.memberId : '')),
    };
  }

  private async onReview(id: string, act: () => Promise<unknown>): Promise<CardJson> {
    try {
      await act();
    } catch (e) {
      if (e instanceof ActionNotPermittedError) return this.cards.message('Administrators only', 'Only an administrator can attest an access review or remove access from it. Nothing was changed.', 'warning');
      if (e instanceof NotFoundError) return this.cards.message('Review not found', 'This access review no longer exists.', 'warning');
      if (!(e instanceof AccessReviewStateError)) throw e;
      this.logger.info({ reviewId: id, reason: e.reason }, 'access review action refused');
    }
    const review = await this.reviews.get(id);
    return review ? (renderAccessReviewCard(review, this.clock()) as CardJson) : this.cards.message('Review not found', 'This access review no longer exists.', 'warning');
  }

  private async refusing(answer: () => Promise<CardJson>): Promise<CardJson> {
    try {
      return await answer();
    } catch (e) {
      if (e instanceof ActionNotPermittedError) return this.cards.message('Auditors and administrators only', 'Audit verification, evidence and the access log are for auditors and administrators. Nothing was read.', 'warning');
      if (e instanceof NotFoundError) return this.cards.message('Not found', 'No request with that id or reference, and no one with that user name or email, was found.', 'warning');
      throw e;
    }
  }

  /**
   * GET /api/evidence?token=…: the pack as JSON or HTML. The token names who asked; their roles are looked up
   * again now, so a link outlives neither its few minutes nor its holder's role, and the download is recorded.
   */
  registerDownload(server: Server): void {
    server.get(EVIDENCE_PATH, async (req: Request, res: Response) => {
      const token = new URL(req.url ?? '', 'http://localhost').searchParams.get('token') ?? '';
      let claims: Record<string, string>;
      try {
        const signed = this.links.verifyFor(EVIDENCE_PURPOSE, token, this.clock());
        claims = { ...signed.q, sub: signed.sub };
        if (!['request', 'person'].includes(claims.scope) || !claims.id || !(FORMATS as readonly string[]).includes(claims.fmt)) throw new DownloadLinkError('malformed');
      } catch (e) {
        if (!(e instanceof DownloadLinkError)) throw e;
        this.logger.info({ reason: e.reason }, 'evidence download refused');
        res.send(e.reason === 'expired' ? 410 : 403, { error: e.reason === 'expired' ? 'This link has expired. Ask the bot for the evidence again.' : 'This link is not valid.' });
        return;
      }
      const actor: User = { kind: 'user', aadObjectId: claims.sub, displayName: claims.sub, roles: await this.roles.rolesOf(claims.sub) };
      let body: string;
      try {
        const pack = await this.desk.pack(actor, 'teams', { kind: claims.scope, id: claims.id } as EvidenceTarget);
        body = claims.fmt === 'json' ? `${JSON.stringify(pack, null, 2)}\n` : renderEvidenceHtml(pack);
      } catch (e) {
        if (!(e instanceof ActionNotPermittedError) && !(e instanceof NotFoundError)) throw e;
        this.logger.info({ actor: claims.sub, refusal: e.name }, 'evidence download refused');
        res.send(e instanceof NotFoundError ? 404 : 403, { error: e instanceof NotFoundError ? 'The request no longer exists.' : 'You no longer hold the auditor or administrator role.' });
        return;
      }
      res.sendRaw(200, body, {
        'Content-Type': claims.fmt === 'json' ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
        'Content-Disposition': `attachment; filename="evidence-${claims.scope}-${claims.id.replace(/[^A-Za-z0-9-]/g, '')}.${claims.fmt}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // The HTML summary is a document to read, never a page that runs anything.
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
    });
  }
}
