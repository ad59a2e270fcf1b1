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
import { RuntimeSecurityClient, runtimeSecurityApiRef } from './api';
import {
  healthOverviewExternalRouteRef,
  securityOverviewRouteRef,
} from './routes';

/**
 * Periscope Security for legacy (createApp from `@backstage/app-defaults`) apps. Routes: `root`
 * (where `SecurityOverviewPage` is mounted); external routes: `healthOverview` (optional, bind it
 * to `k8sDiagnosticsPlugin.routes.root` in `bindRoutes`).
 * @public
 */
export const runtimeSecurityPlugin = createPlugin({
  id: 'runtime-security',
  apis: [
    createApiFactory({
      api: runtimeSecurityApiRef,
      deps: {
        discoveryApi: discoveryApiRef,
        fetchApi: fetchApiRef,
        ...kubernetesAuthApiRefs,
      },
      // sends the signed-in user's tokens for clusters with client-side auth (oidc, google, aks)
      factory: ({ discoveryApi, fetchApi, ...authApis }) =>
        new RuntimeSecurityClient({
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
  routes: { root: securityOverviewRouteRef },
  externalRoutes: { healthOverview: healthOverviewExternalRouteRef },
});

/**
 * The Security tab for a legacy EntityPage: `<EntityLayout.Route path="/security" title="Security"><EntitySecurityContent /></EntityLayout.Route>`.
 * @public
 */
export const EntitySecurityContent = runtimeSecurityPlugin.provide(
  createComponentExtension({
    name: 'EntitySecurityContent',
    component: {
      lazy: () =>
        import('./components/EntitySecurityContent').then(
          m => m.EntitySecurityContent,
        ),
    },
  }),
);

/**
 * The cross-plugin Timeline tab for a legacy EntityPage: `<EntityLayout.Route path="/timeline" title="Timeline"><EntityTimelineContent /></EntityLayout.Route>`.
 * @public
 */
export const EntityTimelineContent = runtimeSecurityPlugin.provide(
  createComponentExtension({
    name: 'EntityTimelineContent',
    component: {
      lazy: () =>
        import('./components/EntityTimelineContent').then(
          m => m.EntityTimelineContent,
        ),
    },
  }),
);

/**
 * The Security card for a legacy entity overview page.
 * @public
 */
export const EntitySecurityCard = runtimeSecurityPlugin.provide(
  createComponentExtension({
    name: 'EntitySecurityCard',
    component: {
      lazy: () =>
        import('./components/EntitySecurityCard').then(
          m => m.EntitySecurityCard,
        ),
    },
  }),
);

/**
 * The platform page for a legacy app, mounted at the plugin's `root` route:
 * `<Route path="/security-overview" element={<SecurityOverviewPage />} />`.
 * @public
 */
export const SecurityOverviewPage = runtimeSecurityPlugin.provide(
  createRoutableExtension({
    name: 'SecurityOverviewPage',
    component: () =>
      import('./components/SecurityOverviewPage').then(
        m => m.LegacySecurityOverviewPage,
      ),
    mountPoint: securityOverviewRouteRef,
  }),
);
