import { KubeConfig } from '@kubernetes/client-node';
import {
  AnalysisReport,
  AnalyzeOptions,
  AnalyzerDefinition,
  ExistingObject,
  REFERENCED_KINDS,
  SEVERITIES,
  Severity,
  analyze,
  createSnapshot,
  formatGoJson,
  formatText,
  parseLabelSelector,
  resolveAnalyzers,
  toK8sgptJson,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { loadKubeConfigFile } from '@periscope/kube-access';
import {
  ROW_FIRST_READS,
  analyzeWithEvents,
  createKubeHttp,
  fetchFailingPodLogs,
  scanCluster,
} from '@periscope/backstage-plugin-k8s-diagnostics-node';
import { loadObjects } from './files';

/**
 * Options of `periscope diagnose`.
 *
 * @public
 */
export interface DiagnoseOptions {
  /** A YAML/JSON file or a directory of them. */
  objects?: string;
  /** A kubeconfig file, for a live scan. */
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  selector?: string;
  /** Analyzer names; comma-separated strings are split. */
  filter?: string[];
  output?: 'json' | 'text';
  /** Exit with 3 when a failure of this severity or worse is found. */
  failOn?: Severity;
  /**
   * With `objects`: referenced objects that exist outside the input, so the reference checks do
   * not report them: `Kind` (every object of the kind), `Kind/name` (in any namespace) or
   * `Kind/namespace/name`; comma-separated strings are split.
   */
  exists?: string[];
}

/** @public */
export interface DiagnoseIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment (for PERISCOPE_KUBECONFIG); defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Loads a kubeconfig; defaults to @periscope/kube-access `loadKubeConfigFile`. */
  loadKubeConfig?: (path: string, context?: string) => KubeConfig;
}

/** Exit codes of `periscope diagnose`. @public */
export const DIAGNOSE_EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  findings: 3,
} as const;

class UsageError extends Error {}

function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap(v => v.split(','))
    .map(v => v.trim())
    .filter(Boolean);
}

function parseExists(values: string[]): ExistingObject[] {
  return values.map(v => {
    const parts = v.split('/');
    const kind = REFERENCED_KINDS.find(
      k => k.toLowerCase() === parts[0].toLowerCase(),
    );
    if (!kind || parts.length > 3 || parts.some(p => p === '')) {
      throw new UsageError(
        `--exists takes Kind, Kind/name or Kind/namespace/name with Kind one of ${REFERENCED_KINDS.join(
          ', ',
        )}, not "${v}"`,
      );
    }
    if (parts.length === 1) return { kind };
    if (parts.length === 2) return { kind, name: parts[1] };
    return { kind, namespace: parts[1], name: parts[2] };
  });
}

interface Plan {
  analyzers: AnalyzerDefinition[];
  filters: string[];
  existsElsewhere: ExistingObject[];
  source: { objects: string } | { kubeconfig: string; context?: string };
}

function plan(
  opts: DiagnoseOptions,
  env: Record<string, string | undefined>,
): Plan {
  if (opts.objects && opts.kubeconfig) {
    throw new UsageError(
      'pass either --objects <file|dir> or --kubeconfig <path>, not both',
    );
  }
  const kubeconfig = opts.objects
    ? undefined
    : opts.kubeconfig ?? env.PERISCOPE_KUBECONFIG;
  if (!opts.objects && !kubeconfig) {
    throw new UsageError(
      'nothing to diagnose: pass --objects <file|dir> (YAML/JSON objects) or --kubeconfig <path> (live cluster)',
    );
  }
  const exists = splitList(opts.exists);
  if (exists.length > 0 && !opts.objects) {
    throw new UsageError(
      '--exists needs --objects (a live scan sees what exists)',
    );
  }
  if (opts.context && !kubeconfig) {
    throw new UsageError('--context needs --kubeconfig');
  }
  if (opts.output && opts.output !== 'json' && opts.output !== 'text') {
    throw new UsageError(`--output must be json or text, not "${opts.output}"`);
  }
  if (opts.failOn && !SEVERITIES.includes(opts.failOn)) {
    throw new UsageError(
      `--fail-on must be one of ${SEVERITIES.join(', ')}, not "${opts.failOn}"`,
    );
  }
  parseLabelSelector(opts.selector ?? '');
  const filters = splitList(opts.filter);
  const analyzers = resolveAnalyzers(filters);
  return {
    analyzers,
    filters,
    existsElsewhere: parseExists(exists),
    source: opts.objects
      ? { objects: opts.objects }
      : { kubeconfig: kubeconfig!, context: opts.context },
  };
}

async function liveSnapshot(
  p: Plan & { source: { kubeconfig: string; context?: string } },
  opts: DiagnoseOptions,
  io: DiagnoseIo,
): Promise<{
  warnings: string[];
  analyzers: AnalyzerDefinition[];
  /** Analyzes the scan, reading every event of the namespaces the analysis asks for. */
  analyze: (options: AnalyzeOptions) => Promise<AnalysisReport>;
}> {
  const load = io.loadKubeConfig ?? loadKubeConfigFile;
  const kc = load(p.source.kubeconfig, p.source.context);
  const http = await createKubeHttp(kc);
  // Only the failing pods, Deployments and ReplicaSets in full (where the analyzers allow it), and
  // events only of the namespaces an analyzer looks into (read by analyzeWithEvents): a CLI run
  // reports, it keeps no picture of the cluster.
  const scan = await scanCluster(http, {
    analyzers: p.analyzers,
    namespace: opts.namespace,
    ...ROW_FIRST_READS,
  });
  const warnings: string[] = [];
  // An analyzer whose input could not be listed would report false problems: skip it.
  const analyzers = p.analyzers.filter(a => {
    const missing = a.inputKinds.filter(
      k => k !== 'Event' && scan.unavailable.has(k),
    );
    if (missing.length === 0) return true;
    warnings.push(
      `${a.name} analyzer skipped: ${missing
        .map(k => scan.unavailable.get(k))
        .join('; ')}`,
    );
    return false;
  });
  // Optional inputs that could not be listed: those references are not checked (not reported missing).
  for (const a of analyzers) {
    for (const k of (a.optionalInputKinds ?? []).filter(kind =>
      scan.unavailable.has(kind),
    )) {
      warnings.push(
        `${
          a.name
        } analyzer does not check references to ${k}: ${scan.unavailable.get(
          k,
        )}`,
      );
    }
  }
  if (scan.unavailable.has('Event')) {
    warnings.push(
      `events not read, event-based findings are missing: ${scan.unavailable.get(
        'Event',
      )}`,
    );
  }
  if (analyzers.some(a => a.name === 'Log')) {
    await fetchFailingPodLogs(http, scan.snapshot, {
      namespace: opts.namespace,
    });
  }
  return {
    warnings,
    analyzers,
    analyze: options => analyzeWithEvents(http, scan.snapshot, options),
  };
}

function render(report: AnalysisReport, output: 'json' | 'text'): string {
  return output === 'json'
    ? `${formatGoJson(toK8sgptJson(report))}\n`
    : formatText(report);
}

function exitCode(report: AnalysisReport, failOn?: Severity): number {
  if (!failOn) return DIAGNOSE_EXIT.ok;
  const limit = SEVERITIES.indexOf(failOn);
  const hit = report.results.some(r => SEVERITIES.indexOf(r.severity) <= limit);
  return hit ? DIAGNOSE_EXIT.findings : DIAGNOSE_EXIT.ok;
}

/**
 * `periscope diagnose` as a function: analyzes objects from files or a live cluster and prints
 * the findings. Returns the exit code (0 ok, 1 input/cluster error, 2 usage error, 3 findings at
 * or above --fail-on); every error is one clear line on stderr.
 *
 * @public
 */
export async function runDiagnose(
  opts: DiagnoseOptions,
  io: DiagnoseIo,
): Promise<number> {
  const env = io.env ?? process.env;
  let p: Plan;
  try {
    p = plan(opts, env);
  } catch (e) {
    io.stderr(`periscope diagnose: ${(e as Error).message}\n`);
    return DIAGNOSE_EXIT.usage;
  }
  try {
    let analyzers = p.analyzers;
    // Objects from files hold every event; a live scan reads the rest where the analysis asks.
    let analyzeSnapshot: (options: AnalyzeOptions) => Promise<AnalysisReport>;
    const warnings: string[] = [];
    if ('objects' in p.source) {
      const snapshot = createSnapshot(
        loadObjects(p.source.objects),
        p.existsElsewhere.length ? { existsElsewhere: p.existsElsewhere } : {},
      );
      analyzeSnapshot = async options => analyze(snapshot, options);
      if (analyzers.some(a => a.name === 'Log')) {
        warnings.push(
          'Log analyzer has no logs to read in --objects mode (use --kubeconfig)',
        );
      }
    } else {
      const live = await liveSnapshot({ ...p, source: p.source }, opts, io);
      analyzers = live.analyzers;
      analyzeSnapshot = live.analyze;
      warnings.push(...live.warnings);
    }
    if (analyzers.length === 0) {
      io.stderr(
        `periscope diagnose: no analyzer could run:\n${warnings
          .map(w => `- ${w}`)
          .join('\n')}\n`,
      );
      return DIAGNOSE_EXIT.error;
    }
    // Neither output format shows a result's related events: leave them out (and unread).
    const report = await analyzeSnapshot({
      filters: analyzers.map(a => a.name),
      namespace: opts.namespace,
      selector: opts.selector,
      relatedEvents: false,
    });
    report.errors.unshift(...warnings);
    io.stdout(render(report, opts.output ?? 'text'));
    return exitCode(report, opts.failOn);
  } catch (e) {
    io.stderr(`periscope diagnose: ${(e as Error).message}\n`);
    return DIAGNOSE_EXIT.error;
  }
}
