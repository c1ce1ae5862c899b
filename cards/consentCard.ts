/**
 * The consent and terms card (OP-PROC-002 step 4; privacy SOP §1). It shows the exact text whose SHA-256 the answer
 * records: each line of `consent.text` becomes one TextBlock, unchanged, so what was hashed is what was shown.
 */
import type { ConsentText } from '../services/content/consentText';
import { DEFAULT_TRANSPARENCY_URL } from '../services/content/transparency';
import { PLATFORM_LABELS, type OnboardingRequest } from '../services/workflow/model';
import { actionData, cardDateTime, ownershipLabel, shortHash, decisionWords } from './cardHelpers';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/consent.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('consent', template);

/** Options for the consent card. */
export interface ConsentCardOptions {
  /** The recorded answer; defaults to request.consent. An answered card has no buttons. */
  answered?: 'consented' | 'declined';
  /** Microsoft's page on what an organization can see (configuration); defaults to the documented page. */
  transparencyUrl?: string;
}

/** "Your manager approved your request." or who approved it on whose behalf. */
function approvedBy(r: OnboardingRequest): string {
  if (r.decision?.outcome !== 'approved') return 'Your request was approved.';
  const { who, behalf } = decisionWords(r);
  return `${who} approved your request${behalf}.`;
}

/** Renders the consent card; "I consent" / "I decline" carry the SHA-256 of the text shown. */
export function renderConsentCard(
  request: OnboardingRequest,
  consent: Pick<ConsentText, 'version' | 'text' | 'sha256'>,
  options: ConsentCardOptions = {},
): AdaptiveCard {
  const r = request;
  const answered = options.answered ?? r.consent?.outcome;
  const canAnswer = !answered && r.state === 'awaitingConsent';
  const at = r.consent?.at ? ` on ${cardDateTime(r.consent.at)}` : '';
  let answerTitle: string | undefined;
  let answerText: string | undefined;
  let answerStyle = 'emphasis';
  if (answered === 'consented') {
    answerTitle = `You consented${at}`;
    answerText = 'Your answer is recorded with this version of the text and its fingerprint. You can withdraw at any time as described above.';
    answerStyle = 'good';
  } else if (answered === 'declined') {
    answerTitle = `You declined${at}`;
    answerText = 'The request is closed and the device will not be enrolled. Start a new request if you change your mind.';
  } else if (!canAnswer) {
    answerTitle = 'No answer is needed any more';
    answerText = 'This request has moved on or closed. Use "My status" to see where it stands.';
  }
  const lines = consent.text.split('\n');
  return cardTemplate.render({
    subtitle: `Reference ${r.reference} · ${PLATFORM_LABELS[r.device.platform]} · ${ownershipLabel(r.device.ownership)}`,
    intro: `${approvedBy(r)} Before you enroll the device, please read what the company can and cannot see, and the terms of use.`,
    // A blank line in the text starts a new block: it becomes extra space above the next line, not an empty TextBlock.
    lines: lines
      .map((text, i) => ({ text, spacing: i > 0 && lines[i - 1] === '' ? 'Medium' : 'None' }))
      .filter((l) => l.text !== ''),
    canAnswer,
    answerTitle,
    answerText,
    answerStyle,
    version: consent.version,
    fingerprint: shortHash(consent.sha256),
    accept: actionData(Verb.ConsentAccept, r, consent.sha256),
    decline: actionData(Verb.ConsentDecline, r, consent.sha256),
    transparencyUrl: options.transparencyUrl ?? DEFAULT_TRANSPARENCY_URL,
  });
}
