import {
  AnalysisReport,
  ClusterSnapshot,
  KubeObject,
  resolveAnalyzers,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  analyzeWithEvents,
  ClusterRequestError,
  createKubeHttp,
  KubeHttp,
  readEventsOf,
  readObjectsInto,
  readRowObjects,
  ROW_FIRST_READS,
  scanCluster,
} from '@periscope/backstage-plugin-k8s-diagnostics-node';
import {
  ClusterDetails,
  ClusterError,
  classifyClusterError,
  fanOutClusters,
  inSelectorNamespace,
  kubeConfigFor,
  matchesLabelSelector,
  WorkloadSelector,
} from '@periscope/kube-access';
import {
  listOperatorResults,
  mergeSources,
  operatorFindings,
  OperatorResultList,
} from '../OperatorResults';
import {
  ScannedFinding,
  toFindings,
  withRowObjects,
  workloadsOf,
} from './findings';

/** One cluster's scan: what was listed and what the analyzers found. */
export interface ClusterScan {
  cluster: string;
  /**
   * What the scan read in full: the failing objects, what the analyzers need whole, and the
   * objects (with their owners) that findings name. Pods, Deployments and ReplicaSets read as
   * Table rows only are not in it: {@link entityWorkloads} reads an entity's on demand.
   */
  snapshot: ClusterSnapshot;
  /** Kinds of which the snapshot holds only some objects (read as rows first). */
  rowKinds?: RowKind[];
  /**
   * Reads the light objects of one kind that match an entity's selector (one Table request, or
   * the share of a batch {@link prefetchEntityWorkloads} asked for; they may hold more rows).
   */
  readRows?: (
    kind: RowKind,
    selector: WorkloadSelector,
  ) => Promise<KubeObject[]>;
  /** Asks for the rows of many selectors in batches (see {@link prefetchEntityWorkloads}). */
  prefetchRows?: (kind: RowKind, selectors: WorkloadSelector[]) => void;
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
  /**
   * `row-first` (the default): the CLI's reads ({@link ROW_FIRST_READS}); `full`: every pod,
   * Deployment, ReplicaSet and event in full (the reference the tests compare with).
   */
  reads?: 'row-first' | 'full';
}

type RowKind = 'Pod' | 'Deployment' | 'ReplicaSet';
/** A label selector of one equality (`key=value`, `key==value`): rows of many such share a request. */
const SIMPLE_SELECTOR =
  /^([A-Za-z0-9][-A-Za-z0-9_./]*)\s*==?\s*([A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
/** Values in one `key in (...)` request. */
const ROW_BATCH = 100;

/** Time kept back for the Result list so the cluster's overall timeout does not fire first. */
const OPERATOR_MARGIN_MS = 250;

/**
 * Adds the cluster's k8sgpt-operator Results to its findings. No CRD: nothing to add. A failing
 * list (401, 403, timeout...) becomes a typed error for this cluster; the live findings stay.
 */
async function withOperatorResults(
  cluster: ClusterDetails,
  scan: ClusterScan,
  opts: { http: KubeHttp; listed: Promise<OperatorResultList> },
): Promise<ClusterScan> {
  try {
    const list = await opts.listed;
    if (!list.installed) return scan;
    const warnings = [
      ...scan.warnings,
      ...list.warnings.map(w => `${cluster.name}: ${w}`),
    ];
    // The scan read only the failing objects in full: read the ones the Results name, and their
    // owners, on demand (the finding's owner chain, labels and masking hints come from them).
    const refs = list.results.flatMap(r =>
      r.parentObject ? [r.object, r.parentObject] : [r.object],
    );
    const read = await readObjectsInto(opts.http, scan.snapshot, refs);
    warnings.push(
      ...read.errors.map(
        e =>
          `${cluster.name}: an object a k8sgpt-operator Result names not read: ${e}`,
      ),
    );
    // The Results' findings list their objects' events: read every event of those namespaces.
    if (scan.snapshot.partialEvents) {
      const namespaces = [
        ...new Set(list.results.map(r => r.object.namespace ?? '')),
      ].filter(Boolean);
      await readEventsOf(opts.http, scan.snapshot, namespaces).catch(e =>
        warnings.push(
          `${cluster.name}: events of ${namespaces.join(
            ', ',
          )} not read, k8sgpt-operator findings there list warning events only: ${
            (e as Error).message
          }`,
        ),
      );
    }
    return {
      ...scan,
      warnings,
      findings: mergeSources(
        scan.findings,
        operatorFindings(cluster.name, scan.snapshot, list.results),
      ),
    };
  } catch (e) {
    const err = classifyClusterError(cluster.name, e);
    const hint =
      err.errorType === 'FORBIDDEN'
        ? ` Grant list on results.core.k8sgpt.ai, or turn the source off with k8sDiagnostics.operatorResults.enabled: false (or leave '${cluster.name}' out of k8sDiagnostics.operatorResults.clusters).`
        : '';
    return {
      ...scan,
      errors: [
        ...scan.errors,
        {
          ...err,
          message: `k8sgpt-operator Results not read: ${err.message}${hint}`,
        },
      ],
    };
  }
}

/** The scan of every configured cluster: the reachable ones, and a typed error for each other. */
export interface ScanOutcome {
  scans: ClusterScan[];
  errors: ClusterError[];
}

async function scanOne(
  cluster: ClusterDetails,
  options: ScanOptions,
  signal?: AbortSignal,
): Promise<ClusterScan> {
  const { namespace, timeoutMs } = options;
  const http = await createKubeHttp(
    kubeConfigFor(cluster, { signal }),
    timeoutMs,
    { signal },
  );
  // k8sgpt-operator Results: listed beside the scan, not after it
  const listed = options.operatorResults?.(cluster.name)
    ? listOperatorResults(kubeConfigFor(cluster), {
        timeoutMs: Math.max(1, timeoutMs - OPERATOR_MARGIN_MS),
        namespace,
      })
    : undefined;
  listed?.catch(() => undefined); // awaited (and its failure reported) below, unless the scan fails first
  const wanted = resolveAnalyzers(options.analyzers);
  // kube-access classifies by statusCode; ClusterRequestError calls it status.
  const typed = (e: unknown) =>
    e instanceof ClusterRequestError && e.status
      ? Object.assign(e, { statusCode: e.status })
      : e;
  let scan;
  try {
    // The CLI's reads: Table rows of pods, Deployments and ReplicaSets, and in full only the failing
    // ones (where the analyzers allow it); events only of the namespaces the analysis looks into
    // (analyzeWithEvents, below). The findings are those of a scan that reads everything.
    const reads =
      options.reads === 'full'
        ? ({ pods: 'all', workloads: 'all', events: 'all' } as const)
        : ROW_FIRST_READS;
    scan = await scanCluster(http, { analyzers: wanted, namespace, ...reads });
  } catch (e) {
    throw typed(e);
  }
  const warnings: string[] = [];
  // An analyzer whose input could not be listed would report false problems: skip it.
  const runnable = wanted.filter(a => {
    const missing = a.inputKinds.filter(
      k => k !== 'Event' && scan.unavailable.has(k),
    );
    if (missing.length > 0)
      warnings.push(
        `${cluster.name}: ${a.name} analyzer skipped: ${missing
          .map(k => scan.unavailable.get(k))
          .join('; ')}`,
      );
    return missing.length === 0;
  });
  if (scan.unavailable.has('Event'))
    warnings.push(
      `${cluster.name}: events not read: ${scan.unavailable.get('Event')}`,
    );
  let report: AnalysisReport = { results: [], errors: [], analyzers: [] };
  try {
    if (runnable.length)
      report = await analyzeWithEvents(http, scan.snapshot, {
        filters: runnable.map(a => a.name),
        namespace,
      });
  } catch (e) {
    throw typed(e);
  }
  warnings.push(...report.errors.map(e => `${cluster.name}: ${e}`));
  // The owners of what the analysis reports, where the scan read them as rows only: on demand.
  try {
    const owners = await readObjectsInto(
      http,
      scan.snapshot,
      report.results.map(r => r.object),
    );
    warnings.push(
      ...owners.errors.map(
        e => `${cluster.name}: an owner of a reported object not read: ${e}`,
      ),
    );
  } catch (e) {
    throw typed(e);
  }
  const live: ClusterScan = {
    cluster: cluster.name,
    snapshot: scan.snapshot,
    findings: toFindings(cluster.name, scan.snapshot, report.results),
    warnings,
    errors: [],
  };
  const done = listed
    ? await withOperatorResults(cluster, live, { http, listed })
    : live;
  const rowKinds = [
    ...(scan.podsRead === 'failing' ? (['Pod'] as const) : []),
    ...(scan.workloadsRead === 'failing'
      ? (['Deployment', 'ReplicaSet'] as const)
      : []),
  ];
  if (rowKinds.length === 0) return done;
  // (rows by selector, not one read of every row with its metadata: measured faster, as a large
  // cluster's API server encodes such a Table slowly, and it holds only the entities' rows)
  const batches = new Map<string, Promise<KubeObject[]>>();
  const batchKey = (kind: RowKind, selector: WorkloadSelector) =>
    [kind, selector.namespace ?? namespace ?? '', selector.labelSelector].join(
      '\u0000',
    );
  return {
    ...done,
    rowKinds,
    readRows: (kind, selector) =>
      batches.get(batchKey(kind, selector)) ??
      readRowObjects(http, kind, {
        labelSelector: selector.labelSelector,
        namespace: selector.namespace ?? namespace,
      }),
    prefetchRows: (kind, selectors) => {
      // selectors of one `key=value` in one namespace: one `key in (...)` Table per namespace and key
      const groups = new Map<
        string,
        { ns?: string; key: string; members: Map<string, WorkloadSelector[]> }
      >();
      for (const selector of selectors) {
        const m = SIMPLE_SELECTOR.exec(selector.labelSelector.trim());
        if (!m || batches.has(batchKey(kind, selector))) continue;
        const ns = selector.namespace ?? namespace;
        const id = `${ns ?? ''}\u0000${m[1]}`;
        let g = groups.get(id);
        if (!g) groups.set(id, (g = { ns, key: m[1], members: new Map() }));
        g.members.set(m[2], [...(g.members.get(m[2]) ?? []), selector]);
      }
      for (const g of groups.values()) {
        const values = [...g.members.keys()];
        for (let i = 0; i < values.length; i += ROW_BATCH) {
          const chunk = values.slice(i, i + ROW_BATCH);
          const rows = readRowObjects(http, kind, {
            labelSelector: `${g.key} in (${chunk.join(',')})`,
            namespace: g.ns,
          });
          rows.catch(() => undefined); // each entity's read reports it
          for (const v of chunk)
            for (const selector of g.members.get(v)!)
              batches.set(batchKey(kind, selector), rows);
        }
      }
    },
  };
}

/**
 * Scans every cluster in parallel (namespace-scoped when a namespace is given) and runs the
 * analyzers; an unreachable or rejecting cluster becomes a typed error, the others still return.
 */
export async function scanClusters(
  clusters: ClusterDetails[],
  options: ScanOptions,
): Promise<ScanOutcome> {
  const { results, errors } = await fanOutClusters(
    clusters,
    (cluster, signal) => scanOne(cluster, options, signal),
    { timeoutMs: options.timeoutMs },
  );
  const scans = results.map(r => r.value);
  return { scans, errors: [...errors, ...scans.flatMap(s => s.errors)] };
}

/** The workload kinds an entity's list shows that a row-first scan may hold only some of. */
const LISTED_ROW_KINDS = ['Pod', 'Deployment'] as const;

/**
 * Reads, in batches, the rows of the entities' workloads that {@link entityWorkloads} will ask
 * for: entities whose selector is one `key=value` share one `key in (...)` Table request per
 * namespace and key (up to 100 values); the others are read one by one when asked.
 */
export function prefetchEntityWorkloads(
  scan: ClusterScan,
  selectors: WorkloadSelector[],
): void {
  for (const kind of LISTED_ROW_KINDS)
    if (scan.rowKinds?.includes(kind)) scan.prefetchRows?.(kind, selectors);
}

/**
 * An entity's workloads in one scanned cluster, as a scan that read everything in full lists
 * them: the snapshot's, plus the rows of the pods and Deployments that match the entity's
 * selector where the scan read them as rows only, read on demand (one Table request each, with
 * the entity's selector). A failed read leaves those out and says so.
 */
export async function entityWorkloads(
  scan: ClusterScan,
  selector: WorkloadSelector,
): Promise<{ workloads: ReturnType<typeof workloadsOf>; warning?: string }> {
  const kinds = LISTED_ROW_KINDS.filter(k => scan.rowKinds?.includes(k));
  if (!scan.readRows || kinds.length === 0)
    return { workloads: workloadsOf(scan.snapshot, selector) };
  try {
    const rows: Record<string, KubeObject[]> = {};
    await Promise.all(
      kinds.map(async kind => {
        const read = await scan.readRows!(kind, selector);
        rows[kind] = read.filter(
          o =>
            inSelectorNamespace(selector, o.metadata?.namespace) &&
            matchesLabelSelector(o.metadata?.labels, selector.labelSelector),
        );
      }),
    );
    return {
      workloads: workloadsOf(withRowObjects(scan.snapshot, rows), selector),
    };
  } catch (e) {
    return {
      workloads: workloadsOf(scan.snapshot, selector),
      warning: `${
        scan.cluster
      }: the workload list shows only the failing pods: ${
        (e as Error).message
      }`,
    };
  }
}
