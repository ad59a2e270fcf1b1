import {
  KubernetesUserAuth,
  kubernetesAuthApiRefs,
} from '@periscope/periscope-react';
import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { RuntimeSecurityClient, runtimeSecurityApiRef } from './api';
import {
  isKubernetesAvailable,
  isPeriscopeAvailable,
} from '@periscope/periscope-react';
import { SecurityIcon } from './icons';
import {
  healthOverviewExternalRouteRef,
  securityOverviewRouteRef,
} from './routes';

/** @public */
export const runtimeSecurityApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
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
});

/** The entity "Security" tab. @public */
export const entitySecurityContent = EntityContentBlueprint.make({
  name: 'security',
  params: {
    path: 'security',
    title: 'Security',
    filter: isKubernetesAvailable,
    loader: () =>
      import('./components/EntitySecurityContent').then(m => (
        <m.EntitySecurityContent />
      )),
  },
});

/**
 * The entity "Timeline" tab: deploys, health findings and security findings on one time axis,
 * so a service owner sees that a finding started right after a deploy.
 * @public
 */
export const entityTimelineContent = EntityContentBlueprint.make({
  name: 'timeline',
  params: {
    path: 'timeline',
    title: 'Timeline',
    filter: isPeriscopeAvailable,
    loader: () =>
      import('./components/EntityTimelineContent').then(m => (
        <m.EntityTimelineContent />
      )),
  },
});

/** The overview card: open findings by severity. @public */
export const entitySecurityCard = EntityCardBlueprint.make({
  name: 'security',
  params: {
    filter: isKubernetesAvailable,
    loader: () =>
      import('./components/EntitySecurityCard').then(m => (
        <m.EntitySecurityCard />
      )),
  },
});

/**
 * The platform page: all findings, TracingPolicies, ingest health; with its title and icon it is
 * also the plugin's nav item.
 * @public
 */
export const securityOverviewPage = PageBlueprint.make({
  params: {
    path: '/security-overview',
    title: 'Security overview',
    icon: <SecurityIcon fontSize="inherit" />,
    routeRef: securityOverviewRouteRef,
    loader: () =>
      import('./components/SecurityOverviewPage').then(m => (
        <m.SecurityOverviewPage />
      )),
  },
});

/**
 * Periscope Security for the new frontend system. Routes: `root` (the Security overview page).
 * External routes: `healthOverview` (bound by default to `k8s-diagnostics.root`).
 * @public
 */
export default createFrontendPlugin({
  pluginId: 'runtime-security',
  title: 'Periscope Security',
  icon: <SecurityIcon fontSize="inherit" />,
  routes: { root: securityOverviewRouteRef },
  externalRoutes: { healthOverview: healthOverviewExternalRouteRef },
  extensions: [
    runtimeSecurityApi,
    entitySecurityContent,
    entityTimelineContent,
    entitySecurityCard,
    securityOverviewPage,
  ],
});
