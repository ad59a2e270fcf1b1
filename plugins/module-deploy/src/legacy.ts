import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { ModuleDeployClient, moduleDeployApiRef } from './api';

/**
 * Periscope Deploy for legacy (createApp from `@backstage/app-defaults`) apps.
 * @public
 */
export const moduleDeployPlugin = createPlugin({
  id: 'module-deploy',
  apis: [
    createApiFactory({
      api: moduleDeployApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new ModuleDeployClient(deps),
    }),
  ],
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

/** @public */
export const modulesRouteRef = createRouteRef({ id: 'module-deploy:modules' });

/**
 * The modules page for a legacy app: `<Route path="/modules" element={<ModulesPage />} />`.
 * @public
 */
export const ModulesPage = moduleDeployPlugin.provide(
  createRoutableExtension({
    name: 'ModulesPage',
    component: () =>
      import('./components/ModulesPage').then(m => m.ModulesPage),
    mountPoint: modulesRouteRef,
  }),
);
