import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { RuntimeSecurityClient, runtimeSecurityApiRef } from './api';

/**
 * Periscope Security for legacy (createApp from `@backstage/app-defaults`) apps.
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

/**
 * The cross-plugin Timeline tab for a legacy EntityPage: `<EntityLayout.Route path="/timeline" title="Timeline"><EntityTimelineContent /></EntityLayout.Route>`.
 * @public
 */
export const EntityTimelineContent = runtimeSecurityPlugin.provide(
  createComponentExtension({
    name: 'EntityTimelineContent',
    component: { lazy: () => import('./components/EntityTimelineContent').then(m => m.EntityTimelineContent) },
  }),
);

/**
 * The Security card for a legacy entity overview page.
 * @public
 */
export const EntitySecurityCard = runtimeSecurityPlugin.provide(
  createComponentExtension({
    name: 'EntitySecurityCard',
    component: { lazy: () => import('./components/EntitySecurityCard').then(m => m.EntitySecurityCard) },
  }),
);

/**
 * The platform page for a legacy app: `<Route path="/security-overview" element={<SecurityOverviewPage />} />`.
 * @public
 */
export const SecurityOverviewPage = runtimeSecurityPlugin.provide(
  createComponentExtension({
    name: 'SecurityOverviewPage',
    component: { lazy: () => import('./components/SecurityOverviewPage').then(m => m.SecurityOverviewPage) },
  }),
);
