/**
 * Backend of the module-deploy plugin.
 * @packageDocumentation
 */
export { moduleDeployPlugin as default } from './plugin';
export * from './services/InstanceService/types';
