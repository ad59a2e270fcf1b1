import * as fs from 'fs';
import * as readline from 'readline';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import {
  CustomRuleError,
  SEVERITIES,
  createSecurityAnalyzer,
  severityRank,
  validateCustomRules,
  type CustomRuleSpec,
  type PolicyReportApi,
  type SecurityAnalysis,
  type Severity,
} from '@periscope/backstage-plugin-runtime-security-common';
import { formatJson, formatPolicyReports, formatText } from './format';

/**
 * Output formats of `periscope security analyze`.
 * @public
 */
export type SecurityOutputFormat = 'json' | 'text' | 'policyreport';

/**
 * Options of {@link runSecurityAnalyze}, as the command line gives them.
 * @public
 */
export interface SecurityAnalyzeOptions {
  /** A Tetragon JSON export (one event per line), or `-` for stdin. */
  events: string;
  output?: SecurityOutputFormat;
  /** YAML file with custom rules: a list, or `{ rules: [...] }`. */
  rules?: string;
  /** Cluster networks (pod/service/node CIDRs); default: private ranges. */
  clusterCidr?: string[];
  /** API of the policy reports. Default wgpolicyk8s.io/v1alpha2. */
  reportApi?: PolicyReportApi;
  /** Longest accepted line in bytes (default 256 KiB). */
  maxLineBytes?: number;
  /** Exit with code 3 when a finding is at least this severe. */
  failOn?: Severity;
  /** Print every skipped line (number, reason) to stderr. */
  debug?: boolean;
}

/**
 * Where the command reads and writes; tests pass their own.
 * @public
 */
export interface SecurityCliIo {
  stdin: NodeJS.ReadableStream;
  out(text: string): void;
  err(text: string): void;
}

/** Exit code when `--fail-on` matched. */
export const FAIL_ON_EXIT_CODE = 3;

function openEvents(path: string, io: SecurityCliIo): NodeJS.ReadableStream {
  if (path === '-') return io.stdin;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    throw new Error(
      `events file "${path}" does not exist; pass a Tetragon JSON export (one event per line, e.g. from the export-stdout container) or - to read stdin`,
    );
  }
  if (!stat.isFile()) {
    throw new Error(
      `events path "${path}" is not a file; pass a Tetragon JSON export file or - for stdin`,
    );
  }
  return fs.createReadStream(path, { encoding: 'utf8' });
}

/**
 * Reads and validates a custom rules YAML file. Errors name the file and,
 * for invalid rules, the rule and field.
 * @public
 */
export function loadRulesFile(path: string): CustomRuleSpec[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `rules file "${path}" does not exist; pass a YAML file with a list of custom rules`
        : `cannot read rules file "${path}": ${(e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    const where =
      e instanceof YAMLParseError && e.linePos
        ? ` at line ${e.linePos[0].line}`
        : '';
    throw new Error(
      `rules file "${path}" is not valid YAML${where}: ${
        (e as Error).message.split('\n')[0]
      }`,
    );
  }
  try {
    return validateCustomRules(raw);
  } catch (e) {
    if (e instanceof CustomRuleError)
      throw new Error(`rules file "${path}": ${e.message}`);
    throw e;
  }
}

function checkOptions(opts: SecurityAnalyzeOptions): void {
  const output = opts.output ?? 'text';
  if (!['json', 'text', 'policyreport'].includes(output)) {
    throw new Error(
      `--output "${output}" is not supported; use json, text or policyreport`,
    );
  }
  if (opts.failOn !== undefined && !SEVERITIES.includes(opts.failOn)) {
    throw new Error(
      `--fail-on "${
        opts.failOn
      }" is not a severity; use one of ${SEVERITIES.join(', ')}`,
    );
  }
  if (
    opts.maxLineBytes !== undefined &&
    (!Number.isInteger(opts.maxLineBytes) || opts.maxLineBytes <= 0)
  ) {
    throw new Error(
      `--max-line-bytes must be a positive integer, got "${opts.maxLineBytes}"`,
    );
  }
}

/**
 * Streams the events line by line (readline) through parse, classify and
 * aggregate, and returns the analysis.
 * @public
 */
export async function analyzeEventStream(
  input: NodeJS.ReadableStream,
  opts: Omit<SecurityAnalyzeOptions, 'events'>,
  io: Pick<SecurityCliIo, 'err'>,
  customRules: CustomRuleSpec[] = [],
): Promise<SecurityAnalysis> {
  const analyzer = createSecurityAnalyzer({
    customRules,
    clusterCidrs:
      opts.clusterCidr && opts.clusterCidr.length > 0
        ? opts.clusterCidr
        : undefined,
    maxLineBytes: opts.maxLineBytes,
    onSkip: opts.debug
      ? s => io.err(`line ${s.line}: skipped (${s.reason}): ${s.detail}\n`)
      : undefined,
  });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) analyzer.pushLine(line);
  return analyzer.result();
}

/**
 * `periscope security analyze`: returns the exit code (0, or 3 with
 * `--fail-on`); throws an Error with a clear message on bad input.
 * @public
 */
export async function runSecurityAnalyze(
  opts: SecurityAnalyzeOptions,
  io: SecurityCliIo,
): Promise<number> {
  checkOptions(opts);
  const customRules = opts.rules ? loadRulesFile(opts.rules) : [];
  const input = openEvents(opts.events, io);
  let result: SecurityAnalysis;
  try {
    result = await analyzeEventStream(input, opts, io, customRules);
  } catch (e) {
    throw new Error(
      `cannot read events from "${opts.events}": ${(e as Error).message}`,
    );
  }
  const output = opts.output ?? 'text';
  if (output === 'json') io.out(formatJson(result));
  else if (output === 'policyreport')
    io.out(formatPolicyReports(result, opts.reportApi));
  else io.out(formatText(result));
  if (result.events.parsed === 0 && result.events.total > 0) {
    io.err(
      `periscope: warning: none of the ${result.events.total} lines of "${opts.events}" was a Tetragon event (run with --debug to see why)\n`,
    );
  }
  if (opts.failOn) {
    const limit = severityRank(opts.failOn);
    if (result.findings.some(f => severityRank(f.severity) >= limit))
      return FAIL_ON_EXIT_CODE;
  }
  return 0;
}
