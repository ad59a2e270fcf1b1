import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  buildEvidence,
  containersOf,
  KubeObject,
  ObjectRef,
  pickFailingPod,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  createKubeHttp,
  KubeHttp,
  LOG_LIMITS,
  podsOfObject,
  readContainerLog,
  readEvidence,
} from '@periscope/backstage-plugin-k8s-diagnostics-node';
import {
  ClusterDetails,
  ClusterSource,
  kubeConfigFor,
  toClusterSource,
} from '@periscope/kube-access';
import { StoredFinding } from '../FindingsStore';
import { HealthService } from '../HealthService';
import { EvidenceResult, EvidenceService } from './types';

/** Bytes of one log answer (the API server cuts the log there). */
export const LOG_BYTES = LOG_LIMITS.bytes;

/** @public */
export function createEvidenceService(deps: {
  health: HealthService;
  /** The clusters the findings were scanned in (the Health service's source). */
  clusters?: ClusterSource | ClusterDetails[];
  /** Limit of each cluster request. Default 10 s. */
  timeoutMs?: number;
}): EvidenceService {
  const clusters = deps.clusters ? toClusterSource(deps.clusters) : undefined;
  const timeoutMs = deps.timeoutMs ?? 10_000;

  async function httpFor(
    finding: StoredFinding,
    requestAuth?: KubernetesRequestAuth,
  ): Promise<KubeHttp> {
    if (!clusters)
      throw new ServiceUnavailableError(
        'this backend has no cluster access: configure kubernetes.clusterLocatorMethods',
      );
    const cluster = (await clusters.listClusters({ requestAuth })).find(
      c => c.name === finding.cluster,
    );
    if (!cluster)
      throw new ServiceUnavailableError(
        `cluster ${finding.cluster} is no longer configured: rescan the entity`,
      );
    try {
      return await createKubeHttp(kubeConfigFor(cluster), timeoutMs);
    } catch (e) {
      throw new ServiceUnavailableError(
        `cluster ${finding.cluster} cannot be reached: ${(e as Error).message}`,
      );
    }
  }

  async function evidenceOf(
    finding: StoredFinding,
    options: { requestAuth?: KubernetesRequestAuth; logLines?: number } = {},
  ): Promise<EvidenceResult> {
    const base = { findingId: finding.id, cluster: finding.cluster };
    try {
      const http = await httpFor(finding, options.requestAuth);
      const evidence = await readEvidence(http, {
        object: finding.object,
        ownerChain: finding.ownerChain,
        tailLines: options.logLines,
      });
      return { ...base, evidence };
    } catch (e) {
      return {
        ...base,
        evidence: buildEvidence({ ownerChain: finding.ownerChain }),
        error: (e as Error).message,
      };
    }
  }

  /** The pods of the finding: its own pod, or those of the nearest owner that selects pods. */
  async function podsOf(
    http: KubeHttp,
    finding: StoredFinding,
  ): Promise<KubeObject[]> {
    const ns = finding.object.namespace;
    const candidates: ObjectRef[] = [
      finding.object,
      ...finding.ownerChain.map(o => ({ ...o, namespace: o.namespace ?? ns })),
    ];
    for (const ref of candidates) {
      const pods = await podsOfObject(http, ref);
      if (pods.length > 0 || ref.kind === 'Pod') return pods;
    }
    return [];
  }

  return {
    async getEvidence({ entityRef, findingId, credentials, requestAuth }) {
      const finding = await deps.health.getEntityFinding({
        entityRef,
        findingId,
        credentials,
      });
      return evidenceOf(finding, { requestAuth });
    },

    evidenceOf,

    async getLogs({
      entityRef,
      findingId,
      credentials,
      requestAuth,
      pod,
      container,
      previous,
      tailLines,
    }) {
      const finding = await deps.health.getEntityFinding({
        entityRef,
        findingId,
        credentials,
      });
      const namespace = finding.object.namespace;
      if (!namespace)
        throw new NotFoundError(
          `${finding.object.kind} ${finding.object.name} is not namespaced: it has no pods or logs`,
        );
      const http = await httpFor(finding, requestAuth);
      const pods = await podsOf(http, finding).catch(e => {
        throw new ServiceUnavailableError(
          `cluster ${finding.cluster} did not answer: ${(e as Error).message}`,
        );
      });
      const chosen = pod
        ? pods.find(p => p.metadata.name === pod)
        : pickFailingPod(pods) ?? pods[0];
      if (!chosen) {
        throw new NotFoundError(
          pod
            ? `pod '${pod}' is not a pod of ${finding.object.kind} ${finding.object.name}: use a pod the finding's evidence names`
            : `${finding.object.kind} ${finding.object.name} has no pods now: rescan`,
        );
      }
      if (!containersOf(chosen).some(c => c.name === container)) {
        throw new NotFoundError(
          `pod ${chosen.metadata.name} has no container '${container}'`,
        );
      }
      const log = await readContainerLog(http, {
        namespace,
        pod: chosen.metadata.name!,
        container,
        previous,
        tailLines,
        limitBytes: LOG_BYTES,
      });
      return { ...log, pod: chosen.metadata.name!, namespace };
    },
  };
}
