import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { k8sDiagnosticsPermissions } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createRouter } from './router';
import { createDiagnosticsService } from './services/DiagnosticsService';

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
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
      },
      async init({ config, logger, httpAuth, httpRouter, permissions, permissionsRegistry, catalog }) {
        permissionsRegistry.addPermissions(k8sDiagnosticsPermissions);
        const diagnostics = createDiagnosticsService({ config, catalog, logger });
        httpRouter.use(await createRouter({ httpAuth, permissions, diagnostics }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
