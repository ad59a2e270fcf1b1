import {
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import {
  ApplySet,
  DeployEvent,
  InventoryEntry,
  JsonObject,
  KubeObject,
  ModuleReference,
  ObjectDiff,
  diffObjects,
  diffSides,
  entryApiVersion,
  evaluateReadiness,
  inventoryOf,
  isClusterDefinition,
  objectId,
  objectRef,
  parseInventoryEntry,
  sortForApply,
  splitApiVersion,
  staleEntries,
} from '@periscope/backstage-plugin-module-deploy-common';
import { BUNDLE_NAME_LABEL } from '../bundle/bundle';
import { DeployError, httpStatus, toDeployError } from '../errors';
import { RawObjectApi } from './kubeApi';
import { objectWatcher, waitForReadiness } from './readiness';
import { InstanceStore, Revision, instanceRecord } from './storage';

/** Labels Timoni (fluxcd ssa `SetOwnerLabels`, owner group `instance.timoni.sh`) puts on objects. */
export const OWNER_NAME_LABEL = 'instance.timoni.sh/name';
/** @see OWNER_NAME_LABEL */
export const OWNER_NAMESPACE_LABEL = 'instance.timoni.sh/namespace';
/** Annotation that keeps an object out of pruning and deletion (Timoni's `action.timoni.sh/prune`). */
export const PRUNE_ANNOTATION = 'action.timoni.sh/prune';

/**
 * What gets deployed: a rendered instance (or a stored revision for rollbacks).
 *
 * @public
 */
export interface Release {
  name: string;
  namespace: string;
  module: ModuleReference;
  values: JsonObject;
  valuesCue: string;
  sets: ApplySet[];
  images: string[];
  /** The bundle this instance belongs to (stored as Timoni's `bundle.timoni.sh/name` label). */
  bundle?: string;
}

/**
 * Options of an apply.
 *
 * @public
 */
export interface ApplyOptions {
  /** Wait for readiness after each apply set (default true). */
  wait?: boolean;
  /** Readiness timeout per apply set in milliseconds (default 5 minutes). */
  timeoutMs?: number;
  /**
   * Readiness follows objects with watches; this is the poll interval for objects that cannot be
   * watched (the client has no `watch` permission for their kind) and the pause after a failed
   * watch (default 2 s).
   */
  pollMs?: number;
  /**
   * How long one readiness watch lasts before the object is read again and watched anew (a
   * resync; default 60 s).
   */
  watchResyncMs?: number;
  /** Progress callback, called for every step. */
  onEvent?: (e: DeployEvent) => void;
  /** Revision action recorded in the history. */
  action?: 'apply' | 'rollback';
  /**
   * Take over fields owned by other field managers (default true, as Timoni forces ownership).
   * With false, a field owned by another manager stops the apply with a conflict naming the object.
   */
  force?: boolean;
  /**
   * Take over an instance that another bundle manages (or, for a bundle, one that no bundle
   * manages), as Timoni's `--overwrite-ownership`. Default false: such an apply stops with a conflict.
   */
  overwriteOwnership?: boolean;
  /**
   * Annotations to store on the instance (record and Secret), e.g. Periscope's
   * `periscope.dev/owner-entity`. Those the stored instance has are kept; these win.
   */
  annotations?: Record<string, string>;
}

/**
 * The ownership conflict Timoni reports when a bundle would take over an instance it does not
 * manage, or a standalone apply would take over a bundle's instance; undefined when there is none.
 *
 * @public
 */
export function ownershipConflict(
  release: Pick<Release, 'name' | 'namespace' | 'bundle'>,
  owner: string | undefined,
): DeployError | undefined {
  const ref = `instance ${release.namespace}/${release.name}`;
  const fix =
    'apply with overwrite ownership (--overwrite-ownership) to take it over';
  if (release.bundle && owner !== release.bundle)
    return new DeployError(
      ref,
      'conflict',
      `instance ownership conflict: it exists and is ${
        owner ? `managed by bundle "${owner}"` : 'not managed by a bundle'
      }, not by bundle "${release.bundle}"; ${fix}`,
    );
  if (!release.bundle && owner)
    return new DeployError(
      ref,
      'conflict',
      `instance ownership conflict: it exists and is managed by bundle "${owner}"; ${fix}, or apply the bundle`,
    );
  return undefined;
}

/**
 * Result of an apply.
 *
 * @public
 */
export interface ApplyResult {
  applied: string[];
  pruned: string[];
  inventory: InventoryEntry[];
  revision: number;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Sets the ownership labels Timoni sets, without modifying the input. */
export function withOwnerLabels(
  obj: KubeObject,
  name: string,
  namespace: string,
): KubeObject {
  const o = clone(obj);
  o.metadata.labels = {
    ...(o.metadata.labels ?? {}),
    [OWNER_NAME_LABEL]: name,
    [OWNER_NAMESPACE_LABEL]: namespace,
  };
  return o;
}

function header(entry: InventoryEntry): KubernetesObject {
  const key = parseInventoryEntry(entry);
  return {
    apiVersion: entryApiVersion(key),
    kind: key.kind,
    metadata: {
      name: key.name,
      ...(key.namespace ? { namespace: key.namespace } : {}),
    },
  };
}

function actionOf(
  live: JsonObject | undefined,
  changes: number,
): ObjectDiff['action'] {
  if (!live) return 'create';
  return changes ? 'change' : 'unchanged';
}

function applyMessage(live: JsonObject | undefined, changed: boolean): string {
  if (!live) return 'created';
  return changed ? 'configured' : 'unchanged';
}

function refOf(o: KubernetesObject): string {
  return objectRef(o as KubeObject);
}

/**
 * Drives server-side apply, diff, readiness, prune and delete for module instances.
 *
 * @public
 */
export class ClusterDeployer {
  readonly store: InstanceStore;
  private readonly api: RawObjectApi;

  /** `api` is used through {@link RawObjectApi}, so objects travel as JSON, unchanged. */
  constructor(
    api: KubernetesObjectApi,
    private readonly fieldManager = 'periscope',
  ) {
    this.api = RawObjectApi.wrap(api);
    this.store = new InstanceStore(this.api, fieldManager);
  }

  private async read(o: KubernetesObject): Promise<JsonObject | undefined> {
    try {
      return (await this.api.read(
        o as KubernetesObject & { metadata: { name: string } },
      )) as unknown as JsonObject;
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw toDeployError(refOf(o), 'read', e);
    }
  }

  private async ssa(
    o: KubeObject,
    dryRun: boolean,
    force = true,
  ): Promise<JsonObject> {
    try {
      const res = await this.api.patch(
        o as unknown as KubernetesObject,
        undefined,
        dryRun ? 'All' : undefined,
        this.fieldManager,
        force,
        PatchStrategy.ServerSideApply,
      );
      return res as unknown as JsonObject;
    } catch (e) {
      throw toDeployError(
        refOf(o),
        dryRun ? 'server-side dry run' : 'apply',
        e,
      );
    }
  }

  /**
   * Server-side dry run of every object against the cluster, compared with the live objects:
   * per object created / changed (with per-field changes) / unchanged, plus the objects of the
   * stored inventory that the release no longer has (to be pruned). Changes nothing. With
   * `objects`, each diff carries the compared objects (`live`, `desired`; see `diffSides`).
   */
  async diff(
    release: Release,
    opts: Pick<ApplyOptions, 'force'> & { objects?: boolean } = {},
  ): Promise<ObjectDiff[]> {
    const objects = sortForApply(release.sets.flatMap(s => s.objects)).map(o =>
      withOwnerLabels(o, release.name, release.namespace),
    );
    const out: ObjectDiff[] = [];
    const nsMissing = !(await this.read({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: release.namespace },
    }));
    for (const o of objects) {
      const live = await this.read(o as unknown as KubernetesObject);
      let next: JsonObject;
      if (!live && nsMissing && o.metadata.namespace === release.namespace) {
        next = o as unknown as JsonObject; // the namespace does not exist yet: nothing to dry-run against
      } else {
        try {
          next = await this.ssa(o, true, opts.force !== false);
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
    const previous = await this.store.get(release.name, release.namespace);
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

  private async ensureNamespace(
    ns: string,
    emit: (e: Omit<DeployEvent, 'elapsedMs'>) => void,
  ): Promise<void> {
    if (
      await this.read({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      })
    )
      return;
    await this.ssa(
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

  /**
   * Waits until every object is ready, failed, or the timeout passes: each object is read, then
   * followed with a watch (re-read and watched anew when a watch ends or drops); objects this
   * client may not watch are polled every `pollMs` (see {@link waitForReadiness}).
   */
  async waitReady(
    objects: KubeObject[],
    opts: ApplyOptions,
    emit: (e: Omit<DeployEvent, 'elapsedMs'>) => void,
  ): Promise<void> {
    await waitForReadiness(
      objects,
      {
        read: o => this.read(o as unknown as KubernetesObject),
        watch: objectWatcher(this.api),
      },
      {
        timeoutMs: opts.timeoutMs ?? 300_000,
        pollMs: opts.pollMs ?? 2000,
        resyncMs: opts.watchResyncMs,
        onReady: (ref, r) =>
          emit({ phase: 'wait', object: ref, message: `ready (${r.message})` }),
      },
    );
  }

  private async deleteEntry(
    e: InventoryEntry,
    emit: (e: Omit<DeployEvent, 'elapsedMs'>) => void,
    phase: 'prune' | 'delete',
  ): Promise<string | undefined> {
    const h = header(e);
    const ref = refOf(h);
    const live = await this.read(h);
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
      await this.api.delete(
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

  /**
   * Applies a release: instance namespace first, then each apply set in order (CRDs and
   * Namespaces first, then the rest in dependency order), waiting for readiness after each
   * set, then prunes objects that left the inventory and stores the instance exactly like
   * Timoni. On failure the stored inventory holds exactly what is in the cluster for this
   * instance (previous objects plus those applied so far), and the error names the object.
   */
  async apply(release: Release, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const t0 = Date.now();
    const emit = (e: Omit<DeployEvent, 'elapsedMs'>) =>
      opts.onEvent?.({ ...e, elapsedMs: Date.now() - t0 });
    const previous = await this.store.get(release.name, release.namespace);
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
      await this.store.put(
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
      await this.ensureNamespace(release.namespace, emit);
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
            const live = await this.read(o as unknown as KubernetesObject);
            const res = await this.ssa(o, false, opts.force !== false);
            applied.push(o);
            const changed = !live || diffObjects(live, res).length > 0;
            emit({
              phase: 'apply',
              object: objectRef(o),
              message: applyMessage(live, changed),
            });
          }
          if (stage.length && stage === stages[0])
            await this.waitReady(
              stage,
              { ...opts, timeoutMs: opts.timeoutMs ?? 60_000 },
              emit,
            );
        }
        if (opts.wait !== false && objs.length)
          await this.waitReady(objs, opts, emit);
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
      const ref = await this.deleteEntry(e, emit, 'prune');
      if (ref) pruned.push(ref);
    }
    const rev = await this.store.record(release.name, release.namespace, {
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

  /** Live status of every object in the instance inventory. */
  async status(
    name: string,
    namespace: string,
  ): Promise<{
    instance: NonNullable<Awaited<ReturnType<InstanceStore['get']>>>;
    objects: { ref: string; state: string; message: string }[];
  }> {
    const instance = await this.store.get(name, namespace);
    if (!instance)
      throw new Error(
        `instance ${namespace}/${name} not found (no Secret timoni.${name} in namespace ${namespace})`,
      );
    const objects = [];
    for (const e of instance.inventory?.entries ?? []) {
      const h = header(e);
      const live = await this.read(h);
      const r = live
        ? evaluateReadiness(live)
        : { state: 'missing', message: 'not found in the cluster' };
      objects.push({ ref: refOf(h), state: r.state, message: r.message });
    }
    return { instance, objects };
  }

  /** Stored revisions, oldest first. */
  history(name: string, namespace: string): Promise<Revision[]> {
    return this.store.history(name, namespace);
  }

  /** Re-applies a stored revision (default: the one before the current). */
  async rollback(
    name: string,
    namespace: string,
    revision: number | undefined,
    opts: ApplyOptions = {},
  ): Promise<ApplyResult> {
    const revs = await this.store.history(name, namespace);
    if (!revs.length)
      throw new Error(
        `instance ${namespace}/${name} has no revision history to roll back to (it was not deployed by Periscope)`,
      );
    const target =
      revision === undefined
        ? revs[revs.length - 2]
        : revs.find(r => r.revision === revision);
    if (!target) {
      throw new Error(
        revision === undefined
          ? `instance ${namespace}/${name} has only one revision; nothing to roll back to`
          : `revision ${revision} of ${namespace}/${name} not found (kept: ${revs
              .map(r => r.revision)
              .join(', ')})`,
      );
    }
    return this.apply(
      {
        name,
        namespace,
        module: target.module,
        values: target.values,
        valuesCue: target.valuesCue,
        sets: target.sets,
        images: target.images,
      },
      { ...opts, action: 'rollback' },
    );
  }

  /** Deletes every inventory object (reverse apply order), then the instance Secret and history. */
  async delete(
    name: string,
    namespace: string,
    opts: Pick<ApplyOptions, 'onEvent'> = {},
  ): Promise<string[]> {
    const t0 = Date.now();
    const emit = (e: Omit<DeployEvent, 'elapsedMs'>) =>
      opts.onEvent?.({ ...e, elapsedMs: Date.now() - t0 });
    const instance = await this.store.get(name, namespace);
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
      const ref = await this.deleteEntry(
        (o as unknown as { e: InventoryEntry }).e,
        emit,
        'delete',
      );
      if (ref) deleted.push(ref);
    }
    await this.store.delete(name, namespace);
    emit({
      phase: 'done',
      message: `instance ${namespace}/${name} deleted (${deleted.length} objects)`,
    });
    return deleted;
  }
}

export { splitApiVersion };
