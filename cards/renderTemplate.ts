/**
 * Expands a card template (cards/templates/*.json) with adaptivecards-templating and refuses to return a card that
 * still holds a binding: the templating engine leaves `${missing}` in the text without any error, which would
 * otherwise reach a user.
 *
 * Parsing is most of the cost of a card (every `${}` goes through the expression parser, several milliseconds per
 * template), so each card module compiles its template once when it is loaded (`compileTemplate`) and a render only
 * binds data to the parsed template. `Template.expand` keeps no state from one call to the next and runs
 * synchronously, so one parsed template serves every turn.
 */
import { Template } from 'adaptivecards-templating';

/** The card version every template declares: Teams renders bot cards up to 1.5 (Universal Actions need ≥1.4). */
export const CARD_VERSION = '1.5';

/** An expanded Adaptive Card, ready to send as `application/vnd.microsoft.card.adaptive`. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  refresh?: unknown;
  [key: string]: unknown;
}

/** A template expanded to something that is not a sendable card: an unresolved binding or a wrong shape. */
export class CardTemplateError extends Error {
  override readonly name = 'CardTemplateError';
  constructor(
    readonly template: string,
    readonly problems: string[],
  ) {
    super(`Card template "${template}" did not expand cleanly: ${problems.join('; ')}`);
  }
}

// `$when: false` on a property value yields null instead of removing the property; drop those.
function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(pruneNulls);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = pruneNulls(v);
    return out;
  }
  return value;
}

function unresolvedBindings(value: unknown, path: string, found: string[]): void {
  if (typeof value === 'string') {
    if (value.includes('${')) found.push(`${path}: ${value.slice(0, 80)}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unresolvedBindings(v, `${path}[${i}]`, found));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('${')) found.push(`${path}.${k} (key)`);
      unresolvedBindings(v, `${path}.${k}`, found);
    }
  }
}

function expand(name: string, parsed: Template, data: object): AdaptiveCard {
  const expanded = pruneNulls(parsed.expand({ $root: data })) as Partial<AdaptiveCard>;
  const problems: string[] = [];
  unresolvedBindings(expanded, '$', problems);
  if (expanded.type !== 'AdaptiveCard') problems.push('type is not AdaptiveCard');
  if (expanded.version !== CARD_VERSION) problems.push(`version is ${String(expanded.version)}, expected ${CARD_VERSION}`);
  if (!Array.isArray(expanded.body)) problems.push('body is missing');
  if (problems.length) throw new CardTemplateError(name, problems);
  return expanded as AdaptiveCard;
}

/** A card template parsed once; `render` binds data to it. */
export class CardTemplate {
  private readonly parsed: Template;

  constructor(
    readonly name: string,
    readonly source: object,
  ) {
    this.parsed = new Template(source);
  }

  /**
   * Expands the template with `data` as `$root`. Throws CardTemplateError when any `${` remains (a binding the data
   * did not satisfy) or the result is not a version-1.5 AdaptiveCard. Callers escape typed text before passing it in.
   */
  render(data: object): AdaptiveCard {
    return expand(this.name, this.parsed, data);
  }
}

/** Parses `template` once, for a card module to keep and render on every turn. */
export function compileTemplate(name: string, template: object): CardTemplate {
  return new CardTemplate(name, template);
}

/** Parses and expands `template` in one go: for a template used once (each call parses it again). */
export function renderTemplate(name: string, template: object, data: object): AdaptiveCard {
  return expand(name, new Template(template), data);
}
