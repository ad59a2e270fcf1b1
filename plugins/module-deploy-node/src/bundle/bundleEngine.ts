import { promises as fs } from 'node:fs';
import { ObjectDiff } from '@periscope/backstage-plugin-module-deploy-common';
import {
  BUNDLE_NAME_LABEL,
  Bundle,
  BundleInstance,
  bundleModuleRef,
} from './bundle';
import { ClusterDeployer } from '../cluster/apply';
import { ownershipConflict } from '../cluster/ownership';
import { ApplyOptions, ApplyResult, Release } from '../cluster/types';
import { CueEvaluationError } from '../cue/runner';
import { RenderResult } from '../cue/render';

/**
 * A rendered bundle instance.
 *
 * @public
 */
export interface BundleInstanceRender {
  instance: BundleInstance;
  render: RenderResult;
}

/** Renders one instance the way the engine renders a module. */
export type InstanceRenderer = (spec: {
  source: string;
  name: string;
  namespace: string;
  values: BundleInstance['values'][];
  moduleVersion?: string;
  kubeVersion?: string;
  pkg?: string;
}) => Promise<RenderResult>;

function named(i: BundleInstance, e: unknown): Error {
  const where = `bundle ${i.bundle}, instance "${i.name}"`;
  if (e instanceof CueEvaluationError)
    return new CueEvaluationError(`${where}: ${e.what}`, e.issues, e.raw);
  if (e instanceof Error) {
    e.message = `${where}: ${e.message}`;
    return e;
  }
  return new Error(`${where}: ${String(e)}`);
}

async function renderInstance(
  render: InstanceRenderer,
  i: BundleInstance,
  kubeVersion: string | undefined,
  pkg: string | undefined,
): Promise<RenderResult> {
  const oci = i.source.startsWith('oci://');
  if (!oci) {
    const st = await fs.stat(i.source).catch(() => undefined);
    if (!st?.isDirectory())
      throw new Error(
        `module ${i.module.url} not found: ${i.source} is not a directory (file:// URLs are relative to the bundle file that holds them)`,
      );
  }
  const r = await render({
    source: oci ? bundleModuleRef(i) : i.source,
    name: i.name,
    namespace: i.namespace,
    values: [i.values],
    moduleVersion:
      !oci && i.module.version !== 'latest' ? i.module.version : undefined,
    kubeVersion,
    pkg,
  });
  if (oci && i.module.digest && r.module.digest !== i.module.digest)
    throw new Error(
      `the upstream digest ${r.module.digest} of version ${i.module.version} doesn't match the specified digest ${i.module.digest}`,
    );
  return r;
}

/**
 * Renders every instance of a bundle, in order, before anything is applied: one instance that
 * fails to pull, render or validate stops the bundle with an error naming it.
 *
 * @public
 */
export async function renderBundleInstances(
  render: InstanceRenderer,
  bundle: Bundle,
  opts: { kubeVersion?: string; pkg?: string } = {},
): Promise<BundleInstanceRender[]> {
  const out: BundleInstanceRender[] = [];
  for (const instance of bundle.instances) {
    try {
      out.push({
        instance,
        render: await renderInstance(
          render,
          instance,
          opts.kubeVersion,
          opts.pkg,
        ),
      });
    } catch (e) {
      throw named(instance, e);
    }
  }
  return out;
}

/** The release of a rendered bundle instance (owned by the bundle). */
export function bundleRelease(r: BundleInstanceRender): Release {
  return {
    name: r.render.name,
    namespace: r.render.namespace,
    module: r.render.module,
    values: r.render.values,
    valuesCue: r.render.valuesCue,
    sets: r.render.sets,
    images: r.render.images,
    bundle: r.instance.bundle,
  };
}

/**
 * Timoni's `bundleInstancesOwnershipConflicts`: before applying anything, every instance that
 * already exists must be managed by this bundle (unless ownership is overwritten).
 *
 * @public
 */
export async function checkBundleOwnership(
  deployer: ClusterDeployer,
  renders: BundleInstanceRender[],
): Promise<void> {
  const conflicts: string[] = [];
  for (const r of renders) {
    const rel = bundleRelease(r);
    const stored = await deployer.store.get(rel.name, rel.namespace);
    const c = stored
      ? ownershipConflict(rel, stored.metadata.labels?.[BUNDLE_NAME_LABEL])
      : undefined;
    if (c) conflicts.push(c.message);
  }
  if (conflicts.length)
    throw new Error(
      `bundle ${
        renders[0].instance.bundle
      }: nothing applied:\n  ${conflicts.join('\n  ')}`,
    );
}

/**
 * A bundle instance's diff.
 *
 * @public
 */
export interface BundleInstanceDiff extends BundleInstanceRender {
  diff: ObjectDiff[];
}

/**
 * A bundle instance's apply result.
 *
 * @public
 */
export interface BundleInstanceApply extends BundleInstanceRender {
  result: ApplyResult;
}

/** Applies rendered bundle instances in order; the first failure stops the rest. */
export async function applyBundleInstances(
  deployer: ClusterDeployer,
  renders: BundleInstanceRender[],
  opts: ApplyOptions,
): Promise<BundleInstanceApply[]> {
  if (!opts.overwriteOwnership) await checkBundleOwnership(deployer, renders);
  const out: BundleInstanceApply[] = [];
  for (const r of renders) {
    try {
      out.push({ ...r, result: await deployer.apply(bundleRelease(r), opts) });
    } catch (e) {
      throw named(r.instance, e);
    }
  }
  return out;
}

/**
 * Deletes every instance of the named bundle (found by the `bundle.timoni.sh/name` label in all
 * namespaces), last installed first, as `timoni bundle delete` does.
 *
 * @public
 */
export async function deleteBundleInstances(
  deployer: ClusterDeployer,
  bundle: string,
  opts: Pick<ApplyOptions, 'onEvent'> = {},
): Promise<{ name: string; namespace: string; deleted: string[] }[]> {
  const instances = await deployer.store.list(
    undefined,
    `${BUNDLE_NAME_LABEL}=${bundle}`,
  );
  if (!instances.length)
    throw new Error(
      `no instances found in bundle ${bundle} (no instance Secret labelled ${BUNDLE_NAME_LABEL}=${bundle})`,
    );
  const out = [];
  for (const i of [...instances].reverse()) {
    const { name, namespace } = i.metadata;
    out.push({
      name,
      namespace,
      deleted: await deployer.delete(name, namespace, opts),
    });
  }
  return out;
}

/**
 * The status of one bundle instance, as `timoni bundle status` prints it.
 *
 * @public
 */
export interface BundleInstanceStatus {
  name: string;
  namespace: string;
  /** `<repository>:<version>`. */
  module: string;
  digest: string;
  lastApplied?: string;
  images: string[];
  /** Live readiness of each inventory object; `missing` when it is not in the cluster. */
  objects: { ref: string; state: string; message: string }[];
}

/**
 * Timoni's `bundle status`: every instance of the named bundle (found by the
 * `bundle.timoni.sh/name` label in all namespaces, oldest first) with its module, digest, last
 * apply time, images and the live readiness of each inventory object. An empty list when the
 * bundle has no instance in this cluster.
 *
 * @public
 */
export async function bundleInstancesStatus(
  deployer: ClusterDeployer,
  bundle: string,
): Promise<BundleInstanceStatus[]> {
  const instances = await deployer.store.list(
    undefined,
    `${BUNDLE_NAME_LABEL}=${bundle}`,
  );
  const out: BundleInstanceStatus[] = [];
  for (const i of instances) {
    const { name, namespace } = i.metadata;
    const { objects } = await deployer.status(name, namespace);
    out.push({
      name,
      namespace,
      module: `${i.module.repository}:${i.module.version}`,
      digest: i.module.digest,
      lastApplied: i.lastTransitionTime,
      images: i.images ?? [],
      objects,
    });
  }
  return out;
}
