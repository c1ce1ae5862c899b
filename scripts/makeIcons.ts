/**
 * Draws the app icons with pngjs (no network, no image tools): manifest/color.png (192×192, full colour) and
 * manifest/outline.png (32×32, white on transparent), as Teams requires. Run once (`npx tsx scripts/makeIcons.ts`);
 * the PNGs are committed because the package reads them.
 * Icon rules: https://learn.microsoft.com/en-us/microsoftteams/platform/concepts/build-and-test/apps-package#app-icons
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

type Rgba = [number, number, number, number];
type Shape = (x: number, y: number) => boolean;

/** Must match `accentColor` in manifest/manifest.json: Teams shows the colour icon on that background. */
export const ACCENT_HEX = '#4F52B2';
const ACCENT: Rgba = [0x4f, 0x52, 0xb2, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const GREEN: Rgba = [0x13, 0xa1, 0x0e, 255];
const SAMPLES = 4;

function canvas(size: number, fill: Rgba | null): PNG {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set(fill ?? [0, 0, 0, 0], i * 4);
  return png;
}

/** Fraction of the pixel at (x, y) covered by `inside` (4×4 samples, for smooth edges at 32 px). */
function coverage(inside: Shape, x: number, y: number): number {
  let hits = 0;
  for (let sy = 0; sy < SAMPLES; sy++) for (let sx = 0; sx < SAMPLES; sx++) if (inside(x + (sx + 0.5) / SAMPLES, y + (sy + 0.5) / SAMPLES)) hits++;
  return hits / (SAMPLES * SAMPLES);
}

/** Composites `color` over every pixel that `inside` covers. */
function paint(png: PNG, color: Rgba, inside: Shape): void {
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const a = coverage(inside, x, y) * (color[3] / 255);
      if (!a) continue;
      const i = (y * png.width + x) * 4;
      const base = png.data[i + 3] / 255;
      const outA = a + base * (1 - a);
      for (let c = 0; c < 3; c++) png.data[i + c] = Math.round((color[c] * a + png.data[i + c] * base * (1 - a)) / (outA || 1));
      png.data[i + 3] = Math.round(outA * 255);
    }
  }
}

/** Makes what `inside` covers transparent: the gap that keeps the badge apart from the phone in the outline. */
function erase(png: PNG, inside: Shape): void {
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4 + 3;
      png.data[i] = Math.round(png.data[i] * (1 - coverage(inside, x, y)));
    }
  }
}

const roundRect = (x0: number, y0: number, x1: number, y1: number, r: number): Shape => (x, y) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const minus = (outer: Shape, inner: Shape): Shape => (x, y) => outer(x, y) && !inner(x, y);
/** A thick line segment with round caps. */
const stroke = (ax: number, ay: number, bx: number, by: number, w: number): Shape => (x, y) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
};
/** A heraldic shield centred on cx: a top edge that rises to the middle, straight sides, then a curve to a point. */
const shield = (cx: number, top: number, w: number, h: number): Shape => (x, y) => {
  const half = w / 2;
  const dx = Math.abs(x - cx);
  if (dx > half || y > top + h) return false;
  if (y < top + 0.1 * h * (dx / half) ** 2) return false;
  const t = (y - top) / h;
  const shoulder = 0.4;
  return t <= shoulder || dx <= half * Math.sqrt(Math.max(0, 1 - ((t - shoulder) / (1 - shoulder)) ** 2));
};

/** Where the badge sits in the 32-unit glyph box: over the phone's lower right corner. */
const BADGE = { cx: 22.5, top: 14.5, w: 12, h: 15 };

/** A phone with a shield badge holding a check mark, drawn in a 32-unit box scaled by `s` and offset by (ox, oy). */
function phoneWithShield(png: PNG, s: number, ox: number, oy: number, style: 'color' | 'outline'): void {
  const u = (v: number) => v * s;
  const X = (v: number) => ox + u(v);
  const Y = (v: number) => oy + u(v);
  const badge = (grow: number) => shield(X(BADGE.cx), Y(BADGE.top - grow), u(BADGE.w + 2 * grow), u(BADGE.h + 2.4 * grow));
  paint(png, WHITE, minus(roundRect(X(4), Y(2), X(20), Y(30), u(3)), roundRect(X(6.2), Y(4.2), X(17.8), Y(27.8), u(1.4))));
  paint(png, WHITE, stroke(X(10), Y(25), X(14), Y(25), u(1.3)));
  /** A check mark `k` units wide, its bend at (BADGE.cx - 0.25k, 24). */
  const check = (k: number, w: number): Shape => {
    const bx = X(BADGE.cx - 0.25 * k);
    const by = Y(24);
    return (x, y) => stroke(X(BADGE.cx - 0.5 * k), Y(24 - 0.4 * k), bx, by, u(w))(x, y) || stroke(bx, by, X(BADGE.cx + 0.5 * k), Y(24 - 0.8 * k), u(w))(x, y);
  };
  if (style === 'color') {
    // A ring of background colour around the badge separates it from the phone frame it overlaps.
    paint(png, ACCENT, badge(1.6));
    paint(png, GREEN, badge(0));
    paint(png, WHITE, check(6.4, 1.8));
  } else {
    // The outline icon is white only, so a gap cut out of the phone separates the badge, and the check is cut
    // out of a solid shield: an outlined shield with a check inside blurs into one blob at 32 px.
    erase(png, badge(1.3));
    paint(png, WHITE, badge(0));
    erase(png, check(6, 1.8));
  }
}

/** Writes color.png and outline.png into `dir`. */
export function makeIcons(dir: string): void {
  const color = canvas(192, ACCENT);
  phoneWithShield(color, 4, 34, 32, 'color');
  writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(color));
  const outline = canvas(32, null);
  phoneWithShield(outline, 1, 0.5, 0, 'outline');
  writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(outline));
}

if (require.main === module) makeIcons(path.resolve(__dirname, '..', 'manifest'));
