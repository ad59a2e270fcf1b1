/** Scans and the stored findings of entities and of the cluster view. */
export { createHealthService } from './createHealthService';
export type { HealthService } from './types';
