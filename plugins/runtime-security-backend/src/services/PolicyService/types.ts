/** The PolicyService's interface and the policies and catalog workloads it reads. */
import { Entity } from '@backstage/catalog-model';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  EnforcementProposal,
  EnforcementRequest,
  PoliciesResponse,
  TracingPolicySummary,
} from '@periscope/backstage-plugin-runtime-security-common';
import { WorkloadSelector } from '@periscope/kube-access';

export type {
  PoliciesResponse,
  TracingPolicySummary,
  UnfedRule,
} from '@periscope/backstage-plugin-runtime-security-common';

/** A policy as listed, with what the enforcement proposal reads of the live object. */
export interface LivePolicy {
  summary: TracingPolicySummary;
  labels: Record<string, string>;
  spec: unknown;
}

/**
 * GET /policies: TracingPolicies of every configured cluster, with their matches and whether
 * they can be proposed for enforcement; POST /policies/enforcement: the proposal.
 * @public
 */
export interface PolicyService {
  /** `requestAuth`: the signed-in user's Kubernetes tokens, for clusters with client-side auth. */
  list(options?: {
    requestAuth?: KubernetesRequestAuth;
  }): Promise<PoliciesResponse>;
  /**
   * The values change that moves a monitoring policy to enforcement. NotFoundError for a policy
   * no cluster has; ConflictError naming every reason it may not be proposed.
   */
  propose(
    request: EnforcementRequest,
    options?: { requestAuth?: KubernetesRequestAuth },
  ): Promise<EnforcementProposal>;
}

/** The catalog entities with workload annotations and their selectors (read with the plugin's own credentials). */
export type KnownWorkloads = () => Promise<
  Array<{ entity: Entity; selector: WorkloadSelector }>
>;
