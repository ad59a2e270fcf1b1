import { ClusterDetails } from '@periscope/kube-access';
import { FindingsStore } from '../FindingsStore/FindingsStore';
import { listPolicies, PoliciesResponse } from './PolicyService';

export * from './PolicyService';

/**
 * GET /policies: TracingPolicies of every configured cluster.
 * @public
 */
export interface PolicyListing {
  list(): Promise<PoliciesResponse>;
}

/** @public */
export function createPolicyListing(deps: { clusters: ClusterDetails[]; store: FindingsStore; timeoutMs: number }): PolicyListing {
  return { list: () => listPolicies(deps) };
}
