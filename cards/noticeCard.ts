/**
 * A short notice: a decision, a reminder, "your request was cancelled", a stale-card answer. The bot writes `text`;
 * anything a person typed (a denial reason, say) goes in `detail`, which is escaped and shown as plain text.
 */
import type { Tone } from '../services/content/stateText';
import { containerStyle } from './cardHelpers';
import { escapedLines } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/notice.json';
import type { CardActionData, Verb } from './verbs';

const cardTemplate = compileTemplate('notice', template);

/** A button on a notice. */
export interface NoticeAction {
  title: string;
  verb: Verb;
  requestId?: string;
  version?: number;
  draftId?: string;
}

/** Input for a notice card. */
export interface NoticeCardInput {
  title: string;
  /** Bot-authored text (markdown allowed). */
  text: string;
  tone: Tone | 'default';
  /** The request's short reference, e.g. DEV-7K3Q2. */
  reference?: string;
  /** Text a person typed, shown verbatim (escaped) under the notice. */
  detail?: string;
  actions?: NoticeAction[];
}

/** Renders a notice with an optional typed detail, reference and buttons. */
export function renderNoticeCard(input: NoticeCardInput): AdaptiveCard {
  return cardTemplate.render({
    style: containerStyle(input.tone),
    title: input.title,
    text: input.text,
    detail: escapedLines(input.detail),
    reference: input.reference,
    actions: (input.actions ?? []).map((a) => {
      const payload: CardActionData = { verb: a.verb };
      if (a.requestId !== undefined) payload.requestId = a.requestId;
      if (a.version !== undefined) payload.version = a.version;
      if (a.draftId !== undefined) payload.draftId = a.draftId;
      return { title: a.title, payload };
    }),
  });
}
