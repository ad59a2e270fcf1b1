/**
 * UI pieces shared by the Periscope frontend plugins.
 * @packageDocumentation
 */
export * from './EntityStatePanel';
export * from './client';
export * from './timeline';
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
export type { EntityActionPermission, EntityPermission } from './entityPermission';
