/**
 * Test helpers: validate an expanded card with the adaptivecards parser at the version Teams renders (1.5), and walk
 * a card's actions.
 */
import type * as ACTypes from 'adaptivecards';
// The package's lib/ is ESM with extension-less imports; only the UMD bundle loads under CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC: typeof ACTypes = require('adaptivecards/dist/adaptivecards.js');

/**
 * Teams' dynamic typeahead (`Input.ChoiceSet` with `choices.data` of type `Data.Query`) works in the 1.5 cards Teams
 * renders (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/dynamic-search);
 * the adaptivecards library files the property under 1.6 and says so. That one notice is expected; any other is not.
 */
const TEAMS_EXTENSIONS = [/^parse \d+: Property "choices\.data" is supported in version 1\.6, but you are using version 1\.5\.$/];
/** A typeahead's choices come from the search, so it may start with none. */
const TYPEAHEAD_WITHOUT_STATIC_CHOICES = /^validate \d+: An Input\.ChoiceSet must have at least one choice defined\.$/;

/** Parse-time and validation-time problems the adaptivecards library reports for a card at version 1.5. */
export function cardProblems(card: object): string[] {
  const typeahead = JSON.stringify(card).includes('"choices.data"');
  return allCardProblems(card).filter((p) => !TEAMS_EXTENSIONS.some((re) => re.test(p)) && !(typeahead && TYPEAHEAD_WITHOUT_STATIC_CHOICES.test(p)));
}

/** Every problem the library reports, Teams extensions included. */
export function allCardProblems(card: object): string[] {
  const ctx = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    problems.push(`parse ${e.event}: ${e.message}`);
  }
  for (const e of parsed.validateProperties().validationEvents) problems.push(`validate ${e.event}: ${e.message}`);
  return problems;
}

/** Every button in a card (card actions, ActionSets, ShowCard cards); not fallbacks, not the refresh action. */
export function allActions(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) {
    node.forEach((n) => allActions(n, out));
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Action.')) out.push(o);
    for (const [k, v] of Object.entries(o)) if (k !== 'fallback' && k !== 'refresh') allActions(v, out);
  }
  return out;
}

/** Every element of a given type anywhere in a card. */
export function elementsOfType(node: unknown, type: string, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) node.forEach((n) => elementsOfType(n, type, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === type) out.push(o);
    Object.values(o).forEach((v) => elementsOfType(v, type, out));
  }
  return out;
}
