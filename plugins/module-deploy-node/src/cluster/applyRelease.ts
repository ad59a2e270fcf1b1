/** Applying a release: the instance namespace, each apply set in order with readiness waits, the stored instance, pruning and the revision. */
import { KubernetesObject } from '@kubernetes/client-node';
import {
  DeployEvent,
  InventoryEntry,
  JsonObject,
  KubeObject,
  diffObjects,
  inventoryOf,
  isClusterDefinition,
  objectId,
  objectRef,
  sortForApply,
  staleEntries,
} from '@periscope/backstage-plugin-module-deploy-common';
import { BUNDLE_NAME_LABEL } from '../bundle/bundle';
import { DeployError } from '../errors';
import { instanceRecord } from './instanceSecret';
import { applyObject, readObject } from './objects';
import { ownershipConflict, withOwnerLabels } from './ownership';
import { deleteEntry } from './prune';
import {
  ApplyOptions,
  ApplyResult,
  DeployEmit,
  DeployerContext,
  Release,
} from './types';

function applyMessage(live: JsonObject | undefined, changed: boolean): string {
  if (!live) return 'created';
  return changed ? 'configured' : 'unchanged';
}

/** Creates the instance namespace (labelled as Timoni does) unless it exists. */
async function ensureNamespace(
  c: DeployerContext,
  ns: string,
  emit: DeployEmit,
): Promise<void> {
  if (
    await readObject(c, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    })
  )
    return;
  await applyObject(
    c,
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: { 'app.kubernetes.io/created-by': 'timoni' },
      },
    },
    false,
  );
  emit({
    phase: 'apply',
    object: `Namespace/${ns}`,
    message: 'created (instance namespace)',
  });
}

/** See `ClusterDeployer.apply`. */
export async function applyRelease(
  c: DeployerContext,
  release: Release,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const t0 = Date.now();
  const emit = (e: Omit<DeployEvent, 'elapsedMs'>) =>
    opts.onEvent?.({ ...e, elapsedMs: Date.now() - t0 });
  const previous = await c.store.get(release.name, release.namespace);
  const prevEntries = previous?.inventory?.entries ?? [];
  const owner = previous?.metadata.labels?.[BUNDLE_NAME_LABEL];
  if (previous && opts.action !== 'rollback' && !opts.overwriteOwnership) {
    const conflict = ownershipConflict(release, owner);
    if (conflict) throw conflict;
  }
  // a rollback keeps the owner; a standalone apply that overwrites ownership drops it (as Timoni)
  const bundle =
    release.bundle ?? (opts.action === 'rollback' ? owner : undefined);
  const annotations: Record<string, string> = {
    ...previous?.metadata.annotations,
    ...opts.annotations,
  };
  const applied: KubeObject[] = [];
  const store = async (objs: KubeObject[], extra: InventoryEntry[]) => {
    const inv = [
      ...inventoryOf(objs),
      ...extra.filter(e => !objs.some(o => objectId(o) === e.id)),
    ];
    await c.store.put(
      instanceRecord({
        name: release.name,
        namespace: release.namespace,
        module: release.module,
        valuesCue: release.valuesCue,
        inventory: inv,
        images: release.images,
        labels: bundle ? { [BUNDLE_NAME_LABEL]: bundle } : undefined,
        annotations,
      }),
    );
    return inv;
  };
  try {
    await ensureNamespace(c, release.namespace, emit);
    for (const set of release.sets) {
      const objs = sortForApply(set.objects).map(o =>
        withOwnerLabels(o, release.name, release.namespace),
      );
      const stages = [
        objs.filter(isClusterDefinition),
        objs.filter(o => !isClusterDefinition(o)),
      ];
      for (const stage of stages) {
        for (const o of stage) {
          const live = await readObject(c, o as unknown as KubernetesObject);
          const res = await applyObject(c, o, false, opts.force !== false);
          applied.push(o);
          const changed = !live || diffObjects(live, res).length > 0;
          emit({
            phase: 'apply',
            object: objectRef(o),
            message: applyMessage(live, changed),
          });
        }
        if (stage.length && stage === stages[0])
          await c.waitReady(
            stage,
            { ...opts, timeoutMs: opts.timeoutMs ?? 60_000 },
            emit,
          );
      }
      if (opts.wait !== false && objs.length)
        await c.waitReady(objs, opts, emit);
    }
  } catch (e) {
    emit({
      phase: 'error',
      object: e instanceof DeployError ? e.object : undefined,
      message: (e as Error).message,
    });
    if (applied.length)
      await store(applied, prevEntries).catch(() => undefined);
    throw e;
  }
  const all = release.sets.flatMap(s => s.objects);
  const inventory = await store(all, []);
  emit({
    phase: 'store',
    object: `Secret/${release.namespace}/timoni.${release.name}`,
    message: `instance stored (${inventory.length} objects)`,
  });
  const pruned: string[] = [];
  const stale = staleEntries(prevEntries, inventory);
  for (const e of [...stale].reverse()) {
    const ref = await deleteEntry(c, e, emit, 'prune');
    if (ref) pruned.push(ref);
  }
  const rev = await c.store.record(release.name, release.namespace, {
    appliedAt: new Date().toISOString(),
    action: opts.action ?? 'apply',
    module: release.module,
    values: release.values,
    valuesCue: release.valuesCue,
    inventory,
    images: release.images,
    sets: release.sets,
  });
  emit({
    phase: 'done',
    message: `revision ${rev.revision}: ${applied.length} applied, ${pruned.length} pruned`,
  });
  return {
    applied: applied.map(objectRef),
    pruned,
    inventory,
    revision: rev.revision,
  };
}
