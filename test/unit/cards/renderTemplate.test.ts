import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Expression } from 'adaptive-expressions';
import { CardTemplate, CardTemplateError, renderTemplate, type AdaptiveCard } from '../../../cards/renderTemplate';
import { ALL_CARDS, NOTIFICATION_CARDS } from './cardCatalogue';

const TEMPLATE_DIR = path.resolve(__dirname, '../../../cards/templates');
const EVERY_CARD: [string, () => AdaptiveCard][] = [...ALL_CARDS, ...NOTIFICATION_CARDS];

/** Runs `fn` with every CardTemplate.render call also expanded by a fresh, one-off parse of the same template. */
function withOneOffTwin(fn: () => void): { template: string; parsedOnce: string; parsedAgain: string }[] {
  const seen: { template: string; parsedOnce: string; parsedAgain: string }[] = [];
  const render = Object.getOwnPropertyDescriptor(CardTemplate.prototype, 'render')!.value as CardTemplate['render'];
  CardTemplate.prototype.render = function (this: CardTemplate, data: object): AdaptiveCard {
    const card = render.call(this, data);
    seen.push({ template: this.name, parsedOnce: JSON.stringify(card), parsedAgain: JSON.stringify(renderTemplate(this.name, this.source, data)) });
    return card;
  };
  try {
    fn();
  } finally {
    CardTemplate.prototype.render = render;
  }
  return seen;
}

describe('card templates', () => {
  it('when every card fixture is rendered from its template parsed once, then the JSON is byte for byte what a fresh parse gives', () => {
    // Two passes, so each parsed template serves renders of other data in between.
    const renders = withOneOffTwin(() => {
      for (let pass = 0; pass < 2; pass++) for (const [, render] of EVERY_CARD) render();
    });
    assert.equal(renders.length, EVERY_CARD.length * 2);
    for (const r of renders) assert.equal(r.parsedOnce, r.parsedAgain, r.template);
    const templates = readdirSync(TEMPLATE_DIR).map((f) => path.basename(f, '.json'));
    assert.deepEqual([...new Set(renders.map((r) => r.template))].sort(), templates.sort(), 'every template is rendered');
  });

  it('when cards are rendered, then no expression is parsed again', () => {
    for (const [, render] of EVERY_CARD) render(); // any template compiled lazily is parsed here
    const parse = Object.getOwnPropertyDescriptor(Expression, 'parse')!.value as typeof Expression.parse;
    let parses = 0;
    Expression.parse = (...args: Parameters<typeof Expression.parse>) => {
      parses++;
      return parse(...args);
    };
    try {
      for (const [, render] of EVERY_CARD) render();
    } finally {
      Expression.parse = parse;
    }
    assert.equal(parses, 0);
  });

  it('when a parsed template is rendered with data that leaves a binding, then it throws and the next render is clean', () => {
    const template = new CardTemplate('probe', { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Hi ${name}, ${greeting}' }] });
    assert.throws(() => template.render({ name: 'Megan' }), CardTemplateError);
    assert.deepEqual(template.render({ name: 'Megan', greeting: 'welcome' }).body, [{ type: 'TextBlock', text: 'Hi Megan, welcome' }]);
  });
});
