import {
  AnalyzerDefinition,
  ClusterSnapshot,
  KubeObject,
  inputKindsFor,
  logKey,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { BodySink, ClusterRequestError, KubeHttp } from './client';
import { RESOURCES, ResourceInfo, apiPrefix, listPath } from './resources';
import { ProtoDecodeError, protobufKinds, protobufListStream } from './proto/decode';

/** @public */
export interface LiveScanOptions {
  analyzers: AnalyzerDefinition[];
  /** List namespaced kinds in this namespace only (where the analyzers allow it). */
  namespace?: string;
  /** Parallel requests (default 12). */
  concurrency?: number;
}

/** @public */
export interface LiveScanResult {
  snapshot: ClusterSnapshot;
  /** Kinds that could not be listed, with the reason. */
  unavailable: Map<string, string>;
  /** Number of API requests made. */
  requests: number;
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
async function fetchItems(http: KubeHttp, info: ResourceInfo, path: string): Promise<RawItem[]> {
  if (info.metadataOnly || !PROTOBUF_KINDS.has(info.kind)) {
    const list = (await http.getJson(path, info.metadataOnly ? METADATA_ONLY_ACCEPT : undefined)) as {
      items?: RawItem[] | null;
    };
    return list.items ?? [];
  }
  try {
    return await http.getStreamed(path, PROTOBUF_ACCEPT, contentType =>
      contentType.startsWith('application/vnd.kubernetes.protobuf') ? itemsOfProtobuf(info.kind) : itemsOfJson(contentType),
    );
  } catch (e) {
    if (!(e instanceof ProtoDecodeError || e instanceof SyntaxError)) throw e;
    throw new ClusterRequestError(`cannot read the ${info.kind} list from ${http.server} (GET ${path}): ${e.message}`);
  }
}

function itemsOfProtobuf(kind: string): BodySink<RawItem[]> {
  const stream = protobufListStream(kind);
  return { write: c => stream.write(c), end: () => stream.end().items };
}

function itemsOfJson(contentType: string): BodySink<RawItem[]> {
  const chunks: Buffer[] = [];
  return {
    write: c => chunks.push(c),
    end: () => {
      try {
        return (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: RawItem[] | null }).items ?? [];
      } catch (e) {
        throw new SyntaxError(`the answer (${contentType || 'no Content-Type'}) is neither protobuf nor JSON: ${(e as Error).message}`);
      }
    },
  };
}

/** Runs tasks with at most `limit` in flight. @public */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
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
  if (names.has('ValidatingWebhookConfiguration') || names.has('MutatingWebhookConfiguration')) {
    kinds.add('Service');
    kinds.add('Pod');
  }
  if (names.has('HTTPRoute')) {
    kinds.add('Gateway');
    kinds.add('Service');
  }
  return kinds;
}

/** The built-in kinds to list: the analyzers' inputs, plus owners for parent resolution. @public */
export function kindsToList(analyzers: AnalyzerDefinition[]): string[] {
  const kinds = new Set(inputKindsFor(analyzers));
  if (kinds.has('Pod')) {
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

async function listKind(http: KubeHttp, info: ResourceInfo, namespace?: string): Promise<ListOutcome> {
  const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
  try {
    const raw = await fetchItems(http, info, listPath(info, namespace));
    // List items carry no kind/apiVersion; add them so the objects stand alone.
    for (const item of raw) {
      item.apiVersion = apiVersion;
      item.kind = info.kind;
    }
    return { kind: info.kind, items: raw as unknown as KubeObject[] };
  } catch (e) {
    if (!(e instanceof ClusterRequestError)) throw e;
    if (e.status === 404 && info.optional) return { kind: info.kind, items: undefined };
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
    if (!version || !kind || !spec.group || !spec.names?.plural || RESOURCES[kind]) continue;
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

/**
 * Lists what the analyzers need, each kind once for the whole scan, in parallel. A kind that
 * cannot be listed is reported in `unavailable`; an unreachable or unauthorized cluster throws.
 *
 * @public
 */
export async function scanCluster(http: KubeHttp, options: LiveScanOptions): Promise<LiveScanResult> {
  const concurrency = options.concurrency ?? 12;
  let requests = 1;
  // Says clearly when the cluster is unreachable or rejects us; asked beside the lists, not before.
  const version = http.getJson('/version');
  version.catch(() => undefined);

  const cross = crossNamespaceKinds(options.analyzers);
  const nsFor = (kind: string) => (cross.has(kind) ? undefined : options.namespace);
  const wantsCustom = options.analyzers.some(a => a.name === 'CustomResource');
  const infos = kindsToList(options.analyzers).map(k => RESOURCES[k]);
  if (wantsCustom) infos.push(RESOURCES.CustomResourceDefinition);

  const outcomes = await mapLimit(infos, concurrency, info => listKind(http, info, nsFor(info.kind)));
  requests += infos.length;
  const crds = outcomes.find(o => o.kind === 'CustomResourceDefinition')?.items ?? [];
  const customInfos = wantsCustom ? customResourceInfos(crds) : [];
  outcomes.push(
    ...(await mapLimit(customInfos, concurrency, info => listKind(http, info, options.namespace))),
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
  return { snapshot: { objects }, unavailable, requests };
}

/** The pod fields {@link isFailingPod} reads. @public */
export interface PodLike {
  metadata: { name?: string; namespace?: string };
  spec?: { containers?: Array<{ name?: string }> };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ name?: string; ready?: boolean; restartCount?: number }>;
  };
}

/** Pods worth reading logs of: not Running/Succeeded, or with an unready or restarted container. @public */
export function isFailingPod(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return false;
  if (phase !== 'Running') return true;
  return (pod.status?.containerStatuses ?? []).some(s => !s.ready || (s.restartCount ?? 0) > 0);
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
    p => (!options.namespace || p.metadata.namespace === options.namespace) && isFailingPod(p),
  );
  const jobs: Array<{ ns: string; pod: string; container: string; previous: boolean }> = [];
  for (const p of pods) {
    const restarts = new Map((p.status?.containerStatuses ?? []).map(s => [s.name, s.restartCount ?? 0]));
    for (const c of p.spec?.containers ?? []) {
      const base = { ns: p.metadata.namespace ?? '', pod: p.metadata.name ?? '', container: c.name ?? '' };
      jobs.push({ ...base, previous: false });
      if ((restarts.get(c.name) ?? 0) > 0) jobs.push({ ...base, previous: true });
    }
  }
  const logs: Record<string, string> = (snapshot.logs ??= {});
  const previousLogs: Record<string, string> = (snapshot.previousLogs ??= {});
  const logErrors: Record<string, string> = (snapshot.logErrors ??= {});
  await mapLimit(jobs, options.concurrency ?? 16, async j => {
    const key = logKey(j.ns, j.pod, j.container);
    const path =
      `${apiPrefix({ group: '', version: 'v1' })}/namespaces/${encodeURIComponent(j.ns)}/pods/` +
      `${encodeURIComponent(j.pod)}/log?container=${encodeURIComponent(j.container)}&tailLines=100` +
      `${j.previous ? '&previous=true' : ''}`;
    try {
      const text = await http.getText(path);
      (j.previous ? previousLogs : logs)[key] = text;
    } catch (e) {
      // A container that has not started has no logs; k8sgpt reports that as a failure too.
      if (!j.previous) logErrors[key] = (e as Error).message;
    }
  });
  return jobs.length;
}
