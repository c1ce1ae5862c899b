/**
 * Third-party integrations register cards: the register for IT (each entry with its review date and Record
 * review), and the review reminder for an entry's owner or IT.
 */
import { addDays, type ReviewReminder, type ThirdPartyCore } from '../services/workflow/thirdPartyRegister';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/thirdParties.json';
import { Verb, type CardActionData } from './verbs';

const cardTemplate = compileTemplate('thirdParties', template);

const LEGAL_BASIS_LABELS: Record<ThirdPartyCore['legalBasis'], string> = {
  consent: 'Consent',
  contract: 'Contract',
  legalObligation: 'Legal obligation',
  vitalInterests: 'Vital interests',
  publicTask: 'Public task',
  legitimateInterests: 'Legitimate interests',
};

type Entry = Pick<ThirdPartyCore, '_id' | 'name' | 'dataShared' | 'owner' | 'purpose' | 'legalBasis' | 'lastReviewOn' | 'nextReviewOn'>;

function entryView(e: Entry, today: string) {
  const review: CardActionData = { verb: Verb.ThirdPartyReview, thirdPartyId: e._id };
  const status = e.nextReviewOn <= today ? ' (overdue)' : e.nextReviewOn <= addDays(today, 30) ? ' (due soon)' : '';
  return {
    heading: `${escapeCardText(e.name, { maxLength: 100 })} · ${e._id}`,
    facts: [
      { label: 'Data shared', value: escapeCardText(e.dataShared) },
      { label: 'Purpose', value: escapeCardText(e.purpose) },
      { label: 'Legal basis', value: LEGAL_BASIS_LABELS[e.legalBasis] },
      { label: 'Owner', value: escapeCardText(e.owner.displayName, { maxLength: 100 }) },
      { label: 'Last review', value: e.lastReviewOn },
      { label: 'Next review', value: `${e.nextReviewOn}${status}` },
    ],
    review,
  };
}

/** The register as IT sees it. */
export function renderThirdPartyListCard(input: { entries: readonly Entry[]; today: string }): AdaptiveCard {
  return cardTemplate.render({
    style: 'emphasis',
    title: 'Third-party integrations register',
    subtitle: `${input.entries.length} integration${input.entries.length === 1 ? '' : 's'}, soonest review first.`,
    entries: input.entries.map((e) => entryView(e, input.today)),
    footer: 'Commands: third parties · third party add name=…; data=…; owner=…; purpose=…; basis=… · third party review TP-… · third party remove TP-…',
  });
}

/** The reminder that an entry's review is due (to its owner, or to IT). */
export function renderThirdPartyReviewCard(input: { entry: Entry; reminder: ReviewReminder; audience: 'owner' | 'it' }): AdaptiveCard {
  const e = input.entry;
  return cardTemplate.render({
    style: input.reminder === 'overdue' ? 'attention' : 'warning',
    title: input.reminder === 'overdue' ? 'Third-party review overdue' : 'Third-party review due soon',
    subtitle:
      input.audience === 'owner'
        ? `You own this integration in the register. Check that the data shared, the purpose and the legal basis still hold, then record the review (due ${e.nextReviewOn}).`
        : `The review of this integration is due on ${e.nextReviewOn}; its owner has been reminded.`,
    entries: [entryView(e, e.nextReviewOn)],
    footer: 'Privacy SOP §7: third-party integrations are reviewed regularly.',
  });
}
