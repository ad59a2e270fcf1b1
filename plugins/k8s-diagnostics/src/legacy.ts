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
import { K8sDiagnosticsClient, k8sDiagnosticsApiRef } from './api';
import {
  healthOverviewRouteRef,
  securityOverviewExternalRouteRef,
} from './routes';

/**
 * Periscope Health for legacy (createApp from `@backstage/app-defaults`) apps. Routes: `root`
 * (where `HealthOverviewPage` is mounted); external routes: `securityOverview` (optional, bind it
 * to `runtimeSecurityPlugin.routes.root` in `bindRoutes`).
 * @public
 */
export const k8sDiagnosticsPlugin = createPlugin({
  id: 'k8s-diagnostics',
  apis: [
    createApiFactory({
      api: k8sDiagnosticsApiRef,
      deps: {
        discoveryApi: discoveryApiRef,
        fetchApi: fetchApiRef,
        ...kubernetesAuthApiRefs,
      },
      // sends the signed-in user's tokens for clusters with client-side auth (oidc, google, aks)
      factory: ({ discoveryApi, fetchApi, ...authApis }) =>
        new K8sDiagnosticsClient({
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
  routes: { root: healthOverviewRouteRef },
  externalRoutes: { securityOverview: securityOverviewExternalRouteRef },
});

/**
 * The Health tab for a legacy EntityPage: `<EntityLayout.Route path="/health" title="Health"><EntityHealthContent /></EntityLayout.Route>`.
 * @public
 */
export const EntityHealthContent = k8sDiagnosticsPlugin.provide(
  createComponentExtension({
    name: 'EntityHealthContent',
    component: {
      lazy: () =>
        import('./components/EntityHealthContent').then(
          m => m.EntityHealthContent,
        ),
    },
  }),
);

/**
 * The Health card for a legacy entity overview page.
 * @public
 */
export const EntityHealthCard = k8sDiagnosticsPlugin.provide(
  createComponentExtension({
    name: 'EntityHealthCard',
    component: {
      lazy: () =>
        import('./components/EntityHealthCard').then(m => m.EntityHealthCard),
    },
  }),
);

/**
 * The cluster-wide Health overview for a legacy app, mounted at the plugin's `root` route:
 * `<Route path="/health-overview" element={<HealthOverviewPage />} />`.
 * @public
 */
export const HealthOverviewPage = k8sDiagnosticsPlugin.provide(
  createRoutableExtension({
    name: 'HealthOverviewPage',
    component: () =>
      import('./components/HealthOverviewPage').then(
        m => m.LegacyHealthOverviewPage,
      ),
    mountPoint: healthOverviewRouteRef,
  }),
);
