import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { k8sDiagnosticsPermissions } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  periscopeClustersServiceRef,
  readWorkloadSelectorOptions,
  withEntityLookupCache,
} from '@periscope/kube-access';
import { registerActions } from './actions';
import { readDiagnosticsConfig } from './config';
import { createRouter } from './router';
import { createEvidenceService } from './services/EvidenceService';
import { createExplainService } from './services/ExplainService';
import { createFindingsStore } from './services/FindingsStore';
import { createHealthService } from './services/HealthService';

/**
 * The k8s-diagnostics backend plugin: Health findings for catalog entities.
 * @public
 */
export const k8sDiagnosticsPlugin = createBackendPlugin({
  pluginId: 'k8s-diagnostics',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        actionsRegistry: actionsRegistryServiceRef,
        catalog: catalogServiceRef,
        clusters: periscopeClustersServiceRef,
      },
      async init(deps) {
        const { config, logger, httpRouter, permissions, scheduler } = deps;
        deps.permissionsRegistry.addPermissions(k8sDiagnosticsPermissions);
        const settings = readDiagnosticsConfig(config);
        const clusters = deps.clusters;
        const store = await createFindingsStore(deps.database);
        const health = createHealthService({
          clusters,
          config: settings,
          // entity requests (and a tab's polling) read their entity once per 5 s per caller
          catalog: withEntityLookupCache(deps.catalog),
          store,
          logger,
          auth: deps.auth,
          selectors: readWorkloadSelectorOptions(config),
        });
        // the same cluster source as the scan: ai.maskReferencedSecrets reads Secrets with its credentials
        // the finding's evidence, read in its cluster at request time (explanations and the Health tab)
        const evidence = createEvidenceService({ health, clusters });
        const explain = createExplainService({
          ai: settings.ai,
          health,
          store,
          logger,
          clusters,
          evidence,
        });
        // clusters can come from the catalog later: the task runs and does nothing while there are none
        await scheduler.scheduleTask({
          id: 'k8s-diagnostics:scan',
          ...settings.schedule,
          fn: () => health.scanAll(),
        });
        registerActions({
          actionsRegistry: deps.actionsRegistry,
          permissions,
          health,
          explain,
        });
        httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions,
            health,
            explain,
            evidence,
            clusters,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
