import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { moduleDeployPermissions } from '@periscope/backstage-plugin-module-deploy-common';
import { createRouter } from './router';
import { createInstanceService } from './services/InstanceService';

/**
 * The module-deploy backend plugin: Timoni module instances of catalog entities.
 * @public
 */
export const moduleDeployPlugin = createBackendPlugin({
  pluginId: 'module-deploy',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
      },
      async init({ config, logger, httpAuth, httpRouter, permissions, permissionsRegistry, catalog }) {
        permissionsRegistry.addPermissions(moduleDeployPermissions);
        const instances = createInstanceService({ config, catalog, logger });
        httpRouter.use(await createRouter({ httpAuth, permissions, instances }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
