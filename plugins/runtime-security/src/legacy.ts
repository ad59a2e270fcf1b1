import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { RuntimeSecurityClient, runtimeSecurityApiRef } from './api';

/**
 * Periscope Security for legacy (createApp from @backstage/app-defaults) apps.
 * @public
 */
export const runtimeSecurityPlugin = createPlugin({
  id: 'runtime-security',
  apis: [
    createApiFactory({
      api: runtimeSecurityApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new RuntimeSecurityClient(deps),
    }),
  ],
});

/**
 * The Security tab for a legacy EntityPage: `<EntityLayout.Route path="/security" title="Security"><EntitySecurityContent /></EntityLayout.Route>`.
 * @public
 */
export const EntitySecurityContent = runtimeSecurityPlugin.provide(
  createComponentExtension({
    name: 'EntitySecurityContent',
    component: { lazy: () => import('./components/EntitySecurityContent').then(m => m.EntitySecurityContent) },
  }),
);
