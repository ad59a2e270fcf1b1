import { KubernetesObjectApi } from '@kubernetes/client-node';
import {
  ClusterDetails,
  classifyClusterError,
  kubeConfigFor,
} from '@periscope/kube-access';
import { ClusterDeployer, ModuleEngine } from '../../engine';
import { DeployTarget, DriftState } from '../../types';
import { DeployStore, InstanceKey } from '../DeployStore';

/** The store key of an instance of `target` in one cluster. */
export function instanceKey(
  target: DeployTarget,
  cluster: string,
): InstanceKey {
  return {
    entityRef: target.entityRef,
    cluster,
    namespace: target.namespace,
    instanceName: target.instanceName,
  };
}

/**
 * Re-diffs the instance in one cluster against its last revision (server-side dry run) and
 * stores what drifted; a failure is stored as the drift's `error`. Undefined when the instance
 * has no revision in that cluster (not deployed: nothing to compare).
 */
export async function checkInstanceDrift(
  deps: { engine: ModuleEngine; store: DeployStore },
  target: DeployTarget,
  c: ClusterDetails,
): Promise<DriftState | undefined> {
  const key = instanceKey(target, c.name);
  let drift: DriftState;
  try {
    const kc = kubeConfigFor(c);
    const history = await deps.engine.history(
      target.instanceName,
      target.namespace,
      kc,
    );
    const last = history[history.length - 1];
    if (!last) return undefined;
    const deployer = new ClusterDeployer(KubernetesObjectApi.makeApiClient(kc));
    const diff = await deployer.diff({
      name: target.instanceName,
      namespace: target.namespace,
      module: last.module,
      values: last.values,
      valuesCue: last.valuesCue,
      sets: last.sets,
      images: last.images,
    });
    const objects = diff.filter(d => d.action !== 'unchanged');
    drift = {
      checkedAt: new Date().toISOString(),
      drifted: objects.length > 0,
      objects,
    };
  } catch (e) {
    drift = {
      checkedAt: new Date().toISOString(),
      drifted: false,
      objects: [],
      error: classifyClusterError(c.name, e).message,
    };
  }
  await deps.store.putDrift(key, drift);
  return drift;
}
