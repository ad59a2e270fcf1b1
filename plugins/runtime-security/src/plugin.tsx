import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint, EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { RuntimeSecurityClient, runtimeSecurityApiRef } from './api';
import { isKubernetesAvailable, isPeriscopeAvailable } from '@periscope/periscope-react';

/** @public */
export const runtimeSecurityApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: runtimeSecurityApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new RuntimeSecurityClient(deps),
    }),
});

/** The entity "Security" tab. @public */
export const entitySecurityContent = EntityContentBlueprint.make({
  name: 'security',
  params: {
    path: 'security',
    title: 'Security',
    filter: isKubernetesAvailable,
    loader: () => import('./components/EntitySecurityContent').then(m => <m.EntitySecurityContent />),
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
    loader: () => import('./components/EntityTimelineContent').then(m => <m.EntityTimelineContent />),
  },
});

/** The overview card: open findings by severity. @public */
export const entitySecurityCard = EntityCardBlueprint.make({
  name: 'security',
  params: {
    filter: isKubernetesAvailable,
    loader: () => import('./components/EntitySecurityCard').then(m => <m.EntitySecurityCard />),
  },
});

/** The platform page: all findings, TracingPolicies, ingest health. @public */
export const securityOverviewPage = PageBlueprint.make({
  params: {
    path: '/security-overview',
    title: 'Security overview',
    loader: () => import('./components/SecurityOverviewPage').then(m => <m.SecurityOverviewPage />),
  },
});

/**
 * Periscope Security for the new frontend system.
 * @public
 */
export default createFrontendPlugin({
  pluginId: 'runtime-security',
  extensions: [runtimeSecurityApi, entitySecurityContent, entityTimelineContent, entitySecurityCard, securityOverviewPage],
});
