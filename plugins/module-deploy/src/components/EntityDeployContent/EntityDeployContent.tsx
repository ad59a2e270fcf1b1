import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { Grid } from '@material-ui/core';
import { moduleDeployApplyPermission } from '@periscope/backstage-plugin-module-deploy-common';
import {
  ClusterErrorsPanel,
  EntityStatePanel,
} from '@periscope/periscope-react';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { moduleDeployApiRef } from '../../api';
import { DeleteCard } from './DeleteCard';
import { HistoryCard } from './HistoryCard';
import { InstancesCard } from './InstancesCard';
import { ValuesCard } from './ValuesCard';

/**
 * The entity "Deploy" tab: instances, the values form with preview and streamed deploy,
 * history with values diff and rollback, delete. Read-only without the apply permission.
 * @public
 */
export function EntityDeployContent() {
  const { entity } = useEntity();
  const api = useApi(moduleDeployApiRef);
  const entityRef = stringifyEntityRef(entity);
  const [refreshKey, setRefreshKey] = useState(0);
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.getEntity(entityRef),
    [api, entityRef, refreshKey],
  );
  const permission = usePermission({
    permission: moduleDeployApplyPermission,
    resourceRef: entityRef,
  });
  const canApply = !permission.loading && permission.allowed;
  const refresh = () => {
    setRefreshKey(k => k + 1);
    retry();
  };
  if (loading && !value) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  if (value.status !== 'ok') {
    return (
      <EntityStatePanel
        status={value.status}
        feature="Deploy"
        annotationHelp={`metadata:\n  annotations:\n    periscope.dev/module: web-service   # a module from moduleDeploy.modules, or oci://…, or ./path\n    backstage.io/kubernetes-namespace: ${entity.metadata.name}`}
      />
    );
  }
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <ClusterErrorsPanel errors={value.errors} />
      </Grid>
      <Grid item xs={12}>
        <InstancesCard state={value} onDriftChecked={refresh} />
      </Grid>
      <Grid item xs={12} md={7}>
        <ValuesCard
          entityRef={entityRef}
          canApply={canApply}
          readOnly={!permission.loading && !permission.allowed}
          onDeployed={refresh}
        />
      </Grid>
      <Grid item xs={12} md={5}>
        <HistoryCard
          entityRef={entityRef}
          canApply={canApply}
          refreshKey={refreshKey}
          onChanged={refresh}
        />
      </Grid>
      <Grid item xs={12}>
        <DeleteCard state={value} canApply={canApply} onDeleted={refresh} />
      </Grid>
    </Grid>
  );
}
