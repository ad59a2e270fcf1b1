export * from './types';
export { createInstanceService } from './createInstanceService';
