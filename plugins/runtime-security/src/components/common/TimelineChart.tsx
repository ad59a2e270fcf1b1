import { Typography } from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { useSeverityColors } from '@periscope/periscope-react';
import { Severity, SEVERITY_ORDER, TimelineResponse } from '../../api';
import { runtimeSecurityTranslationRef } from '../../translation';

const W = 640;
const H = 160;
const PAD = 24;

/** Findings over time: stacked bars per bucket, one colour per severity (plain SVG). */
export function TimelineChart(props: { timeline: TimelineResponse }) {
  const { buckets, bucket } = props.timeline;
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  const colors = useSeverityColors();
  const { palette } = useTheme();
  if (buckets.length === 0) {
    return <Typography variant="body2">{t('chart.empty')}</Typography>;
  }
  const totals = buckets.map(b =>
    SEVERITY_ORDER.reduce((n, s) => n + (b.counts[s] ?? 0), 0),
  );
  const max = Math.max(1, ...totals);
  const barW = Math.max(2, Math.min(40, (W - 2 * PAD) / buckets.length - 2));
  const step = (W - 2 * PAD) / buckets.length;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={`events per ${bucket}`}
    >
      <line
        x1={PAD}
        y1={H - PAD}
        x2={W - PAD}
        y2={H - PAD}
        stroke={palette.divider}
      />
      <text x={PAD} y={12} fontSize={10} fill={palette.text.secondary}>
        {max} events
      </text>
      {buckets.map((b, i) => {
        let y = H - PAD;
        const x = PAD + i * step + (step - barW) / 2;
        return (
          <g key={b.start}>
            <title>{`${b.start}: ${totals[i]} events`}</title>
            {[...SEVERITY_ORDER].reverse().map((s: Severity) => {
              const n = b.counts[s] ?? 0;
              if (!n) return null;
              const h = (n / max) * (H - 2 * PAD);
              y -= h;
              return (
                <rect
                  key={s}
                  x={x}
                  y={y}
                  width={barW}
                  height={h}
                  fill={colors[s].main}
                />
              );
            })}
          </g>
        );
      })}
      <text x={PAD} y={H - 6} fontSize={10} fill={palette.text.secondary}>
        {buckets[0].start.slice(0, bucket === 'day' ? 10 : 13)}
      </text>
      <text
        x={W - PAD}
        y={H - 6}
        fontSize={10}
        fill={palette.text.secondary}
        textAnchor="end"
      >
        {buckets[buckets.length - 1].start.slice(0, bucket === 'day' ? 10 : 13)}
      </text>
    </svg>
  );
}
