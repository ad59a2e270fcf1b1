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

/** @public */
export const moduleDeployApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: moduleDeployApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new ModuleDeployClient(deps),
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

/** The platform page listing the modules, their versions and values schema. @public */
export const modulesPage = PageBlueprint.make({
  params: {
    path: '/modules',
    title: 'Modules',
    loader: () =>
      import('./components/ModulesPage').then(m => <m.ModulesPage />),
  },
});

/**
 * Periscope Deploy for the new frontend system.
 * @public
 */
export default createFrontendPlugin({
  pluginId: 'module-deploy',
  extensions: [moduleDeployApi, entityDeployContent, modulesPage],
});
