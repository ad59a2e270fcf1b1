import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  ContainerLogResponse,
  FindingEvidenceResponse,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { StoredFinding } from '../FindingsStore';

/** What the cluster says about a finding now (the wire type of GET /entity/evidence). */
export type EvidenceResult = FindingEvidenceResponse;

/**
 * Reads the evidence of an entity's findings and the logs of their pods, from the finding's
 * cluster at the time of the request. The namespace is always the finding's (an entity scan
 * finds objects only in the entity's declared namespace), never the request's.
 * @public
 */
export interface EvidenceService {
  /** The evidence of one finding of the entity (404 for an id that is not one of its findings). */
  getEvidence(options: {
    entityRef: string;
    findingId: string;
    credentials: BackstageCredentials;
    requestAuth?: KubernetesRequestAuth;
  }): Promise<EvidenceResult>;
  /** The same for a finding already loaded (explanations); `logLines` caps the log read. */
  evidenceOf(
    finding: StoredFinding,
    options?: { requestAuth?: KubernetesRequestAuth; logLines?: number },
  ): Promise<EvidenceResult>;
  /**
   * The last lines of a container of the finding's pod (or of a pod of its workload: `pod` must
   * be one of them), capped by `tailLines` and bytes.
   */
  getLogs(options: {
    entityRef: string;
    findingId: string;
    credentials: BackstageCredentials;
    requestAuth?: KubernetesRequestAuth;
    pod?: string;
    container: string;
    previous: boolean;
    tailLines: number;
  }): Promise<ContainerLogResponse>;
}
