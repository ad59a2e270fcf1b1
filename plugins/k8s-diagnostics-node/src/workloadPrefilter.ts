/**
 * Which Deployments and ReplicaSets a row-first scan reads in full: the analyzers that allow it and
 * the workload Table rows (pure logic; the reads are in failingWorkloads.ts).
 */
import { AnalyzerDefinition } from '@periscope/backstage-plugin-k8s-diagnostics-common';

/**
 * Kinds a scan with `workloads: 'failing'` reads as Table rows (`kubectl get` columns, no
 * objects), then in full only where an analyzer can report on them or needs them as the owner
 * of a reported pod.
 *
 * @public
 */
export const ROW_WORKLOAD_KINDS = ['Deployment', 'ReplicaSet'] as const;

/** @public */
export type RowWorkloadKind = (typeof ROW_WORKLOAD_KINDS)[number];

/** Periscope analyzers that report only ReplicaSets short of pods, whose rows are unhealthy. */
const ROW_SAFE_ANALYZERS = new Set(['ReplicaFailures']);

/**
 * Whether every analyzer that reads Deployments or ReplicaSets gives the same results when the
 * snapshot holds only the unhealthy ones ({@link workloadRowsOfTable}) and the owners of failing
 * pods: the Deployment and ReplicaSet analyzers and ReplicaFailures do; others
 * (HorizontalPodAutoscaler reads its target's pod template) need every object.
 *
 * @public
 */
export function canReadFailingWorkloadsOnly(
  analyzers: AnalyzerDefinition[],
): boolean {
  return analyzers.every(
    a =>
      !ROW_WORKLOAD_KINDS.some(k => a.inputKinds.includes(k)) ||
      (ROW_WORKLOAD_KINDS as readonly string[]).includes(a.name) ||
      ROW_SAFE_ANALYZERS.has(a.name),
  );
}

/** One row of a Deployment or ReplicaSet Table answer. @public */
export interface WorkloadRow {
  name: string;
  /** False where the kind's analyzer may report the object: it is then read in full. */
  healthy: boolean;
}

function count(cell: unknown): number | undefined {
  if (typeof cell === 'number' && Number.isInteger(cell)) return cell;
  if (typeof cell === 'string' && /^\d+$/.test(cell)) return Number(cell);
  return undefined;
}

/**
 * Deployment: Ready `ready/desired` (status.readyReplicas / spec.replicas, what the analyzer
 * compares), Up-to-date and Available. A row is healthy when all three equal the desired count:
 * the analyzer's other failure, condition Progressing=False, comes from a rollout that has not
 * finished, and a finished one has every replica updated and available (the controller then
 * sets Progressing=True).
 */
function deploymentHealthy(
  cells: unknown[],
  col: (n: string) => number,
): boolean | undefined {
  const ready = /^(\d+)\/(\d+)$/.exec(
    typeof cells[col('Ready')] === 'string'
      ? (cells[col('Ready')] as string)
      : '',
  );
  const upToDate = count(cells[col('Up-to-date')]);
  const available = count(cells[col('Available')]);
  if (!ready || upToDate === undefined || available === undefined)
    return undefined;
  const desired = Number(ready[2]);
  return (
    Number(ready[1]) === desired &&
    upToDate === desired &&
    available === desired
  );
}

/**
 * ReplicaSet: Desired (spec.replicas) and Current (status.replicas). The ReplicaSet analyzer
 * reports only sets with no replicas whose pods could not be created (ReplicaFailure/FailedCreate),
 * ReplicaFailures only sets with fewer replicas than desired; the controller clears that condition
 * once a sync succeeds, which it always does for a set that wants none, so a row is healthy unless
 * Current is less than Desired.
 */
function replicaSetHealthy(
  cells: unknown[],
  col: (n: string) => number,
): boolean | undefined {
  const desired = count(cells[col('Desired')]);
  const current = count(cells[col('Current')]);
  if (desired === undefined || current === undefined) return undefined;
  return current >= desired;
}

const COLUMNS: Record<RowWorkloadKind, string[]> = {
  Deployment: ['Name', 'Ready', 'Up-to-date', 'Available'],
  ReplicaSet: ['Name', 'Desired', 'Current'],
};

/**
 * The rows of a `meta.k8s.io/v1` Table of Deployments or ReplicaSets, or undefined when the
 * answer is not such a Table (missing columns, a cell of the wrong type): the caller then reads
 * the objects whole.
 *
 * @public
 */
export function workloadRowsOfTable(
  kind: RowWorkloadKind,
  table: unknown,
): WorkloadRow[] | undefined {
  const t = table as {
    kind?: unknown;
    columnDefinitions?: Array<{ name?: unknown }>;
    rows?: Array<{ cells?: unknown[] }>;
  };
  if (
    !t ||
    t.kind !== 'Table' ||
    !Array.isArray(t.columnDefinitions) ||
    !Array.isArray(t.rows)
  )
    return undefined;
  const index = new Map(t.columnDefinitions.map((c, i) => [c?.name, i]));
  if (COLUMNS[kind].some(name => !index.has(name))) return undefined;
  const col = (name: string) => index.get(name)!;
  const healthy = kind === 'Deployment' ? deploymentHealthy : replicaSetHealthy;
  const rows: WorkloadRow[] = [];
  for (const row of t.rows) {
    const cells = row?.cells;
    if (
      !Array.isArray(cells) ||
      typeof cells[col('Name')] !== 'string' ||
      cells[col('Name')] === ''
    )
      return undefined;
    const ok = healthy(cells, col);
    if (ok === undefined) return undefined;
    rows.push({ name: cells[col('Name')] as string, healthy: ok });
  }
  return rows;
}
