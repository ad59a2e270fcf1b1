/** The cluster deployer: server-side diff, apply, readiness, prune, status, history, rollback and delete of module instances, assembled from this folder's steps. */
import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import {
  DeployEvent,
  KubeObject,
  ObjectDiff,
  evaluateReadiness,
  splitApiVersion,
} from '@periscope/backstage-plugin-module-deploy-common';
import { applyRelease } from './applyRelease';
import { diffRelease } from './diff';
import { RawObjectApi } from './kubeApi';
import { header, readObject, refOf } from './objects';
import { deleteInstance } from './prune';
import { objectWatcher, waitForReadiness } from './readiness';
import { Revision } from './revisionHistory';
import { InstanceStore } from './storage';
import { ApplyOptions, ApplyResult, DeployerContext, Release } from './types';

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

  /** What the diff, apply and delete steps use of this deployer. */
  private get context(): DeployerContext {
    return {
      api: this.api,
      fieldManager: this.fieldManager,
      store: this.store,
      waitReady: (objects, opts, emit) => this.waitReady(objects, opts, emit),
    };
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
    return diffRelease(this.context, release, opts);
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
        read: o => readObject(this.context, o as unknown as KubernetesObject),
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

  /**
   * Applies a release: instance namespace first, then each apply set in order (CRDs and
   * Namespaces first, then the rest in dependency order), waiting for readiness after each
   * set, then prunes objects that left the inventory and stores the instance exactly like
   * Timoni. On failure the stored inventory holds exactly what is in the cluster for this
   * instance (previous objects plus those applied so far), and the error names the object.
   */
  async apply(release: Release, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return applyRelease(this.context, release, opts);
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
      const live = await readObject(this.context, h);
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
    return deleteInstance(this.context, name, namespace, opts);
  }
}

export { splitApiVersion };
