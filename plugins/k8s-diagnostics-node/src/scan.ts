/**
 * A live scan of a cluster ({@link scanCluster}): its options and result, and the one pass that
 * lists what the analyzers need, each kind once, in parallel.
 */
import {
  AnalyzerDefinition,
  ClusterSnapshot,
  KubeObject,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterRequestError, KubeHttp } from './client';
import { RESOURCES } from './resources';
import { createLimiter, mapLimit } from './concurrency';
import { Counter, ListOutcome, RawList, listKind } from './lists';
import { crossNamespaceKinds, kindsToList } from './kinds';
import { customResourceInfos } from './customResources';
import {
  FAILING_POD_INPUTS,
  namespacesInScope,
  podRowsByNamespace,
  readFailingPods,
} from './failingPods';
import { ownersOfFailingPods, readFailingWorkloads } from './failingWorkloads';
import { EVENTS_PROBE_QUERY, WARNING_EVENTS_QUERY } from './events';
import {
  ROW_WORKLOAD_KINDS,
  canReadFailingWorkloadsOnly,
} from './workloadPrefilter';
import { canReadFailingPodsOnly, reportsPods } from './podPrefilter';

/** @public */
export interface LiveScanOptions {
  analyzers: AnalyzerDefinition[];
  /** List namespaced kinds in this namespace only (where the analyzers allow it). */
  namespace?: string;
  /** Parallel requests (default 12). */
  concurrency?: number;
  /**
   * `failing`: read pods first as Table rows (name, status, ready, restarts) and in full only
   * the ones an analyzer can report on, plus what the ConfigMap, webhook and StatefulSet
   * analyzers need; the snapshot then holds only those pods. Taken only when every selected
   * analyzer allows it ({@link canReadFailingPodsOnly}). Default `all`: every pod in full.
   */
  pods?: 'all' | 'failing';
  /**
   * `failing`: read Deployments and ReplicaSets as Table rows (one Table each), and in full only
   * the ones their analyzers can report on ({@link workloadRowsOfTable}) and the ReplicaSets
   * owning failing pods (for the parent object); the snapshot then holds only those. A kind
   * whose objects to read are many, or whose Table is unreadable, is listed whole. Taken only
   * when every selected analyzer allows it ({@link canReadFailingWorkloadsOnly}). Default `all`.
   */
  workloads?: 'all' | 'failing';
  /**
   * `warnings`: list only the events whose type is not `Normal` (most of a healthy cluster's
   * events are Normal); the snapshot then has `partialEvents`, and the caller reads the Normal
   * events an analysis asks for with {@link readEventsOf} (see `AnalysisReport.eventsNeeded`).
   * `none`: list no event (one request of one event checks they may be read); the snapshot's
   * `partialEvents` says so (`elsewhere: 'none'`), and the caller reads every event of the
   * namespaces an analysis looks into ({@link analyzeWithEvents} does both). Listing every
   * warning of a large cluster costs the API server more than reading the few namespaces an
   * analysis needs. Default `all`.
   */
  events?: 'all' | 'warnings' | 'none';
}

/**
 * The reads `periscope diagnose --kubeconfig` and the Health backend's scans ask for: Table rows
 * of pods, Deployments and ReplicaSets first and only the failing ones in full (where the
 * selected analyzers allow it: {@link canReadFailingPodsOnly}, {@link canReadFailingWorkloadsOnly}),
 * and the events only of the namespaces an analysis looks into ({@link analyzeWithEvents}).
 *
 * @public
 */
export const ROW_FIRST_READS = {
  pods: 'failing',
  workloads: 'failing',
  events: 'none',
} as const satisfies Pick<LiveScanOptions, 'pods' | 'workloads' | 'events'>;

/** @public */
export interface LiveScanResult {
  snapshot: ClusterSnapshot;
  /** Kinds that could not be listed, with the reason. */
  unavailable: Map<string, string>;
  /** Number of API requests made. */
  requests: number;
  /** Whether the snapshot holds every pod, or only the failing ones (see `pods`). */
  podsRead: 'all' | 'failing';
  /** Whether the snapshot holds every Deployment and ReplicaSet listed, or only some (see `workloads`). */
  workloadsRead: 'all' | 'failing';
}

/**
 * Lists what the analyzers need, each kind once for the whole scan, in parallel. A kind that
 * cannot be listed is reported in `unavailable`; an unreachable or unauthorized cluster throws.
 *
 * @public
 */
export async function scanCluster(
  http: KubeHttp,
  options: LiveScanOptions,
): Promise<LiveScanResult> {
  const concurrency = options.concurrency ?? 12;
  let requests = 1;
  // Says clearly when the cluster is unreachable or rejects us; asked beside the lists, not before.
  const version = http.getJson('/version');
  version.catch(() => undefined);

  const cross = crossNamespaceKinds(options.analyzers);
  const nsFor = (kind: string) =>
    cross.has(kind) ? undefined : options.namespace;
  const wantsCustom = options.analyzers.some(a => a.name === 'CustomResource');
  const infos = kindsToList(options.analyzers).map(k => RESOURCES[k]);
  if (wantsCustom) infos.push(RESOURCES.CustomResourceDefinition);

  const prefilter =
    options.pods === 'failing' &&
    canReadFailingPodsOnly(options.analyzers) &&
    infos.some(i => i.kind === 'Pod');
  const rowKinds: readonly string[] = ROW_WORKLOAD_KINDS;
  const rowInfos =
    options.workloads === 'failing' &&
    canReadFailingWorkloadsOnly(options.analyzers)
      ? infos.filter(i => rowKinds.includes(i.kind))
      : [];
  const firstRound = infos.filter(
    i => !(prefilter && i.kind === 'Pod') && !rowInfos.includes(i),
  );
  const run = createLimiter(concurrency);
  const warningEvents =
    options.events === 'warnings' && infos.some(i => i.kind === 'Event');
  const noEvents =
    options.events === 'none' && infos.some(i => i.kind === 'Event');
  const queryFor = (kind: string) => {
    if (kind !== 'Event') return '';
    if (warningEvents) return WARNING_EVENTS_QUERY;
    return noEvents ? EVENTS_PROBE_QUERY : '';
  };
  const lists = new Map(
    firstRound.map(info => [
      info.kind,
      run(() => listKind(http, info, nsFor(info.kind), queryFor(info.kind))),
    ]),
  );
  requests += firstRound.length;
  let podsRead: LiveScanResult['podsRead'] = 'all';
  const count: Counter = { n: 0 };
  // Failing pods: Table rows first, then what the analyzers need in full, each step as soon as
  // the lists it depends on have arrived (not after the slow ones, such as Events).
  const pods = prefilter
    ? (async (): Promise<ListOutcome> => {
        const firstPages = new Map<string, Promise<RawList>>();
        const rows = reportsPods(options.analyzers);
        const rowsByNs = await podRowsByNamespace(
          http,
          await namespacesInScope(http, nsFor('Pod'), count),
          {
            concurrency,
            count,
            rows,
            // with Table rows to wait for, the first pages come beside them instead of after
            firstPages:
              rows && options.analyzers.some(a => a.name === 'ConfigMap')
                ? firstPages
                : undefined,
          },
        );
        if (!rowsByNs) {
          count.n++;
          return listKind(http, RESOURCES.Pod, nsFor('Pod'));
        }
        const objects: Record<string, KubeObject[]> = {};
        for (const kind of FAILING_POD_INPUTS) {
          const o = await lists.get(kind);
          if (o?.items) objects[kind] = o.items;
        }
        try {
          const raw = await readFailingPods(http, rowsByNs, {
            analyzers: options.analyzers,
            objects,
            concurrency,
            count,
            firstPages,
          });
          for (const item of raw) {
            item.apiVersion = 'v1';
            item.kind = 'Pod';
          }
          podsRead = 'failing';
          return { kind: 'Pod', items: raw as unknown as KubeObject[] };
        } catch (e) {
          if (!(e instanceof ClusterRequestError)) throw e;
          return { kind: 'Pod', error: e };
        }
      })()
    : undefined;
  // Deployments and ReplicaSets: rows first, then the unhealthy ones and the failing pods' owners.
  const podOutcome = pods ?? lists.get('Pod');
  const workloads = rowInfos.map(info =>
    readFailingWorkloads(http, info, {
      namespace: nsFor(info.kind),
      extra: async () =>
        info.kind === 'ReplicaSet' &&
        podOutcome &&
        reportsPods(options.analyzers)
          ? ownersOfFailingPods((await podOutcome).items ?? [], 'ReplicaSet')
          : [],
      run,
      count,
    }),
  );
  const [outcomes, workloadsRead] = await Promise.all([
    Promise.all([...lists.values(), ...(pods ? [pods] : [])]),
    Promise.all(workloads).then(read => {
      const outcome = read.map(r => r.outcome);
      const all = read.length === 0 || read.some(r => !r.rowsOnly);
      return {
        outcome,
        read: (all ? 'all' : 'failing') as LiveScanResult['workloadsRead'],
      };
    }),
  ]);
  outcomes.push(...workloadsRead.outcome);
  requests += count.n;
  // An API server that refuses the `type` field selector (400): read every event instead.
  let partialEvents = warningEvents;
  const events = outcomes.findIndex(o => o.kind === 'Event');
  if (warningEvents && events >= 0 && outcomes[events].error?.status === 400) {
    outcomes[events] = await listKind(http, RESOURCES.Event, nsFor('Event'));
    requests++;
    partialEvents = false;
  }
  const crds =
    outcomes.find(o => o.kind === 'CustomResourceDefinition')?.items ?? [];
  const customInfos = wantsCustom ? customResourceInfos(crds) : [];
  outcomes.push(
    ...(await mapLimit(customInfos, concurrency, info =>
      listKind(http, info, options.namespace),
    )),
  );
  requests += customInfos.length;
  await version;

  const objects: Record<string, KubeObject[]> = {};
  const unavailable = new Map<string, string>();
  for (const o of outcomes) {
    if (o.error?.status === 401) throw o.error;
    if (o.error) unavailable.set(o.kind, o.error.message);
    else if (o.items) objects[o.kind] = o.items;
  }
  if (!wantsCustom) delete objects.CustomResourceDefinition;
  const snapshot: ClusterSnapshot = { objects };
  if (partialEvents && objects.Event)
    snapshot.partialEvents = { allTypesIn: [] };
  if (noEvents && objects.Event) {
    objects.Event = []; // the probe's event: the namespaces an analysis needs are read whole
    snapshot.partialEvents = { allTypesIn: [], elsewhere: 'none' };
  }
  return {
    snapshot,
    unavailable,
    requests,
    podsRead,
    workloadsRead: workloadsRead.read,
  };
}
