export * from './types';
export { createDeployStore, sensitiveValueRef } from './createDeployStore';
