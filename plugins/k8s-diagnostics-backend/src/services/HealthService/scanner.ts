import {
  AnalysisReport,
  ClusterSnapshot,
  resolveAnalyzers,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  analyzeWithEvents,
  ClusterRequestError,
  createKubeHttp,
  KubeHttp,
  readEventsOf,
  scanCluster,
} from '@periscope/backstage-plugin-k8s-diagnostics-node';
import { ClusterDetails, ClusterError, classifyClusterError, fanOutClusters, kubeConfigFor } from '@periscope/kube-access';
import { listOperatorResults, mergeSources, operatorFindings } from '../OperatorResults';
import { ScannedFinding, toFindings } from './findings';

/** One cluster's scan: what was listed and what the analyzers found. */
export interface ClusterScan {
  cluster: string;
  snapshot: ClusterSnapshot;
  findings: ScannedFinding[];
  warnings: string[];
  /** The cluster answered the scan, but a second source (k8sgpt-operator Results) failed. */
  errors: ClusterError[];
}

/** What a scan reads besides the live objects. */
export interface ScanOptions {
  analyzers: string[];
  namespace?: string;
  timeoutMs: number;
  /** Whether to read k8sgpt-operator Result objects from this cluster. */
  operatorResults?: (cluster: string) => boolean;
}

/** Time kept back for the Result list so the cluster's overall timeout does not fire first. */
const OPERATOR_MARGIN_MS = 250;

/**
 * Adds the cluster's k8sgpt-operator Results to its findings. No CRD: nothing to add. A failing
 * list (401, 403, timeout...) becomes a typed error for this cluster; the live findings stay.
 */
async function withOperatorResults(
  cluster: ClusterDetails,
  scan: ClusterScan,
  opts: { namespace?: string; timeoutMs: number; http: KubeHttp },
): Promise<ClusterScan> {
  const { namespace, timeoutMs } = opts;
  try {
    const list = await listOperatorResults(kubeConfigFor(cluster), { timeoutMs, namespace });
    if (!list.installed) return scan;
    const warnings = [...scan.warnings, ...list.warnings.map(w => `${cluster.name}: ${w}`)];
    // The Results' findings list their objects' events: read every event of those namespaces.
    if (scan.snapshot.partialEvents) {
      const namespaces = [...new Set(list.results.map(r => r.object.namespace ?? ''))].filter(Boolean);
      await readEventsOf(opts.http, scan.snapshot, namespaces).catch(e =>
        warnings.push(`${cluster.name}: events of ${namespaces.join(', ')} not read, k8sgpt-operator findings there list warning events only: ${(e as Error).message}`),
      );
    }
    return { ...scan, warnings, findings: mergeSources(scan.findings, operatorFindings(cluster.name, scan.snapshot, list.results)) };
  } catch (e) {
    const err = classifyClusterError(cluster.name, e);
    const hint = err.errorType === 'FORBIDDEN'
      ? ` Grant list on results.core.k8sgpt.ai, or turn the source off with k8sDiagnostics.operatorResults.enabled: false (or leave '${cluster.name}' out of k8sDiagnostics.operatorResults.clusters).`
      : '';
    return { ...scan, errors: [...scan.errors, { ...err, message: `k8sgpt-operator Results not read: ${err.message}${hint}` }] };
  }
}

/** The scan of every configured cluster: the reachable ones, and a typed error for each other. */
export interface ScanOutcome {
  scans: ClusterScan[];
  errors: ClusterError[];
}

async function scanOne(cluster: ClusterDetails, options: ScanOptions, signal?: AbortSignal): Promise<ClusterScan> {
  const { namespace, timeoutMs } = options;
  const started = Date.now();
  const http = await createKubeHttp(kubeConfigFor(cluster, { signal }), timeoutMs, { signal });
  const wanted = resolveAnalyzers(options.analyzers);
  // kube-access classifies by statusCode; ClusterRequestError calls it status.
  const typed = (e: unknown) => (e instanceof ClusterRequestError && e.status ? Object.assign(e, { statusCode: e.status }) : e);
  let scan;
  try {
    // Warning events only, then every event of the namespaces the analysis looks into (below):
    // a cluster's Normal events are most of them, and the findings are the same.
    scan = await scanCluster(http, { analyzers: wanted, namespace, events: 'warnings' });
  } catch (e) {
    throw typed(e);
  }
  const warnings: string[] = [];
  // An analyzer whose input could not be listed would report false problems: skip it.
  const runnable = wanted.filter(a => {
    const missing = a.inputKinds.filter(k => k !== 'Event' && scan.unavailable.has(k));
    if (missing.length > 0) warnings.push(`${cluster.name}: ${a.name} analyzer skipped: ${missing.map(k => scan.unavailable.get(k)).join('; ')}`);
    return missing.length === 0;
  });
  if (scan.unavailable.has('Event')) warnings.push(`${cluster.name}: events not read: ${scan.unavailable.get('Event')}`);
  let report: AnalysisReport = { results: [], errors: [], analyzers: [] };
  try {
    if (runnable.length) report = await analyzeWithEvents(http, scan.snapshot, { filters: runnable.map(a => a.name), namespace });
  } catch (e) {
    throw typed(e);
  }
  warnings.push(...report.errors.map(e => `${cluster.name}: ${e}`));
  const live: ClusterScan = { cluster: cluster.name, snapshot: scan.snapshot, findings: toFindings(cluster.name, scan.snapshot, report.results), warnings, errors: [] };
  if (!options.operatorResults?.(cluster.name)) return live;
  return withOperatorResults(cluster, live, {
    namespace,
    http,
    timeoutMs: Math.max(1, timeoutMs - (Date.now() - started) - OPERATOR_MARGIN_MS),
  });
}

/**
 * Scans every cluster in parallel (namespace-scoped when a namespace is given) and runs the
 * analyzers; an unreachable or rejecting cluster becomes a typed error, the others still return.
 */
export async function scanClusters(clusters: ClusterDetails[], options: ScanOptions): Promise<ScanOutcome> {
  const { results, errors } = await fanOutClusters(clusters, (cluster, signal) => scanOne(cluster, options, signal), { timeoutMs: options.timeoutMs });
  const scans = results.map(r => r.value);
  return { scans, errors: [...errors, ...scans.flatMap(s => s.errors)] };
}
