import { Command, Option } from 'commander';
import {
  ANALYZERS,
  SEVERITIES,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { DiagnoseIo, DiagnoseOptions, runDiagnose } from '../diagnose';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

const processIo = (): DiagnoseIo => ({
  stdout: s => process.stdout.write(s),
  stderr: s => process.stderr.write(s),
});

/**
 * Registers `periscope diagnose`: k8sgpt's analyzers over YAML/JSON objects or a live cluster.
 *
 * @public
 */
export function registerDiagnoseCommand(
  program: Command,
  io: () => DiagnoseIo = processIo,
): Command {
  return program
    .command('diagnose')
    .description(
      'Find broken Kubernetes objects (k8sgpt analyzers) in YAML/JSON files or a live cluster',
    )
    .option(
      '--objects <path>',
      'a YAML/JSON file (multi-document, List, kubectl get -A -o json) or a directory of them',
    )
    .option(
      '--kubeconfig <path>',
      'scan the cluster of this kubeconfig (default: $PERISCOPE_KUBECONFIG)',
    )
    .option('--context <name>', 'kubeconfig context (default: current-context)')
    .option(
      '-n, --namespace <namespace>',
      'only objects in this namespace (cluster-scoped objects are always analyzed)',
    )
    .option(
      '-l, --selector <selector>',
      'label selector, e.g. app=web,tier!=db',
    )
    .option(
      '-f, --filter <analyzers>',
      `analyzers to run, comma-separated or repeated (default: k8sgpt's core ones plus ` +
        `${ANALYZERS.filter(a => a.enabledByDefault && !a.fromK8sgpt)
          .map(a => a.name)
          .join(', ')}); ` +
        `available: ${ANALYZERS.map(a => a.name).join(', ')}`,
      collect,
      [],
    )
    .option(
      '--exists <refs>',
      'with --objects: referenced objects that exist outside the input, not to report as missing: ' +
        'Kind (all of it), Kind/name or Kind/namespace/name, comma-separated or repeated (e.g. Secret/shop/db,StorageClass)',
      collect,
      [],
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 3 when a finding has this severity or worse',
      ).choices([...SEVERITIES]),
    )
    .action(async (opts: DiagnoseOptions) => {
      process.exitCode = await runDiagnose(opts, io());
    });
}
