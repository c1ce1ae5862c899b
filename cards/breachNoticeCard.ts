/**
 * A breach notice in an affected person's 1:1 chat: the organisation's text (filled in for them), the reference,
 * and Acknowledge; once acknowledged, the same card says when. A reminder carries the same text.
 */
import { cardDateTime } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/breachNotice.json';
import { Verb, type CardActionData } from './verbs';

const cardTemplate = compileTemplate('breachNotice', template);

/** What a breach notice shows; only the breach id goes into the action data. */
export interface BreachNoticeInput {
  breachId: string;
  /** The notice text, placeholders filled in: plain text, escaped here and shown in text runs. */
  text: string;
  acknowledgedAt?: string;
  /** The reminder round (absent on the first notice). */
  reminder?: number;
  /** Shown to IT before sending: no button. */
  preview?: boolean;
}

/** Renders a breach notice. */
export function renderBreachNoticeCard(input: BreachNoticeInput): AdaptiveCard {
  const acknowledge: CardActionData = { verb: Verb.BreachAcknowledge, breachId: input.breachId };
  const title = input.preview
    ? 'Preview: the notice each affected person will receive'
    : input.reminder
      ? 'Reminder: please read and acknowledge this security notice'
      : 'Important: a security incident that may affect you';
  return cardTemplate.render({
    style: input.preview ? 'emphasis' : 'attention',
    title,
    paragraphs: escapeCardText(input.text, { multiline: true, maxLength: 6000 })
      .split(/\n{2,}/)
      .map((p) => p.trim())
      .filter(Boolean),
    acknowledged: Boolean(input.acknowledgedAt),
    acknowledgedLine: input.acknowledgedAt ? `Acknowledged on ${cardDateTime(input.acknowledgedAt)}. Thank you.` : '',
    reference: input.breachId,
    canAcknowledge: !input.acknowledgedAt && !input.preview,
    acknowledge,
  });
}
