/**
 * Backend of the runtime-security plugin.
 * @packageDocumentation
 */
export { runtimeSecurityPlugin as default } from './plugin';
export type { EntitySecurity, SecurityService } from './services/SecurityService';
export type { StoredFinding } from './services/FindingsStore/FindingsStore';
