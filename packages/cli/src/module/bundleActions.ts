import { KubeConfig } from '@kubernetes/client-node';
import {
  Bundle,
  BundleFile,
  BundleInstanceStatus,
  RuntimeCluster,
  RuntimeSpec,
  clusterRuntimeValues,
  isDefaultRuntimeCluster,
  maskSecretData,
  maskSecrets,
  mergeRuntimeValues,
  selectRuntimeClusters,
} from '@periscope/backstage-plugin-module-deploy-node';
import { ModuleCliIo, printEvent, timeoutMs } from './actions';
import {
  formatDiff,
  formatObjectStates,
  formatObjects,
  parseOutputFormat,
} from './format';

/**
 * Options of `periscope module bundle vet|build|apply|status|delete` (from commander).
 *
 * @public
 */
export interface BundleCliOptions {
  file?: string[];
  runtime?: string[];
  runtimeFromEnv?: boolean;
  runtimeCluster?: string;
  runtimeGroup?: string;
  kubeconfig?: string;
  context?: string;
  output?: string;
  timeout?: string;
  wait?: boolean;
  force?: boolean;
  overwriteOwnership?: boolean;
  diff?: boolean;
  dryRun?: boolean;
  package?: string;
  kubeVersion?: string;
  maskSecrets?: boolean;
}

/**
 * A bundle command's run: the runtime, the clusters it walks (in the runtime's order), and output
 * that never shows a runtime value read from a Secret (the list grows cluster by cluster).
 */
interface Session {
  out(s: string): void;
  err(s: string): void;
  secrets: string[];
  runtime?: RuntimeSpec;
  clusters: RuntimeCluster[];
  env: Record<string, string | undefined>;
}

/** One cluster of the run, with the runtime values for it. */
interface Target {
  cluster: RuntimeCluster;
  kc?: KubeConfig;
  values: Record<string, string>;
  /** Prefixes each printed line with the cluster name (nothing for the default cluster). */
  out(s: string): void;
  err(s: string): void;
}

async function bundleFiles(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<BundleFile[]> {
  const files = o.file ?? [];
  if (!files.length)
    throw new Error('no bundle provided: pass bundle files with -f FILE');
  const out: BundleFile[] = [];
  for (const f of files) {
    if (f !== '-') {
      out.push(f);
      continue;
    }
    if (!io.stdin) throw new Error('-f -: standard input is not available');
    out.push({ name: '-', content: await io.stdin(), dir: process.cwd() });
  }
  return out;
}

async function openSession(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<Session> {
  const runtime = o.runtime?.length
    ? await io.engine.loadRuntime(o.runtime)
    : undefined;
  const clusters = selectRuntimeClusters(
    runtime,
    { cluster: o.runtimeCluster, group: o.runtimeGroup },
    o.context ?? '',
  );
  const secrets: string[] = [];
  return {
    out: s => io.out(maskSecrets(s, secrets)),
    err: s => io.err(maskSecrets(s, secrets)),
    secrets,
    runtime,
    clusters,
    env: o.runtimeFromEnv ? io.env ?? process.env : {},
  };
}

/** The kubeconfig of a cluster: its runtime `kubeContext`, or `--context` for the default one. */
function clusterKubeConfig(
  io: ModuleCliIo,
  o: BundleCliOptions,
  c: RuntimeCluster,
): KubeConfig {
  if (isDefaultRuntimeCluster(c)) return io.kubeConfig(o.kubeconfig, o.context);
  try {
    return io.kubeConfig(o.kubeconfig, c.kubeContext);
  } catch (e) {
    throw new Error(
      `runtime cluster "${c.name}" (group ${c.group}), kubeContext "${
        c.kubeContext
      }": ${(e as Error).message}`,
    );
  }
}

function prefixed(write: (s: string) => void, c: RuntimeCluster) {
  if (isDefaultRuntimeCluster(c)) return write;
  return (s: string) => write(s.replace(/^(?=.)/gm, `[${c.name}] `));
}

/**
 * Connects to one cluster (when the command or the runtime queries need it) and computes its
 * runtime values as `timoni bundle` layers them: environment, then the values read from that
 * cluster, then `TIMONI_CLUSTER_NAME` / `TIMONI_CLUSTER_GROUP`.
 */
async function openTarget(
  io: ModuleCliIo,
  o: BundleCliOptions,
  s: Session,
  c: RuntimeCluster,
  needCluster: boolean,
): Promise<Target> {
  const queries = (s.runtime?.values.length ?? 0) > 0;
  const kc = needCluster || queries ? clusterKubeConfig(io, o, c) : undefined;
  const read =
    kc && queries && s.runtime
      ? await io.engine.readRuntime(s.runtime, kc)
      : undefined;
  if (read) s.secrets.push(...read.secretNames.map(n => read.values[n]));
  return {
    cluster: c,
    kc,
    values: {
      ...mergeRuntimeValues(s.env, read).values,
      ...clusterRuntimeValues(c),
    },
    out: prefixed(s.out, c),
    err: prefixed(s.err, c),
  };
}

/** Runs `fn` for each selected cluster in order; the first failure stops the rest, masked. */
async function eachCluster(
  io: ModuleCliIo,
  o: BundleCliOptions,
  needCluster: boolean,
  fn: (t: Target, s: Session) => Promise<void>,
  session?: Session,
): Promise<Session> {
  const s = session ?? (await openSession(io, o));
  try {
    for (const c of s.clusters)
      await fn(await openTarget(io, o, s, c, needCluster), s);
  } catch (e) {
    if (e instanceof Error) e.message = maskSecrets(e.message, s.secrets);
    throw e;
  }
  return s;
}

async function load(
  io: ModuleCliIo,
  o: BundleCliOptions,
  t: Target,
): Promise<Bundle> {
  const bundle = await io.engine.loadBundle(await bundleFiles(io, o), t.values);
  for (const n of bundle.unresolved)
    t.err(
      `note: runtime value ${n} not provided; its field keeps the default written in the bundle\n`,
    );
  return bundle;
}

function vetSummary(b: Bundle): string {
  return [
    `bundle ${b.name} is valid: ${b.instances.length} instance(s)\n`,
    ...b.instances.map(
      i =>
        `  ${i.name}: ${i.module.url}@${i.module.version}${
          i.module.digest ? ` (${i.module.digest})` : ''
        } in namespace ${i.namespace}\n`,
    ),
  ].join('');
}

/**
 * `periscope module bundle vet`: validate the bundle (for each runtime cluster, with its values)
 * and list its instances; `-o json` prints the parsed bundle, keyed by cluster when the runtime
 * has clusters.
 */
export async function bundleVetAction(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<void> {
  const perCluster: Record<string, Bundle> = {};
  const s = await eachCluster(io, o, false, async t => {
    const b = await load(io, o, t);
    if (o.output === 'json') perCluster[t.cluster.name] = b;
    else t.out(vetSummary(b));
  });
  if (o.output !== 'json') return;
  const only =
    s.clusters.length === 1 && isDefaultRuntimeCluster(s.clusters[0]);
  s.out(
    `${JSON.stringify(
      only ? Object.values(perCluster)[0] : perCluster,
      null,
      2,
    )}\n`,
  );
}

/**
 * `periscope module bundle build`: render every instance and print the objects (one cluster: with
 * runtime clusters, select one, as `timoni bundle build` requires). `--mask-secrets` masks Secret
 * data as Timoni's does.
 */
export async function bundleBuildAction(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<void> {
  const format = parseOutputFormat(o.output);
  const s = await openSession(io, o);
  if (s.runtime && s.clusters.length > 1)
    throw new Error(
      `you must select a cluster with --runtime-cluster: runtime ${
        s.runtime.name
      } selects ${s.clusters.length} clusters (${s.clusters
        .map(c => c.name)
        .join(', ')}) and build prints one cluster's objects`,
    );
  await eachCluster(
    io,
    o,
    false,
    async t => {
      const b = await load(io, o, t);
      const renders = await io.engine.renderBundle(b, undefined, {
        kubeVersion: o.kubeVersion,
        pkg: o.package,
      });
      const objects = renders.flatMap(r => r.render.objects);
      s.out(
        formatObjects(
          o.maskSecrets ? objects.map(maskSecretData) : objects,
          format,
        ),
      );
    },
    s,
  );
}

async function dryRunCluster(
  io: ModuleCliIo,
  o: BundleCliOptions,
  t: Target,
  b: Bundle,
): Promise<void> {
  const diffs = await io.engine.diffBundle(b, t.kc as KubeConfig, {
    pkg: o.package,
  });
  for (const d of diffs) {
    t.out(
      `instance ${d.instance.name} (namespace ${d.instance.namespace}), server dry run:\n`,
    );
    const diff = d.diff; // Secret values arrive masked (diffObjects)
    t.out(
      o.diff
        ? formatDiff(diff)
        : `${diff.map(x => `  ${x.ref} ${x.action}`).join('\n')}\n`,
    );
  }
}

/**
 * `periscope module bundle apply`: for each runtime cluster in order, render every instance, then
 * apply them in order (or `--diff` / `--dry-run`); a failure stops the clusters after it.
 */
export async function bundleApplyAction(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<void> {
  await eachCluster(io, o, true, async t => {
    const b = await load(io, o, t);
    if (!isDefaultRuntimeCluster(t.cluster))
      t.out(
        `applying ${b.instances.length} instance(s) on ${t.cluster.group}${
          o.diff || o.dryRun ? ' (server dry run)' : ''
        }\n`,
      );
    if (o.diff || o.dryRun) {
      await dryRunCluster(io, o, t, b);
      return;
    }
    const done = await io.engine.applyBundle(b, t.kc as KubeConfig, {
      wait: o.wait !== false,
      force: o.force !== false,
      overwriteOwnership: o.overwriteOwnership === true,
      timeoutMs: timeoutMs(o),
      onEvent: printEvent({ err: t.err }),
      pkg: o.package,
    });
    for (const d of done)
      t.out(
        `instance ${d.instance.name}: revision ${d.result.revision}, ${d.result.applied.length} applied, ${d.result.pruned.length} pruned\n`,
      );
    t.out(`bundle ${b.name} applied: ${done.length} instance(s)\n`);
  });
}

async function bundleNameFor(
  io: ModuleCliIo,
  name: string | undefined,
  o: BundleCliOptions,
  t: Target,
): Promise<string> {
  return name ?? io.engine.bundleName(await bundleFiles(io, o), t.values);
}

function requireName(name: string | undefined, o: BundleCliOptions): void {
  if (!name && !o.file?.length)
    throw new Error(
      'bundle name is required: pass it, or the bundle file with -f',
    );
}

/** `periscope module bundle delete [name]`: delete the bundle's instances in each cluster. */
export async function bundleDeleteAction(
  io: ModuleCliIo,
  name: string | undefined,
  o: BundleCliOptions,
): Promise<void> {
  requireName(name, o);
  await eachCluster(io, o, true, async t => {
    const bundleName = await bundleNameFor(io, name, o, t);
    const res = await io.engine.deleteBundle(bundleName, t.kc as KubeConfig, {
      onEvent: printEvent({ err: t.err }),
    });
    for (const r of res)
      t.out(
        `instance ${r.name} in namespace ${r.namespace}: ${r.deleted.length} objects deleted\n`,
      );
    t.out(`bundle ${bundleName} deleted: ${res.length} instance(s)\n`);
  });
}

function formatBundleStatus(i: BundleInstanceStatus): string {
  return [
    `instance ${i.name} (namespace ${i.namespace}): last applied ${
      i.lastApplied ?? 'unknown'
    }\n`,
    `  module ${i.module}\n`,
    i.digest ? `  digest ${i.digest}\n` : '',
    ...i.images.map(im => `  container image ${im}\n`),
    formatObjectStates(i.objects),
  ].join('');
}

/**
 * `periscope module bundle status [name]`: for each runtime cluster, every instance of the bundle
 * with its module, digest, last apply, images and the readiness of each inventory object. Like
 * `timoni bundle status`, it fails at the end when a cluster has no instance of the bundle or an
 * inventory object is missing.
 */
export async function bundleStatusAction(
  io: ModuleCliIo,
  name: string | undefined,
  o: BundleCliOptions,
): Promise<void> {
  requireName(name, o);
  const problems: string[] = [];
  const json: {
    cluster: string;
    group: string;
    bundle: string;
    instances: BundleInstanceStatus[];
  }[] = [];
  const s = await eachCluster(io, o, true, async t => {
    const bundle = await bundleNameFor(io, name, o, t);
    const instances = await io.engine.bundleStatus(bundle, t.kc as KubeConfig);
    const where = isDefaultRuntimeCluster(t.cluster)
      ? ''
      : ` in cluster ${t.cluster.name}`;
    if (!instances.length)
      problems.push(`no instances of bundle ${bundle} found${where}`);
    for (const i of instances)
      for (const ob of i.objects.filter(x => x.state === 'missing'))
        problems.push(`${ob.ref} (instance ${i.name}${where}) not found`);
    json.push({
      cluster: t.cluster.name,
      group: t.cluster.group,
      bundle,
      instances,
    });
    if (o.output === 'json') return;
    if (!instances.length) t.err(`no instances found in bundle ${bundle}\n`);
    instances.forEach(i => t.out(formatBundleStatus(i)));
  });
  if (o.output === 'json') s.out(`${JSON.stringify(json, null, 2)}\n`);
  if (problems.length)
    throw new Error(
      `bundle status completed with errors:\n  ${problems.join('\n  ')}`,
    );
}
