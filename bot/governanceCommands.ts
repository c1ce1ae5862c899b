/**
 * The breach notification and third-party register at the Teams edge: an affected person's Acknowledge, IT's
 * Send and Close on the breach status card, Record review on register cards, and IT's register commands. The
 * person and their roles come from the Teams turn (roles from Entra groups), never from card data.
 */
import { renderBreachNoticeCard } from '../cards/breachNoticeCard';
import { renderThirdPartyListCard } from '../cards/thirdPartyCard';
import { Verb, type GovernanceVerb } from '../cards/verbs';
import type { BreachModule } from '../services/breach/breachModule';
import { BreachRoleError } from '../services/breach/breachService';
import { noticeTextFor } from '../services/breach/breachEffects';
import type { ThirdPartyRegister } from '../services/thirdParties/thirdPartyRegister';
import { BreachNotAuthorizedError, InvalidBreachTransitionError, NoticeNotYoursError } from '../services/workflow/breachTransition';
import { ConcurrencyError, NotFoundError, ValidationError } from '../services/workflow/errors';
import type { CardJson } from '../services/onboarding/views';
import { InvalidRegisterChangeError, RegisterNotAuthorizedError, RegisterValidationError, type LegalBasis } from '../services/workflow/thirdPartyRegister';
import type { Actor } from '../services/workflow/transition';
import type { ActionContext, ActionHandler } from './actionRouter';
import type { BotCards } from './botCards';
import type { Logger } from './logger';
import type { Intent } from '../dialogs/intent';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/** Breach and register handlers for the action router, and the register commands. */
export class GovernanceCommands {
  constructor(
    private readonly breaches: BreachModule,
    private readonly register: ThirdPartyRegister,
    private readonly cards: Pick<BotCards, 'message'>,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Turns a refusal into a card; anything unexpected goes on to the turn's error handler. */
  private refusal(e: unknown, what: string): CardJson {
    if (e instanceof BreachRoleError || e instanceof BreachNotAuthorizedError || e instanceof RegisterNotAuthorizedError || e instanceof NoticeNotYoursError) {
      return this.cards.message('Not permitted', `Only IT Security or an administrator can ${what}.`, 'attention');
    }
    if (e instanceof NotFoundError) return this.cards.message('Not found', 'This record no longer exists, or this notice is not addressed to you.', 'warning');
    if (e instanceof ConcurrencyError || e instanceof InvalidBreachTransitionError || e instanceof InvalidRegisterChangeError) {
      return this.cards.message('Already changed', 'Someone changed this first. The channel card shows where it stands now.', 'warning');
    }
    if (e instanceof ValidationError || e instanceof RegisterValidationError) return this.cards.message('Please check your input', e.problems.join(' '), 'warning');
    throw e;
  }

  /** The card verb handlers. */
  handlers(): Record<GovernanceVerb, { withRoles: boolean; handle: ActionHandler }> {
    const breachId = (c: ActionContext) => str(c.data.breachId) ?? '';
    return {
      [Verb.BreachAcknowledge]: {
        withRoles: false,
        handle: async (c) => {
          try {
            const notice = await this.breaches.service.acknowledge(breachId(c), c.person);
            const breach = await this.breaches.service.get(notice.breachId);
            this.logger.info({ breachId: notice.breachId }, 'breach notice acknowledged');
            return renderBreachNoticeCard({ breachId: notice.breachId, text: breach ? noticeTextFor(breach, notice.person.displayName) : '', acknowledgedAt: notice.acknowledgedAt }) as CardJson;
          } catch (e) {
            return this.refusal(e, 'acknowledge this notice');
          }
        },
      },
      [Verb.BreachSend]: {
        withRoles: true,
        handle: async (c) => {
          try {
            const b = await this.breaches.service.send(breachId(c), c.actor, num(c.data.version));
            return this.cards.message('Notices are going out', `${b.recipientCount} people will get the notice in Teams; this card's channel copy shows the counts as they move.`, 'good');
          } catch (e) {
            return this.refusal(e, 'send breach notices');
          }
        },
      },
      [Verb.BreachClose]: {
        withRoles: true,
        handle: async (c) => {
          try {
            const b = await this.breaches.service.close(breachId(c), c.actor);
            return this.cards.message(b.state === 'cancelled' ? 'Breach draft cancelled' : 'Breach notification closed', `Breach ${b._id}: the record stays available to export.`, 'good');
          } catch (e) {
            return this.refusal(e, 'close a breach notification');
          }
        },
      },
      [Verb.ThirdPartyReview]: {
        withRoles: true,
        handle: async (c) => {
          try {
            const e = await this.register.review(c.actor, str(c.data.thirdPartyId) ?? '');
            return this.cards.message('Review recorded', `${e.name}: reviewed today; next review ${e.nextReviewOn}.`, 'good');
          } catch (e) {
            return this.refusal(e, 'review this integration (or its owner)');
          }
        },
      },
    };
  }

  /** IT's typed register commands (the actor carries roles from Entra groups). */
  async thirdParty(actor: Extract<Actor, { kind: 'user' }>, intent: Extract<Intent, { kind: 'thirdParty' }>): Promise<CardJson> {
    try {
      switch (intent.command) {
        case 'list':
          return renderThirdPartyListCard({ entries: await this.register.list(actor), today: this.clock().toISOString().slice(0, 10) }) as CardJson;
        case 'add': {
          const f = intent.fields ?? {};
          const e = await this.register.add(actor, {
            name: f.name ?? '',
            dataShared: f.data ?? f.datashared ?? '',
            owner: f.owner ?? '',
            purpose: f.purpose ?? '',
            legalBasis: (f.basis ?? f.legalbasis ?? '') as LegalBasis,
            lastReviewOn: f.last ?? '',
            nextReviewOn: f.next,
          });
          return this.cards.message('Integration added', `${e.name} is in the register as ${e._id}; next review ${e.nextReviewOn}.`, 'good');
        }
        case 'review': {
          const e = await this.register.review(actor, intent.id ?? '', intent.nextReviewOn);
          return this.cards.message('Review recorded', `${e.name}: reviewed today; next review ${e.nextReviewOn}.`, 'good');
        }
        case 'remove': {
          const e = await this.register.remove(actor, intent.id ?? '');
          return this.cards.message('Integration removed', `${e.name} (${e._id}) is marked removed; its history stays in the audit trail.`, 'good');
        }
      }
    } catch (e) {
      return this.refusal(e, 'change the third-party register');
    }
  }
}
