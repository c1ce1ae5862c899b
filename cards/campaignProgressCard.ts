/**
 * IT Security's card for a change-notice campaign, posted once in its channel and updated in place as people are
 * told and answer: told, answered, pending, unreachable, access removed; after the deadline, who did not answer.
 */
import type { CampaignCounts } from '../services/workflow/noticeCampaign';
import { cardDateTime } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/campaignProgress.json';

const cardTemplate = compileTemplate('campaignProgress', template);

/** What the card shows. */
export interface CampaignProgressCardInput {
  ownership: 'personal' | 'company';
  version: string;
  material: boolean;
  deadline: string;
  startedBy: string;
  counts: CampaignCounts;
  phase: 'sending' | 'open' | 'closed';
  /** After the deadline: who did not answer (names, at most a few dozen). */
  notAnswered: readonly string[];
  /** How many did not answer beyond those named. */
  notAnsweredMore: number;
  updatedAt: string;
}

/** Renders the campaign's progress for IT Security. */
export function renderCampaignProgressCard(i: CampaignProgressCardInput): AdaptiveCard {
  const c = i.counts;
  const status = {
    sending: `Sending: ${c.told + c.unreachable} of ${c.affected} people reached so far`,
    open: `Open until ${cardDateTime(i.deadline)}: ${c.answered} of ${c.affected} answered`,
    closed: `Closed at the deadline: ${c.answered} of ${c.affected} answered`,
  }[i.phase];
  return cardTemplate.render({
    title: `Notice change: ${i.material ? 'consent again' : 'acknowledge'} (${i.ownership === 'company' ? 'company-owned' : 'personal'} devices)`,
    subtitle: `Version ${i.version}, published by ${escapeCardText(i.startedBy, { maxLength: 100 })}; deadline ${cardDateTime(i.deadline)}`,
    style: i.phase === 'closed' ? (c.pending + c.unreachable > 0 ? 'warning' : 'good') : 'accent',
    status,
    facts: [
      { title: 'People concerned', value: String(c.affected) },
      { title: 'Told', value: String(c.told) },
      { title: i.material ? 'Accepted' : 'Acknowledged', value: String(c.answered) },
      { title: 'Pending', value: String(c.pending) },
      { title: 'Unreachable', value: String(c.unreachable) },
      ...(i.material ? [{ title: 'Access removed', value: String(c.accessRemoved) }] : []),
    ],
    notAnsweredTitle: `Did not answer by the deadline${i.notAnsweredMore ? ` (first ${i.notAnswered.length}, ${i.notAnsweredMore} more)` : ''}`,
    notAnswered: i.notAnswered.map((n) => escapeCardText(n, { maxLength: 100 })),
    footer: `Updated ${cardDateTime(i.updatedAt)}. \`npm run notice -- campaign --version ${i.version} --ownership ${i.ownership}\` shows the same from the command line.`,
  });
}
