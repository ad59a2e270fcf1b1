/**
 * Test helpers for this repository only (not published): prerequisites that skip with their
 * reason in the title, and ID tokens for real people on the local control plane.
 *
 * @packageDocumentation
 */
export { NEEDS, describeIf, itIf, missingNeeds, skippedTitle } from './skip';
export type { Need, Requirements, SuiteFn, TestFn } from './skip';
export { databaseIdsForTests, POSTGRES_ENV } from './databases';
export { permissionsDenying, recordingCluster } from './services';
export {
  CLUSTER_OIDC_ENV,
  clusterOidcFile,
  readClusterOidc,
  signClusterUserToken,
} from './oidc';
export type { ClusterOidc, ClusterUserTokenOptions } from './oidc';
