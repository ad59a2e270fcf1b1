/**
 * UI pieces shared by the Periscope frontend plugins.
 * @packageDocumentation
 */
export * from './EntityStatePanel';
export { PeriscopePageLayout } from './PeriscopePageLayout';
export * from './client';
export * from './kubernetesAuth';
export { readNdjsonLines } from './ndjson';
export * from './timeline';
export {
  PERISCOPE_SEVERITIES,
  SeverityChip,
  SeveritySummary,
  severityColor,
  severityColors,
  useSeverityColors,
} from './severity';
export type { PeriscopeSeverity, SeverityColor } from './severity';
export {
  isKubernetesAvailable,
  isModuleDeployAvailable,
  isPeriscopeAvailable,
} from './entityFilters';
export {
  WithReason,
  notAllowedReason,
  useEntityActionPermission,
  useEntityPermission,
} from './entityPermission';
export type {
  EntityActionPermission,
  EntityPermission,
} from './entityPermission';
export { usePolledAsync } from './usePolledAsync';
export type { PolledAsync } from './usePolledAsync';
