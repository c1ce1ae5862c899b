/**
 * What the employee sees when a turn fails unexpectedly: an apology and a reference id that support can find in the
 * logs (which hold the details; the card never does).
 */
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/error.json';

const cardTemplate = compileTemplate('error', template);

/** Input for the error card. */
export interface ErrorCardInput {
  referenceId: string;
  message: string;
}

/** Renders "Something went wrong" with the message and the reference id. */
export function renderErrorCard(input: ErrorCardInput): AdaptiveCard {
  return cardTemplate.render({
    message: escapeCardText(input.message, { maxLength: 300 }),
    referenceId: escapeCardText(input.referenceId, { maxLength: 64 }),
  });
}
