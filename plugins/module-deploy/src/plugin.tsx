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
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { ModuleDeployClient, moduleDeployApiRef } from './api';
import { isModuleDeployAvailable } from '@periscope/periscope-react';
import { DeployIcon } from './icons';
import { createComponentExternalRouteRef, modulesRouteRef } from './routes';

/** @public */
export const moduleDeployApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
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
});

/** The entity "Deploy" tab. @public */
export const entityDeployContent = EntityContentBlueprint.make({
  name: 'deploy',
  params: {
    path: 'deploy',
    title: 'Deploy',
    filter: isModuleDeployAvailable,
    loader: () =>
      import('./components/EntityDeployContent').then(m => (
        <m.EntityDeployContent />
      )),
  },
});

/**
 * The platform page listing the modules, their versions and values schema; with its title and
 * icon it is also the plugin's nav item.
 * @public
 */
export const modulesPage = PageBlueprint.make({
  params: {
    path: '/modules',
    title: 'Modules',
    icon: <DeployIcon fontSize="inherit" />,
    routeRef: modulesRouteRef,
    loader: () =>
      import('./components/ModulesPage').then(m => <m.ModulesPage />),
  },
});

/**
 * Periscope Deploy for the new frontend system. Routes: `root` (the Modules page). External
 * routes: `createComponent` (bound by default to `scaffolder.root`).
 * @public
 */
export default createFrontendPlugin({
  pluginId: 'module-deploy',
  title: 'Periscope Deploy',
  icon: <DeployIcon fontSize="inherit" />,
  routes: { root: modulesRouteRef },
  externalRoutes: { createComponent: createComponentExternalRouteRef },
  extensions: [moduleDeployApi, entityDeployContent, modulesPage],
});
