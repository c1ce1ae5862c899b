/**
 * Draws the app icons with pngjs (no network, no image tools): manifest/color.png (192×192, full colour) and
 * manifest/outline.png (32×32, white on transparent), as Teams requires. Run once; the PNGs are committed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

type Rgba = [number, number, number, number];
const ACCENT: Rgba = [0x4f, 0x52, 0xb2, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const GREEN: Rgba = [0x13, 0xa1, 0x0e, 255];

function canvas(size: number, fill: Rgba | null) {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set(fill ?? [0, 0, 0, 0], i * 4);
  return png;
}

/** Paints every pixel for which `inside(x, y)` holds (sampled 4×4 per pixel for smooth edges). */
function paint(png: PNG, color: Rgba, inside: (x: number, y: number) => boolean) {
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      let hits = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hits++;
      if (!hits) continue;
      const a = (hits / 16) * (color[3] / 255);
      const i = (y * png.width + x) * 4;
      const base = png.data[i + 3] / 255;
      const outA = a + base * (1 - a);
      for (let c = 0; c < 3; c++) png.data[i + c] = Math.round((color[c] * a + png.data[i + c] * base * (1 - a)) / (outA || 1));
      png.data[i + 3] = Math.round(outA * 255);
    }
  }
}

const roundRect = (x0: number, y0: number, x1: number, y1: number, r: number) => (x: number, y: number) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const ring = (outer: (x: number, y: number) => boolean, inner: (x: number, y: number) => boolean) => (x: number, y: number) => outer(x, y) && !inner(x, y);
const disc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
/** A thick line segment (capsule). */
const stroke = (ax: number, ay: number, bx: number, by: number, w: number) => (x: number, y: number) => {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
};

/** A phone outline with a check mark, scaled to `s` (the glyph is drawn in a 32-unit box). */
function phoneWithCheck(png: PNG, s: number, ox: number, oy: number, body: Rgba, check: Rgba, badge: Rgba | null) {
  const u = (v: number) => v * s;
  paint(png, body, ring(roundRect(ox + u(8), oy + u(3), ox + u(22), oy + u(29), u(3)), roundRect(ox + u(10), oy + u(5.5), ox + u(20), oy + u(26.5), u(1.5))));
  paint(png, body, stroke(ox + u(13.5), oy + u(24.5), ox + u(16.5), oy + u(24.5), u(1.2)));
  if (badge) paint(png, badge, disc(ox + u(22), oy + u(22), u(7)));
  paint(png, check, stroke(ox + u(18.5), oy + u(22), ox + u(21), oy + u(24.5), u(1.8)));
  paint(png, check, stroke(ox + u(21), oy + u(24.5), ox + u(25.5), oy + u(19), u(1.8)));
}

/** Writes both icons into `dir`. */
export function makeIcons(dir: string) {
  const color = canvas(192, ACCENT);
  phoneWithCheck(color, 4.5, 24, 20, WHITE, WHITE, GREEN);
  writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(color));
  const outline = canvas(32, null);
  phoneWithCheck(outline, 1, 0, 0, WHITE, WHITE, null);
  writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(outline));
}

if (require.main === module) makeIcons(path.resolve(__dirname, '..', 'manifest'));
