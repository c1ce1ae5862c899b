/**
 * What someone sees who opens, clicks or refreshes a card of a request they have no part in (not its requester,
 * an approver or IT Security): only that it is not theirs. It names nothing about the request, not even that it
 * exists under that id, and offers their own status instead.
 */
import { actionData } from './cardHelpers';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/notYours.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('notYours', template);

/** The fixed wording of the card, exported for tests that check nothing else is shown. */
export const NOT_YOURS_TEXT = {
  title: 'This request is not yours',
  text: 'Only the person who asked, their approver and IT Security can see or act on it. Your own requests are under My status.',
} as const;

/** Renders "this request is not yours" with a My status button. */
export function renderNotYoursCard(): AdaptiveCard {
  return cardTemplate.render({ ...NOT_YOURS_TEXT, status: actionData(Verb.RequestStatus) });
}
