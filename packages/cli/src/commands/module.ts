import { Command, Option } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { createModuleEngine } from '@periscope/backstage-plugin-module-deploy-node';
import { registerModulePushCommand } from '../module/push';
import { lazyPullOptions } from '../module/registryConfig';
import {
  ModuleCliIo,
  ModuleCliOptions,
  applyAction,
  deleteAction,
  diffAction,
  historyAction,
  renderAction,
  rollbackAction,
  statusAction,
  vetAction,
  BundleCliOptions,
  bundleApplyAction,
  bundleBuildAction,
  bundleDeleteAction,
  bundleStatusAction,
  bundleVetAction,
} from '../module';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/**
 * Loads a kubeconfig: `--kubeconfig`, else `$PERISCOPE_KUBECONFIG`, else the default
 * (`$KUBECONFIG`, `~/.kube/config`, in-cluster).
 *
 * @public
 */
export function loadKubeConfig(path?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  const file = path ?? process.env.PERISCOPE_KUBECONFIG;
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (e) {
    throw new Error(
      `cannot load kubeconfig ${file ?? '(default)'}: ${(e as Error).message}`,
    );
  }
  if (context) {
    const names = kc.getContexts().map(c => c.name);
    if (!names.includes(context))
      throw new Error(
        `kubeconfig ${
          file ?? '(default)'
        } has no context "${context}" (its contexts: ${
          names.join(', ') || 'none'
        }); pass one of them, or add the context to the kubeconfig`,
      );
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster())
    throw new Error(
      `kubeconfig ${
        file ?? '(default)'
      } has no current cluster; pass --kubeconfig or --context`,
    );
  return kc;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

function defaultIo(): ModuleCliIo {
  return {
    out: s => process.stdout.write(s),
    err: s => process.stderr.write(s),
    // pulls of oci:// modules use the registry config file ($PERISCOPE_REGISTRY_CONFIG or
    // ~/.config/periscope/registries.yaml), never credentials from argv
    engine: createModuleEngine({ pull: lazyPullOptions(process.env) }),
    kubeConfig: loadKubeConfig,
    stdin: readStdin,
    env: process.env,
  };
}

function bundleOptions(cmd: Command, cluster: boolean): Command {
  cmd
    .option(
      '-f, --file <file>',
      'bundle file (.cue, .yaml, .json; - for stdin); repeatable, unified in order',
      collect,
      [],
    )
    .option(
      '-r, --runtime <file>',
      'runtime file (runtime: {apiVersion: "v1alpha1", name, clusters?: {<name>: {group, kubeContext}}, values: [{query: "k8s:v1:Secret:<ns>:<name>", for: {NAME: "obj.data.key"}}]}); repeatable; values are read from each cluster',
      collect,
      [],
    )
    .option(
      '--runtime-from-env',
      'use environment variables as runtime values (runtime files take precedence)',
    )
    .option(
      '--runtime-cluster <name>',
      'only the runtime cluster with this name (* for all)',
      '*',
    )
    .option(
      '--runtime-group <group>',
      'only the runtime clusters of this group (* for all)',
      '*',
    )
    .option(
      '--kubeconfig <path>',
      `kubeconfig file (default: $PERISCOPE_KUBECONFIG, $KUBECONFIG, ~/.kube/config)${
        cluster ? '' : '; only needed when a runtime file has values to read'
      }`,
    )
    .option(
      '--context <context>',
      'kubeconfig context (runtime clusters use their own kubeContext)',
    );
  return cmd;
}

function registerBundleCommand(
  mod: Command,
  run: <A extends unknown[]>(
    fn: (io: ModuleCliIo, ...a: A) => Promise<void>,
  ) => (...a: A) => Promise<void>,
  output: () => Option,
): void {
  const bundle = mod
    .command('bundle')
    .description(
      'Timoni bundles: several instances from one or more bundle files, applied to each runtime cluster in order (timoni bundle vet|build|apply|status|delete)',
    );
  bundleOptions(
    bundle
      .command('vet')
      .description(
        'validate the bundle against the v1alpha1 schema (per runtime cluster); list its instances',
      ),
    false,
  )
    .addOption(output())
    .action(run((i, o: BundleCliOptions) => bundleVetAction(i, o)));
  bundleOptions(
    bundle
      .command('build')
      .description(
        'render every instance and print the objects (one runtime cluster; runtime values from Secrets are masked)',
      ),
    false,
  )
    .addOption(output().default('yaml'))
    .option(
      '--mask-secrets',
      'print *** for every data / stringData entry of Secret objects',
    )
    .option(
      '--kube-version <version>',
      'Kubernetes version injected into the modules (default 1.36.3)',
    )
    .option('-p, --package <name>', 'CUE package of the instances', 'main')
    .action(run((i, o: BundleCliOptions) => bundleBuildAction(i, o)));
  bundleOptions(
    bundle
      .command('apply')
      .description(
        'for each runtime cluster in order: render every instance, then apply them in order (each waited for, pruned and stored like Timoni); a failure stops the clusters after it',
      ),
    true,
  )
    .option(
      '--diff',
      'server-side dry run; print the per-field diff of each instance',
    )
    .option('--dry-run', 'server-side dry run; print what each object would do')
    .option('--timeout <duration>', 'readiness timeout per apply set', '5m')
    .option('--no-wait', 'do not wait for readiness')
    .option(
      '--no-force',
      'stop on fields owned by another field manager instead of taking them over',
    )
    .option(
      '--overwrite-ownership',
      'take over instances that exist but are not managed by this bundle',
    )
    .option('-p, --package <name>', 'CUE package of the instances', 'main')
    .action(run((i, o: BundleCliOptions) => bundleApplyAction(i, o)));
  bundleOptions(
    bundle
      .command('status [name]')
      .description(
        'per runtime cluster: each instance of the bundle (name, or -f to read bundle.name) with module, digest, last applied, images and object readiness',
      ),
    true,
  )
    .addOption(
      new Option(
        '-o, --output <format>',
        'json: the statuses per cluster as JSON',
      ).choices(['json']),
    )
    .action(
      run((i, name: string | undefined, o: BundleCliOptions) =>
        bundleStatusAction(i, name, o),
      ),
    );
  bundleOptions(
    bundle
      .command('delete [name]')
      .description(
        'delete every instance of the bundle (found by the bundle.timoni.sh/name label) in each runtime cluster, last installed first',
      ),
    true,
  ).action(
    run((i, name: string | undefined, o: BundleCliOptions) =>
      bundleDeleteAction(i, name, o),
    ),
  );
}

/** The preflight options of `module diff` and `module apply`. */
function preflightOptions(cmd: Command): Command {
  return cmd
    .option(
      '--no-preflight',
      'skip the warnings before a deploy (reference checks over the rendered objects and the live namespace)',
    )
    .option(
      '--fail-on-warnings',
      'exit non-zero when the preflight warns (diff: after printing; apply: before anything is applied)',
    );
}

function instanceOptions(cmd: Command, withValues: boolean): Command {
  cmd
    .requiredOption('--name <name>', 'instance name')
    .requiredOption('-n, --namespace <namespace>', 'instance namespace')
    .option(
      '--kubeconfig <path>',
      'kubeconfig file (default: $PERISCOPE_KUBECONFIG, $KUBECONFIG, ~/.kube/config)',
    )
    .option('--context <context>', 'kubeconfig context');
  if (withValues) {
    cmd
      .option(
        '-f, --values <file>',
        'values file (.cue, .yaml, .json with a top-level values field); repeatable, merged in order',
        collect,
        [],
      )
      .option(
        '--kube-version <version>',
        'Kubernetes version injected into the module (default: the cluster, else 1.36.3)',
      )
      .option(
        '--module-version <version>',
        'module version injected into the module (default: OCI tag, else 0.0.0-devel)',
      )
      .option('-p, --package <name>', 'CUE package of the instance', 'main');
  }
  return cmd;
}

/**
 * Registers `periscope module vet|render|diff|apply|status|history|rollback|delete|bundle|push`.
 *
 * @public
 */
export function registerModuleCommand(
  program: Command,
  io: () => ModuleCliIo = defaultIo,
): Command {
  const mod = program
    .command('module')
    .description(
      'Render, diff and deploy Timoni modules (rendered with the real cue)',
    );
  const output = () =>
    new Option('-o, --output <format>', 'output format').choices([
      'yaml',
      'json',
    ]);
  const run =
    <A extends unknown[]>(fn: (io: ModuleCliIo, ...a: A) => Promise<void>) =>
    (...a: A) =>
      fn(io(), ...a);

  instanceOptions(
    mod
      .command('vet <module>')
      .description(
        'render the module and validate the values; print a summary',
      ),
    true,
  ).action(
    run((i, source: string, o: ModuleCliOptions) => vetAction(i, source, o)),
  );
  instanceOptions(
    mod
      .command('render <module>')
      .description('print the Kubernetes objects (YAML stream, or JSON array)'),
    true,
  )
    .addOption(output().default('yaml'))
    .option(
      '--mask-secrets',
      'print *** for every data / stringData entry of Secret objects',
    )
    .action(
      run((i, source: string, o: ModuleCliOptions) =>
        renderAction(i, source, o),
      ),
    );
  preflightOptions(
    instanceOptions(
      mod
        .command('diff <module>')
        .description(
          'server-side dry run: what apply would create, change, leave, prune; warnings (stderr) for what the change would break',
        ),
      true,
    ),
  )
    .addOption(output())
    .action(
      run((i, source: string, o: ModuleCliOptions) => diffAction(i, source, o)),
    );
  preflightOptions(
    instanceOptions(
      mod
        .command('apply <module>')
        .description(
          'apply in dependency order, wait for readiness, prune, store the instance like Timoni',
        ),
      true,
    ),
  )
    .option(
      '--timeout <duration>',
      'readiness timeout per apply set (e.g. 300s, 5m)',
      '5m',
    )
    .option('--no-wait', 'do not wait for readiness')
    .option(
      '--no-force',
      'stop on fields owned by another field manager instead of taking them over',
    )
    .action(
      run((i, source: string, o: ModuleCliOptions) =>
        applyAction(i, source, o),
      ),
    );
  instanceOptions(
    mod
      .command('status [module]')
      .description('instance record and live readiness of its objects'),
    false,
  )
    .addOption(output())
    .action(
      run((i, _s: string | undefined, o: ModuleCliOptions) =>
        statusAction(i, o),
      ),
    );
  instanceOptions(
    mod
      .command('history [module]')
      .description('revisions recorded by Periscope'),
    false,
  )
    .addOption(output())
    .action(
      run((i, _s: string | undefined, o: ModuleCliOptions) =>
        historyAction(i, o),
      ),
    );
  instanceOptions(
    mod
      .command('rollback [module]')
      .description('re-apply a recorded revision (default: the previous one)'),
    false,
  )
    .option('--revision <n>', 'revision to roll back to')
    .option('--timeout <duration>', 'readiness timeout', '5m')
    .option('--no-wait', 'do not wait for readiness')
    .action(
      run((i, _s: string | undefined, o: ModuleCliOptions) =>
        rollbackAction(i, o),
      ),
    );
  instanceOptions(
    mod
      .command('delete [module]')
      .description('delete the instance objects and its record'),
    false,
  ).action(
    run((i, _s: string | undefined, o: ModuleCliOptions) => deleteAction(i, o)),
  );
  registerBundleCommand(mod, run, output);
  registerModulePushCommand(mod);
  return mod;
}
