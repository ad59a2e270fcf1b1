import { Progress, ResponseErrorPanel, Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { ClusterErrorsPanel, EntityStatePanel, PeriscopeCard } from '@periscope/periscope-react';
import { EntityInstancesResponse, moduleDeployApiRef } from '../../api';

type Row = EntityInstancesResponse['instances'][number] & { id: string };

const columns: TableColumn<Row>[] = [
  { title: 'Cluster', field: 'cluster' },
  { title: 'Namespace', field: 'namespace' },
  { title: 'Instance', field: 'name' },
  { title: 'Module', render: r => r.module?.repository ?? r.module?.name ?? '' },
  { title: 'Version', render: r => r.module?.version ?? '' },
  { title: 'Digest', render: r => (r.module?.digest ?? '').slice(0, 19) },
  { title: 'Last change', field: 'lastTransitionTime' },
];

/**
 * The entity "Deploy" tab.
 * @public
 */
export function EntityDeployContent() {
  const { entity } = useEntity();
  const api = useApi(moduleDeployApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(() => api.getEntityInstances(entityRef), [api, entityRef]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  if (value.status !== 'ok') {
    return (
      <EntityStatePanel
        status={value.status}
        feature="Deploy"
        annotationHelp={`metadata:\n  annotations:\n    periscope.dev/module: oci://registry.example.com/modules/web-service\n    backstage.io/kubernetes-namespace: ${entity.metadata.name}`}
      />
    );
  }
  const rows: Row[] = value.instances.map(i => ({ ...i, id: `${i.cluster}/${i.namespace}/${i.name}` }));
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <ClusterErrorsPanel errors={value.errors} />
      </Grid>
      <Grid item xs={12}>
        <PeriscopeCard title="Instances" subheader={`module ${value.module} as instance '${value.instanceName}' in ${value.namespace}`}>
          {rows.length === 0 ? (
            <Typography>Not deployed yet: no instance '{value.instanceName}' exists in any configured cluster.</Typography>
          ) : (
            <Table<Row> options={{ paging: false, search: false, toolbar: false }} columns={columns} data={rows} />
          )}
        </PeriscopeCard>
      </Grid>
    </Grid>
  );
}
