/**
 * Shared cluster access for the Periscope plugins.
 * @packageDocumentation
 */
export * from './catalogCache';
export * from './clusters';
export * from './clusterSource';
export * from './errors';
export * from './entity';
export * from './migrations';
export * from './ndjson';
export * from './routing';
