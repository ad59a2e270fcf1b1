/** Pruning and deleting: inventory objects deleted (those annotated to be kept skipped), and a whole instance deleted. */
import {
  DeployEvent,
  InventoryEntry,
  JsonObject,
  KubeObject,
  sortForApply,
} from '@periscope/backstage-plugin-module-deploy-common';
import { httpStatus, toDeployError } from '../errors';
import { header, readObject, refOf } from './objects';
import { ApplyOptions, DeployEmit, DeployerContext } from './types';

/** Annotation that keeps an object out of pruning and deletion (Timoni's `action.timoni.sh/prune`). */
export const PRUNE_ANNOTATION = 'action.timoni.sh/prune';

/** Deletes the object of one inventory entry, unless it is gone or marked to be kept; its ref when deleted. */
export async function deleteEntry(
  c: DeployerContext,
  e: InventoryEntry,
  emit: DeployEmit,
  phase: 'prune' | 'delete',
): Promise<string | undefined> {
  const h = header(e);
  const ref = refOf(h);
  const live = await readObject(c, h);
  if (!live) return undefined;
  const ann = ((live.metadata as JsonObject)?.annotations ?? {}) as Record<
    string,
    string
  >;
  if (ann[PRUNE_ANNOTATION] === 'disabled') {
    emit({
      phase,
      object: ref,
      message: `skipped (${PRUNE_ANNOTATION}: disabled)`,
    });
    return undefined;
  }
  try {
    await c.api.delete(
      h,
      undefined,
      undefined,
      undefined,
      undefined,
      'Background',
    );
  } catch (err) {
    if (httpStatus(err) !== 404) throw toDeployError(ref, 'delete', err);
  }
  emit({ phase, object: ref, message: 'deleted' });
  return ref;
}

/** See `ClusterDeployer.delete`. */
export async function deleteInstance(
  c: DeployerContext,
  name: string,
  namespace: string,
  opts: Pick<ApplyOptions, 'onEvent'> = {},
): Promise<string[]> {
  const t0 = Date.now();
  const emit = (e: Omit<DeployEvent, 'elapsedMs'>) =>
    opts.onEvent?.({ ...e, elapsedMs: Date.now() - t0 });
  const instance = await c.store.get(name, namespace);
  if (!instance)
    throw new Error(
      `instance ${namespace}/${name} not found (no Secret timoni.${name} in namespace ${namespace})`,
    );
  const entries = instance.inventory?.entries ?? [];
  const ordered = sortForApply(
    entries.map(
      e =>
        ({ e, ...header(e) } as unknown as KubeObject & {
          e: InventoryEntry;
        }),
    ),
  ).reverse();
  const deleted: string[] = [];
  for (const o of ordered) {
    const ref = await deleteEntry(
      c,
      (o as unknown as { e: InventoryEntry }).e,
      emit,
      'delete',
    );
    if (ref) deleted.push(ref);
  }
  await c.store.delete(name, namespace);
  emit({
    phase: 'done',
    message: `instance ${namespace}/${name} deleted (${deleted.length} objects)`,
  });
  return deleted;
}
