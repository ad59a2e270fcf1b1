export * from './types';
export { createHealthService } from './createHealthService';
