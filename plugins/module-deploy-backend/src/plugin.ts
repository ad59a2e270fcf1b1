import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { moduleDeployPermissions } from '@periscope/backstage-plugin-module-deploy-common';
import { periscopeClustersServiceRef } from '@periscope/kube-access';
import { registerActions } from './actions';
import { readModuleDeployConfig } from './config';
import {
  createModuleEngine,
  setMaxConcurrentProcesses,
} from '@periscope/backstage-plugin-module-deploy-node';
import { createRouter } from './router';
import { createDeployService } from './services/DeployService';
import { createDeployStore } from './services/DeployStore';
import { createModuleCatalog } from './services/ModuleCatalog';

/**
 * The module-deploy backend plugin: self-service Timoni module deploys for catalog entities.
 * @public
 */
export const moduleDeployPlugin = createBackendPlugin({
  pluginId: 'module-deploy',
  register(env) {
    env.registerInit({
      deps: {
        rootConfig: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        auditor: coreServices.auditor,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        actionsRegistry: actionsRegistryServiceRef,
        catalog: catalogServiceRef,
        clusters: periscopeClustersServiceRef,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { rootConfig, logger, permissions } = deps;
        deps.permissionsRegistry.addPermissions(moduleDeployPermissions);
        const config = readModuleDeployConfig(rootConfig);
        setMaxConcurrentProcesses(config.maxConcurrentRenders);
        const clusters = deps.clusters;
        const engine = createModuleEngine({ pull: config.registry });
        const modules = createModuleCatalog({ config, engine });
        const store = await createDeployStore(deps.database);
        const deploys = createDeployService({
          config,
          clusters,
          engine,
          modules,
          store,
          catalog: deps.catalog,
          permissions,
          auth: deps.auth,
          auditor: deps.auditor,
          logger,
          clusterTimeoutMs: rootConfig.getOptionalNumber(
            'periscope.clusterTimeoutMs',
          ),
          // an open Deploy tab of the entity asks again at once (it carries no state: the tab
          // reads it through GET /entity, with the viewer's permissions)
          onInstanceStateStored: (entityRef, readAt) =>
            void deps.signals
              .publish({
                recipients: { type: 'broadcast' },
                channel: `module-deploy:${entityRef}`,
                message: { entityRef, refreshedAt: readAt },
              })
              .catch(e =>
                logger.warn(
                  `module-deploy: could not publish the signal for ${entityRef}: ${e}`,
                ),
              ),
        });
        if (config.drift.enabled) {
          await deps.scheduler.scheduleTask({
            id: 'module-deploy:drift',
            ...config.drift.schedule,
            fn: async () => void (await deploys.checkDrift()),
          });
        }
        if (config.instanceState.refresh.enabled) {
          // the state GET /entity serves, read again in the background (one replica at a time)
          await deps.scheduler.scheduleTask({
            id: 'module-deploy:instance-state',
            ...config.instanceState.refresh.schedule,
            fn: async () => void (await deploys.refreshInstanceStates()),
          });
        }
        registerActions({ actionsRegistry: deps.actionsRegistry, deploys });
        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions,
            deploys,
            modules,
            clusters,
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
