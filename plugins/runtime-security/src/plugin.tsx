import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { RuntimeSecurityClient, runtimeSecurityApiRef } from './api';

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
    filter: 'kind:component,resource',
    loader: () => import('./components/EntitySecurityContent').then(m => <m.EntitySecurityContent />),
  },
});

/**
 * Periscope Security for the new frontend system.
 * @public
 */
export default createFrontendPlugin({
  pluginId: 'runtime-security',
  extensions: [runtimeSecurityApi, entitySecurityContent],
});
