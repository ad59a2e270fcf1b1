import { Typography } from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  SeverityChip as PeriscopeSeverityChip,
  SeveritySummary as PeriscopeSeveritySummary,
  useSeverityColors,
} from '@periscope/periscope-react';
import { ObjectRef, Severity, SEVERITIES } from '../../api';
import { k8sDiagnosticsTranslationRef } from '../../translation';

/** `Kind namespace/name`. */
export function objectLabel(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** A finding's severity in the colour every Periscope plugin gives it. */
export function SeverityChip(props: { severity: Severity }) {
  return <PeriscopeSeverityChip severity={props.severity} />;
}

/** One chip per severity with its count. */
export function SeveritySummary(props: { summary: Record<Severity, number> }) {
  return (
    <PeriscopeSeveritySummary counts={props.summary} label="severity summary" />
  );
}

/** Open findings per scan, stacked by severity: a small SVG bar chart. */
export function HistoryChart(props: {
  history: Array<{ at: string; counts: Record<Severity, number> }>;
}) {
  const { history } = props;
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const colors = useSeverityColors();
  const { palette } = useTheme();
  if (history.length === 0)
    return <Typography variant="body2">{t('history.empty')}</Typography>;
  const width = 600;
  const height = 120;
  const totals = history.map(h =>
    SEVERITIES.reduce((n, s) => n + (h.counts[s] ?? 0), 0),
  );
  const max = Math.max(1, ...totals);
  const bar = width / history.length;
  return (
    <svg
      viewBox={`0 0 ${width} ${height + 20}`}
      width="100%"
      role="img"
      aria-label="findings history"
    >
      <title>{`Open findings over the last ${history.length} scans (latest: ${
        totals[totals.length - 1]
      })`}</title>
      {history.map((h, i) => {
        let y = height;
        return (
          <g key={h.at}>
            <title>{`${new Date(h.at).toLocaleString()}: ${
              totals[i]
            } open`}</title>
            {SEVERITIES.map(s => {
              const hgt = ((h.counts[s] ?? 0) / max) * height;
              y -= hgt;
              return hgt > 0 ? (
                <rect
                  key={s}
                  x={i * bar + 1}
                  y={y}
                  width={Math.max(1, bar - 2)}
                  height={hgt}
                  fill={colors[s].main}
                />
              ) : null;
            })}
          </g>
        );
      })}
      <line
        x1={0}
        y1={height}
        x2={width}
        y2={height}
        stroke={palette.divider}
      />
      <text x={0} y={height + 16} fontSize={11} fill={palette.text.secondary}>
        {new Date(history[0].at).toLocaleString()}
      </text>
      <text
        x={width}
        y={height + 16}
        fontSize={11}
        fill={palette.text.secondary}
        textAnchor="end"
      >
        {new Date(history[history.length - 1].at).toLocaleString()}
      </text>
    </svg>
  );
}
