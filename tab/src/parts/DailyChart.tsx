import { makeStyles, tokens } from '@fluentui/react-components';
import type { DailySeriesView } from '../api';

const useStyles = makeStyles({
  figure: { margin: 0, maxWidth: '720px', minWidth: 0, width: '100%' },
  caption: { fontWeight: tokens.fontWeightSemibold, marginBottom: tokens.spacingVerticalXS },
  svg: { width: '100%', maxWidth: '480px', height: 'auto', display: 'block' },
  label: { fill: tokens.colorNeutralForeground1, fontSize: '11px', fontFamily: tokens.fontFamilyBase },
  axis: { stroke: tokens.colorNeutralStroke1 },
  legend: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, listStyle: 'none', padding: 0, margin: `${tokens.spacingVerticalXS} 0 0` },
  swatch: { display: 'inline-block', width: '12px', height: '12px', marginRight: tokens.spacingHorizontalXS, verticalAlign: 'middle', borderRadius: '2px' },
});

/** Theme colours for the device states (good, warning, danger), the rest neutral. */
const COLOURS: Record<string, string> = {
  compliant: tokens.colorPaletteGreenBackground3,
  inGrace: tokens.colorPaletteYellowBackground3,
  accessRemoved: tokens.colorPaletteRedBackground3,
  consentWithdrawn: tokens.colorNeutralForeground3,
  consentLapsed: tokens.colorPaletteDarkOrangeBackground3,
};

const WIDTH = 360;
const HEIGHT = 140;
const LEFT = 30;
const BOTTOM = 18;

/**
 * Daily counts as stacked columns in plain SVG with theme colours, a legend in text, and the latest day and the range
 * described in words for screen readers.
 */
export function DailyChart({ title, data, empty }: { title: string; data: DailySeriesView; empty: string }) {
  const s = useStyles();
  const n = data.days.length;
  const totals = data.days.map((_, i) => data.series.reduce((sum, x) => sum + x.values[i], 0));
  const max = Math.max(1, ...totals);
  const colW = (WIDTH - LEFT) / Math.max(n, 1);
  const latest = n ? `On ${data.days[n - 1]}: ${data.series.map((x) => `${x.label} ${x.values[n - 1]}`).join(', ')}` : '';
  return (
    <figure className={s.figure}>
      <figcaption className={s.caption}>{title}</figcaption>
      {n === 0 ? (
        <span>{empty}</span>
      ) : (
        <>
          <svg className={s.svg} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}, ${n} day${n === 1 ? '' : 's'} from ${data.days[0]} to ${data.days[n - 1]}. ${latest}.`}>
            <g aria-hidden="true">
              <text className={s.label} x={0} y={12}>
                {max}
              </text>
              <text className={s.label} x={0} y={HEIGHT - BOTTOM}>
                0
              </text>
              <line className={s.axis} x1={LEFT} x2={WIDTH} y1={HEIGHT - BOTTOM} y2={HEIGHT - BOTTOM} />
              {data.days.map((day, i) => {
                let y = HEIGHT - BOTTOM;
                return (
                  <g key={day}>
                    <title>{`${day}: ${data.series.map((x) => `${x.label} ${x.values[i]}`).join(', ')}`}</title>
                    {data.series.map((x) => {
                      const h = ((HEIGHT - BOTTOM - 6) * x.values[i]) / max;
                      y -= h;
                      return <rect key={x.key} x={LEFT + i * colW + 1} y={y} width={Math.max(1, colW - 2)} height={h} fill={COLOURS[x.key] ?? tokens.colorNeutralBackground5} />;
                    })}
                  </g>
                );
              })}
              <text className={s.label} x={LEFT} y={HEIGHT - 4}>
                {data.days[0]}
              </text>
              {n > 1 && (
                <text className={s.label} x={WIDTH} y={HEIGHT - 4} textAnchor="end">
                  {data.days[n - 1]}
                </text>
              )}
            </g>
          </svg>
          <ul className={s.legend} aria-label={`${title}: legend`}>
            {data.series.map((x) => (
              <li key={x.key}>
                <span className={s.swatch} style={{ background: COLOURS[x.key] ?? tokens.colorNeutralBackground5 }} aria-hidden="true" />
                {x.label}
              </li>
            ))}
          </ul>
        </>
      )}
    </figure>
  );
}
