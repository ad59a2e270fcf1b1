/**
 * Periscope Health: Kubernetes diagnostics on the entity page.
 * @packageDocumentation
 */
export { default } from './plugin';
export * from './plugin';
export { k8sDiagnosticsPlugin, EntityHealthContent, EntityHealthCard, HealthOverviewPage } from './legacy';
export * from './api';
