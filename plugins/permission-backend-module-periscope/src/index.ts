/**
 * A permission policy for portals open to every developer: owners act on their own entities in the
 * Periscope plugins, a platform group acts on all of them.
 *
 * @packageDocumentation
 */
export { permissionModulePeriscopePolicy as default } from './module';
export { createPeriscopePolicy, readPeriscopePolicyConfig } from './policy';
export type { PeriscopePolicyConfig } from './policy';
