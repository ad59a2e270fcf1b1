import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createModuleDeployAction,
  createModuleDiffAction,
} from './actions/moduleActions';

/**
 * Scaffolder actions `periscope:module:diff` and `periscope:module:deploy`.
 * @public
 */
export const scaffolderModulePeriscope = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'periscope',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, discovery, auth }) {
        scaffolder.addActions(
          createModuleDiffAction({ discovery, auth }),
          createModuleDeployAction({ discovery, auth }),
        );
      },
    });
  },
});
