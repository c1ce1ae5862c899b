/**
 * The delegation commands at the Teams edge: the delegation card (people picker answered from the directory through
 * the `application/search` invoke, first and last day), "my delegation", ending it, and the line `status` shows.
 * Every handler acts for the person Teams says is acting; nothing on a card names whose delegation it is.
 */
import { renderDelegationCard, renderDelegationOverviewCard, type PersonChoice } from '../cards/delegationCard';
import { Verb, InputId, PEOPLE_DATASET, type DelegationVerb } from '../cards/verbs';
import type { DirectoryService, DirectoryUser } from '../services/graph/graphTypes';
import { dayInWords } from '../services/onboarding/delegationDates';
import type { DelegationService } from '../services/onboarding/delegationService';
import type { CardJson } from '../services/onboarding/views';
import type { DelegationAuditEntry } from '../services/storage/delegationRepository';
import { dayIn, isActive, type ApprovalDelegation } from '../services/workflow/delegation';
import { ValidationError } from '../services/workflow/errors';
import type { Actor } from '../services/workflow/transition';
import type { ActionContext, ActionHandler } from './actionRouter';
import type { BotCards } from './botCards';
import type { Logger } from './logger';

type UserActor = Extract<Actor, { kind: 'user' }>;

/** The body of an `application/search` invoke response (Teams typeahead). */
export interface PeopleSearchResponse {
  statusCode: 200;
  type: 'application/vnd.microsoft.search.searchResponse';
  value: { results: { title: string; value: string }[] };
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const label = (u: DirectoryUser) => `${u.displayName}${u.mail || u.userPrincipalName ? ` (${u.mail ?? u.userPrincipalName})` : ''}`;

/** "Mon 30 Nov to Fri 4 Dec": a delegation's days in words, in the manager's time zone. */
export function delegationDays(d: ApprovalDelegation, now: string): string {
  const tz = d.timeZone ?? 'UTC';
  const year = dayIn(now, tz).slice(0, 4);
  const from = d.fromDate ?? dayIn(d.from, tz);
  const until = d.untilDate ?? dayIn(Date.parse(d.until) - 1, tz);
  return `${dayInWords(from, year)} to ${dayInWords(until, year)}`;
}

/** Delegation cards and the people search, for the action router and the bot. */
export class DelegationCommands {
  constructor(
    private readonly delegations: DelegationService,
    private readonly directory: DirectoryService,
    private readonly cards: BotCards,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private now() {
    return this.clock().toISOString();
  }

  /** The typeahead's answer: directory people whose name or address starts with what was typed. */
  async search(actor: UserActor, queryText: string, dataset: string): Promise<PeopleSearchResponse> {
    const results = dataset === PEOPLE_DATASET ? (await this.delegations.search(actor, queryText.slice(0, 64))).map((u) => ({ title: label(u), value: u.id })) : [];
    return { statusCode: 200, type: 'application/vnd.microsoft.search.searchResponse', value: { results } };
  }

  /** The delegation form, filled in from the running delegation or from what was sent, with the server's messages. */
  async formCard(actor: UserActor, values?: { to?: string; from?: string; until?: string }, errors?: string[]): Promise<CardJson> {
    const timeZone = await this.delegations.timeZoneOf(actor.aadObjectId);
    const { current } = await this.delegations.overview(actor);
    const suggestions: PersonChoice[] = [];
    const add = (id: string, title: string) => {
      if (id !== actor.aadObjectId && !suggestions.some((s) => s.value === id)) suggestions.push({ title, value: id });
    };
    if (current) add(current.delegate.aadObjectId, current.delegate.displayName);
    try {
      for (const u of (await this.directory.listDirectReports?.(actor.aadObjectId, 10)) ?? []) add(u.id, label(u));
    } catch (e) {
      // The picker still searches the whole directory; only the shortcuts are missing.
      this.logger.info({ err: e }, 'direct reports unavailable for the delegation card');
    }
    const prefill = values ?? (current ? { to: current.delegate.aadObjectId, from: current.fromDate, until: current.untilDate } : undefined);
    return renderDelegationCard({ today: dayIn(this.now(), timeZone), timeZone, suggestions, values: prefill, errors }) as CardJson;
  }

  /** Saves a delegation and says back what was saved, in words. */
  async set(actor: UserActor, to: { delegateId: string; fromDate: string; untilDate: string }): Promise<CardJson> {
    const d = await this.delegations.set(actor, to);
    const starts = d.from > this.now() ? ' It starts on the first day; until then requests come to you.' : '';
    return this.cards.message(
      'Approvals delegated',
      `From ${delegationDays(d, this.now())} (your time zone), new requests for your approval go to ${d.delegate.displayName}, who decides on your behalf. Requests already waiting stay with you.${starts} Type "end delegation" to end it early, or "my delegation" to see it.`,
      'good',
    );
  }

  /** Ends the actor's delegation now. */
  async end(actor: UserActor): Promise<CardJson> {
    const ended = await this.delegations.end(actor);
    return ended
      ? this.cards.message('Delegation ended', `${ended.delegate.displayName} no longer decides for you. New requests for your approval come to you again.`, 'good')
      : this.cards.message('No delegation running', 'New requests for your approval already come to you.');
  }

  /** "My delegation": what is set, whom the person stands in for, and the history of changes. */
  async overviewCard(actor: UserActor): Promise<CardJson> {
    const now = this.now();
    const { current, standingInFor, history } = await this.delegations.overview(actor);
    const summary = current
      ? `${isActive(current, now) ? 'Now' : 'Set'}: from ${delegationDays(current, now)}, ${current.delegate.displayName} decides on your behalf.`
      : 'Nobody decides for you: new requests for your approval come to you.';
    return renderDelegationOverviewCard({
      summary,
      hasCurrent: Boolean(current),
      standingInFor: standingInFor.map((d) => `${d.delegator.displayName}, ${delegationDays(d, now)}`),
      history: await this.historyLines(history, current),
    }) as CardJson;
  }

  /** One line per change, newest first, the delegate named from the directory (the chain keeps ids only). */
  private async historyLines(history: DelegationAuditEntry[], current: ApprovalDelegation | null): Promise<{ title: string; value: string }[]> {
    const names = new Map<string, string>();
    if (current) names.set(current.delegate.aadObjectId, current.delegate.displayName);
    const recent = history.slice(-10).reverse();
    for (const id of new Set(recent.map((e) => e.delegateId))) {
      if (names.has(id)) continue;
      names.set(id, (await this.directory.getUser(id).catch(() => undefined))?.displayName ?? 'someone no longer in the directory');
    }
    const what = { set: 'Set', changed: 'Changed', ended: 'Ended early', expired: 'Ran out' } as const;
    return recent.map((e) => {
      const tz = e.timeZone ?? 'UTC';
      const days = e.fromDate && e.untilDate ? `, ${dayInWords(e.fromDate)} to ${dayInWords(e.untilDate)}` : '';
      return { title: `${dayInWords(dayIn(e.at, tz))} ${e.at.slice(11, 16)} UTC`, value: `${what[e.change]}: ${names.get(e.delegateId)}${days}` };
    });
  }

  /** The line `status` adds for a manager with a delegation set, or for a delegate; undefined for everyone else. */
  async statusLine(actor: UserActor): Promise<string | undefined> {
    const now = this.now();
    const { current, standingInFor } = await this.delegations.overview(actor);
    const lines: string[] = [];
    if (current) lines.push(`Your approvals go to ${current.delegate.displayName} from ${delegationDays(current, now)}.`);
    for (const d of standingInFor) lines.push(`You decide on behalf of ${d.delegator.displayName} from ${delegationDays(d, now)}.`);
    return lines.length ? `${lines.join(' ')} Type "my delegation" for details.` : undefined;
  }

  /** The verb handlers for the action router. */
  handlers(): Record<DelegationVerb, ActionHandler> {
    return {
      [Verb.DelegationOpen]: async (c) => this.formCard(c.actor),
      [Verb.DelegationShow]: async (c) => this.overviewCard(c.actor),
      [Verb.DelegationEnd]: async (c) => this.end(c.actor),
      [Verb.DelegationSet]: async (c: ActionContext) => {
        const values = { to: str(c.data[InputId.DelegateTo]), from: str(c.data[InputId.DelegateFrom]), until: str(c.data[InputId.DelegateUntil]) };
        try {
          return await this.set(c.actor, { delegateId: values.to, fromDate: values.from, untilDate: values.until });
        } catch (e) {
          if (e instanceof ValidationError) return this.formCard(c.actor, values, e.problems);
          throw e;
        }
      },
    };
  }
}
