/**
 * Which pods a row-first scan reads in full: the analyzers that allow it, the pod Table rows, and
 * which rows are healthy enough to leave out (pure logic; the reads are in failingPods.ts).
 */
import { AnalyzerDefinition } from '@periscope/backstage-plugin-k8s-diagnostics-common';

/**
 * Analyzers that give the same results when the snapshot holds only some of the pods, as long as
 * it holds the ones {@link planFullPods} and {@link podRowIsHealthy} say:
 * - Pod and Log report only pods that are not Running with every container ready (and, for Log,
 *   not restarted), which are all read;
 * - ConfigMap needs, per namespace, one pod that references each ConfigMap, if any does: pods are
 *   paged until each ConfigMap of the namespace has one or the namespace has no more pods;
 * - the webhook analyzers read the pods of their Services' namespaces, and StatefulSet the pods of
 *   the namespaces of StatefulSets that lack available replicas: those namespaces are read whole;
 * - References and Scheduling report a pod only while it is Pending (and has no controller in the
 *   snapshot), and a Pending pod is never healthy, so it is read;
 * - JobFailures reads the failed pods of failed Jobs (never Running: all read; it is not
 *   look-up-only, so the failing pods are found) and the creation time of a Job's pods against
 *   its FailedCreate event (a pod left out is a healthy, Running one: at worst a refusal the
 *   controller got past is still reported);
 * - Probes and ContainerStates report only containers that are not ready (or init containers of
 *   pods that are not Running), whose pods are read.
 */
const PARTIAL_POD_ANALYZERS = new Set([
  'Pod',
  'Log',
  'ConfigMap',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'StatefulSet',
  'References',
  'Scheduling',
  'JobFailures',
  'Probes',
  'ContainerStates',
]);

/** Analyzers that look pods up but never report one (their results are other kinds). */
const POD_LOOKUP_ONLY = new Set([
  'ConfigMap',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'StatefulSet',
]);

/**
 * Whether an analyzer may report pods (so their owners are needed for the parent object, and a
 * prefiltered scan must find the failing ones): any with pods as input except those that only
 * look them up.
 *
 * @public
 */
export function reportsPods(analyzers: AnalyzerDefinition[]): boolean {
  return analyzers.some(
    a => a.inputKinds.includes('Pod') && !POD_LOOKUP_ONLY.has(a.name),
  );
}

/** Whether every analyzer that reads pods can run on the pods a prefiltered scan reads. @public */
export function canReadFailingPodsOnly(
  analyzers: AnalyzerDefinition[],
): boolean {
  return analyzers.every(
    a => !a.inputKinds.includes('Pod') || PARTIAL_POD_ANALYZERS.has(a.name),
  );
}

/** One pod row of the API server's Table answer (`kubectl get pods` columns). @public */
export interface PodRow {
  name: string;
  /** The printed status: Running, Pending, CrashLoopBackOff, Completed, Evicted, Init:0/1... */
  status: string;
  /** The Ready column, e.g. `1/1`. */
  ready: string;
  /** The Restarts column, e.g. `0` or `3 (5m ago)`. */
  restarts: string;
}

/**
 * The pod rows of a `meta.k8s.io/v1` Table, or undefined when the answer is not a Table with the
 * Name, Ready, Status and Restarts columns (then the caller reads the pods whole).
 *
 * @public
 */
export function podRowsOfTable(table: unknown): PodRow[] | undefined {
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
  ) {
    return undefined;
  }
  const col = (name: string) =>
    t.columnDefinitions!.findIndex(c => c?.name === name);
  const [name, ready, status, restarts] = [
    'Name',
    'Ready',
    'Status',
    'Restarts',
  ].map(col);
  if ([name, ready, status, restarts].some(i => i < 0)) return undefined;
  const rows: PodRow[] = [];
  for (const row of t.rows) {
    const cells = row?.cells;
    if (
      !Array.isArray(cells) ||
      typeof cells[name] !== 'string' ||
      cells[name] === ''
    )
      return undefined;
    rows.push({
      name: cells[name] as string,
      status: String(cells[status] ?? ''),
      ready: String(cells[ready] ?? ''),
      restarts: String(cells[restarts] ?? ''),
    });
  }
  return rows;
}

/**
 * A row no analyzer reports on: Running, every container (sidecars included) ready, and, when
 * restarts matter (the Log analyzer reads restarted containers), none restarted.
 *
 * @public
 */
export function podRowIsHealthy(row: PodRow, restartsMatter: boolean): boolean {
  if (row.status !== 'Running') return false;
  const m = /^(\d+)\/(\d+)$/.exec(row.ready);
  if (!m || m[1] !== m[2] || m[2] === '0') return false;
  if (restartsMatter && !/^0(\s|$)/.test(row.restarts)) return false;
  return true;
}

interface StatefulSetLike {
  metadata?: { namespace?: string };
  spec?: { replicas?: number };
  status?: { availableReplicas?: number };
}

interface WebhookConfigurationLike {
  webhooks?: Array<{ clientConfig?: { service?: { namespace?: string } } }>;
}

/**
 * Namespaces whose pods must all be read: those of the Services that webhooks call, and those of
 * StatefulSets with fewer available replicas than wanted (the analyzers look their pods up by
 * name and label).
 *
 * @public
 */
export function planFullPods(
  analyzers: AnalyzerDefinition[],
  objects: Record<string, unknown[] | undefined>,
): Set<string> {
  const names = new Set(analyzers.map(a => a.name));
  const full = new Set<string>();
  for (const kind of [
    'ValidatingWebhookConfiguration',
    'MutatingWebhookConfiguration',
  ]) {
    if (!names.has(kind)) continue;
    for (const config of (objects[kind] ?? []) as WebhookConfigurationLike[]) {
      for (const wh of config.webhooks ?? []) {
        const ns = wh.clientConfig?.service?.namespace;
        if (ns) full.add(ns);
      }
    }
  }
  if (names.has('StatefulSet')) {
    for (const sts of (objects.StatefulSet ?? []) as StatefulSetLike[]) {
      const replicas = sts.spec?.replicas;
      if (
        typeof replicas === 'number' &&
        replicas !== (sts.status?.availableReplicas ?? 0)
      ) {
        full.add(sts.metadata?.namespace ?? '');
      }
    }
  }
  return full;
}
