import { Command, InvalidArgumentError, Option } from 'commander';
import { SEVERITIES } from '@periscope/backstage-plugin-runtime-security-common';
import {
  runSecurityAnalyze,
  type SecurityAnalyzeOptions,
  type SecurityCliIo,
} from '../security/analyze';

function collect(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map(s => s.trim())
      .filter(Boolean),
  ];
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive integer (bytes)');
  return n;
}

function defaultIo(): SecurityCliIo {
  return {
    stdin: process.stdin,
    out: s => process.stdout.write(s),
    err: s => process.stderr.write(s),
  };
}

/**
 * Registers `periscope security analyze`.
 * @public
 */
export function registerSecurityCommand(
  program: Command,
  io: SecurityCliIo = defaultIo(),
): void {
  const security = program
    .command('security')
    .description(
      'Tetragon runtime security: classify exported events into findings',
    );
  security
    .command('analyze')
    .description(
      'Stream a Tetragon JSON export (one event per line) through the detection rules and print aggregated findings',
    )
    .requiredOption(
      '--events <file|->',
      'Tetragon JSON export file, or - for stdin',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json', 'policyreport'])
        .default('text'),
    )
    .option(
      '--rules <yaml>',
      'custom rules YAML (a list of rules or { rules: [...] })',
    )
    .option(
      '--cluster-cidr <cidr>',
      'cluster network (pods, services, nodes); repeatable or comma-separated (default: private ranges)',
      collect,
    )
    .addOption(
      new Option('--report-api <api>', 'API of --output policyreport')
        .choices(['wgpolicyk8s.io/v1alpha2', 'openreports.io/v1alpha1'])
        .default('wgpolicyk8s.io/v1alpha2'),
    )
    .option(
      '--max-line-bytes <n>',
      'skip lines longer than this (default 262144)',
      positiveInt,
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        `exit with code 3 when a finding is at least this severe`,
      ).choices([...SEVERITIES]),
    )
    .option(
      '--debug',
      'print every skipped line with its number and reason to stderr',
    )
    .action(async (opts: SecurityAnalyzeOptions) => {
      const code = await runSecurityAnalyze(opts, io);
      if (code !== 0) process.exitCode = code;
    });
}
