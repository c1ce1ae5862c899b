/**
 * Makes text someone typed (device model, justification, comments, reasons, device names Intune reports) safe to put
 * in a card.
 *
 * Why not backslash-escape markdown: Teams clients disagree on backslash escapes (desktop hides them, iOS and
 * Android have shown them literally: microsoft/AdaptiveCards#5590, MicrosoftDocs/msteams-docs#5793), so escaped text
 * would look broken on phones. Instead the cards put typed text only in RichTextBlock TextRuns, where the Adaptive
 * Cards schema says "Markdown is not supported", and this function breaks, with an invisible U+200B, the few
 * sequences that could still turn into something live in any host:
 * - links and autolinks: `](`, `://`, `www.`, `e@mail.com`-style dots between letters;
 * - HTML-ish tags and entities (`<at>` mentions, `<a href>`, `&lt;`): the iOS renderer once rendered text with `<`
 *   as HTML (microsoft/AdaptiveCards#5428);
 * - Adaptive Card template bindings `${…}` and DATE/TIME functions `{{…}}`, so nothing is ever re-expanded.
 * It also removes control and bidirectional-override characters (which can make text read differently from what it
 * is) and caps the length.
 */

const ZWSP = '\u200B';

/** Options for escapeCardText. */
export interface EscapeOptions {
  /** Cut to this many characters (an ellipsis marks the cut). Default 500, the longest field the form accepts. */
  maxLength?: number;
  /** Keep line breaks (justification, comments); otherwise they become spaces. Default false. */
  multiline?: boolean;
}

// C0/C1 controls except tab and newline; bidi embeddings, overrides and isolates (Trojan Source, CVE-2021-42574).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Breaks `${` and `{{` so text can never be taken for a template binding or a DATE()/TIME() function. */
export function neutralizeTemplateSyntax(text: string): string {
  return text.replace(/\$\{/g, `$${ZWSP}{`).replace(/\{\{/g, `{${ZWSP}{`).replace(/\}\}/g, `}${ZWSP}}`);
}

/** Returns typed text that cannot form a link, mention, HTML tag, template binding or bidi trick in a card. */
export function escapeCardText(text: string | null | undefined, options: EscapeOptions = {}): string {
  const maxLength = options.maxLength ?? 500;
  let t = String(text ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(UNSAFE_CHARS, '')
    .replace(/\t/g, ' ');
  t = options.multiline ? t.replace(/\n{3,}/g, '\n\n') : t.replace(/\s*\n\s*/g, ' ');
  t = t.trim();
  if (t.length > maxLength) t = `${t.slice(0, Math.max(0, maxLength - 1)).trimEnd()}…`;
  return neutralizeTemplateSyntax(t)
    .replace(/\]\s*\(/g, `]${ZWSP}(`)
    .replace(/:\/\//g, `:/${ZWSP}/`)
    .replace(/\bwww\./gi, (m) => `${m}${ZWSP}`)
    .replace(/([\p{L}\p{N}])\.(?=[\p{L}\p{N}])/gu, `$1.${ZWSP}`)
    .replace(/@(?=[\p{L}\p{N}])/gu, `@${ZWSP}`)
    .replace(/<(?=[\p{L}/!?])/gu, `<${ZWSP}`)
    .replace(/&(?=#?[\p{L}\p{N}]+;)/gu, `&${ZWSP}`);
}

/** Escapes multi-line typed text and splits it into the lines a card shows (one RichTextBlock each). */
export function escapedLines(text: string | null | undefined, options: Omit<EscapeOptions, 'multiline'> = {}): string[] {
  return escapeCardText(text, { ...options, multiline: true })
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
