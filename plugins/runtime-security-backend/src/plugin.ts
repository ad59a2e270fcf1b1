import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { runtimeSecurityPermissions } from '@periscope/backstage-plugin-runtime-security-common';
import { createRouter } from './router';
import { createSecurityService } from './services/SecurityService';
import { FindingsStore } from './services/FindingsStore/FindingsStore';

/**
 * The runtime-security backend plugin: Tetragon findings of catalog entities.
 * @public
 */
export const runtimeSecurityPlugin = createBackendPlugin({
  pluginId: 'runtime-security',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
      },
      async init({ config, logger, database, httpAuth, httpRouter, permissions, permissionsRegistry, catalog }) {
        permissionsRegistry.addPermissions(runtimeSecurityPermissions);
        const store = await FindingsStore.create(database);
        const security = createSecurityService({ config, catalog, logger, store });
        httpRouter.use(await createRouter({ httpAuth, permissions, security }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
