/**
 * "My data" (privacy SOP §5: what is collected and how it is used): what the bot stores about the person, counted,
 * and a short-lived link to download all of it as a JSON file.
 */
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/myData.json';

const cardTemplate = compileTemplate('myData', template);

/** Input for the "my data" card. */
export interface MyDataCardInput {
  counts: { requests: number; consentEntries: number; auditEntries: number };
  /** References of the person's requests, newest first. */
  references: string[];
  /** Signed download link, valid for `linkMinutes`; absent when the bot has no public address configured. */
  downloadUrl?: string;
  linkMinutes: number;
  transparencyUrl: string;
}

/** Renders the "my data" summary with its download link. */
export function renderMyDataCard(input: MyDataCardInput): AdaptiveCard {
  const refs = input.references.slice(0, 20);
  return cardTemplate.render({
    intro:
      'This is what Device Onboarding keeps about you. The download has all of it: your requests, your consent ledger with the exact text of each notice, and the audit entries that name you. Device data itself is held by Microsoft Intune.',
    facts: [
      { title: 'Requests', value: String(input.counts.requests) },
      { title: 'Consent entries', value: String(input.counts.consentEntries) },
      { title: 'Audit entries', value: String(input.counts.auditEntries) },
    ],
    hasRequests: refs.length > 0,
    requests: `Requests: ${refs.join(', ')}${input.references.length > refs.length ? ', …' : ''}`,
    linkNote: input.downloadUrl
      ? `The download link works for ${input.linkMinutes} minutes and gives only your own data. Type "my data" for a new one.`
      : 'A download is not available here yet; ask IT Security for a copy of your data.',
    hasDownload: Boolean(input.downloadUrl),
    downloadUrl: input.downloadUrl ?? '',
    transparencyUrl: input.transparencyUrl,
  });
}
