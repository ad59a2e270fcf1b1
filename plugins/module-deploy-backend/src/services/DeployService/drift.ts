/** The drift of one instance in one cluster: re-diffed against its last revision and stored. */
import { KubernetesObjectApi } from '@kubernetes/client-node';
import {
  ClusterDetails,
  classifyClusterError,
  kubeConfigFor,
} from '@periscope/kube-access';
import { ObjectDiff } from '@periscope/backstage-plugin-module-deploy-common';
import {
  ClusterDeployer,
  ModuleEngine,
  Revision,
} from '@periscope/backstage-plugin-module-deploy-node';
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
 * has no revision in that cluster (not deployed: nothing to compare). `mask` masks the
 * sensitive values of the revision in the diff and in an error before anything is stored.
 */
export async function checkInstanceDrift(
  deps: {
    engine: ModuleEngine;
    store: DeployStore;
    mask?: (
      diff: ObjectDiff[],
      last: Revision | undefined,
      error?: string,
    ) => { diff: ObjectDiff[]; error?: string };
    /** Throws when the instance may not be checked (another entity owns it). */
    guard?: () => Promise<unknown>;
  },
  target: DeployTarget,
  c: ClusterDetails,
): Promise<DriftState | undefined> {
  const mask = deps.mask ?? ((diff, _last, error) => ({ diff, error }));
  let last: Revision | undefined;
  const key = instanceKey(target, c.name);
  let drift: DriftState;
  try {
    await deps.guard?.();
    const kc = kubeConfigFor(c);
    const history = await deps.engine.history(
      target.instanceName,
      target.namespace,
      kc,
    );
    last = history[history.length - 1];
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
    const objects = mask(
      diff.filter(d => d.action !== 'unchanged'),
      last,
    ).diff;
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
      error: mask([], last, classifyClusterError(c.name, e).message).error,
    };
  }
  await deps.store.putDrift(key, drift);
  return drift;
}
