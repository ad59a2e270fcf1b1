import { KubeConfig } from '@kubernetes/client-node';
import { DeployEvent } from '@periscope/backstage-plugin-module-deploy-common';
import {
  InstanceSpec,
  ModuleEngine,
  RenderResult,
  maskSecretData,
} from '@periscope/backstage-plugin-module-deploy-node';
import {
  formatDiff,
  formatPreflight,
  formatObjectStates,
  formatObjects,
  parseOutputFormat,
} from './format';

/**
 * Options shared by the module subcommands (from commander).
 *
 * @public
 */
export interface ModuleCliOptions {
  name?: string;
  namespace?: string;
  values?: string[];
  kubeVersion?: string;
  moduleVersion?: string;
  output?: string;
  kubeconfig?: string;
  context?: string;
  timeout?: string;
  wait?: boolean;
  revision?: string;
  package?: string;
  force?: boolean;
  maskSecrets?: boolean;
  /** `--no-preflight` sets false: no warnings before a deploy, no reads for them. */
  preflight?: boolean;
  /** `--fail-on-warnings`: a preflight warning fails diff (after printing) and refuses apply. */
  failOnWarnings?: boolean;
}

/**
 * Where a subcommand writes, and how it gets a cluster.
 *
 * @public
 */
export interface ModuleCliIo {
  out(s: string): void;
  err(s: string): void;
  engine: ModuleEngine;
  kubeConfig(path?: string, context?: string): KubeConfig;
  /** Reads standard input (bundle files given as `-f -`). */
  stdin?(): Promise<string>;
  /** The environment, for `--runtime-from-env` (default: process.env). */
  env?: Record<string, string | undefined>;
}

function required(v: string | undefined, flag: string): string {
  if (!v) throw new Error(`${flag} is required`);
  return v;
}

function spec(source: string | undefined, o: ModuleCliOptions): InstanceSpec {
  return {
    source: required(source, 'the module argument (<module-dir|oci://ref>)'),
    name: required(o.name, '--name'),
    namespace: required(o.namespace, '--namespace'),
    valuesFiles: o.values ?? [],
    kubeVersion: o.kubeVersion,
    moduleVersion: o.moduleVersion,
    pkg: o.package,
  };
}

/**
 * Parses `--timeout` (300s, 5m, 90000ms; default 5m) into milliseconds.
 *
 * @public
 */
export function timeoutMs(o: Pick<ModuleCliOptions, 'timeout'>): number {
  const t = o.timeout ?? '5m';
  const m = /^(\d+)(ms|s|m)?$/.exec(t);
  if (!m)
    throw new Error(`--timeout must look like 300s, 5m or 90000ms, got '${t}'`);
  const n = Number(m[1]);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
  return n * unit[m[2] ?? 's'];
}

/**
 * Prints deploy events to stderr, one line each.
 *
 * @public
 */
export function printEvent(io: Pick<ModuleCliIo, 'err'>) {
  return (e: DeployEvent) =>
    io.err(
      `[${(e.elapsedMs / 1000).toFixed(1)}s] ${e.phase}${
        e.object ? ` ${e.object}` : ''
      }: ${e.message}\n`,
    );
}

/**
 * Warnings before a deploy: runs the engine's preflight over the rendered objects and the live
 * target namespace and prints its warnings to stderr; with `--fail-on-warnings` any warning
 * throws, naming what to do.
 */
async function preflight(
  io: ModuleCliIo,
  render: RenderResult,
  kc: KubeConfig,
  o: ModuleCliOptions,
  refused: string,
): Promise<void> {
  if (o.preflight === false || !io.engine.preflight) return;
  const report = await io.engine.preflight(render, kc);
  io.err(formatPreflight(report));
  const n = report.warnings.length;
  if (o.failOnWarnings && n > 0)
    throw new Error(
      `${refused}: ${n} preflight warning${
        n > 1 ? 's' : ''
      } and --fail-on-warnings; fix the values or create what is missing (or drop --fail-on-warnings)`,
    );
}

/** `periscope module vet`: render and validate, print a summary. */
export async function vetAction(
  io: ModuleCliIo,
  source: string | undefined,
  o: ModuleCliOptions,
): Promise<void> {
  const r = await io.engine.render(spec(source, o));
  for (const l of r.skippedLinks)
    io.err(
      `warning: skipped symlink ${l} (links are not followed, as in Timoni)\n`,
    );
  io.out(
    `module ${r.module.name} is valid: ${r.objects.length} objects in ${r.sets
      .map(s => `${s.name} (${s.objects.length})`)
      .join(', ')}\n`,
  );
}

/** `periscope module render`: print the objects as YAML stream or JSON array. */
export async function renderAction(
  io: ModuleCliIo,
  source: string | undefined,
  o: ModuleCliOptions,
): Promise<void> {
  const format = parseOutputFormat(o.output);
  const r = await io.engine.render(spec(source, o));
  io.out(
    formatObjects(
      o.maskSecrets ? r.objects.map(maskSecretData) : r.objects,
      format,
    ),
  );
}

/** `periscope module diff`: server-side dry run against the cluster, per object and field. */
export async function diffAction(
  io: ModuleCliIo,
  source: string | undefined,
  o: ModuleCliOptions,
): Promise<void> {
  const format = o.output ? parseOutputFormat(o.output) : undefined;
  const kc = io.kubeConfig(o.kubeconfig, o.context);
  const res = await io.engine.diff(spec(source, o), kc);
  // Secret values arrive masked: diffObjects masks them.
  const diff = res.diff;
  io.out(
    format === 'json' ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff),
  );
  await preflight(io, res.render, kc, o, 'module diff failed');
}

/** `periscope module apply`. */
export async function applyAction(
  io: ModuleCliIo,
  source: string | undefined,
  o: ModuleCliOptions,
): Promise<void> {
  const kc = io.kubeConfig(o.kubeconfig, o.context);
  const { result } = await io.engine.apply(spec(source, o), kc, {
    wait: o.wait !== false,
    force: o.force !== false,
    timeoutMs: timeoutMs(o),
    onEvent: printEvent(io),
    // after the render, before anything is applied
    beforeApply: r =>
      preflight(io, r, kc, o, 'module apply refused, nothing was applied'),
  });
  io.out(
    `applied revision ${result.revision}: ${result.applied.length} objects applied, ${result.pruned.length} pruned\n`,
  );
}

/** `periscope module status`. */
export async function statusAction(
  io: ModuleCliIo,
  o: ModuleCliOptions,
): Promise<void> {
  const { instance, objects } = await io.engine.status(
    required(o.name, '--name'),
    required(o.namespace, '--namespace'),
    io.kubeConfig(o.kubeconfig, o.context),
  );
  if (o.output === 'json') {
    io.out(`${JSON.stringify({ instance, objects }, null, 2)}\n`);
    return;
  }
  io.out(
    `instance ${instance.metadata.namespace}/${
      instance.metadata.name
    }: module ${instance.module.name} ${instance.module.version}${
      instance.module.digest ? ` (${instance.module.digest})` : ''
    }, last applied ${instance.lastTransitionTime ?? 'unknown'}\n`,
  );
  io.out(formatObjectStates(objects));
}

/** `periscope module history`. */
export async function historyAction(
  io: ModuleCliIo,
  o: ModuleCliOptions,
): Promise<void> {
  const revs = await io.engine.history(
    required(o.name, '--name'),
    required(o.namespace, '--namespace'),
    io.kubeConfig(o.kubeconfig, o.context),
  );
  if (o.output === 'json') {
    io.out(
      `${JSON.stringify(
        revs.map(({ sets, ...r }) => ({
          ...r,
          objects: sets.reduce((n, s) => n + s.objects.length, 0),
        })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  if (!revs.length)
    io.out(
      'no revisions recorded (instances deployed by timoni have no history)\n',
    );
  for (const r of revs)
    io.out(
      `${r.revision}\t${r.appliedAt}\t${r.action}\t${r.module.name}@${r.module.version}\t${r.inventory.length} objects\n`,
    );
}

/** `periscope module rollback`. */
export async function rollbackAction(
  io: ModuleCliIo,
  o: ModuleCliOptions,
): Promise<void> {
  let revision: number | undefined;
  if (o.revision !== undefined) {
    revision = Number(o.revision);
    if (!Number.isInteger(revision) || revision < 1)
      throw new Error(
        `--revision must be a positive integer, got '${o.revision}'`,
      );
  }
  const res = await io.engine.rollback(
    required(o.name, '--name'),
    required(o.namespace, '--namespace'),
    revision,
    io.kubeConfig(o.kubeconfig, o.context),
    {
      wait: o.wait !== false,
      timeoutMs: timeoutMs(o),
      onEvent: printEvent(io),
    },
  );
  io.out(
    `rolled back: now revision ${res.revision} (${res.applied.length} objects applied, ${res.pruned.length} pruned)\n`,
  );
}

/** `periscope module delete`. */
export async function deleteAction(
  io: ModuleCliIo,
  o: ModuleCliOptions,
): Promise<void> {
  const deleted = await io.engine.delete(
    required(o.name, '--name'),
    required(o.namespace, '--namespace'),
    io.kubeConfig(o.kubeconfig, o.context),
    { onEvent: printEvent(io) },
  );
  io.out(`deleted ${deleted.length} objects and the instance record\n`);
}
