import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Grid } from '@material-ui/core';
import { moduleDeployApplyPermission } from '@periscope/backstage-plugin-module-deploy-common';
import {
  ClusterErrorsPanel,
  EntityStatePanel,
  useEntityPermission,
} from '@periscope/periscope-react';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { moduleDeployApiRef } from '../../api';
import { moduleDeployTranslationRef } from '../../translation';
import { DeleteCard } from './DeleteCard';
import { HistoryCard } from './HistoryCard';
import { InstancesCard } from './InstancesCard';
import { ValuesCard } from './ValuesCard';

/**
 * The entity "Deploy" tab: instances, the values form with preview and streamed deploy,
 * history with values diff and rollback, delete. Read-only without the apply permission:
 * Deploy, Roll back and Delete stay disabled until it is known to be allowed for the entity,
 * and say why when it is not. Preview and Check drift need only the read permission that
 * loading the tab already required.
 * @public
 */
export function EntityDeployContent() {
  const { entity } = useEntity();
  const api = useApi(moduleDeployApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const [refreshKey, setRefreshKey] = useState(0);
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.getEntity(entityRef),
    [api, entityRef, refreshKey],
  );
  const apply = useEntityPermission(moduleDeployApplyPermission, entityRef);
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
        feature={t('feature')}
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
      {/* full width: both show YAML side by side (the preview's objects, two revisions' values) */}
      <Grid item xs={12}>
        <ValuesCard entityRef={entityRef} apply={apply} onDeployed={refresh} />
      </Grid>
      <Grid item xs={12}>
        <HistoryCard
          entityRef={entityRef}
          apply={apply}
          refreshKey={refreshKey}
          onChanged={refresh}
        />
      </Grid>
      <Grid item xs={12}>
        <DeleteCard state={value} apply={apply} onDeleted={refresh} />
      </Grid>
    </Grid>
  );
}
