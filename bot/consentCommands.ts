/**
 * The consent commands at the bot edge: "my consents", "my data" and "what can IT see?". Each reads only the
 * acting person's own records (the person comes from the Teams activity, never from card data).
 */
import type { Request, Response, Server } from 'restify';
import { renderMyConsentsCard } from '../cards/myConsentsCard';
import { renderMyDataCard } from '../cards/myDataCard';
import { renderTransparencyCard } from '../cards/transparencyCard';
import { Verb, type ConsentCommandVerb } from '../cards/verbs';
import { transparencyFor } from '../services/content/transparency';
import type { ConsentService } from '../services/consent/consentService';
import { DownloadLinkError, type DownloadLinks } from '../services/consent/downloadLinks';
import type { OnboardingRequest } from '../services/workflow/model';
import type { CardJson } from '../services/onboarding/views';
import { LedgerTransitionError } from '../services/consent/consentLedger';
import { WithdrawalBusyError, type ConsentWithdrawal } from '../services/consent/consentWithdrawal';
import { PLATFORM_LABELS } from '../services/workflow/model';
import type { Actor } from '../services/workflow/transition';
import { ownershipLabel } from '../cards/cardHelpers';
import type { ActionHandler } from './actionRouter';
import type { BotCards } from './botCards';
import type { Logger } from './logger';

/** Settings of the consent commands (configuration). */
export interface ConsentCommandOptions {
  /** The bot's public origin; download links point here (unset: no download link is offered). */
  publicBaseUrl?: string;
  exportLinkMinutes: number;
  transparencyUrl: string;
}

/** The path that serves "my data" downloads; the token travels in the query so request logs never hold it. */
export const MY_DATA_PATH = '/api/my-data';

/** Builds the consent command handlers and serves the "my data" download. */
export class ConsentCommands {
  constructor(
    private readonly consent: ConsentService,
    private readonly requests: { listFor(aadObjectId: string): Promise<OnboardingRequest[]> },
    private readonly links: DownloadLinks,
    private readonly cards: Pick<BotCards, 'message'>,
    private readonly options: ConsentCommandOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
    private readonly withdrawal?: ConsentWithdrawal,
  ) {}

  /** The consent "withdraw my consent" would withdraw, named for the confirmation question. */
  async withdrawable(aadObjectId: string): Promise<{ requestId: string; label: string } | null> {
    const target = await this.withdrawal?.withdrawable(aadObjectId);
    if (!target) return null;
    const device = `${PLATFORM_LABELS[target.platform]}, ${ownershipLabel(target.ownership).toLowerCase()}`;
    return { requestId: target.requestId, label: target.reference ? `${target.reference} (${device})` : `your ${device} device` };
  }

  /** Withdraws the acting person's consent (they confirmed) and says what followed. */
  async withdraw(actor: Extract<Actor, { kind: 'user' }>, requestId: string): Promise<CardJson> {
    if (!this.withdrawal) throw new Error('consent withdrawal is not configured');
    try {
      const o = await this.withdrawal.withdraw(actor, requestId);
      const done = [
        'Your withdrawal is recorded in your consent history.',
        o.requestCancelled ? `Request ${o.request?.reference ?? ''} is closed.` : '',
        // Said as it stands when the card is sent: a removal the device's outbox carries out is still on its way.
        o.accessRemoved ? (o.accessRemovalUnderway ? 'Work access for the device is being removed now.' : 'The device no longer has work access.') : '',
        o.itTold ? 'IT Security has been told and will remove work apps and data from the device.' : 'Remove the device from management in Company Portal (Devices › Remove device) to remove work apps and data.',
      ].filter(Boolean);
      return this.cards.message('Consent withdrawn', done.join(' '), 'good');
    } catch (e) {
      if (e instanceof WithdrawalBusyError) return this.cards.message('Please try again in a minute', 'Work access for this device is being switched on right now. Withdraw again once it finished.', 'warning');
      if (e instanceof LedgerTransitionError) return this.cards.message('Nothing to withdraw', 'There is no standing consent for that device. Type "my consents" to see your answers.', 'warning');
      throw e;
    }
  }

  /** The verb handlers for the action router. */
  handlers(): Record<ConsentCommandVerb, ActionHandler> {
    return {
      [Verb.ConsentHistory]: async (c) => renderMyConsentsCard({ history: await this.consent.history(c.actor.aadObjectId) }) as CardJson,
      [Verb.MyDataShow]: async (c) => this.myDataCard(c.actor.aadObjectId),
      [Verb.TransparencyShow]: async (c) => this.transparencyCard(c.actor.aadObjectId),
    };
  }

  private async myDataCard(aadObjectId: string): Promise<CardJson> {
    const data = await this.consent.personalData(aadObjectId);
    let downloadUrl: string | undefined;
    if (this.options.publicBaseUrl) {
      const expires = new Date(this.clock().getTime() + this.options.exportLinkMinutes * 60_000);
      downloadUrl = `${this.options.publicBaseUrl}${MY_DATA_PATH}?token=${encodeURIComponent(this.links.sign(aadObjectId, expires))}`;
      this.logger.info({ subject: aadObjectId, expiresAt: expires.toISOString() }, 'personal data link issued');
    }
    return renderMyDataCard({
      counts: { requests: data.requests.length, consentEntries: data.consentLedger.length + data.consentAnswersBeforeLedger.length, auditEntries: data.auditEntries.length },
      references: data.requests.map((r) => r.reference),
      downloadUrl,
      linkMinutes: this.options.exportLinkMinutes,
      transparencyUrl: this.options.transparencyUrl,
    }) as CardJson;
  }

  /** For the person's newest request's device; both ownerships when they have none. */
  private async transparencyCard(aadObjectId: string): Promise<CardJson> {
    const [latest] = await this.requests.listFor(aadObjectId);
    const now = this.clock();
    const answers = latest
      ? [transparencyFor(latest.device.ownership, latest.device.platform, now)]
      : [transparencyFor('personal', undefined, now), transparencyFor('company', undefined, now)];
    return renderTransparencyCard({ answers, transparencyUrl: this.options.transparencyUrl }) as CardJson;
  }

  /** GET /api/my-data?token=…: the person's data as a JSON file, for a valid, unexpired link only. */
  registerDownload(server: Server): void {
    server.get(MY_DATA_PATH, async (req: Request, res: Response) => {
      const token = new URL(req.url ?? '', 'http://localhost').searchParams.get('token') ?? '';
      let subject: string;
      try {
        subject = this.links.verify(token, this.clock());
      } catch (e) {
        if (!(e instanceof DownloadLinkError)) throw e;
        this.logger.info({ reason: e.reason }, 'personal data download refused');
        const status = e.reason === 'expired' ? 410 : 403;
        res.send(status, { error: e.reason === 'expired' ? 'This link has expired. Type "my data" in Teams for a new one.' : 'This link is not valid.' });
        return;
      }
      const data = await this.consent.personalData(subject);
      this.logger.info({ subject, requests: data.requests.length, auditEntries: data.auditEntries.length }, 'personal data downloaded');
      const body = JSON.stringify(data, null, 2);
      res.sendRaw(200, body, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Disposition': `attachment; filename="my-data-${data.generatedAt.slice(0, 10)}.json"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
    });
  }
}
