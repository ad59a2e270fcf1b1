import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ClusterError } from '@periscope/kube-access';

/** What an entity's Health tab shows. @public */
export interface EntityHealth {
  entityRef: string;
  /** `not-configured`: no cluster in the kubernetes config; `not-annotated`: the entity has no Kubernetes annotation. */
  status: 'ok' | 'not-configured' | 'not-annotated';
  labelSelector?: string;
  namespace?: string;
  clusters: Array<{ name: string; workloads: WorkloadSummary[] }>;
  errors: ClusterError[];
}

/** @public */
export interface WorkloadSummary {
  kind: string;
  namespace: string;
  name: string;
  ready: string;
}

/** @public */
export interface DiagnosticsService {
  getEntityHealth(options: { entityRef: string; credentials: BackstageCredentials }): Promise<EntityHealth>;
}
