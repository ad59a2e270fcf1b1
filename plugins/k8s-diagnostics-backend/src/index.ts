/**
 * Backend of the k8s-diagnostics plugin.
 * @packageDocumentation
 */
export { k8sDiagnosticsPlugin as default } from './plugin';
export * from './services/DiagnosticsService/types';
