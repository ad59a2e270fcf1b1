import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { ModuleDeployClient, moduleDeployApiRef } from './api';

/**
 * Periscope Deploy for legacy (createApp from @backstage/app-defaults) apps.
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
    component: { lazy: () => import('./components/EntityDeployContent').then(m => m.EntityDeployContent) },
  }),
);
