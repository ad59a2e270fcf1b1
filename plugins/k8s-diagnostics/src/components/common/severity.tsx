import { Box, Chip, Typography } from '@material-ui/core';
import { ObjectRef, Severity, SEVERITIES } from '../../api';

const COLORS: Record<Severity, string> = {
  critical: '#b71c1c',
  high: '#e65100',
  medium: '#f9a825',
  low: '#1565c0',
  info: '#607d8b',
};

/** `Kind namespace/name`. */
export function objectLabel(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export function SeverityChip(props: { severity: Severity }) {
  return (
    <Chip
      size="small"
      label={props.severity}
      style={{ backgroundColor: COLORS[props.severity], color: '#fff' }}
    />
  );
}

/** One chip per severity with its count. */
export function SeveritySummary(props: { summary: Record<Severity, number> }) {
  return (
    <Box display="flex" flexWrap="wrap" style={{ gap: 8 }} aria-label="severity summary">
      {SEVERITIES.map(s => (
        <Chip
          key={s}
          variant={props.summary[s] ? 'default' : 'outlined'}
          label={`${props.summary[s] ?? 0} ${s}`}
          style={props.summary[s] ? { backgroundColor: COLORS[s], color: '#fff' } : undefined}
        />
      ))}
    </Box>
  );
}

/** Open findings per scan, stacked by severity: a small SVG bar chart. */
export function HistoryChart(props: { history: Array<{ at: string; counts: Record<Severity, number> }> }) {
  const { history } = props;
  if (history.length === 0) return <Typography variant="body2">No scans recorded yet.</Typography>;
  const width = 600;
  const height = 120;
  const totals = history.map(h => SEVERITIES.reduce((n, s) => n + (h.counts[s] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const bar = width / history.length;
  return (
    <svg viewBox={`0 0 ${width} ${height + 20}`} width="100%" role="img" aria-label="findings history">
      <title>{`Open findings over the last ${history.length} scans (latest: ${totals[totals.length - 1]})`}</title>
      {history.map((h, i) => {
        let y = height;
        return (
          <g key={h.at}>
            <title>{`${new Date(h.at).toLocaleString()}: ${totals[i]} open`}</title>
            {SEVERITIES.map(s => {
              const hgt = ((h.counts[s] ?? 0) / max) * height;
              y -= hgt;
              return hgt > 0 ? <rect key={s} x={i * bar + 1} y={y} width={Math.max(1, bar - 2)} height={hgt} fill={COLORS[s]} /> : null;
            })}
          </g>
        );
      })}
      <line x1={0} y1={height} x2={width} y2={height} stroke="#999" />
      <text x={0} y={height + 16} fontSize={11} fill="#666">
        {new Date(history[0].at).toLocaleString()}
      </text>
      <text x={width} y={height + 16} fontSize={11} fill="#666" textAnchor="end">
        {new Date(history[history.length - 1].at).toLocaleString()}
      </text>
    </svg>
  );
}
