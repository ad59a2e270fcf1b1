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
import { useMemo, useState } from 'react';
import { moduleDeployApiRef } from '../../api';
import { moduleDeployTranslationRef } from '../../translation';
import { DeleteCard } from './DeleteCard';
import { AUDIT_PAGE, HistoryCard } from './HistoryCard';
import { InstancesCard } from './InstancesCard';
import { useEntityState } from './useEntityState';
import { ValuesCard } from './ValuesCard';

/** How often the tab asks for the stored instance state while it is visible. */
export const POLL_INTERVAL_MS = 30_000;

/** Marks a promise handled (the card that awaits it still sees a rejection). */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * The entity "Deploy" tab: instances, the values form with preview and streamed deploy,
 * history with values diff and rollback, delete. Read-only without the apply permission:
 * Deploy, Roll back and Delete stay disabled until it is known to be allowed for the entity,
 * and say why when it is not. Preview and Check drift need only the read permission that
 * loading the tab already required.
 *
 * On mount it asks for the instances, the values and the history at once (no request waits for
 * another); the instances come from the state the backend stored, so they show at once, and are
 * asked for again every 30 s while the tab is visible (paused while the browser tab is hidden,
 * asked for at once when it shows again; the backend answers 304 while nothing changed).
 * @public
 */
export function EntityDeployContent() {
  const { entity } = useEntity();
  const api = useApi(moduleDeployApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const [refreshKey, setRefreshKey] = useState(0);
  // started together with the instances: the cards below use these answers for their first load
  const preloaded = useMemo(
    () => ({
      schema: handled(api.getSchema(entityRef)),
      history: handled(
        api.getHistory(entityRef, { limit: AUDIT_PAGE, offset: 0 }),
      ),
    }),
    [api, entityRef],
  );
  const { value, error, refreshError, reload } = useEntityState(
    api,
    entityRef,
    POLL_INTERVAL_MS,
  );
  const apply = useEntityPermission(moduleDeployApplyPermission, entityRef);
  const refresh = () => {
    setRefreshKey(k => k + 1);
    reload();
  };
  if (error && !value) return <ResponseErrorPanel error={error} />;
  if (!value) return <Progress />;
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
        <InstancesCard
          state={value}
          onDriftChecked={refresh}
          refreshError={refreshError}
        />
      </Grid>
      {/* full width: both show YAML side by side (the preview's objects, two revisions' values) */}
      <Grid item xs={12}>
        <ValuesCard
          entityRef={entityRef}
          apply={apply}
          onDeployed={refresh}
          schema={preloaded.schema}
        />
      </Grid>
      <Grid item xs={12}>
        <HistoryCard
          entityRef={entityRef}
          apply={apply}
          refreshKey={refreshKey}
          onChanged={refresh}
          initial={preloaded.history}
        />
      </Grid>
      <Grid item xs={12}>
        <DeleteCard state={value} apply={apply} onDeleted={refresh} />
      </Grid>
    </Grid>
  );
}
