export * from './types';
export { createDeployStore } from './createDeployStore';
