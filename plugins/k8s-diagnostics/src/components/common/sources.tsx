import { Chip } from '@material-ui/core';
import { HealthFinding } from '../../api';

const OPERATOR = 'k8sgpt-operator';

/**
 * A small "k8sgpt-operator" chip on a finding that a k8sgpt-operator Result reported (alone, or
 * together with Periscope's own scan); nothing for a finding only Periscope found.
 */
export function SourceChips(props: {
  finding: Pick<HealthFinding, 'sources'>;
}) {
  const sources = props.finding.sources ?? ['periscope'];
  if (!sources.includes(OPERATOR)) return null;
  const title = sources.includes('periscope')
    ? 'Found by Periscope and also reported by a k8sgpt-operator Result in the cluster'
    : 'Reported only by a k8sgpt-operator Result in the cluster';
  return (
    <Chip size="small" variant="outlined" label={OPERATOR} title={title} />
  );
}
