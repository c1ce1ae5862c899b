/**
 * IT Security's compact list of one person's requests (newest first), for questions like "where is Megan's phone?".
 */
import { requestStateText, type Tone } from '../services/content/stateText';
import type { OnboardingRequest, PersonRef } from '../services/workflow/model';
import { PLATFORM_LABELS } from '../services/workflow/model';
import { cardDateTime, ownershipLabel, personName } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/lookup.json';

const cardTemplate = compileTemplate('lookup', template);

/** Rows shown at most; the card says how many more there are (keeps the card far below Teams' size limit). */
export const LOOKUP_MAX_ROWS = 15;

/** Input for the lookup card. */
export interface LookupCardInput {
  person: PersonRef;
  requests: OnboardingRequest[];
}

const COLOR: Record<Tone, string> = { good: 'Good', warning: 'Warning', attention: 'Attention', accent: 'Accent', default: 'Default' };

/** Renders a person's requests with state and last update. */
export function renderLookupCard(input: LookupCardInput): AdaptiveCard {
  const sorted = [...input.requests].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const shown = sorted.slice(0, LOOKUP_MAX_ROWS);
  const total = sorted.length;
  const summary =
    total === 0 ? 'No device requests found.' : total > shown.length ? `Newest ${shown.length} of ${total} requests` : `${total} request${total === 1 ? '' : 's'}, newest first`;
  return cardTemplate.render({
    personName: personName(input.person),
    personUpn: input.person.userPrincipalName ? ` ${escapeCardText(input.person.userPrincipalName, { maxLength: 120 })}` : '',
    summary,
    rows: shown.map((r) => {
      const s = requestStateText(r.state);
      return {
        reference: r.reference,
        device: escapeCardText(`${PLATFORM_LABELS[r.device.platform]} · ${ownershipLabel(r.device.ownership)} · ${r.device.model}`, { maxLength: 140 }),
        stateLabel: s.label,
        stateColor: COLOR[s.tone],
        updated: cardDateTime(r.updatedAt),
      };
    }),
  });
}
