import { makeStyles, tokens } from '@fluentui/react-components';
import type { ChartBar } from '../api';

const useStyles = makeStyles({
  figure: { margin: 0, maxWidth: '720px', minWidth: 0, width: '100%' },
  caption: { fontWeight: tokens.fontWeightSemibold, marginBottom: tokens.spacingVerticalXS },
  svg: { width: '100%', maxWidth: '480px', height: 'auto', display: 'block' },
  label: { fill: tokens.colorNeutralForeground1, fontSize: '12px', fontFamily: tokens.fontFamilyBase },
  bar: { fill: tokens.colorBrandBackground },
  track: { fill: tokens.colorNeutralBackground3 },
});

const ROW = 28;
const LABEL_W = 170;
const WIDTH = 360;

/**
 * A horizontal bar chart in plain SVG with theme colours: each bar carries its label and value as text, and the
 * whole chart is also described in words for screen readers.
 */
export function BarChart({ title, bars, empty }: { title: string; bars: ChartBar[]; empty: string }) {
  const s = useStyles();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const described = bars.map((b) => `${b.label}: ${b.value}`).join('; ');
  return (
    <figure className={s.figure}>
      <figcaption className={s.caption}>{title}</figcaption>
      {bars.length === 0 ? (
        <span>{empty}</span>
      ) : (
        <svg className={s.svg} viewBox={`0 0 ${WIDTH} ${bars.length * ROW}`} role="img" aria-label={`${title}. ${described}`}>
          {bars.map((b, i) => {
            const w = ((WIDTH - LABEL_W - 40) * b.value) / max;
            const y = i * ROW;
            const label = b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label;
            return (
              <g key={b.key} aria-hidden="true">
                <title>{`${b.label}: ${b.value}`}</title>
                <text className={s.label} x={0} y={y + 18}>
                  {label}
                </text>
                <rect className={s.track} x={LABEL_W} y={y + 6} width={WIDTH - LABEL_W - 40} height={16} rx={2} />
                <rect className={s.bar} x={LABEL_W} y={y + 6} width={Math.max(2, w)} height={16} rx={2} />
                <text className={s.label} x={WIDTH - 34} y={y + 18}>
                  {b.value}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
