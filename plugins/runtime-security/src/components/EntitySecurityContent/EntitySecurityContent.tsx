import { Progress, ResponseErrorPanel, Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { EntityStatePanel, PeriscopeCard } from '@periscope/periscope-react';
import { runtimeSecurityApiRef, SecurityFinding } from '../../api';

const columns: TableColumn<SecurityFinding>[] = [
  { title: 'Severity', field: 'severity' },
  { title: 'Rule', field: 'title' },
  { title: 'Workload', render: f => `${f.namespace}/${f.workload}` },
  { title: 'Binary', field: 'binary' },
  { title: 'Count', field: 'count', type: 'numeric' },
  { title: 'First seen', field: 'firstSeen' },
  { title: 'Last seen', field: 'lastSeen' },
];

/**
 * The entity "Security" tab.
 * @public
 */
export function EntitySecurityContent() {
  const { entity } = useEntity();
  const api = useApi(runtimeSecurityApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(() => api.getEntitySecurity(entityRef), [api, entityRef]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  if (value.status !== 'ok') {
    return (
      <EntityStatePanel
        status={value.status}
        feature="Security"
        annotationHelp={`metadata:\n  annotations:\n    backstage.io/kubernetes-id: ${entity.metadata.name}`}
      />
    );
  }
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <PeriscopeCard title="Runtime findings" subheader={`workloads matching ${value.labelSelector}`}>
          {value.findings.length === 0 ? (
            <Typography>No findings: no Tetragon event from this entity's workloads matched a detection rule.</Typography>
          ) : (
            <Table<SecurityFinding> options={{ paging: false }} columns={columns} data={value.findings} />
          )}
        </PeriscopeCard>
      </Grid>
    </Grid>
  );
}
