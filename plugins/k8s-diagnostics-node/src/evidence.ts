/**
 * Reads a finding's evidence from the cluster (the pure model and builder are in -common): the
 * failing pod (the finding's, or the worst one its workload selects), its and the object's
 * warning events, the objects its spec refers to that do not exist, and the last log lines of its
 * failing container. Every read is bounded; a part the API server refuses is a note; a cluster
 * that does not answer at all is an error.
 */
import {
  buildEvidence,
  ContainerLogEvidence,
  failingContainer,
  containersOf,
  FindingEvidence,
  KubeObject,
  logToRead,
  MissingReference,
  ObjectRef,
  pickFailingPod,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterRequestError, KubeHttp } from './client';
import { readPodLogText } from './podLog';
import { apiPrefix, RESOURCES } from './resources';

/** Largest and default number of log lines read of one container. @public */
export const LOG_LIMITS = {
  maxTailLines: 1000,
  tailLines: 100,
  maxBytes: 256 * 1024,
  bytes: 64 * 1024,
};

type Json = any;

const CORE = apiPrefix({ group: '', version: 'v1' });
const enc = encodeURIComponent;

/** Kinds whose pods are found through `spec.selector`. */
const SELECTOR_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'ReplicationController',
]);

function objectPath(
  kind: string,
  namespace: string,
  name: string,
): string | undefined {
  const info = RESOURCES[kind];
  if (!info) return undefined;
  return `${apiPrefix(info)}/namespaces/${enc(namespace)}/${info.plural}/${enc(
    name,
  )}`;
}

const statusOf = (e: unknown) =>
  e instanceof ClusterRequestError
    ? e.status
    : (e as { status?: number })?.status;

function why(e: unknown): string {
  const status = statusOf(e);
  if (status === 403) return 'the cluster identity may not read it';
  if (status === 404) return 'it no longer exists';
  return (e as Error)?.message ?? String(e);
}

/** `matchLabels` (and `In` / `Exists` expressions) of a selector as a label selector query. */
function selectorQuery(selector: Json): string | undefined {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {}))
    parts.push(`${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    if (e?.operator === 'In' && Array.isArray(e.values))
      parts.push(`${e.key} in (${e.values.join(',')})`);
    else if (e?.operator === 'NotIn' && Array.isArray(e.values))
      parts.push(`${e.key} notin (${e.values.join(',')})`);
    else if (e?.operator === 'Exists') parts.push(e.key);
    else if (e?.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

/**
 * The pods of a workload (by its `spec.selector`), or the pod itself; `[]` with a note when they
 * cannot be read.
 * @public
 */
export async function podsOfObject(
  http: KubeHttp,
  object: ObjectRef,
  notes: string[] = [],
): Promise<KubeObject[]> {
  const ns = object.namespace;
  if (!ns) return [];
  if (object.kind === 'Pod') {
    try {
      return [
        (await http.getJson(objectPath('Pod', ns, object.name)!)) as KubeObject,
      ];
    } catch (e) {
      // no answer at all (unreachable, timeout): the caller says so
      if (statusOf(e) === undefined) throw e;
      notes.push(`Pod ${object.name} could not be read: ${why(e)}`);
      return [];
    }
  }
  if (!SELECTOR_KINDS.has(object.kind)) return [];
  try {
    const obj = (await http.getJson(
      objectPath(object.kind, ns, object.name)!,
    )) as Json;
    const q = selectorQuery(obj?.spec?.selector);
    if (!q) return [];
    const list = (await http.getJson(
      `${CORE}/namespaces/${enc(ns)}/pods?labelSelector=${enc(q)}&limit=200`,
    )) as Json;
    const uid = obj?.metadata?.uid;
    const items = (list?.items ?? []) as KubeObject[];
    // a Job's or ReplicaSet's own pods (a selector may match more)
    return object.kind === 'Job' || object.kind === 'ReplicaSet'
      ? items.filter(
          p =>
            !uid || (p.metadata.ownerReferences ?? []).some(r => r.uid === uid),
        )
      : items;
  } catch (e) {
    if (statusOf(e) === undefined) throw e;
    notes.push(
      `the pods of ${object.kind} ${object.name} could not be read: ${why(e)}`,
    );
    return [];
  }
}

/**
 * The last lines of a container's log, capped by lines and bytes (the API server applies both).
 * @public
 */
export async function readContainerLog(
  http: KubeHttp,
  options: {
    namespace: string;
    pod: string;
    container: string;
    previous?: boolean;
    tailLines?: number;
    limitBytes?: number;
  },
): Promise<ContainerLogEvidence> {
  const tailLines = Math.min(
    Math.max(1, options.tailLines ?? LOG_LIMITS.tailLines),
    LOG_LIMITS.maxTailLines,
  );
  const limitBytes = Math.min(
    Math.max(1024, options.limitBytes ?? LOG_LIMITS.bytes),
    LOG_LIMITS.maxBytes,
  );
  const previous = options.previous ?? false;
  const path =
    `${CORE}/namespaces/${enc(options.namespace)}/pods/${enc(
      options.pod,
    )}/log?container=${enc(options.container)}` +
    `&tailLines=${tailLines}&limitBytes=${limitBytes}${
      previous ? '&previous=true' : ''
    }`;
  try {
    const text = await readPodLogText(http, path);
    const capped = Buffer.byteLength(text, 'utf8') >= limitBytes;
    const lines = text.replace(/\n$/, '').split('\n');
    // a log cut by limitBytes ends inside a line: keep whole lines only
    if (capped && lines.length > 1) lines.pop();
    return {
      container: options.container,
      previous,
      lines: text === '' ? [] : lines,
      truncated: capped || lines.length >= tailLines,
    };
  } catch (e) {
    const status = statusOf(e);
    const message =
      status === 400 ? (e as Error).message.replace(/^.*?:\s*/, '') : why(e);
    return {
      container: options.container,
      previous,
      lines: [],
      truncated: false,
      error: message,
    };
  }
}

interface SpecRef {
  kind: 'ConfigMap' | 'Secret' | 'ServiceAccount' | 'PersistentVolumeClaim';
  name: string;
  use: string;
}

/** The objects a pod spec requires (optional references left out). */
function specReferences(pod: Json): SpecRef[] {
  const spec = pod?.spec ?? {};
  const refs: SpecRef[] = [];
  for (const c of [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
  ]) {
    for (const e of c?.env ?? []) {
      const cm = e?.valueFrom?.configMapKeyRef;
      const s = e?.valueFrom?.secretKeyRef;
      if (cm?.name && !cm.optional)
        refs.push({
          kind: 'ConfigMap',
          name: cm.name,
          use: `env ${e.name} of container ${c.name}`,
        });
      if (s?.name && !s.optional)
        refs.push({
          kind: 'Secret',
          name: s.name,
          use: `env ${e.name} of container ${c.name}`,
        });
    }
    for (const e of c?.envFrom ?? []) {
      if (e?.configMapRef?.name && !e.configMapRef.optional)
        refs.push({
          kind: 'ConfigMap',
          name: e.configMapRef.name,
          use: `envFrom of container ${c.name}`,
        });
      if (e?.secretRef?.name && !e.secretRef.optional)
        refs.push({
          kind: 'Secret',
          name: e.secretRef.name,
          use: `envFrom of container ${c.name}`,
        });
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v?.configMap?.name && !v.configMap.optional)
      refs.push({
        kind: 'ConfigMap',
        name: v.configMap.name,
        use: `volume ${v.name}`,
      });
    if (v?.secret?.secretName && !v.secret.optional)
      refs.push({
        kind: 'Secret',
        name: v.secret.secretName,
        use: `volume ${v.name}`,
      });
    if (v?.persistentVolumeClaim?.claimName)
      refs.push({
        kind: 'PersistentVolumeClaim',
        name: v.persistentVolumeClaim.claimName,
        use: `volume ${v.name}`,
      });
  }
  const sa = spec.serviceAccountName ?? spec.serviceAccount;
  if (sa && sa !== 'default')
    refs.push({ kind: 'ServiceAccount', name: sa, use: 'serviceAccountName' });
  const seen = new Set<string>();
  return refs.filter(r => {
    const k = `${r.kind}/${r.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** At most this many referenced objects are looked up for one pod. */
const MAX_REFERENCE_READS = 20;

async function missingReferences(
  http: KubeHttp,
  pod: Json,
  notes: string[],
): Promise<MissingReference[]> {
  const ns = pod?.metadata?.namespace;
  if (!ns) return [];
  const refs = specReferences(pod).slice(0, MAX_REFERENCE_READS);
  const missing: MissingReference[] = [];
  const unreadable = new Set<string>();
  await Promise.all(
    refs.map(async r => {
      try {
        await http.getJson(objectPath(r.kind, ns, r.name)!);
      } catch (e) {
        if (statusOf(e) === 404)
          missing.push({
            kind: r.kind,
            name: r.name,
            namespace: ns,
            use: r.use,
          });
        else unreadable.add(r.kind);
      }
    }),
  );
  if (unreadable.size)
    notes.push(
      `whether the referenced ${[...unreadable]
        .sort()
        .join(', ')} objects exist is not known (they could not be read)`,
    );
  return missing.sort((a, b) =>
    `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`),
  );
}

async function warningEvents(
  http: KubeHttp,
  namespace: string,
  names: string[],
  notes: string[],
): Promise<KubeObject[]> {
  const lists = await Promise.all(
    [...new Set(names)].map(async name => {
      try {
        const q = enc(`involvedObject.name=${name},type=Warning`);
        const list = (await http.getJson(
          `${CORE}/namespaces/${enc(
            namespace,
          )}/events?fieldSelector=${q}&limit=100`,
        )) as Json;
        return (list?.items ?? []) as KubeObject[];
      } catch (e) {
        notes.push(`the events of ${name} could not be read: ${why(e)}`);
        return [];
      }
    }),
  );
  return lists.flat();
}

/**
 * Reads the evidence of a finding about `object` (with its owner chain, direct owner first):
 * the failing pod of the object or of its workload, its warning events and the object's, the
 * missing objects its spec refers to, and the last log lines of its failing container (the
 * previous instance's after a crash).
 * @public
 */
export async function readEvidence(
  http: KubeHttp,
  options: {
    object: ObjectRef;
    ownerChain: ObjectRef[];
    tailLines?: number;
    limitBytes?: number;
  },
): Promise<FindingEvidence> {
  const { object, ownerChain } = options;
  const notes: string[] = [];
  const ns = object.namespace;
  if (!ns)
    return buildEvidence({
      ownerChain,
      notes: [
        `${object.kind} ${object.name} is not namespaced: it has no pods`,
      ],
    });
  // the object's own pods, else those of the nearest owner that selects pods
  let pods = await podsOfObject(http, object, notes);
  for (const owner of ownerChain) {
    if (pods.length > 0 || object.kind === 'Pod') break;
    pods = await podsOfObject(
      http,
      { ...owner, namespace: owner.namespace ?? ns },
      notes,
    );
  }
  const pod = object.kind === 'Pod' ? pods[0] : pickFailingPod(pods) ?? pods[0];
  const podName = pod?.metadata?.name;
  const [events, missing] = await Promise.all([
    warningEvents(
      http,
      ns,
      [object.name, ...(podName ? [podName] : [])],
      notes,
    ),
    pod ? missingReferences(http, pod, notes) : Promise.resolve([]),
  ]);
  const logs: ContainerLogEvidence[] = [];
  if (pod && podName) {
    const failing = failingContainer(
      containersOf(pod),
      (pod as Json).status?.phase,
    );
    if (failing) {
      const { previous } = logToRead(failing);
      const read = (prev: boolean) =>
        readContainerLog(http, {
          namespace: ns,
          pod: podName,
          container: failing.name,
          previous: prev,
          tailLines: options.tailLines,
          limitBytes: options.limitBytes,
        });
      let log = await read(previous);
      // the previous instance's log is gone (the kubelet removed it): the current one
      if (previous && log.error) log = await read(false);
      logs.push(log);
    }
  } else if (
    SELECTOR_KINDS.has(object.kind) &&
    !notes.some(n => n.startsWith('the pods of'))
  ) {
    // (a Pod that could not be read is noted already)
    notes.push(`no pod of ${object.kind} ${object.name} was found`);
  }
  return buildEvidence({
    pod,
    events,
    ownerChain,
    missingReferences: missing,
    logs,
    notes,
  });
}
