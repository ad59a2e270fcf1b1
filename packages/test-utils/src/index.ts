/**
 * Test helpers for this repository only (not published): prerequisites that skip with their
 * reason in the title.
 *
 * @packageDocumentation
 */
export { NEEDS, describeIf, itIf, missingNeeds, skippedTitle } from './skip';
export type { Need, Requirements, SuiteFn, TestFn } from './skip';
export { databaseIdsForTests, POSTGRES_ENV } from './databases';
export { permissionsDenying, recordingCluster } from './services';
