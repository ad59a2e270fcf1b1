import {
  KubernetesUserAuth,
  kubernetesAuthApiRefs,
} from '@periscope/periscope-react';
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { K8sDiagnosticsClient, k8sDiagnosticsApiRef } from './api';
import { isKubernetesAvailable } from '@periscope/periscope-react';
import { HealthIcon } from './icons';
import {
  healthOverviewRouteRef,
  securityOverviewExternalRouteRef,
} from './routes';

/** @public */
export const k8sDiagnosticsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
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
});

/** The entity "Health" tab. @public */
export const entityHealthContent = EntityContentBlueprint.make({
  name: 'health',
  params: {
    path: 'health',
    title: 'Health',
    filter: isKubernetesAvailable,
    loader: () =>
      import('./components/EntityHealthContent').then(m => (
        <m.EntityHealthContent />
      )),
  },
});

/** The Health card of the entity overview page. @public */
export const entityHealthCard = EntityCardBlueprint.make({
  name: 'health',
  params: {
    filter: isKubernetesAvailable,
    loader: () =>
      import('./components/EntityHealthCard').then(m => <m.EntityHealthCard />),
  },
});

/**
 * The cluster-wide findings page for the platform team; with its title and icon it is also the
 * plugin's nav item.
 * @public
 */
export const healthOverviewPage = PageBlueprint.make({
  params: {
    path: '/health-overview',
    title: 'Health overview',
    icon: <HealthIcon fontSize="inherit" />,
    routeRef: healthOverviewRouteRef,
    loader: () =>
      import('./components/HealthOverviewPage').then(m => (
        <m.HealthOverviewPage />
      )),
  },
});

/**
 * Periscope Health for the new frontend system. Routes: `root` (the Health overview page).
 * External routes: `securityOverview` (bound by default to `runtime-security.root`).
 * @public
 */
export default createFrontendPlugin({
  pluginId: 'k8s-diagnostics',
  title: 'Periscope Health',
  icon: <HealthIcon fontSize="inherit" />,
  routes: { root: healthOverviewRouteRef },
  externalRoutes: { securityOverview: securityOverviewExternalRouteRef },
  extensions: [
    k8sDiagnosticsApi,
    entityHealthContent,
    entityHealthCard,
    healthOverviewPage,
  ],
});
