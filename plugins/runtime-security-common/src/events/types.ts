/**
 * The normalized model of a Tetragon export event.
 *
 * Tetragon's JSON export writes one `GetEventsResponse` per line: exactly one
 * event key (`process_exec`, `process_kprobe`, …) plus `node_name`, `time`,
 * `cluster_name`, `node_labels` and `aggregation_info`. Field names follow the
 * Tetragon v1 API (`api/v1/tetragon/tetragon.proto`, `events.proto`).
 */

/**
 * Event types of the current Tetragon API (`GetEventsResponse.event` oneof).
 * @public
 */
export type TetragonEventType =
  | 'process_exec'
  | 'process_exit'
  | 'process_kprobe'
  | 'process_tracepoint'
  | 'process_uprobe'
  | 'process_lsm'
  | 'process_usdt'
  | 'process_loader'
  | 'process_throttle'
  | 'rate_limit_info';

/**
 * All event types the parser understands, in API order.
 * @public
 */
export const TETRAGON_EVENT_TYPES: readonly TetragonEventType[] = [
  'process_exec',
  'process_exit',
  'process_kprobe',
  'process_tracepoint',
  'process_loader',
  'process_uprobe',
  'process_throttle',
  'process_lsm',
  'process_usdt',
  'rate_limit_info',
];

/**
 * Event keys older Tetragon versions (or the 2022 eBPF book, whose examples came from an
 * Enterprise build) emitted that the open-source API does not have: its `GetEventsResponse`
 * reserves those oneof numbers. Lines with these are counted as `legacy_type` and kept as
 * unknown events (see {@link UnknownEvent}).
 * @public
 */
export const LEGACY_TETRAGON_EVENT_TYPES: readonly string[] = [
  'process_connect',
  'process_close',
  'process_listen',
  'process_accept',
  'process_sock',
  'process_dns',
];

/**
 * Linux capabilities of a process, as Tetragon names them.
 * @public
 */
export interface ProcessCapabilities {
  permitted: string[];
  effective: string[];
  inheritable: string[];
}

/**
 * The container a process runs in.
 * @public
 */
export interface ContainerInfo {
  id?: string;
  name?: string;
  imageName?: string;
  imageId?: string;
  /** Tetragon's guess that the process is a Kubernetes exec probe. */
  maybeExecProbe?: boolean;
}

/**
 * The Kubernetes pod a process runs in.
 * @public
 */
export interface PodInfo {
  namespace: string;
  name: string;
  uid?: string;
  container: ContainerInfo;
  labels: Record<string, string>;
  /** Workload name: Tetragon's `workload`, or inferred from the pod name. */
  workload: string;
  /** Workload kind: Tetragon's `workload_kind`, or inferred. */
  workloadKind?: string;
  /** True when workload/kind were inferred from the pod name or labels. */
  workloadInferred: boolean;
}

/**
 * A process as Tetragon reports it (the `Process` message).
 * @public
 */
export interface ProcessInfo {
  execId: string;
  parentExecId?: string;
  pid?: number;
  tid?: number;
  uid?: number;
  auid?: number;
  cwd?: string;
  binary: string;
  arguments: string;
  flags?: string;
  startTime?: string;
  /** Short container id (`docker` field): set for any containerized process. */
  containerId?: string;
  pod?: PodInfo;
  capabilities?: ProcessCapabilities;
  /** Names of the Linux namespaces (`mnt`, `pid`, `net`, …) that are the host's. */
  hostNamespaces: string[];
  inInitTree?: boolean;
}

/**
 * One argument of a kprobe / tracepoint / uprobe / lsm / usdt event: the
 * oneof key of `KprobeArgument` (`file_arg`, `int_arg`, …) and its value as-is.
 * @public
 */
export interface ProbeArgument {
  kind: string;
  value: unknown;
  label?: string;
}

/**
 * Fields of probe events (kprobe, tracepoint, uprobe, lsm, usdt).
 * @public
 */
export interface ProbeInfo {
  /** kprobe/lsm: function_name; tracepoint: `subsys/event`; uprobe: symbol; usdt: `provider:name`. */
  function: string;
  args: ProbeArgument[];
  returnValue?: ProbeArgument;
  /** `KPROBE_ACTION_POST`, `KPROBE_ACTION_SIGKILL`, `KPROBE_ACTION_OVERRIDE`, … */
  action?: string;
  returnAction?: string;
  policy?: string;
  message?: string;
  tags: string[];
  /** uprobe / usdt binary path. */
  path?: string;
  imaHash?: string;
  /** File paths found in the arguments (file_arg, path_arg, linux_binprm_arg, string args that look like paths). */
  paths: string[];
  /** Remote addresses found in socket arguments (sock_arg, skb_arg, sockaddr_arg). */
  remoteAddresses: RemoteAddress[];
}

/**
 * A destination address of a socket argument.
 * @public
 */
export interface RemoteAddress {
  address: string;
  port?: number;
}

/**
 * One Tetragon event in the normalized model.
 * @public
 */
export interface RuntimeEvent {
  /** Stable id, see {@link eventId}. */
  id: string;
  type: TetragonEventType;
  /** RFC 3339 time as Tetragon wrote it ('' when absent). */
  time: string;
  /** `time` in ms since the epoch (NaN when absent or invalid). */
  timeMs: number;
  node?: string;
  cluster?: string;
  nodeLabels?: Record<string, string>;
  process?: ProcessInfo;
  parent?: ProcessInfo;
  /** Ancestors beyond the parent, as the event carried them (nearest first). */
  ancestors?: ProcessInfo[];
  probe?: ProbeInfo;
  exit?: { signal?: string; status?: number };
  throttle?: { type: string; cgroup: string };
  rateLimit?: { droppedProcessEvents: number };
  loader?: { path: string; buildId?: string };
  /** aggregation_info.count when Tetragon aggregated the event. */
  aggregatedCount?: number;
  /** 1-based line number in the input stream, when known. */
  line?: number;
  /**
   * Fields this event lacked that its type usually carries (absent when none), e.g. `args`
   * for a kprobe exported without arguments, `policy_name`, `parent`, `process.pod`: rules
   * then look for their target elsewhere (the command line), and the UI can say why.
   */
  missingFields?: string[];
  /**
   * Fields the event carried that this model does not know (dotted paths such as
   * `process_kprobe.kernel_stack_trace` or `process.binary_properties.extra`), absent when none.
   */
  unknownFields?: string[];
  /** The event object as received, kept when it carried unknown fields. */
  raw?: Record<string, unknown>;
}

/**
 * An event whose type this version does not parse (an Enterprise-only or newer type, or a
 * legacy one): kept as received so it can be stored, shown or replayed later.
 * @public
 */
export interface UnknownEvent {
  /** 1-based line number in the input stream. */
  line: number;
  /** The event key, e.g. `process_connect` ('' when the object had none). */
  type: string;
  /** The key is one older Tetragon versions (or Enterprise builds) emitted, see {@link LEGACY_TETRAGON_EVENT_TYPES}. */
  legacy: boolean;
  /** The whole line's object (envelope and event) as received. */
  raw: Record<string, unknown>;
}

/**
 * Why an input line was skipped.
 * @public
 */
export type SkipReason =
  | 'empty_line'
  | 'too_large'
  | 'truncated_json'
  | 'malformed_json'
  | 'not_an_object'
  | 'legacy_type'
  | 'unknown_type'
  | 'invalid_event';

/**
 * All skip reasons, for stable report ordering.
 * @public
 */
export const SKIP_REASONS: readonly SkipReason[] = [
  'empty_line',
  'too_large',
  'truncated_json',
  'malformed_json',
  'not_an_object',
  'legacy_type',
  'unknown_type',
  'invalid_event',
];

/**
 * A skipped line, given to the debug callback.
 * @public
 */
export interface SkippedLine {
  line: number;
  reason: SkipReason;
  /** What was wrong, e.g. the JSON error or the unknown key. */
  detail: string;
  /** The first 120 characters of the line. */
  excerpt: string;
  /** For `unknown_type` and `legacy_type`: the event key and the object as received. */
  unknown?: { type: string; raw: Record<string, unknown> };
}
