export * from './types';
export { createDeployService } from './createDeployService';
export type { DeployServiceDeps } from './createDeployService';
export { valuesOverlay } from './values';
