/**
 * Common types and pure logic of the module-deploy plugin: Timoni values merging, inventory
 * ids, apply order, per-field diffs, readiness evaluation and OCI references.
 *
 * @packageDocumentation
 */

export * from './types';
export * from './values';
export * from './inventory';
export * from './order';
export * from './diff';
export * from './readiness';
export * from './ociRef';
export * from './schema';
export * from './schemaFields';
export * from './sensitive';
export * from './api';
export * from './permissions';
export * from './names';
