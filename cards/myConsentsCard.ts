/**
 * "My consents" (privacy SOP §1: a record of consent, easily accessible): each device's consent, every entry of its
 * ledger with the notice version, date and text fingerprint, and the exact published text of each version behind
 * a button, so a person sees word for word what they agreed to.
 */
import type { ConsentStatus, LedgerEntryKind } from '../services/consent/consentLedger';
import type { ConsentHistoryView } from '../services/consent/consentService';
import { PLATFORM_LABELS } from '../services/workflow/model';
import { actionData, cardDateTime, ownershipLabel, shortHash } from './cardHelpers';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/myConsents.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('myConsents', template);

/** Input for the "my consents" card. */
export interface MyConsentsCardInput {
  history: ConsentHistoryView;
}

const KIND_LABELS: Record<LedgerEntryKind, string> = {
  consented: 'Consented',
  declined: 'Declined',
  withdrawn: 'Withdrew consent',
  reconsented: 'Consented again',
  acknowledged: 'Acknowledged a change',
};

const STATUS_LABELS: Record<ConsentStatus, string> = {
  none: 'No answer yet',
  consented: 'Consent given',
  declined: 'Declined',
  withdrawn: 'Consent withdrawn',
};

/** Cards show at most this many texts (each is a few kilobytes; Teams shows six buttons, one is My data). */
const MAX_TEXTS = 4;

/** Renders the person's consent history with the exact text of each version. */
export function renderMyConsentsCard(input: MyConsentsCardInput): AdaptiveCard {
  const { devices, texts } = input.history;
  const shownTexts = texts.slice(0, MAX_TEXTS);
  return cardTemplate.render({
    intro: devices.length
      ? 'Every consent answer you gave, per device, with the version of the notice and the fingerprint (SHA-256) of its exact text.'
      : 'You have not answered a consent request yet. You are asked when your manager approves a device request.',
    devices: devices.map((d) => ({
      title: [d.reference, PLATFORM_LABELS[d.platform], ownershipLabel(d.ownership)].filter(Boolean).join(' · '),
      status: `${STATUS_LABELS[d.status]}${d.since ? ` since ${cardDateTime(d.since)}` : ''}${d.noticeVersion ? ` · notice version ${d.noticeVersion}` : ''}`,
      entries: d.entries.map((e) => ({
        text: `${KIND_LABELS[e.kind]} · ${cardDateTime(e.at)} · version ${e.noticeVersion} · fingerprint ${shortHash(e.textHash)}${e.published ? '' : ' (text not in the published notices)'}`,
      })),
    })),
    hasTexts: shownTexts.length > 0,
    textsNote: 'The buttons below show each version exactly as it was shown to you.',
    texts: shownTexts.map((n) => ({
      title: `Text of version ${n.version} (${ownershipLabel(n.ownership).toLowerCase()})`,
      lines: n.lines
        .map((text, i) => ({ text, spacing: i > 0 && n.lines[i - 1] === '' ? 'Medium' : 'None' }))
        .filter((l) => l.text !== ''),
      fingerprint: `SHA-256 ${n.sha256}`,
    })),
    myData: actionData(Verb.MyDataShow),
  });
}
