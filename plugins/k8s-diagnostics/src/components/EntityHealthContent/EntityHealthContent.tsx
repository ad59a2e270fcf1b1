import { Progress, ResponseErrorPanel, Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { ClusterErrorsPanel, EntityStatePanel, PeriscopeCard } from '@periscope/periscope-react';
import { EntityHealthResponse, k8sDiagnosticsApiRef } from '../../api';

type Row = EntityHealthResponse['clusters'][number]['workloads'][number] & { cluster: string; id: string };

const columns: TableColumn<Row>[] = [
  { title: 'Cluster', field: 'cluster' },
  { title: 'Kind', field: 'kind' },
  { title: 'Namespace', field: 'namespace' },
  { title: 'Name', field: 'name' },
  { title: 'Ready / phase', field: 'ready' },
];

/**
 * The entity "Health" tab.
 * @public
 */
export function EntityHealthContent() {
  const { entity } = useEntity();
  const api = useApi(k8sDiagnosticsApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(() => api.getEntityHealth(entityRef), [api, entityRef]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  if (value.status !== 'ok') {
    return (
      <EntityStatePanel
        status={value.status}
        feature="Health"
        annotationHelp={`metadata:\n  annotations:\n    backstage.io/kubernetes-id: ${entity.metadata.name}\n    backstage.io/kubernetes-namespace: <namespace>   # optional`}
      />
    );
  }
  const rows: Row[] = value.clusters.flatMap(c =>
    c.workloads.map(w => ({ ...w, cluster: c.name, id: `${c.name}/${w.kind}/${w.namespace}/${w.name}` })),
  );
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <ClusterErrorsPanel errors={value.errors} />
      </Grid>
      <Grid item xs={12}>
        <PeriscopeCard title="Workloads" subheader={`selector ${value.labelSelector}${value.namespace ? ` in ${value.namespace}` : ''}`}>
          {rows.length === 0 ? (
            <Typography>No workloads match this entity's selector in any configured cluster.</Typography>
          ) : (
            <Table<Row> options={{ paging: false, search: false, toolbar: false }} columns={columns} data={rows} />
          )}
        </PeriscopeCard>
      </Grid>
    </Grid>
  );
}
