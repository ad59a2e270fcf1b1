/**
 * The pods a row-first scan reads (`pods: 'failing'`): the namespaces in scope, each one's pod
 * Table rows, and in full only the pods the selected analyzers can report on or look up.
 */
import {
  AnalyzerDefinition,
  KubeObject,
  addConfigMapRefs,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterRequestError, KubeHttp } from './client';
import { RESOURCES, listPath } from './resources';
import { mapLimit } from './concurrency';
import {
  Counter,
  METADATA_ONLY_ACCEPT,
  RawItem,
  RawList,
  TABLE_ACCEPT,
  fetchItems,
  fetchList,
} from './lists';
import {
  PodRow,
  planFullPods,
  podRowIsHealthy,
  podRowsOfTable,
} from './podPrefilter';

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
export const FAILING_POD_INPUTS = [
  'ConfigMap',
  'StatefulSet',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
];

/**
 * The namespaces a scan looks at: the one given, else every namespace (one metadata-only list),
 * or undefined when they cannot be listed (no permission, say: callers then read whole lists).
 * A 401 throws.
 */
export async function namespacesInScope(
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
export async function podRowsByNamespace(
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
export async function readFailingPods(
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
