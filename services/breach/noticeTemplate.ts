/**
 * The organisation's breach notice text: a template with placeholders that are filled in per person. The result
 * is plain text: the card escapes it and shows it in text runs, so neither the text nor a name can add links,
 * mentions or formatting.
 */
import { createHash } from 'node:crypto';

/** The placeholders a notice may use. */
export const NOTICE_PLACEHOLDERS = ['name', 'reference', 'incident', 'discoveredOn'] as const;

/** One placeholder. */
export type NoticePlaceholder = (typeof NOTICE_PLACEHOLDERS)[number];

/** What fills the placeholders for one person. */
export type NoticeValues = Record<NoticePlaceholder, string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
export const MAX_NOTICE_LENGTH = 4000;

/** The notice text used when IT gives none. */
export const DEFAULT_NOTICE_TEMPLATE = [
  'Dear {{name}},',
  'We are writing to tell you about a security incident ({{incident}}, discovered on {{discoveredOn}}) that may have exposed some of your information held on a work device.',
  'We have contained the incident, removed access from the affected device and are investigating. We recommend that you watch your work and personal accounts for unusual activity and change any password you used on the device.',
  'Please press Acknowledge to confirm you have read this notice. Questions: reply to IT Security quoting {{reference}}.',
].join('\n\n');

/** The template's problems: unknown placeholders, empty or too long. */
export function noticeTemplateProblems(template: string): string[] {
  const p: string[] = [];
  if (!template.trim()) p.push('The notice text is empty.');
  if (template.length > MAX_NOTICE_LENGTH) p.push(`The notice text must be at most ${MAX_NOTICE_LENGTH} characters.`);
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((k) => !(NOTICE_PLACEHOLDERS as readonly string[]).includes(k));
  if (unknown.length) p.push(`Unknown placeholders: ${[...new Set(unknown)].map((k) => `{{${k}}}`).join(', ')} (known: ${NOTICE_PLACEHOLDERS.map((k) => `{{${k}}}`).join(', ')}).`);
  return p;
}

/** The notice for one person. */
export function renderNotice(template: string, values: NoticeValues): string {
  return template.replace(PLACEHOLDER, (_m, key: string) => values[key as NoticePlaceholder] ?? '');
}

/** SHA-256 of the template, recorded with the breach so the text sent can be proven later. */
export function templateSha256(template: string): string {
  return createHash('sha256').update(template, 'utf8').digest('hex');
}
