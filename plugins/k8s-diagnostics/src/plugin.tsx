import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint, EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { K8sDiagnosticsClient, k8sDiagnosticsApiRef } from './api';
import { isKubernetesAvailable } from '@periscope/periscope-react';

/** @public */
export const k8sDiagnosticsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: k8sDiagnosticsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new K8sDiagnosticsClient(deps),
    }),
});

/** The entity "Health" tab. @public */
export const entityHealthContent = EntityContentBlueprint.make({
  name: 'health',
  params: {
    path: 'health',
    title: 'Health',
    filter: isKubernetesAvailable,
    loader: () => import('./components/EntityHealthContent').then(m => <m.EntityHealthContent />),
  },
});

/** The Health card of the entity overview page. @public */
export const entityHealthCard = EntityCardBlueprint.make({
  name: 'health',
  params: {
    filter: isKubernetesAvailable,
    loader: () => import('./components/EntityHealthCard').then(m => <m.EntityHealthCard />),
  },
});

/** The cluster-wide findings page for the platform team. @public */
export const healthOverviewPage = PageBlueprint.make({
  params: {
    path: '/health-overview',
    title: 'Health overview',
    loader: () => import('./components/HealthOverviewPage').then(m => <m.HealthOverviewPage />),
  },
});

/**
 * Periscope Health for the new frontend system.
 * @public
 */
export default createFrontendPlugin({
  pluginId: 'k8s-diagnostics',
  extensions: [k8sDiagnosticsApi, entityHealthContent, entityHealthCard, healthOverviewPage],
});
