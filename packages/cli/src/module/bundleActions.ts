import { KubeConfig } from '@kubernetes/client-node';
import {
  Bundle,
  BundleFile,
  maskSecrets,
} from '@periscope/backstage-plugin-module-deploy-backend/engine';
import { ModuleCliIo, printEvent, timeoutMs } from './actions';
import { formatDiff, formatObjects, parseOutputFormat } from './format';

/**
 * Options of `periscope module bundle vet|build|apply|delete` (from commander).
 *
 * @public
 */
export interface BundleCliOptions {
  file?: string[];
  runtime?: string[];
  runtimeFromEnv?: boolean;
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
}

/** Output that never shows a runtime value read from a Secret. */
interface Session {
  out(s: string): void;
  err(s: string): void;
  secrets: string[];
  values: Record<string, string>;
  kc?: KubeConfig;
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

async function session(
  io: ModuleCliIo,
  o: BundleCliOptions,
  needCluster: boolean,
): Promise<Session> {
  const kc =
    needCluster || o.runtime?.length
      ? io.kubeConfig(o.kubeconfig, o.context)
      : undefined;
  const rv = await io.engine.runtimeValues(
    {
      files: o.runtime,
      env: o.runtimeFromEnv ? io.env ?? process.env : undefined,
    },
    kc,
  );
  const secrets = rv.secretNames.map(n => rv.values[n]);
  return {
    out: s => io.out(maskSecrets(s, secrets)),
    err: s => io.err(maskSecrets(s, secrets)),
    secrets,
    values: rv.values,
    kc,
  };
}

/** Runs a bundle action; any error message is masked before it can be printed. */
async function masked<T>(s: Session, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error) e.message = maskSecrets(e.message, s.secrets);
    throw e;
  }
}

async function load(
  io: ModuleCliIo,
  o: BundleCliOptions,
  s: Session,
): Promise<Bundle> {
  const bundle = await io.engine.loadBundle(await bundleFiles(io, o), s.values);
  for (const n of bundle.unresolved)
    s.err(
      `note: runtime value ${n} not provided; its field keeps the default written in the bundle\n`,
    );
  return bundle;
}

/** `periscope module bundle vet`: validate the bundle, list its instances. */
export async function bundleVetAction(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<void> {
  const s = await session(io, o, false);
  await masked(s, async () => {
    const b = await load(io, o, s);
    if (o.output === 'json') {
      s.out(`${JSON.stringify(b, null, 2)}\n`);
      return;
    }
    s.out(`bundle ${b.name} is valid: ${b.instances.length} instance(s)\n`);
    for (const i of b.instances)
      s.out(
        `  ${i.name}: ${i.module.url}@${i.module.version}${
          i.module.digest ? ` (${i.module.digest})` : ''
        } in namespace ${i.namespace}\n`,
      );
  });
}

/** `periscope module bundle build`: render every instance and print the objects. */
export async function bundleBuildAction(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<void> {
  const format = parseOutputFormat(o.output);
  const s = await session(io, o, false);
  await masked(s, async () => {
    const b = await load(io, o, s);
    const renders = await io.engine.renderBundle(b, undefined, {
      kubeVersion: o.kubeVersion,
      pkg: o.package,
    });
    s.out(
      formatObjects(
        renders.flatMap(r => r.render.objects),
        format,
      ),
    );
  });
}

/** `periscope module bundle apply`: apply every instance in order (or `--diff` / `--dry-run`). */
export async function bundleApplyAction(
  io: ModuleCliIo,
  o: BundleCliOptions,
): Promise<void> {
  const s = await session(io, o, true);
  const kc = s.kc as KubeConfig;
  await masked(s, async () => {
    const b = await load(io, o, s);
    if (o.diff || o.dryRun) {
      const diffs = await io.engine.diffBundle(b, kc, { pkg: o.package });
      for (const d of diffs) {
        s.out(
          `instance ${d.instance.name} (namespace ${d.instance.namespace}), server dry run:\n`,
        );
        s.out(
          o.diff
            ? formatDiff(d.diff)
            : `${d.diff.map(x => `  ${x.ref} ${x.action}`).join('\n')}\n`,
        );
      }
      return;
    }
    const done = await io.engine.applyBundle(b, kc, {
      wait: o.wait !== false,
      force: o.force !== false,
      overwriteOwnership: o.overwriteOwnership === true,
      timeoutMs: timeoutMs(o),
      onEvent: printEvent({ err: s.err }),
      pkg: o.package,
    });
    for (const d of done)
      s.out(
        `instance ${d.instance.name}: revision ${d.result.revision}, ${d.result.applied.length} applied, ${d.result.pruned.length} pruned\n`,
      );
    s.out(`bundle ${b.name} applied: ${done.length} instance(s)\n`);
  });
}

/** `periscope module bundle delete [name]`: delete the bundle's instances (name or `-f`). */
export async function bundleDeleteAction(
  io: ModuleCliIo,
  name: string | undefined,
  o: BundleCliOptions,
): Promise<void> {
  if (!name && !o.file?.length)
    throw new Error(
      'bundle name is required: pass it, or the bundle file with -f',
    );
  const s = await session(io, o, true);
  await masked(s, async () => {
    const bundleName =
      name ?? (await io.engine.bundleName(await bundleFiles(io, o), s.values));
    const res = await io.engine.deleteBundle(bundleName, s.kc as KubeConfig, {
      onEvent: printEvent({ err: s.err }),
    });
    for (const r of res)
      s.out(
        `instance ${r.name} in namespace ${r.namespace}: ${r.deleted.length} objects deleted\n`,
      );
    s.out(`bundle ${bundleName} deleted: ${res.length} instance(s)\n`);
  });
}
