import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KubeConfig,
  KubernetesObjectApi,
  VersionApi,
} from '@kubernetes/client-node';
import {
  JsonObject,
  ModuleReference,
  ObjectDiff,
  ValuesJsonSchema,
  isOciReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ApplyOptions, ApplyResult, ClusterDeployer, Release } from './cluster';
import { PullOptions, pullModule } from './oci';
import { RenderResult, renderModule } from './render';
import { valuesSchema } from './schema';
import { Revision } from './storage';
import { ToolConfig, resolveTool } from './tools';

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
  diff(
    spec: InstanceSpec,
    kc: KubeConfig,
  ): Promise<{ render: RenderResult; diff: ObjectDiff[] }>;
  apply(
    spec: InstanceSpec,
    kc: KubeConfig,
    opts?: ApplyOptions,
  ): Promise<{ render: RenderResult; result: ApplyResult }>;
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
      KubernetesObjectApi.makeApiClient(kc),
      config.fieldManager ?? 'periscope',
    );

  async function withModule<T>(
    source: string,
    fn: (dir: string, ref?: Partial<ModuleReference>) => Promise<T>,
  ): Promise<T> {
    if (!isOciReference(source)) return fn(source);
    const tmp = await mkdtemp(join(tmpdir(), 'periscope-oci-'));
    try {
      const pulled = await pullModule(source, join(tmp, 'module'), config.pull);
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
    async diff(spec, kc) {
      const r = await renderFor(spec, kc);
      return { render: r, diff: await deployer(kc).diff(release(r)) };
    },
    async apply(spec, kc, opts) {
      const r = await renderFor(spec, kc);
      opts?.onEvent?.({
        phase: 'render',
        message: `rendered ${r.objects.length} objects in ${r.sets.length} apply set(s)`,
        elapsedMs: 0,
      });
      return { render: r, result: await deployer(kc).apply(release(r), opts) };
    },
    status: (name, namespace, kc) => deployer(kc).status(name, namespace),
    list: (namespace, kc) => deployer(kc).store.list(namespace),
    history: (name, namespace, kc) => deployer(kc).history(name, namespace),
    rollback: (name, namespace, revision, kc, opts) =>
      deployer(kc).rollback(name, namespace, revision, opts),
    delete: (name, namespace, kc, opts) =>
      deployer(kc).delete(name, namespace, opts),
  };
}
