/**
 * The delegation cards: the form a manager sets a delegation with (a people picker answered from the directory,
 * and the first and last day), and "my delegation" (what is set, whom the person stands in for, the history).
 */
import { actionData } from './cardHelpers';
import { escapeCardText, neutralizeTemplateSyntax } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import formTemplate from './templates/delegation.json';
import overviewTemplate from './templates/delegationOverview.json';
import { InputId, PEOPLE_DATASET, Verb } from './verbs';

const formCard = compileTemplate('delegation', formTemplate);
const overviewCard = compileTemplate('delegationOverview', overviewTemplate);

/** A person the picker offers before anything is typed (the manager's team, their current delegate). */
export interface PersonChoice {
  title: string;
  /** The person's Entra object id. */
  value: string;
}

/** Input for the delegation form. */
export interface DelegationCardInput {
  /** The manager's today (YYYY-MM-DD, their time zone): the earliest day the date inputs offer. */
  today: string;
  /** The manager's time zone, named for the note under the dates. */
  timeZone: string;
  suggestions: PersonChoice[];
  values?: { to?: string; from?: string; until?: string };
  errors?: string[];
}

const name = (s: string) => escapeCardText(s, { maxLength: 120 });

/** Renders the delegation form: people picker (typeahead over the directory), first and last day, Delegate. */
export function renderDelegationCard(input: DelegationCardInput): AdaptiveCard {
  const v = input.values ?? {};
  const day = (d: string | undefined) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : '');
  return formCard.render({
    intro:
      'While you are away, new requests for your approval go to the person you pick, who decides on your behalf. Requests already waiting stay with you. Nobody can decide their own request.',
    inputs: { to: InputId.DelegateTo, from: InputId.DelegateFrom, until: InputId.DelegateUntil },
    dataset: PEOPLE_DATASET,
    suggestions: input.suggestions.slice(0, 15).map((p) => ({ title: neutralizeTemplateSyntax(p.title).slice(0, 120), value: p.value })),
    values: { to: v.to && /^[0-9a-f-]{36}$/i.test(v.to) ? v.to : '', from: day(v.from) || input.today, until: day(v.until) },
    today: input.today,
    note: `Both days are included, in your time zone (${escapeCardText(input.timeZone, { maxLength: 64 })}). You can also type "delegate approvals to Dana until Friday".`,
    errors: (input.errors ?? []).map((e) => escapeCardText(e, { maxLength: 300 })),
    submit: actionData(Verb.DelegationSet),
    show: actionData(Verb.DelegationShow),
  });
}

/** Input for "my delegation". */
export interface DelegationOverviewCardInput {
  /** "Until Fri 4 Dec, Adele Vance decides for you." or that nobody does. */
  summary: string;
  hasCurrent: boolean;
  /** "Megan Bowen, until Fri 4 Dec". */
  standingInFor: string[];
  /** Newest first: when, and what changed. */
  history: { title: string; value: string }[];
}

/** Renders "my delegation", with End delegation now (when one is set) and Delegate / Change. */
export function renderDelegationOverviewCard(input: DelegationOverviewCardInput): AdaptiveCard {
  return overviewCard.render({
    title: 'My delegation',
    summary: escapeCardText(input.summary, { maxLength: 400 }),
    standingInFor: input.standingInFor.slice(0, 10).map(name),
    history: input.history.slice(0, 10).map((h) => ({ title: escapeCardText(h.title, { maxLength: 40 }), value: escapeCardText(h.value, { maxLength: 200 }) })),
    hasCurrent: input.hasCurrent,
    end: actionData(Verb.DelegationEnd),
    open: actionData(Verb.DelegationOpen),
    openTitle: input.hasCurrent ? 'Change delegation' : 'Delegate approvals',
  });
}
