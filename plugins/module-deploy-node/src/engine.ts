import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import {
  JsonObject,
  ModuleReference,
  ObjectDiff,
  ValuesJsonSchema,
  isOciReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ClusterDeployer } from './cluster/apply';
import { ApplyOptions, ApplyResult, Release } from './cluster/types';
import {
  Bundle,
  BundleFile,
  loadBundle,
  loadBundleName,
} from './bundle/bundle';
import {
  BundleInstanceApply,
  BundleInstanceDiff,
  BundleInstanceRender,
  BundleInstanceStatus,
  applyBundleInstances,
  bundleInstancesStatus,
  bundleRelease,
  deleteBundleInstances,
  renderBundleInstances,
} from './bundle/bundleEngine';
import { RawObjectApi } from './cluster/kubeApi';
import {
  RuntimeSpec,
  RuntimeValues,
  loadRuntime,
  mergeRuntimeValues,
  readRuntimeValues,
} from './bundle/runtime';
import { DigestCache } from './oci/digestCache';
import { PullOptions, pullModule } from './oci/pull';
import { RenderResult, renderModule } from './cue/render';
import { valuesSchema } from './cue/schema';
import { Revision } from './cluster/revisionHistory';
import { ToolConfig, resolveTool } from './tools';
import { PreflightReport, runPreflight } from './preflight';

/**
 * Engine configuration.
 *
 * @public
 */
export interface ModuleEngineConfig extends ToolConfig {
  /** Server-side apply field manager (default `periscope`). */
  fieldManager?: string;
  /** Registry options for `oci://` modules. */
  pull?: PullOptions;
}

/**
 * An instance to render or deploy.
 *
 * @public
 */
export interface InstanceSpec {
  /** Local module directory, or `oci://host/repo:tag` / `oci://host/repo@sha256:...`. */
  source: string;
  name: string;
  namespace: string;
  valuesFiles?: string[];
  values?: JsonObject[];
  /** Default: the OCI tag, else `0.0.0-devel`. */
  moduleVersion?: string;
  /** Default: the cluster's version for diff/apply, `TIMONI_KUBE_VERSION` or Timoni's default otherwise. */
  kubeVersion?: string;
  pkg?: string;
}

/**
 * The deploy engine: renders Timoni modules with the real `cue`, diffs and applies them with
 * server-side apply, and keeps instance state the way Timoni does.
 *
 * @public
 */
export interface ModuleEngine {
  render(spec: InstanceSpec): Promise<RenderResult>;
  schema(source: string, pkg?: string): Promise<ValuesJsonSchema>;
  /** With `objects`, each diff carries the compared live and desired objects (for a YAML diff). */
  diff(
    spec: InstanceSpec,
    kc: KubeConfig,
    opts?: { objects?: boolean },
  ): Promise<{ render: RenderResult; diff: ObjectDiff[] }>;
  /**
   * Renders, then applies. `beforeApply` runs after the render and before anything is applied
   * (e.g. a preflight): when it throws, nothing is applied.
   */
  apply(
    spec: InstanceSpec,
    kc: KubeConfig,
    opts?: ApplyOptions & {
      beforeApply?: (render: RenderResult) => Promise<void>;
    },
  ): Promise<{ render: RenderResult; result: ApplyResult }>;
  /**
   * Warnings before a deploy: the preflight checks over the rendered objects and the live
   * objects of the target namespace, read with `kc` (see `runPreflight`). Optional so that
   * stand-in engines need not have it; the engine of {@link createModuleEngine} does.
   */
  preflight?(
    render: Pick<RenderResult, 'objects' | 'name' | 'namespace'>,
    kc: KubeConfig,
    opts?: { block?: readonly string[] },
  ): Promise<PreflightReport>;
  status(
    name: string,
    namespace: string,
    kc: KubeConfig,
  ): ReturnType<ClusterDeployer['status']>;
  list(
    namespace: string | undefined,
    kc: KubeConfig,
  ): ReturnType<ClusterDeployer['store']['list']>;
  history(name: string, namespace: string, kc: KubeConfig): Promise<Revision[]>;
  rollback(
    name: string,
    namespace: string,
    revision: number | undefined,
    kc: KubeConfig,
    opts?: ApplyOptions,
  ): Promise<ApplyResult>;
  delete(
    name: string,
    namespace: string,
    kc: KubeConfig,
    opts?: Pick<ApplyOptions, 'onEvent'>,
  ): Promise<string[]>;
  /**
   * Runtime values for bundles: the environment (when given, as `--runtime-from-env`), then the
   * values the runtime files read from the cluster `kc` (which take precedence). Single cluster:
   * `runtime.clusters` are not consulted here (the CLI walks them with `loadRuntime`,
   * `selectRuntimeClusters` and `readRuntime`).
   */
  runtimeValues(
    opts: { files?: string[]; env?: Record<string, string | undefined> },
    kc?: KubeConfig,
  ): Promise<RuntimeValues>;
  /** Parses and validates runtime files (clusters in declaration order, queries). */
  loadRuntime(files: string[]): Promise<RuntimeSpec>;
  /** Reads a runtime's values from one cluster (Secret-sourced names listed for masking). */
  readRuntime(runtime: RuntimeSpec, kc: KubeConfig): Promise<RuntimeValues>;
  /** Parses and validates a bundle (files unified in order), with runtime values injected. */
  loadBundle(
    files: BundleFile[],
    runtimeValues?: Record<string, string>,
  ): Promise<Bundle>;
  /** Only `bundle.name` of the files (for delete -f: the rest need not be complete). */
  bundleName(
    files: BundleFile[],
    runtimeValues?: Record<string, string>,
  ): Promise<string>;
  /** Renders every bundle instance (for the cluster's Kubernetes version when `kc` is given). */
  renderBundle(
    bundle: Bundle,
    kc?: KubeConfig,
    opts?: { kubeVersion?: string; pkg?: string },
  ): Promise<BundleInstanceRender[]>;
  /** Server-side dry run of every bundle instance. */
  diffBundle(
    bundle: Bundle,
    kc: KubeConfig,
    opts?: { pkg?: string },
  ): Promise<BundleInstanceDiff[]>;
  /** Renders every instance, then applies them in order (nothing is applied if one fails to render). */
  applyBundle(
    bundle: Bundle,
    kc: KubeConfig,
    opts?: ApplyOptions & { pkg?: string },
  ): Promise<BundleInstanceApply[]>;
  /** Status of every instance of the named bundle in one cluster (empty when none). */
  bundleStatus(name: string, kc: KubeConfig): Promise<BundleInstanceStatus[]>;
  /** Deletes the instances of the named bundle, last installed first. */
  deleteBundle(
    name: string,
    kc: KubeConfig,
    opts?: Pick<ApplyOptions, 'onEvent'>,
  ): Promise<{ name: string; namespace: string; deleted: string[] }[]>;
}

/**
 * The Kubernetes version of a cluster as `major.minor.patch` (from `/version`'s gitVersion).
 *
 * @public
 */
export async function clusterKubeVersion(kc: KubeConfig): Promise<string> {
  const info = await kc.makeApiClient(VersionApi).getCode();
  const m = /^v?(\d+\.\d+\.\d+)/.exec(info.gitVersion);
  if (!m)
    throw new Error(`cannot parse the cluster version '${info.gitVersion}'`);
  return m[1];
}

/**
 * Creates the engine.
 *
 * @public
 */
export function createModuleEngine(
  config: ModuleEngineConfig = {},
): ModuleEngine {
  const cueBin = () => resolveTool('cue', config);
  const deployer = (kc: KubeConfig) =>
    new ClusterDeployer(
      RawObjectApi.fromKubeConfig(kc),
      config.fieldManager ?? 'periscope',
    );

  // pulls of one engine share verified layers (and manifests pinned by digest): a module is
  // downloaded once, then each render or deploy of it only resolves its tag
  const pull: PullOptions = {
    ...config.pull,
    cache:
      config.pull?.cache === false
        ? false
        : config.pull?.cache ?? new DigestCache(),
  };

  async function withModule<T>(
    source: string,
    fn: (dir: string, ref?: Partial<ModuleReference>) => Promise<T>,
  ): Promise<T> {
    if (!isOciReference(source)) return fn(source);
    const tmp = await mkdtemp(join(tmpdir(), 'periscope-oci-'));
    try {
      const pulled = await pullModule(source, join(tmp, 'module'), pull);
      return await fn(pulled.dir, {
        repository: pulled.url,
        version: pulled.version,
        digest: pulled.digest,
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  const render = (spec: InstanceSpec) =>
    withModule(spec.source, (dir, ref) =>
      renderModule({
        cueBin: cueBin(),
        moduleDir: dir,
        name: spec.name,
        namespace: spec.namespace,
        valuesFiles: spec.valuesFiles,
        values: spec.values,
        moduleVersion: spec.moduleVersion ?? ref?.version,
        kubeVersion: spec.kubeVersion,
        pkg: spec.pkg,
        moduleRef: ref,
      }),
    );

  const renderFor = async (spec: InstanceSpec, kc: KubeConfig) =>
    render({
      ...spec,
      kubeVersion: spec.kubeVersion ?? (await clusterKubeVersion(kc)),
    });

  const readRuntime = (rt: RuntimeSpec, kc: KubeConfig) =>
    readRuntimeValues(RawObjectApi.fromKubeConfig(kc), cueBin(), rt);

  const release = (r: RenderResult): Release => ({
    name: r.name,
    namespace: r.namespace,
    module: r.module,
    values: r.values,
    valuesCue: r.valuesCue,
    sets: r.sets,
    images: r.images,
  });

  return {
    render,
    schema: (source, pkg) =>
      withModule(source, dir =>
        valuesSchema({ cueBin: cueBin(), moduleDir: dir, pkg }),
      ),
    async diff(spec, kc, opts = {}) {
      const r = await renderFor(spec, kc);
      return { render: r, diff: await deployer(kc).diff(release(r), opts) };
    },
    async apply(spec, kc, opts) {
      const r = await renderFor(spec, kc);
      opts?.onEvent?.({
        phase: 'render',
        message: `rendered ${r.objects.length} objects in ${r.sets.length} apply set(s)`,
        elapsedMs: 0,
      });
      const { beforeApply, ...applyOpts } = opts ?? {};
      if (beforeApply) await beforeApply(r);
      return {
        render: r,
        result: await deployer(kc).apply(release(r), applyOpts),
      };
    },
    preflight: (r, kc, opts) =>
      runPreflight(kc, {
        rendered: r.objects,
        namespace: r.namespace,
        instanceName: r.name,
        block: opts?.block,
      }),
    status: (name, namespace, kc) => deployer(kc).status(name, namespace),
    list: (namespace, kc) => deployer(kc).store.list(namespace),
    history: (name, namespace, kc) => deployer(kc).history(name, namespace),
    rollback: (name, namespace, revision, kc, opts) =>
      deployer(kc).rollback(name, namespace, revision, opts),
    delete: (name, namespace, kc, opts) =>
      deployer(kc).delete(name, namespace, opts),
    async runtimeValues(opts, kc) {
      let fromCluster: RuntimeValues | undefined;
      if (opts.files?.length) {
        const rt = await loadRuntime(cueBin(), opts.files);
        if (rt.values.length && !kc)
          throw new Error(
            `runtime ${rt.name} reads values from the cluster: a kubeconfig is needed`,
          );
        fromCluster = kc ? await readRuntime(rt, kc) : undefined;
      }
      return mergeRuntimeValues(opts.env, fromCluster);
    },
    loadRuntime: files => loadRuntime(cueBin(), files),
    readRuntime,
    loadBundle: (files, runtimeValues) =>
      loadBundle({ cueBin: cueBin(), files, runtimeValues }),
    bundleName: (files, runtimeValues) =>
      loadBundleName({ cueBin: cueBin(), files, runtimeValues }),
    async renderBundle(bundle, kc, opts = {}) {
      const kubeVersion =
        opts.kubeVersion ?? (kc ? await clusterKubeVersion(kc) : undefined);
      return renderBundleInstances(render, bundle, { ...opts, kubeVersion });
    },
    async diffBundle(bundle, kc, opts = {}) {
      const renders = await this.renderBundle(bundle, kc, opts);
      const d = deployer(kc);
      const out: BundleInstanceDiff[] = [];
      for (const r of renders)
        out.push({ ...r, diff: await d.diff(bundleRelease(r)) });
      return out;
    },
    async applyBundle(bundle, kc, opts = {}) {
      const renders = await this.renderBundle(bundle, kc, opts);
      return applyBundleInstances(deployer(kc), renders, opts);
    },
    bundleStatus: (name, kc) => bundleInstancesStatus(deployer(kc), name),
    deleteBundle: (name, kc, opts) =>
      deleteBundleInstances(deployer(kc), name, opts),
  };
}
