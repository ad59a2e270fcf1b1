import { computeEventId } from './eventId';
import type {
  ContainerInfo,
  PodInfo,
  ProbeArgument,
  ProbeInfo,
  ProcessCapabilities,
  ProcessInfo,
  RemoteAddress,
  RuntimeEvent,
  TetragonEventType,
} from './types';

/** A JSON object as JSON.parse returns it. */
type Json = Record<string, unknown>;

const EMPTY_LABELS: Record<string, string> = Object.freeze({}) as Record<
  string,
  string
>;
const NO_STRINGS: string[] = [];

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** UInt32Value fields come as numbers, some exporters write them as strings. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) {
    return Number(v);
  }
  return undefined;
}

function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Json)
    : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : NO_STRINGS;
}

/**
 * Pod names of ReplicaSet pods are `<deployment>-<template-hash>-<5 chars>`;
 * Kubernetes' safe alphabet has no vowels and no 0/1/3.
 */
const RS_POD =
  /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const GENERATED_POD = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

/**
 * Infers the workload of a pod that Tetragon sent without `workload`
 * (older agents): Deployment from the pod-template-hash label or the
 * ReplicaSet naming pattern, else the pod itself.
 * @public
 */
export function inferWorkload(
  podName: string,
  labels: Record<string, string>,
): { workload: string; kind: string } {
  const hash = labels['pod-template-hash'];
  if (hash) {
    const suffix = `-${hash}-`;
    const at = podName.lastIndexOf(suffix);
    if (at > 0) return { workload: podName.slice(0, at), kind: 'Deployment' };
  }
  const rs = RS_POD.exec(podName);
  if (rs) return { workload: rs[1], kind: 'Deployment' };
  if (labels['controller-revision-hash']) {
    const gen = GENERATED_POD.exec(podName);
    if (gen) return { workload: gen[1], kind: 'DaemonSet' };
    const sts = /^(.+)-\d+$/.exec(podName);
    if (sts) return { workload: sts[1], kind: 'StatefulSet' };
  }
  return { workload: podName, kind: 'Pod' };
}

function labelsOf(pod: Json): Record<string, string> {
  const map = obj(pod.pod_labels);
  if (map) return map as Record<string, string>;
  // Old API: `repeated string labels = 3` as "key=value".
  const list = pod.labels;
  if (Array.isArray(list) && list.length > 0) {
    const out: Record<string, string> = {};
    for (const entry of list) {
      if (typeof entry !== 'string') continue;
      const eq = entry.indexOf('=');
      if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return out;
  }
  return EMPTY_LABELS;
}

function containerOf(c: Json | undefined): ContainerInfo {
  if (!c) return {};
  const image = obj(c.image);
  return {
    id: str(c.id),
    name: str(c.name),
    imageName: image ? str(image.name) : undefined,
    imageId: image ? str(image.id) : undefined,
    maybeExecProbe: c.maybe_exec_probe === true ? true : undefined,
  };
}

function podOf(raw: unknown): PodInfo | undefined {
  const pod = obj(raw);
  if (!pod) return undefined;
  const name = str(pod.name) ?? '';
  const labels = labelsOf(pod);
  let workload = str(pod.workload);
  let workloadKind = str(pod.workload_kind);
  let inferred = false;
  if (!workload && name) {
    const w = inferWorkload(name, labels);
    workload = w.workload;
    workloadKind = workloadKind ?? w.kind;
    inferred = true;
  }
  return {
    namespace: str(pod.namespace) ?? '',
    name,
    uid: str(pod.uid),
    container: containerOf(obj(pod.container)),
    labels,
    workload: workload ?? '',
    workloadKind,
    workloadInferred: inferred,
  };
}

function capsOf(raw: unknown): ProcessCapabilities | undefined {
  const cap = obj(raw);
  if (!cap) return undefined;
  return {
    permitted: strings(cap.permitted),
    effective: strings(cap.effective),
    inheritable: strings(cap.inheritable),
  };
}

function hostNamespacesOf(raw: unknown): string[] {
  const ns = obj(raw);
  if (!ns) return NO_STRINGS;
  let out: string[] | undefined;
  for (const key of Object.keys(ns)) {
    const n = obj(ns[key]);
    if (n && n.is_host === true) (out ??= []).push(key);
  }
  return out ?? NO_STRINGS;
}

/** Normalizes a Tetragon `Process` message; undefined for an empty `{}`. */
export function processOf(raw: unknown): ProcessInfo | undefined {
  const p = obj(raw);
  if (!p) return undefined;
  const execId = str(p.exec_id);
  const binary = str(p.binary);
  if (execId === undefined && binary === undefined) return undefined;
  const inInit = p.in_init_tree;
  return {
    execId: execId ?? '',
    parentExecId: str(p.parent_exec_id),
    pid: num(p.pid),
    tid: num(p.tid),
    uid: num(p.uid),
    auid: num(p.auid),
    cwd: str(p.cwd),
    binary: binary ?? '',
    arguments: str(p.arguments) ?? '',
    flags: str(p.flags),
    startTime: str(p.start_time),
    containerId: str(p.docker),
    pod: podOf(p.pod),
    capabilities: capsOf(p.cap),
    hostNamespaces: hostNamespacesOf(p.ns),
    inInitTree: typeof inInit === 'boolean' ? inInit : undefined,
  };
}

function argOf(raw: unknown): ProbeArgument | undefined {
  const a = obj(raw);
  if (!a) return undefined;
  let kind: string | undefined;
  for (const key in a) {
    if (key !== 'label') {
      kind = key;
      break;
    }
  }
  if (kind === undefined) return undefined;
  return { kind, value: a[kind], label: str(a.label) };
}

function absolute(path: string): string {
  return path.length > 0 && path.charCodeAt(0) !== 47 ? `/${path}` : path;
}

function collectArgFacts(
  args: ProbeArgument[],
  paths: string[],
  remotes: RemoteAddress[],
): void {
  for (const a of args) {
    const v = a.value;
    switch (a.kind) {
      case 'file_arg':
      case 'path_arg':
      case 'linux_binprm_arg': {
        const p = obj(v) && str((v as Json).path);
        if (p) paths.push(absolute(p));
        break;
      }
      case 'string_arg':
        if (typeof v === 'string' && v.charCodeAt(0) === 47) paths.push(v);
        break;
      case 'sock_arg':
      case 'skb_arg': {
        const s = obj(v);
        const daddr = s && str(s.daddr);
        if (daddr) remotes.push({ address: daddr, port: num(s.dport) });
        break;
      }
      case 'sockaddr_arg': {
        const s = obj(v);
        const addr = s && str(s.addr);
        if (addr) remotes.push({ address: addr, port: num(s.port) });
        break;
      }
      default:
        break;
    }
  }
}

function probeOf(body: Json, fn: string): ProbeInfo {
  const rawArgs = body.args;
  const args: ProbeArgument[] = [];
  if (Array.isArray(rawArgs)) {
    for (const r of rawArgs) {
      const a = argOf(r);
      if (a) args.push(a);
    }
  }
  const paths: string[] = [];
  const remoteAddresses: RemoteAddress[] = [];
  collectArgFacts(args, paths, remoteAddresses);
  return {
    function: fn,
    args,
    returnValue: argOf(body.return),
    action: str(body.action),
    returnAction: str(body.return_action),
    policy: str(body.policy_name),
    message: str(body.message),
    tags: strings(body.tags),
    path: str(body.path),
    imaHash: str(body.ima_hash),
    paths,
    remoteAddresses,
  };
}

function probeFunction(type: TetragonEventType, body: Json): string {
  switch (type) {
    case 'process_tracepoint':
      return `${str(body.subsys) ?? ''}/${str(body.event) ?? ''}`;
    case 'process_uprobe':
      return (
        str(body.symbol) ?? (body.offset !== undefined ? `+${body.offset}` : '')
      );
    case 'process_usdt':
      return `${str(body.provider) ?? ''}:${str(body.name) ?? ''}`;
    default:
      return str(body.function_name) ?? '';
  }
}

function ancestorsOf(raw: unknown): ProcessInfo[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: ProcessInfo[] = [];
  for (const r of raw) {
    const p = processOf(r);
    if (p) out.push(p);
  }
  return out;
}

/** Envelope keys of `GetEventsResponse` besides the event. */
const ENVELOPE_KEYS = new Set([
  'node_name',
  'time',
  'cluster_name',
  'node_labels',
  'aggregation_info',
]);
/** Fields of the `Process` message (tetragon.proto), older and newer versions. */
const PROCESS_KEYS = new Set([
  'exec_id',
  'pid',
  'uid',
  'cwd',
  'binary',
  'arguments',
  'flags',
  'start_time',
  'auid',
  'pod',
  'docker',
  'parent_exec_id',
  'refcnt',
  'cap',
  'ns',
  'tid',
  'process_credentials',
  'binary_properties',
  'user',
  'in_init_tree',
  'environment_variables',
]);
const POD_KEYS = new Set([
  'namespace',
  'name',
  'container',
  'pod_labels',
  'labels',
  'workload',
  'workload_kind',
  'uid',
  'annotations',
]);
const PROBE_COMMON = [
  'process',
  'parent',
  'ancestors',
  'args',
  'policy_name',
  'message',
  'tags',
  'action',
];
/** Fields of each event message (tetragon.proto). */
const BODY_KEYS: Record<TetragonEventType, Set<string>> = {
  process_exec: new Set(['process', 'parent', 'ancestors']),
  process_exit: new Set([
    'process',
    'parent',
    'ancestors',
    'signal',
    'status',
    'time',
  ]),
  process_kprobe: new Set([
    ...PROBE_COMMON,
    'function_name',
    'return',
    'return_action',
    'kernel_stack_trace',
    'user_stack_trace',
    'data',
  ]),
  process_tracepoint: new Set([...PROBE_COMMON, 'subsys', 'event']),
  process_uprobe: new Set([
    ...PROBE_COMMON,
    'path',
    'symbol',
    'offset',
    'ref_ctr_offset',
    'return',
    'return_action',
  ]),
  process_lsm: new Set([...PROBE_COMMON, 'function_name', 'ima_hash']),
  process_usdt: new Set([...PROBE_COMMON, 'path', 'provider', 'name']),
  process_loader: new Set([
    'process',
    'parent',
    'ancestors',
    'path',
    'buildid',
  ]),
  process_throttle: new Set(['type', 'cgroup']),
  rate_limit_info: new Set(['number_of_dropped_process_events']),
};
const PROBE_TYPES = new Set<TetragonEventType>([
  'process_kprobe',
  'process_tracepoint',
  'process_uprobe',
  'process_lsm',
  'process_usdt',
]);
/** At most this many unknown field names are listed per event. */
const MAX_UNKNOWN_FIELDS = 32;

function unknownKeys(
  o: Json | undefined,
  known: Set<string>,
  prefix: string,
  out: string[],
): void {
  if (!o) return;
  for (const k in o) {
    if (!known.has(k) && out.length < MAX_UNKNOWN_FIELDS)
      out.push(`${prefix}${k}`);
  }
}

function processUnknowns(raw: unknown, prefix: string, out: string[]): void {
  const p = obj(raw);
  if (!p) return;
  unknownKeys(p, PROCESS_KEYS, prefix, out);
  unknownKeys(obj(p.pod), POD_KEYS, `${prefix}pod.`, out);
}

/** Fields of the envelope, the event and its processes that this model does not know. */
function unknownFieldsOf(
  root: Json,
  type: TetragonEventType,
  body: Json,
): string[] {
  const out: string[] = [];
  for (const k in root) {
    if (k !== type && !ENVELOPE_KEYS.has(k) && out.length < MAX_UNKNOWN_FIELDS)
      out.push(k);
  }
  unknownKeys(body, BODY_KEYS[type], `${type}.`, out);
  processUnknowns(body.process, 'process.', out);
  processUnknowns(body.parent, 'parent.', out);
  return out;
}

/** Fields the event lacks that its type usually carries. */
function missingFieldsOf(
  root: Json,
  type: TetragonEventType,
  body: Json,
  ev: RuntimeEvent,
): string[] {
  const out: string[] = [];
  if (!str(root.time)) out.push('time');
  if (!str(root.node_name)) out.push('node_name');
  if (type === 'process_throttle' || type === 'rate_limit_info') return out;
  const p = ev.process;
  if (p) {
    if (!p.execId) out.push('process.exec_id');
    if (!p.binary) out.push('process.binary');
    if (p.pid === undefined) out.push('process.pid');
    if (p.startTime === undefined) out.push('process.start_time');
  }
  if (!ev.parent && type !== 'process_loader') out.push('parent');
  if (PROBE_TYPES.has(type)) {
    const probe = ev.probe!;
    if (
      probe.function === '' ||
      probe.function === '/' ||
      probe.function === ':'
    )
      out.push('function_name');
    if (!Array.isArray(body.args) || probe.args.length === 0) out.push('args');
    if (probe.policy === undefined) out.push('policy_name');
    if (probe.action === undefined) out.push('action');
  }
  return out;
}

/**
 * Result of normalizing one parsed line: the event, or why it is invalid.
 * @public
 */
export type NormalizeResult =
  | { ok: true; event: RuntimeEvent }
  | { ok: false; detail: string };

/**
 * Builds the normalized event from a parsed `GetEventsResponse` whose event
 * key is `type`. Returns `ok: false` when the body is not an object or a
 * process event lacks its process.
 */
export function normalizeEvent(
  root: Json,
  type: TetragonEventType,
): NormalizeResult {
  const body = obj(root[type]);
  if (!body) {
    return { ok: false, detail: `"${type}" is not an object` };
  }
  const time = str(root.time) ?? '';
  const ev: RuntimeEvent = {
    id: '',
    type,
    time,
    timeMs: time ? Date.parse(time) : NaN,
    node: str(root.node_name),
    cluster: str(root.cluster_name),
    nodeLabels: obj(root.node_labels) as Record<string, string> | undefined,
  };
  const agg = obj(root.aggregation_info);
  if (agg) ev.aggregatedCount = num(agg.count);
  let extra: string | undefined;
  switch (type) {
    case 'process_throttle':
      ev.throttle = {
        type: String(body.type ?? 'THROTTLE_UNKNOWN'),
        cgroup: str(body.cgroup) ?? '',
      };
      extra = `${ev.throttle.type}/${ev.throttle.cgroup}`;
      break;
    case 'rate_limit_info':
      ev.rateLimit = {
        droppedProcessEvents: num(body.number_of_dropped_process_events) ?? 0,
      };
      break;
    default: {
      ev.process = processOf(body.process);
      if (!ev.process) {
        return { ok: false, detail: `"${type}.process" is missing or empty` };
      }
      ev.parent = processOf(body.parent);
      ev.ancestors = ancestorsOf(body.ancestors);
      if (type === 'process_exit') {
        ev.exit = { signal: str(body.signal), status: num(body.status) };
      } else if (type === 'process_loader') {
        ev.loader = { path: str(body.path) ?? '', buildId: str(body.buildid) };
        extra = ev.loader.path;
      } else if (type !== 'process_exec') {
        ev.probe = probeOf(body, probeFunction(type, body));
      }
    }
  }
  const missing = missingFieldsOf(root, type, body, ev);
  if (missing.length > 0) ev.missingFields = missing;
  const unknown = unknownFieldsOf(root, type, body);
  if (unknown.length > 0) {
    ev.unknownFields = unknown;
    ev.raw = root;
  }
  ev.id = computeEventId({
    node: ev.node,
    execId: ev.process?.execId,
    time,
    type,
    function: ev.probe?.function,
    extra,
  });
  return { ok: true, event: ev };
}
