/**
 * Backend of the k8s-diagnostics plugin.
 * @packageDocumentation
 */
export { k8sDiagnosticsPlugin as default } from './plugin';
export * from './types';
export type { HealthService } from './services/HealthService';
export type { ExplainService } from './services/ExplainService';
