import { Box, Chip } from '@material-ui/core';
import { SecurityFinding, Severity, SEVERITY_ORDER } from '../../api';

const COLORS: Record<Severity, string> = {
  critical: '#7b1fa2',
  high: '#d32f2f',
  medium: '#f57c00',
  low: '#1976d2',
  info: '#616161',
};

/** The colour of a severity (chips and chart). */
export function severityColor(s: Severity): string {
  return COLORS[s] ?? COLORS.info;
}

/** A small coloured severity label. */
export function SeverityChip(props: { severity: Severity }) {
  return (
    <Chip
      size="small"
      label={props.severity}
      style={{ backgroundColor: severityColor(props.severity), color: '#fff' }}
    />
  );
}

/** Counts of open findings by severity. */
export function countBySeverity(findings: SecurityFinding[]): Record<Severity, number> {
  const out = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) if (f.triage.state === 'open') out[f.severity]++;
  return out;
}

/** One chip per severity with the number of open findings. */
export function SeveritySummary(props: { findings: SecurityFinding[] }) {
  const counts = countBySeverity(props.findings);
  return (
    <Box display="flex" flexWrap="wrap" style={{ gap: 8 }} aria-label="open findings by severity">
      {SEVERITY_ORDER.map(s => (
        <Chip
          key={s}
          label={`${counts[s]} ${s}`}
          variant={counts[s] ? 'default' : 'outlined'}
          style={counts[s] ? { backgroundColor: severityColor(s), color: '#fff' } : undefined}
        />
      ))}
    </Box>
  );
}
