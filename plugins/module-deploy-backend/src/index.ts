/**
 * Backend of the module-deploy plugin: self-service Timoni module deploys for catalog entities.
 * @packageDocumentation
 */
export { moduleDeployPlugin as default } from './plugin';
export * from './types';
export * from './config';
export * from './services/DeployService/types';
export type {
  DeployStore,
  InstanceKey,
  InstanceLocation,
  InstanceOwner,
  InstanceSnapshot,
  StoredInstanceState,
  StoredRevision,
} from './services/DeployStore';
export type { ModuleCatalog } from './services/ModuleCatalog';
