/**
 * The first card an employee sees: what the bot does, and the way in.
 */
import { actionData, firstName } from './cardHelpers';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/welcome.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('welcome', template);

/** Input for the welcome card. */
export interface WelcomeCardInput {
  displayName: string;
  /** The employee's newest open request, if any, so they can see it without asking. */
  openRequest?: { reference: string; stateLabel: string };
}

/** Renders the welcome card: Request device access, My status, Privacy notice, What IT can see. */
export function renderWelcomeCard(input: WelcomeCardInput): AdaptiveCard {
  return cardTemplate.render({
    firstName: firstName(input.displayName),
    hasOpenRequest: Boolean(input.openRequest),
    openReference: input.openRequest?.reference ?? '',
    openStateLabel: input.openRequest?.stateLabel ?? '',
    start: actionData(Verb.RequestStart),
    status: actionData(Verb.RequestStatus),
    privacy: actionData(Verb.PrivacyShow),
    transparency: actionData(Verb.TransparencyShow),
  });
}
