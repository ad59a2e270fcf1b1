import {
  AnalysisReport,
  AnalyzeOptions,
  AnalyzerDefinition,
  ClusterSnapshot,
  analyze,
  KubeObject,
  addConfigMapRefs,
  inputKindsFor,
  logKey,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { BodySink, ClusterRequestError, KubeHttp } from './client';
import { readPodLogText } from './podLog';
import { RESOURCES, ResourceInfo, apiPrefix, listPath } from './resources';
import {
  ProtoDecodeError,
  protobufKinds,
  protobufListStream,
} from './proto/decode';
import {
  RowWorkloadKind,
  ROW_WORKLOAD_KINDS,
  canReadFailingWorkloadsOnly,
  workloadRowsOfTable,
} from './workloadPrefilter';
import {
  PodRow,
  canReadFailingPodsOnly,
  planFullPods,
  podRowIsHealthy,
  podRowsOfTable,
  reportsPods,
} from './podPrefilter';

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

const METADATA_ONLY_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
/** Protobuf where the API server offers it (built-in kinds), else JSON. */
const PROTOBUF_ACCEPT = 'application/vnd.kubernetes.protobuf, application/json';
const PROTOBUF_KINDS = new Set(protobufKinds());

type RawItem = Record<string, unknown>;

/**
 * One list request: protobuf for the large built-in kinds (the API server encodes it several
 * times faster than JSON; the decoder skips managedFields and works while the body arrives),
 * JSON otherwise or when the server answers JSON.
 */
interface RawList {
  items: RawItem[];
  continue?: string;
}

async function fetchList(
  http: KubeHttp,
  info: ResourceInfo,
  path: string,
): Promise<RawList> {
  if (info.metadataOnly || !PROTOBUF_KINDS.has(info.kind)) {
    const list = (await http.getJson(
      path,
      info.metadataOnly ? METADATA_ONLY_ACCEPT : undefined,
    )) as {
      items?: RawItem[] | null;
      metadata?: { continue?: string };
    };
    return {
      items: list.items ?? [],
      continue: list.metadata?.continue || undefined,
    };
  }
  try {
    return await http.getStreamed(path, PROTOBUF_ACCEPT, contentType =>
      contentType.startsWith('application/vnd.kubernetes.protobuf')
        ? listOfProtobuf(info.kind)
        : listOfJson(contentType),
    );
  } catch (e) {
    if (!(e instanceof ProtoDecodeError || e instanceof SyntaxError)) throw e;
    throw new ClusterRequestError(
      `cannot read the ${info.kind} list from ${http.server} (GET ${path}): ${e.message}`,
    );
  }
}

async function fetchItems(
  http: KubeHttp,
  info: ResourceInfo,
  path: string,
): Promise<RawItem[]> {
  return (await fetchList(http, info, path)).items;
}

function listOfProtobuf(kind: string): BodySink<RawList> {
  const stream = protobufListStream(kind);
  return { write: c => stream.write(c), end: () => stream.end() };
}

function listOfJson(contentType: string): BodySink<RawList> {
  const chunks: Buffer[] = [];
  return {
    write: c => chunks.push(c),
    end: () => {
      try {
        const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          items?: RawItem[] | null;
          metadata?: { continue?: string };
        };
        return {
          items: list.items ?? [],
          continue: list.metadata?.continue || undefined,
        };
      } catch (e) {
        throw new SyntaxError(
          `the answer (${
            contentType || 'no Content-Type'
          }) is neither protobuf nor JSON: ${(e as Error).message}`,
        );
      }
    },
  };
}

/** Runs tasks with at most `limit` in flight. @public */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    },
  );
  await Promise.all(workers);
  return out;
}

/**
 * Kinds that must be listed in every namespace even when a namespace is given, because an
 * analyzer follows references across namespaces (webhook Services, HTTPRoute parent Gateways).
 */
function crossNamespaceKinds(analyzers: AnalyzerDefinition[]): Set<string> {
  const names = new Set(analyzers.map(a => a.name));
  const kinds = new Set<string>();
  if (
    names.has('ValidatingWebhookConfiguration') ||
    names.has('MutatingWebhookConfiguration')
  ) {
    kinds.add('Service');
    kinds.add('Pod');
  }
  if (names.has('HTTPRoute')) {
    kinds.add('Gateway');
    kinds.add('Service');
  }
  return kinds;
}

/**
 * The built-in kinds to list: the analyzers' inputs, plus the owners of pods for the parent
 * object when an analyzer may report pods. @public
 */
export function kindsToList(analyzers: AnalyzerDefinition[]): string[] {
  const kinds = new Set(inputKindsFor(analyzers));
  if (reportsPods(analyzers)) {
    kinds.add('ReplicaSet');
    kinds.add('Job');
  }
  return [...kinds].filter(k => RESOURCES[k]);
}

interface ListOutcome {
  kind: string;
  items?: KubeObject[];
  error?: ClusterRequestError;
}

/** The field selector of a list of the events that are not `Normal`. */
const WARNING_EVENTS_QUERY = `?fieldSelector=${encodeURIComponent(
  'type!=Normal',
)}`;
/** `events: 'none'`: one event, to learn whether events may be read (and say why not). */
const EVENTS_PROBE_QUERY = '?limit=1';

async function listKind(
  http: KubeHttp,
  info: ResourceInfo,
  namespace?: string,
  query = '',
): Promise<ListOutcome> {
  const apiVersion =
    info.group === '' ? info.version : `${info.group}/${info.version}`;
  try {
    const raw = await fetchItems(
      http,
      info,
      `${listPath(info, namespace)}${query}`,
    );
    // List items carry no kind/apiVersion; add them so the objects stand alone.
    for (const item of raw) {
      item.apiVersion = apiVersion;
      item.kind = info.kind;
    }
    return { kind: info.kind, items: raw as unknown as KubeObject[] };
  } catch (e) {
    if (!(e instanceof ClusterRequestError)) throw e;
    if (e.status === 404 && info.optional)
      return { kind: info.kind, items: undefined };
    return { kind: info.kind, error: e };
  }
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
}
interface Crd {
  spec?: {
    group?: string;
    names?: { kind?: string; plural?: string };
    scope?: string;
    versions?: CrdVersion[];
  };
}

/** Custom resource kinds from the CRDs (their storage, else first served, version). @public */
export function customResourceInfos(crds: KubeObject[]): ResourceInfo[] {
  const infos: ResourceInfo[] = [];
  for (const crd of crds as Array<KubeObject & Crd>) {
    const spec = crd.spec ?? {};
    const versions = (spec.versions ?? []).filter(v => v.served !== false);
    const version = versions.find(v => v.storage) ?? versions[0];
    const kind = spec.names?.kind;
    if (
      !version ||
      !kind ||
      !spec.group ||
      !spec.names?.plural ||
      RESOURCES[kind]
    )
      continue;
    infos.push({
      kind,
      group: spec.group,
      version: version.name,
      plural: spec.names.plural,
      namespaced: spec.scope !== 'Cluster',
      optional: true,
    });
  }
  return infos;
}

const TABLE_ACCEPT = 'application/json;as=Table;g=meta.k8s.io;v=v1';
/** More namespaces than this: one pod list is cheaper than a Table request per namespace. */
const MAX_TABLE_NAMESPACES = 64;
/** More failing pods than this in a namespace: list the namespace instead of one GET each. */
const MAX_POD_GETS = 20;
/**
 * Pods in the first page read to find the pods that use a namespace's ConfigMaps (every pod uses
 * kube-root-ca.crt, so one page is often enough); each next page is four times larger.
 */
const CONFIGMAP_PAGE = 10;

/** The kinds {@link readFailingPods} looks at to decide which pods to read whole. */
const FAILING_POD_INPUTS = [
  'ConfigMap',
  'StatefulSet',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
];

/** Runs at most `limit` of the functions given to it at a time, in the order given. */
function createLimiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async fn => {
    if (active >= limit)
      await new Promise<void>(resolve => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Requests made, counted where they are made. */
interface Counter {
  n: number;
}

/**
 * The namespaces a scan looks at: the one given, else every namespace (one metadata-only list),
 * or undefined when they cannot be listed (no permission, say: callers then read whole lists).
 * A 401 throws.
 */
async function namespacesInScope(
  http: KubeHttp,
  namespace: string | undefined,
  count: Counter,
): Promise<string[] | undefined> {
  if (namespace) return [namespace];
  count.n++;
  try {
    const list = (await http.getJson(
      '/api/v1/namespaces',
      METADATA_ONLY_ACCEPT,
    )) as {
      items?: Array<{ metadata?: { name?: string } }> | null;
    };
    return (list.items ?? []).map(i => i.metadata?.name ?? '').filter(Boolean);
  } catch (e) {
    if (e instanceof ClusterRequestError && e.status === 401) throw e;
    return undefined;
  }
}

/**
 * The pod rows of every namespace in scope (undefined for a namespace whose Table could not be
 * read), or undefined when the namespaces cannot be listed or are too many for one Table each.
 * Without `rows` (no selected analyzer reports pods, so failing ones need not be found), no
 * Table is asked for and every namespace has none.
 */
async function podRowsByNamespace(
  http: KubeHttp,
  namespaces: string[] | undefined,
  opts: {
    concurrency: number;
    count: Counter;
    rows: boolean;
    firstPages?: Map<string, Promise<RawList>>;
  },
): Promise<Map<string, PodRow[] | undefined> | undefined> {
  const { concurrency, count } = opts;
  if (!namespaces) return undefined;
  if (!opts.rows) return new Map(namespaces.map(ns => [ns, []]));
  if (namespaces.length > MAX_TABLE_NAMESPACES) return undefined;
  if (opts.firstPages) {
    // The ConfigMap analyzer's first page of each namespace, asked for beside its Table rather
    // than after it (every namespace holds a ConfigMap, kube-root-ca.crt); awaited where used.
    for (const ns of namespaces) {
      count.n++;
      const page = fetchList(
        http,
        RESOURCES.Pod,
        `${listPath(RESOURCES.Pod, ns)}?limit=${CONFIGMAP_PAGE}`,
      );
      page.catch(() => undefined); // a namespace read whole never awaits it; the reader reports errors
      opts.firstPages.set(ns, page);
    }
  }
  const rows = await mapLimit(namespaces, concurrency, async ns => {
    count.n++;
    try {
      const table = await http.getJson(
        `${listPath(RESOURCES.Pod, ns)}?includeObject=None`,
        TABLE_ACCEPT,
      );
      return podRowsOfTable(table);
    } catch (e) {
      if (e instanceof ClusterRequestError && e.status === 401) throw e;
      return undefined; // the whole read of this namespace says what is wrong, if anything is
    }
  });
  return new Map(namespaces.map((ns, i) => [ns, rows[i]]));
}

/**
 * The pods a prefiltered scan reads in full (see {@link LiveScanOptions.pods}): whole namespaces
 * where an analyzer needs them or the Table was not readable, one GET per failing pod elsewhere,
 * and pages of pods until each ConfigMap of a namespace has a pod that uses it.
 */
async function readFailingPods(
  http: KubeHttp,
  rowsByNs: Map<string, PodRow[] | undefined>,
  opts: {
    analyzers: AnalyzerDefinition[];
    objects: Record<string, KubeObject[]>;
    concurrency: number;
    count: Counter;
    /** First pages ({@link CONFIGMAP_PAGE} pods) already asked for, by namespace. */
    firstPages?: Map<string, Promise<RawList>>;
  },
): Promise<RawItem[]> {
  const info = RESOURCES.Pod;
  const names = new Set(opts.analyzers.map(a => a.name));
  const restartsMatter = names.has('Log');
  const whole = planFullPods(opts.analyzers, opts.objects);
  const gets: Array<{ ns: string; name: string }> = [];
  for (const [ns, rows] of rowsByNs) {
    if (!rows) {
      whole.add(ns);
      continue;
    }
    const failing = rows.filter(r => !podRowIsHealthy(r, restartsMatter));
    if (failing.length > MAX_POD_GETS) whole.add(ns);
    else if (!whole.has(ns))
      failing.forEach(r => gets.push({ ns, name: r.name }));
  }
  for (const ns of whole) if (!rowsByNs.has(ns)) whole.delete(ns);

  // ConfigMaps of each namespace that is not read whole: the pods to find users for them
  const configMaps = new Map<string, Set<string>>();
  if (names.has('ConfigMap')) {
    for (const cm of opts.objects.ConfigMap ?? []) {
      const ns = cm.metadata?.namespace ?? '';
      if (!rowsByNs.has(ns) || whole.has(ns)) continue;
      let set = configMaps.get(ns);
      if (!set) configMaps.set(ns, (set = new Set()));
      set.add(cm.metadata?.name ?? '');
    }
  }

  const pods = new Map<string, RawItem>();
  const keep = (items: RawItem[]) => {
    for (const p of items) {
      const m = (p.metadata ?? {}) as { namespace?: string; name?: string };
      pods.set(`${m.namespace}/${m.name}`, p);
    }
  };
  type Task = () => Promise<void>;
  const tasks: Task[] = [
    ...[...whole].map(ns => async () => {
      opts.count.n++;
      keep(await fetchItems(http, info, listPath(info, ns)));
    }),
    ...gets.map(g => async () => {
      opts.count.n++;
      try {
        keep([
          (await http.getJson(
            `${listPath(info, g.ns)}/${encodeURIComponent(g.name)}`,
          )) as RawItem,
        ]);
      } catch (e) {
        // deleted since its row was read: nothing to report on
        if (!(e instanceof ClusterRequestError && e.status === 404)) throw e;
      }
    }),
    ...[...configMaps].map(([ns, unused]) => async () => {
      let token: string | undefined;
      let limit = CONFIGMAP_PAGE;
      let ready = opts.firstPages?.get(ns);
      do {
        if (!ready) opts.count.n++;
        const page = await (ready ??
          fetchList(
            http,
            info,
            `${listPath(info, ns)}?limit=${limit}${
              token ? `&continue=${encodeURIComponent(token)}` : ''
            }`,
          ));
        ready = undefined;
        limit *= 4;
        keep(page.items);
        const used = new Set<string>();
        for (const p of page.items)
          addConfigMapRefs(p as unknown as KubeObject, used);
        for (const name of used) unused.delete(name);
        token = page.continue;
      } while (token && unused.size > 0);
    }),
  ];
  await mapLimit(tasks, opts.concurrency, t => t());
  return [...pods.values()];
}

/** More Deployments or ReplicaSets to read in full than this: list the kind instead of one GET each. */
const MAX_WORKLOAD_GETS = 30;

type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * A kind read as Table rows (see {@link LiveScanOptions.workloads}), then in full only its
 * unhealthy objects and the `extra` ones (the owners of failing pods); one list of the kind
 * instead when they are many or the Table is unreadable. Table rows without objects carry no
 * namespace, so an unhealthy row is read by name (`fieldSelector=metadata.name=...` in the
 * scan's scope, which may add healthy namesakes from other namespaces); the owners of pods are
 * read with one GET each. A failed read is reported as a failed list of the kind would be.
 */
async function readFailingWorkloads(
  http: KubeHttp,
  info: ResourceInfo,
  opts: {
    namespace?: string;
    extra: () => Promise<Array<{ ns: string; name: string }>>;
    run: Limiter;
    count: Counter;
  },
): Promise<{ outcome: ListOutcome; rowsOnly: boolean }> {
  const { run, count } = opts;
  const whole = async () => {
    count.n++;
    return {
      outcome: await run(() => listKind(http, info, opts.namespace)),
      rowsOnly: false,
    };
  };
  count.n++;
  const rows = await run(async () => {
    try {
      const table = await http.getJson(
        `${listPath(info, opts.namespace)}?includeObject=None`,
        TABLE_ACCEPT,
      );
      return workloadRowsOfTable(info.kind as RowWorkloadKind, table);
    } catch (e) {
      if (e instanceof ClusterRequestError && e.status === 401) throw e;
      return undefined; // the list of the kind says what is wrong, if anything is
    }
  });
  if (!rows) return whole();
  const byName = [...new Set(rows.filter(r => !r.healthy).map(r => r.name))];
  const owners = new Map(
    (await opts.extra()).map(o => [`${o.ns}/${o.name}`, o]),
  );
  if (byName.length + owners.size > MAX_WORKLOAD_GETS) return whole();
  try {
    const read = await Promise.all([
      ...byName.map(name =>
        run(async () => {
          count.n++;
          const query = `?fieldSelector=${encodeURIComponent(
            `metadata.name=${name}`,
          )}`;
          const listed = await listKind(http, info, opts.namespace, query);
          if (listed.error) throw listed.error;
          return listed.items ?? [];
        }),
      ),
      ...[...owners.values()].map(o =>
        run(async () => {
          count.n++;
          try {
            return [
              (await http.getJson(
                `${listPath(info, o.ns)}/${encodeURIComponent(o.name)}`,
              )) as KubeObject,
            ];
          } catch (e) {
            // deleted since its pod was read: nothing to resolve
            if (e instanceof ClusterRequestError && e.status === 404) return [];
            throw e;
          }
        }),
      ),
    ]);
    const items = new Map<string, KubeObject>();
    for (const o of read.flat())
      items.set(`${o.metadata?.namespace}/${o.metadata?.name}`, o);
    return {
      outcome: { kind: info.kind, items: [...items.values()] },
      rowsOnly: true,
    };
  } catch (e) {
    if (!(e instanceof ClusterRequestError)) throw e;
    return { outcome: { kind: info.kind, error: e }, rowsOnly: true };
  }
}

/** The controlling owners of this kind of the pods {@link isFailingPod} picks (those analyzers may report). */
function ownersOfFailingPods(
  pods: KubeObject[],
  kind: string,
): Array<{ ns: string; name: string }> {
  const owners: Array<{ ns: string; name: string }> = [];
  for (const pod of pods) {
    if (!isFailingPod(pod as unknown as PodLike)) continue;
    const refs = pod.metadata?.ownerReferences ?? [];
    const ref = refs.find(r => r.controller) ?? refs[0];
    if (ref?.kind === kind && ref.name)
      owners.push({ ns: pod.metadata?.namespace ?? '', name: ref.name });
  }
  return owners;
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

/**
 * Reads every event of these namespaces into a snapshot that holds only warning events there, or
 * none (`partialEvents`, from a scan with `events: 'warnings'` or `'none'`), replacing what it
 * had of them, and returns the number of requests made. With `warningsOnly` (for a snapshot
 * with `elsewhere: 'none'`) it reads only their warning events (every event where the API
 * server refuses the field selector); for more than `maxWarningNamespaces` (default 16) it
 * reads every warning of the cluster in one list, and the snapshot then holds warnings
 * everywhere (`elsewhere: 'warnings'`). The namespaces are those an analysis named in
 * `eventsNeeded` (or `warningEventsNeeded`); analyze again afterwards. A namespace whose events
 * cannot be read throws (the snapshot is then left as it was).
 *
 * @public
 */
export async function readEventsOf(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  namespaces: string[],
  options: {
    concurrency?: number;
    warningsOnly?: boolean;
    maxWarningNamespaces?: number;
  } = {},
): Promise<number> {
  const read = await fetchEventsOf(http, snapshot, namespaces, options);
  read.apply();
  return read.requests;
}

/**
 * Warnings of more namespaces than this to read (after a scan with `events: 'none'`): one list of
 * every warning of the cluster instead, as `events: 'warnings'` reads them (each namespace's
 * list costs the API server a request of its own).
 */
const MAX_WARNING_NAMESPACES = 16;

/**
 * What {@link readEventsOf} reads, with `apply` to put it into the snapshot: fetches that all
 * succeeded are applied together, so a failed one leaves the snapshot as it was.
 */
async function fetchEventsOf(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  namespaces: string[],
  options: {
    concurrency?: number;
    warningsOnly?: boolean;
    maxWarningNamespaces?: number;
  },
): Promise<{ requests: number; apply: () => void }> {
  const partial = snapshot.partialEvents;
  if (!partial)
    throw new Error(
      'readEventsOf: this snapshot already holds every event (it has no partialEvents)',
    );
  const held = new Set([
    ...partial.allTypesIn,
    ...(options.warningsOnly ? partial.warningsIn ?? [] : []),
  ]);
  const wanted = [...new Set(namespaces)].filter(ns => ns && !held.has(ns));
  if (
    options.warningsOnly &&
    partial.elsewhere === 'none' &&
    wanted.length > (options.maxWarningNamespaces ?? MAX_WARNING_NAMESPACES)
  ) {
    const every = await listKind(
      http,
      RESOURCES.Event,
      undefined,
      WARNING_EVENTS_QUERY,
    );
    if (every.error && every.error.status !== 400) throw every.error;
    // (a refused field selector: each namespace's events below, as for a few namespaces)
    if (!every.error) {
      return {
        requests: 1,
        apply: () => {
          // every warning of the cluster; every event where the snapshot had them already
          const whole = new Set(partial.allTypesIn);
          const kept = (snapshot.objects.Event ?? []).filter(e =>
            whole.has(e.metadata?.namespace ?? ''),
          );
          const added = (every.items ?? []).filter(
            e => !whole.has(e.metadata?.namespace ?? ''),
          );
          snapshot.objects.Event = [...kept, ...added];
          partial.elsewhere = 'warnings';
          delete partial.warningsIn;
        },
      };
    }
  }
  let requests = wanted.length;
  const outcomes = await mapLimit(
    wanted,
    options.concurrency ?? 12,
    async ns => {
      if (!options.warningsOnly)
        return {
          ns,
          all: true,
          outcome: await listKind(http, RESOURCES.Event, ns),
        };
      const outcome = await listKind(
        http,
        RESOURCES.Event,
        ns,
        WARNING_EVENTS_QUERY,
      );
      if (outcome.error?.status !== 400) return { ns, all: false, outcome };
      requests++; // the field selector refused: every event of the namespace
      return {
        ns,
        all: true,
        outcome: await listKind(http, RESOURCES.Event, ns),
      };
    },
  );
  const failed = outcomes.find(o => o.outcome.error);
  if (failed?.outcome.error) throw failed.outcome.error;
  return {
    requests,
    apply: () => {
      const replaced = new Set(wanted);
      const kept = (snapshot.objects.Event ?? []).filter(
        e => !replaced.has(e.metadata?.namespace ?? ''),
      );
      snapshot.objects.Event = [
        ...kept,
        ...outcomes.flatMap(o => o.outcome.items ?? []),
      ];
      const all = outcomes.filter(o => o.all).map(o => o.ns);
      const warnings = outcomes.filter(o => !o.all).map(o => o.ns);
      partial.allTypesIn = [...partial.allTypesIn, ...all];
      if (warnings.length > 0)
        partial.warningsIn = [...(partial.warningsIn ?? []), ...warnings];
    },
  };
}

/**
 * Analyzes a snapshot and, while the analysis names namespaces whose events it looked up but
 * the snapshot lacks (`eventsNeeded` and `warningEventsNeeded`, after a scan with
 * `events: 'warnings'` or `'none'`), reads those events ({@link readEventsOf}: every event, or
 * the warning ones) and analyzes again. Each round adds namespaces, so it ends (a round asking
 * for what an earlier one did would read nothing new, and ends it too); the findings are those
 * of a scan that read every event. A snapshot holding every event is analyzed once. A
 * failed event read throws (the snapshot keeps what it had).
 *
 * @public
 */
export async function analyzeWithEvents(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  options: AnalyzeOptions,
  hooks: {
    onEventsRead?: (namespaces: string[], kind: 'all' | 'warnings') => void;
    /** See {@link readEventsOf}. */
    maxWarningNamespaces?: number;
  } = {},
): Promise<AnalysisReport> {
  let report = analyze(snapshot, options);
  // what each round asked for: a round asking for what one before it did reads nothing new
  const asked = new Set<string>();
  while (
    snapshot.partialEvents &&
    (report.eventsNeeded || report.warningEventsNeeded)
  ) {
    const all = report.eventsNeeded ?? [];
    const warnings = report.warningEventsNeeded ?? [];
    const key = JSON.stringify([all, warnings]);
    if (asked.has(key)) break;
    asked.add(key);
    // both kinds of read at once; applied only when both succeeded (disjoint namespaces)
    const reads = await Promise.all([
      fetchEventsOf(http, snapshot, all, {}),
      fetchEventsOf(http, snapshot, warnings, {
        warningsOnly: true,
        maxWarningNamespaces: hooks.maxWarningNamespaces,
      }),
    ]);
    reads.forEach(r => r.apply());
    if (reads[0].requests + reads[1].requests === 0) break;
    if (all.length) hooks.onEventsRead?.(all, 'all');
    if (warnings.length) hooks.onEventsRead?.(warnings, 'warnings');
    report = analyze(snapshot, options);
  }
  return report;
}

/** The pod fields {@link isFailingPod} reads. @public */
export interface PodLike {
  metadata: { name?: string; namespace?: string };
  spec?: { containers?: Array<{ name?: string }> };
  status?: {
    phase?: string;
    containerStatuses?: Array<{
      name?: string;
      ready?: boolean;
      restartCount?: number;
    }>;
  };
}

/** Pods worth reading logs of: not Running/Succeeded, or with an unready or restarted container. @public */
export function isFailingPod(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return false;
  if (phase !== 'Running') return true;
  return (pod.status?.containerStatuses ?? []).some(
    s => !s.ready || (s.restartCount ?? 0) > 0,
  );
}

/**
 * Fetches the last 100 log lines (and the previous instance's, after a restart) of every
 * container of the failing pods in the snapshot, into its `logs`, `previousLogs`, `logErrors`.
 *
 * @public
 */
export async function fetchFailingPodLogs(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  options: { namespace?: string; concurrency?: number } = {},
): Promise<number> {
  const pods = ((snapshot.objects.Pod ?? []) as unknown as PodLike[]).filter(
    p =>
      (!options.namespace || p.metadata.namespace === options.namespace) &&
      isFailingPod(p),
  );
  const jobs: Array<{
    ns: string;
    pod: string;
    container: string;
    previous: boolean;
  }> = [];
  for (const p of pods) {
    const restarts = new Map(
      (p.status?.containerStatuses ?? []).map(s => [
        s.name,
        s.restartCount ?? 0,
      ]),
    );
    for (const c of p.spec?.containers ?? []) {
      const base = {
        ns: p.metadata.namespace ?? '',
        pod: p.metadata.name ?? '',
        container: c.name ?? '',
      };
      jobs.push({ ...base, previous: false });
      if ((restarts.get(c.name) ?? 0) > 0)
        jobs.push({ ...base, previous: true });
    }
  }
  const logs: Record<string, string> = (snapshot.logs ??= {});
  const previousLogs: Record<string, string> = (snapshot.previousLogs ??= {});
  const logErrors: Record<string, string> = (snapshot.logErrors ??= {});
  await mapLimit(jobs, options.concurrency ?? 16, async j => {
    const key = logKey(j.ns, j.pod, j.container);
    const path =
      `${apiPrefix({
        group: '',
        version: 'v1',
      })}/namespaces/${encodeURIComponent(j.ns)}/pods/` +
      `${encodeURIComponent(j.pod)}/log?container=${encodeURIComponent(
        j.container,
      )}&tailLines=100` +
      `${j.previous ? '&previous=true' : ''}`;
    try {
      const text = await readPodLogText(http, path);
      (j.previous ? previousLogs : logs)[key] = text;
    } catch (e) {
      // A container that has not started has no logs; k8sgpt reports that as a failure too.
      if (!j.previous) logErrors[key] = (e as Error).message;
    }
  });
  return jobs.length;
}
