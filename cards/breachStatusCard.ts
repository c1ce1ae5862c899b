/**
 * IT Security's card for a breach notification, posted once in the IT channel and updated in place: how many
 * people were told, acknowledged or could not be reached, each regulation's deadline with the time left, and who
 * could not be reached. In the draft it offers Send (after the preview) and Cancel; while open, Close.
 */
import type { BreachState, NoticeState } from '../services/workflow/breachTransition';
import { cardDateTime, timeUntil } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/breachStatus.json';
import { Verb, type CardActionData } from './verbs';

const cardTemplate = compileTemplate('breachStatus', template);

/** The view a status card is rendered from. */
export interface BreachStatusInput {
  breachId: string;
  version: number;
  incidentId: string;
  state: BreachState;
  recipientCount: number;
  counts: Record<NoticeState, number>;
  deadlines: { regulation: string; notify: 'individuals' | 'authority'; dueAt: string; metAt?: string }[];
  /** Names of people who could not be reached (the first ones). */
  unreachable: string[];
  now: string;
}

const STATE_LINE: Record<BreachState, string> = {
  draft: 'Draft: preview the notice, then send it.',
  notifying: 'Notices are going out.',
  notified: 'Every affected person has been notified or listed as unreachable.',
  closed: 'Closed.',
  cancelled: 'Cancelled before any notice was sent.',
};
/** The card lists this many unreachable people; the export lists all. */
export const SHOWN_UNREACHABLE = 20;

/** Renders IT's breach status card. */
export function renderBreachStatusCard(i: BreachStatusInput): AdaptiveCard {
  const told = i.counts.sent + i.counts.acknowledged;
  const overdue = i.deadlines.some((d) => !d.metAt && Date.parse(d.dueAt) <= Date.parse(i.now));
  const data = (verb: CardActionData['verb']): CardActionData => ({ verb, breachId: i.breachId, version: i.version });
  const actions =
    i.state === 'draft'
      ? [
          { title: `Send to ${i.recipientCount} people`, payload: data(Verb.BreachSend) },
          { title: 'Cancel', payload: data(Verb.BreachClose) },
        ]
      : i.state === 'notifying' || i.state === 'notified'
        ? [{ title: 'Close', payload: data(Verb.BreachClose) }]
        : [];
  return cardTemplate.render({
    style: overdue ? 'attention' : i.state === 'closed' || i.state === 'cancelled' ? 'default' : 'warning',
    title: `Breach ${i.breachId} (incident ${escapeCardText(i.incidentId, { maxLength: 60 })})`,
    subtitle: STATE_LINE[i.state],
    counts: [
      { label: 'Affected', value: String(i.recipientCount) },
      { label: 'Sent', value: String(told) },
      { label: 'Acknowledged', value: `${i.counts.acknowledged} of ${told}` },
      { label: 'Unreachable', value: String(i.counts.unreachable) },
      { label: 'Waiting to send', value: String(i.counts.pending) },
    ],
    deadlines: i.deadlines.map((d) => ({
      label: `${escapeCardText(d.regulation, { maxLength: 40 })} (${d.notify === 'authority' ? 'authority' : 'individuals'})`,
      value: d.metAt ? `met ${cardDateTime(d.metAt)}` : `${cardDateTime(d.dueAt)} (${timeUntil(d.dueAt, i.now)})`,
    })),
    unreachable: i.unreachable.slice(0, SHOWN_UNREACHABLE).map((n) => escapeCardText(n, { maxLength: 100 })),
    moreUnreachable: i.counts.unreachable > Math.min(SHOWN_UNREACHABLE, i.unreachable.length) ? `and ${i.counts.unreachable - Math.min(SHOWN_UNREACHABLE, i.unreachable.length)} more: see npm run breach:export` : undefined,
    updated: cardDateTime(i.now),
    actions,
  });
}
