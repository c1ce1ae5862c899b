/**
 * `npm run bench:cards`: what a card render costs with its template parsed once (CardTemplate.render, what the bot
 * does) against parsing it again on every render (renderTemplate). Every card the card tests know, rendered from
 * the fixtures with the data its renderer passes, interleaved round by round; prints medians and their ratio and
 * asserts nothing about time.
 */
import { CardTemplate, renderTemplate, type AdaptiveCard } from '../cards/renderTemplate';
import { ALL_CARDS, NOTIFICATION_CARDS } from '../test/unit/cards/cardCatalogue';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

interface Render {
  template: CardTemplate;
  data: object;
}

/** The template and data of every card render, captured by running each card's renderer once. */
function captureRenders(): Render[] {
  const renders: Render[] = [];
  const render = Object.getOwnPropertyDescriptor(CardTemplate.prototype, 'render')!.value as CardTemplate['render'];
  CardTemplate.prototype.render = function (this: CardTemplate, data: object): AdaptiveCard {
    renders.push({ template: this, data });
    return render.call(this, data);
  };
  try {
    for (const [, card] of [...ALL_CARDS, ...NOTIFICATION_CARDS]) card();
  } finally {
    CardTemplate.prototype.render = render;
  }
  return renders;
}

/** Milliseconds per card for one pass over every render. */
function pass(renders: Render[], parseEveryTime: boolean): number {
  const started = process.hrtime.bigint();
  for (const { template, data } of renders) {
    if (parseEveryTime) renderTemplate(template.name, template.source, data);
    else template.render(data);
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / renders.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main() {
  const renders = captureRenders();
  pass(renders, true); // warm-up: JIT, and every template module loaded
  pass(renders, false);
  const parsed: number[] = [];
  const once: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    parsed.push(pass(renders, true));
    once.push(pass(renders, false));
  }
  const templates = new Set(renders.map((r) => r.template.name)).size;
  console.log(`${renders.length} card renders from ${templates} templates, ${ROUNDS} rounds`);
  console.log(`parsed on every render (before): ${median(parsed).toFixed(3)} ms per card`);
  console.log(`parsed once (now):               ${median(once).toFixed(3)} ms per card`);
  console.log(`ratio now/before: ${(median(once) / median(parsed)).toFixed(3)} (${(median(parsed) / median(once)).toFixed(1)}× faster)`);
}

main();
