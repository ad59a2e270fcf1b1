import { InfoCard, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { k8sDiagnosticsApiRef } from '../../api';
import { objectLabel, SeveritySummary } from '../common/severity';

/**
 * Overview-page card: severity counts and the most severe workloads, linking to the Health tab.
 * @public
 */
export function EntityHealthCard() {
  const { entity } = useEntity();
  const api = useApi(k8sDiagnosticsApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(() => api.getEntityHealth(entityRef), [api, entityRef]);
  const link = { title: 'Open the Health tab', link: 'health' };
  if (loading) return <InfoCard title="Kubernetes health"><Progress /></InfoCard>;
  if (error) return <InfoCard title="Kubernetes health"><ResponseErrorPanel error={error} /></InfoCard>;
  if (!value) return null;
  if (value.status === 'not-configured') {
    return <InfoCard title="Kubernetes health"><Typography>Health is not configured: no Kubernetes cluster is set up for this portal.</Typography></InfoCard>;
  }
  if (value.status === 'not-annotated') {
    return <InfoCard title="Kubernetes health"><Typography>This entity is not linked to Kubernetes workloads (add backstage.io/kubernetes-id).</Typography></InfoCard>;
  }
  const top = value.groups.slice(0, 3);
  return (
    <InfoCard title="Kubernetes health" deepLink={link}>
      <SeveritySummary summary={value.summary} />
      {value.errors.length > 0 && (
        <Typography variant="body2" color="error">
          {value.errors.length} cluster(s) could not be read; results are partial.
        </Typography>
      )}
      {top.length === 0 && value.errors.length === 0 && <Typography>All healthy.</Typography>}
      {top.map(g => (
        <Typography key={`${g.cluster}/${objectLabel(g.workload)}`} variant="body2">
          {g.severity}: {objectLabel(g.workload)} ({g.findings.length} finding(s))
        </Typography>
      ))}
    </InfoCard>
  );
}
