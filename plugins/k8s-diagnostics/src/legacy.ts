import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { K8sDiagnosticsClient, k8sDiagnosticsApiRef } from './api';

/**
 * Periscope Health for legacy (createApp from `@backstage/app-defaults`) apps.
 * @public
 */
export const k8sDiagnosticsPlugin = createPlugin({
  id: 'k8s-diagnostics',
  apis: [
    createApiFactory({
      api: k8sDiagnosticsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new K8sDiagnosticsClient(deps),
    }),
  ],
});

/**
 * The Health tab for a legacy EntityPage: `<EntityLayout.Route path="/health" title="Health"><EntityHealthContent /></EntityLayout.Route>`.
 * @public
 */
export const EntityHealthContent = k8sDiagnosticsPlugin.provide(
  createComponentExtension({
    name: 'EntityHealthContent',
    component: { lazy: () => import('./components/EntityHealthContent').then(m => m.EntityHealthContent) },
  }),
);

/**
 * The Health card for a legacy entity overview page.
 * @public
 */
export const EntityHealthCard = k8sDiagnosticsPlugin.provide(
  createComponentExtension({
    name: 'EntityHealthCard',
    component: { lazy: () => import('./components/EntityHealthCard').then(m => m.EntityHealthCard) },
  }),
);

/**
 * The cluster-wide Health overview for a legacy app: `<Route path="/health-overview" element={<HealthOverviewPage />} />`.
 * @public
 */
export const HealthOverviewPage = k8sDiagnosticsPlugin.provide(
  createComponentExtension({
    name: 'HealthOverviewPage',
    component: { lazy: () => import('./components/HealthOverviewPage').then(m => m.HealthOverviewPage) },
  }),
);
