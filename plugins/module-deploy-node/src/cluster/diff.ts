/** The server-side diff of a release: per object created, changed (field by field) or unchanged, and what would be pruned. */
import { KubernetesObject } from '@kubernetes/client-node';
import {
  JsonObject,
  ObjectDiff,
  diffObjects,
  diffSides,
  inventoryOf,
  objectId,
  objectRef,
  sortForApply,
  staleEntries,
} from '@periscope/backstage-plugin-module-deploy-common';
import { DeployError } from '../errors';
import { applyObject, header, readObject, refOf } from './objects';
import { withOwnerLabels } from './ownership';
import { ApplyOptions, DeployerContext, Release } from './types';

function actionOf(
  live: JsonObject | undefined,
  changes: number,
): ObjectDiff['action'] {
  if (!live) return 'create';
  return changes ? 'change' : 'unchanged';
}

/** See `ClusterDeployer.diff`. */
export async function diffRelease(
  c: DeployerContext,
  release: Release,
  opts: Pick<ApplyOptions, 'force'> & { objects?: boolean } = {},
): Promise<ObjectDiff[]> {
  const objects = sortForApply(release.sets.flatMap(s => s.objects)).map(o =>
    withOwnerLabels(o, release.name, release.namespace),
  );
  const out: ObjectDiff[] = [];
  const nsMissing = !(await readObject(c, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: release.namespace },
  }));
  for (const o of objects) {
    const live = await readObject(c, o as unknown as KubernetesObject);
    let next: JsonObject;
    if (!live && nsMissing && o.metadata.namespace === release.namespace) {
      next = o as unknown as JsonObject; // the namespace does not exist yet: nothing to dry-run against
    } else {
      try {
        next = await applyObject(c, o, true, opts.force !== false);
      } catch (e) {
        if (!live && e instanceof DeployError && e.reason === 'not-found')
          next = o as unknown as JsonObject;
        else throw e;
      }
    }
    const changes = diffObjects(live, next);
    out.push({
      id: objectId(o),
      ref: objectRef(o),
      apiVersion: o.apiVersion,
      action: actionOf(live, changes.length),
      changes: live ? changes : [],
      ...(opts.objects ? diffSides(live, next) : {}),
    });
  }
  const previous = await c.store.get(release.name, release.namespace);
  for (const e of staleEntries(
    previous?.inventory?.entries ?? [],
    inventoryOf(objects),
  )) {
    const h = header(e);
    out.push({
      id: e.id,
      ref: refOf(h),
      apiVersion: h.apiVersion as string,
      action: 'prune',
      changes: [],
    });
  }
  return out;
}
