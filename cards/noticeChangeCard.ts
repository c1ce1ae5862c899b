/**
 * The change-notice card a person gets when a new version of the data-collection notice concerns them: the
 * administrator's summary, the lines removed and added, the full new text, and (until answered) Accept for a
 * material change or Got it for a minor one, with the deadline. The card carries only the campaign recipient's id;
 * who may answer, and what, is read from the database.
 */
import { noticeDiff } from '../services/content/noticeDiff';
import { cardDate, cardDateTime } from './cardHelpers';
import { escapedLines } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/noticeChange.json';
import { Verb, type CardActionData } from './verbs';

const cardTemplate = compileTemplate('noticeChange', template);

/** Lines of the diff shown on the card; the rest are behind "Read the full text". */
const MAX_CHANGES = 12;

/** What the card shows. */
export interface NoticeChangeCardInput {
  recipientId: string;
  version: string;
  ownership: 'personal' | 'company';
  material: boolean;
  deadline: string;
  summary: string;
  previousLines: readonly string[];
  lines: readonly string[];
  /** open: waiting for the answer; reminder: the same with the days left; answered; lapsed: the deadline passed. */
  status: 'open' | 'reminder' | 'answered' | 'lapsed';
  answeredAt?: string;
  transparencyUrl: string;
}

/** Renders the change notice for one person. */
export function renderNoticeChangeCard(i: NoticeChangeCardInput): AdaptiveCard {
  const changes = noticeDiff(i.previousLines, i.lines);
  const until = cardDateTime(i.deadline);
  const ask = i.material
    ? `Please read what changed and press **Accept** by ${until}. If you do not, access to work data from your ${i.ownership === 'company' ? 'company' : 'personal'} device is paused until you do.`
    : `Nothing changes for your access. Please read what changed and press **Got it** by ${until}.`;
  const head = {
    open: { style: i.material ? 'warning' : 'accent', headline: i.material ? 'Your consent is needed again' : 'Please take note' },
    reminder: { style: 'warning', headline: i.material ? `Reminder: accept by ${until} to keep access` : `Reminder: please confirm by ${until}` },
    answered: { style: 'good', headline: i.material ? 'Thank you: you accepted the updated notice' : 'Thank you: you confirmed you read it' },
    lapsed: { style: 'attention', headline: i.material ? 'The deadline has passed: access is paused' : 'The deadline has passed' },
  }[i.status];
  const answer: CardActionData = { verb: Verb.NoticeAnswer, recipientId: i.recipientId };
  return cardTemplate.render({
    title: 'We updated how device management works',
    subtitle: `Data-collection notice for ${i.ownership === 'company' ? 'company-owned' : 'personal'} devices, version ${i.version}`,
    style: head.style,
    headline: head.headline,
    message:
      i.status === 'answered'
        ? 'Your answer is in your consent history (type "my consents").'
        : i.status === 'lapsed' && i.material
          ? 'Press **Accept** now and access comes back on its own.'
          : ask,
    summary: escapedLines(i.summary, { maxLength: 500 }),
    changes: changes.slice(0, MAX_CHANGES).map((c) => ({ label: c.change === 'added' ? 'Added' : 'Removed', color: c.change === 'added' ? 'Good' : 'Attention', line: c.line })),
    moreChanges: Math.max(0, changes.length - MAX_CHANGES),
    answeredLine: i.status === 'answered' && i.answeredAt ? `${i.material ? 'Accepted' : 'Confirmed'} on ${cardDate(i.answeredAt)}` : undefined,
    canAnswer: i.status !== 'answered',
    answerTitle: i.material ? 'Accept' : 'Got it',
    answer,
    fullText: i.lines.filter((l) => l.trim() !== ''),
    transparencyUrl: i.transparencyUrl,
  });
}
