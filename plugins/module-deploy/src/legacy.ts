import {
  KubernetesUserAuth,
  kubernetesAuthApiRefs,
} from '@periscope/periscope-react';
import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { ModuleDeployClient, moduleDeployApiRef } from './api';
import { createComponentExternalRouteRef, modulesRouteRef } from './routes';

/**
 * Periscope Deploy for legacy (createApp from `@backstage/app-defaults`) apps. Routes: `root`
 * (where `ModulesPage` is mounted); external routes: `createComponent` (optional, bind it to
 * `scaffolderPlugin.routes.root` in `bindRoutes`).
 * @public
 */
export const moduleDeployPlugin = createPlugin({
  id: 'module-deploy',
  apis: [
    createApiFactory({
      api: moduleDeployApiRef,
      deps: {
        discoveryApi: discoveryApiRef,
        fetchApi: fetchApiRef,
        ...kubernetesAuthApiRefs,
      },
      // sends the signed-in user's tokens for clusters with client-side auth (oidc, google, aks)
      factory: ({ discoveryApi, fetchApi, ...authApis }) =>
        new ModuleDeployClient({
          discoveryApi,
          fetchApi,
          userAuth: KubernetesUserAuth.fromAuthApis({
            discoveryApi,
            fetchApi,
            ...authApis,
          }),
        }),
    }),
  ],
  routes: { root: modulesRouteRef },
  externalRoutes: { createComponent: createComponentExternalRouteRef },
});

/**
 * The Deploy tab for a legacy EntityPage: `<EntityLayout.Route path="/deploy" title="Deploy"><EntityDeployContent /></EntityLayout.Route>`.
 * @public
 */
export const EntityDeployContent = moduleDeployPlugin.provide(
  createComponentExtension({
    name: 'EntityDeployContent',
    component: {
      lazy: () =>
        import('./components/EntityDeployContent').then(
          m => m.EntityDeployContent,
        ),
    },
  }),
);

/**
 * The modules page for a legacy app, mounted at the plugin's `root` route:
 * `<Route path="/modules" element={<ModulesPage />} />`.
 * @public
 */
export const ModulesPage = moduleDeployPlugin.provide(
  createRoutableExtension({
    name: 'ModulesPage',
    component: () =>
      import('./components/ModulesPage').then(m => m.LegacyModulesPage),
    mountPoint: modulesRouteRef,
  }),
);
