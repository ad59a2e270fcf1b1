import {
  analyze,
  ClusterSnapshot,
  resolveAnalyzers,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  ClusterRequestError,
  createKubeHttp,
  scanCluster,
} from '@periscope/backstage-plugin-k8s-diagnostics-node';
import { ClusterDetails, ClusterError, fanOutClusters, kubeConfigFor } from '@periscope/kube-access';
import { ScannedFinding, toFindings } from './findings';

/** One cluster's scan: what was listed and what the analyzers found. */
export interface ClusterScan {
  cluster: string;
  snapshot: ClusterSnapshot;
  findings: ScannedFinding[];
  warnings: string[];
}

/** The scan of every configured cluster: the reachable ones, and a typed error for each other. */
export interface ScanOutcome {
  scans: ClusterScan[];
  errors: ClusterError[];
}

async function scanOne(cluster: ClusterDetails, analyzerNames: string[], namespace: string | undefined, timeoutMs: number): Promise<ClusterScan> {
  const http = await createKubeHttp(kubeConfigFor(cluster), timeoutMs);
  const wanted = resolveAnalyzers(analyzerNames);
  let scan;
  try {
    scan = await scanCluster(http, { analyzers: wanted, namespace });
  } catch (e) {
    // kube-access classifies by statusCode; ClusterRequestError calls it status.
    if (e instanceof ClusterRequestError && e.status) throw Object.assign(e, { statusCode: e.status });
    throw e;
  }
  const warnings: string[] = [];
  // An analyzer whose input could not be listed would report false problems: skip it.
  const runnable = wanted.filter(a => {
    const missing = a.inputKinds.filter(k => k !== 'Event' && scan.unavailable.has(k));
    if (missing.length > 0) warnings.push(`${cluster.name}: ${a.name} analyzer skipped: ${missing.map(k => scan.unavailable.get(k)).join('; ')}`);
    return missing.length === 0;
  });
  if (scan.unavailable.has('Event')) warnings.push(`${cluster.name}: events not read: ${scan.unavailable.get('Event')}`);
  const report = runnable.length
    ? analyze(scan.snapshot, { filters: runnable.map(a => a.name), namespace })
    : { results: [], errors: [] };
  warnings.push(...report.errors.map(e => `${cluster.name}: ${e}`));
  return { cluster: cluster.name, snapshot: scan.snapshot, findings: toFindings(cluster.name, scan.snapshot, report.results), warnings };
}

/**
 * Scans every cluster in parallel (namespace-scoped when a namespace is given) and runs the
 * analyzers; an unreachable or rejecting cluster becomes a typed error, the others still return.
 */
export async function scanClusters(
  clusters: ClusterDetails[],
  options: { analyzers: string[]; namespace?: string; timeoutMs: number },
): Promise<ScanOutcome> {
  const { results, errors } = await fanOutClusters(
    clusters,
    cluster => scanOne(cluster, options.analyzers, options.namespace, options.timeoutMs),
    { timeoutMs: options.timeoutMs },
  );
  return { scans: results.map(r => r.value), errors };
}
