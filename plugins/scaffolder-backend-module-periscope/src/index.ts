/**
 * Scaffolder actions that deploy Timoni modules through the Periscope module-deploy backend.
 * @packageDocumentation
 */
export { scaffolderModulePeriscope as default } from './module';
export {
  createModuleDeployAction,
  createModuleDiffAction,
} from './actions/moduleActions';
