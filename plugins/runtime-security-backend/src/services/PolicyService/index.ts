import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { ClusterDetails, ClusterSource, toClusterSource } from '@periscope/kube-access';
import { FindingsStore } from '../FindingsStore/FindingsStore';
import { listPolicies, PoliciesResponse } from './PolicyService';

export * from './PolicyService';

/**
 * GET /policies: TracingPolicies of every configured cluster.
 * @public
 */
export interface PolicyListing {
  /** `requestAuth`: the signed-in user's Kubernetes tokens, for clusters with client-side auth. */
  list(options?: { requestAuth?: KubernetesRequestAuth }): Promise<PoliciesResponse>;
}

/** @public */
export function createPolicyListing(deps: {
  clusters: ClusterSource | ClusterDetails[];
  store: FindingsStore;
  timeoutMs: number;
}): PolicyListing {
  const source = toClusterSource(deps.clusters);
  return {
    list: async options =>
      listPolicies({ ...deps, clusters: await source.listClusters({ requestAuth: options?.requestAuth }) }),
  };
}
