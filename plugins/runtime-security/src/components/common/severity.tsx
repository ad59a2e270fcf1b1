import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  SeverityChip as PeriscopeSeverityChip,
  SeveritySummary as PeriscopeSeveritySummary,
} from '@periscope/periscope-react';
import { SecurityFinding, Severity } from '../../api';
import { runtimeSecurityTranslationRef } from '../../translation';

/** A finding's severity in the colour every Periscope plugin gives it. */
export function SeverityChip(props: { severity: Severity }) {
  return <PeriscopeSeverityChip severity={props.severity} />;
}

/** Counts of open findings by severity. */
export function countBySeverity(
  findings: SecurityFinding[],
): Record<Severity, number> {
  const out = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) if (f.triage.state === 'open') out[f.severity]++;
  return out;
}

/**
 * One chip per severity with the number of open findings: `counts` (the backend's, over every
 * finding) when given, else counted from `findings` (an older backend, or a list without them).
 */
export function SeveritySummary(props: {
  findings: SecurityFinding[];
  counts?: Partial<Record<Severity, number>>;
}) {
  const { t } = useTranslationRef(runtimeSecurityTranslationRef);
  return (
    <PeriscopeSeveritySummary
      counts={props.counts ?? countBySeverity(props.findings)}
      label={t('severitySummary')}
    />
  );
}
