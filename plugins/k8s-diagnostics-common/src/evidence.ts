/**
 * Evidence for a finding: what an engineer looks at to name the cause of a failing pod — the
 * failing container's image, command, resources, probes, state and last state, its last log
 * lines, the pod's warning events, the owner chain and the referenced objects that are missing.
 * The model is shared by the backend (which reads it, masks it for an LLM and writes remediation
 * text from it) and the Health tab (which shows it); the builder is pure.
 */
import type { KubeObject, ObjectRef, RelatedEvent } from './model';

/**
 * One state of a container (`state` or `lastState`).
 * @public
 */
export interface ContainerStateEvidence {
  status: 'waiting' | 'running' | 'terminated';
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * A probe in words: `httpGet :8080/healthz`, `tcpSocket :5432`, `exec cat /tmp/ready`, `grpc :9000`.
 * @public
 */
export interface ProbeEvidence {
  type: 'liveness' | 'readiness' | 'startup';
  handler: string;
  /** The HTTP path of an httpGet probe. */
  path?: string;
  port?: string;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
  initialDelaySeconds?: number;
}

/**
 * A container of the pod, spec and status together.
 * @public
 */
export interface ContainerEvidence {
  name: string;
  /** An init container (runs to completion before the others start). */
  init: boolean;
  image?: string;
  command?: string[];
  args?: string[];
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  probes: ProbeEvidence[];
  ready?: boolean;
  restartCount?: number;
  state?: ContainerStateEvidence;
  lastState?: ContainerStateEvidence;
}

/**
 * A referenced object that does not exist (or a key missing from one that does).
 * @public
 */
export interface MissingReference {
  kind: string;
  name: string;
  namespace?: string;
  /** A key missing from an object that exists. */
  key?: string;
  /** Where the pod refers to it (`env DB_URL of container app`, `volume config`, the kubelet). */
  use?: string;
}

/**
 * The last log lines of a container.
 * @public
 */
export interface ContainerLogEvidence {
  container: string;
  /** The previous (crashed) instance's log. */
  previous: boolean;
  lines: string[];
  /** Lines or bytes beyond the cap were left out (the oldest). */
  truncated: boolean;
  /** Why the log could not be read (the container never started...). */
  error?: string;
}

/**
 * What is known about a finding's failing pod.
 * @public
 */
export interface FindingEvidence {
  /** The pod the evidence is of (the finding's pod, or a failing pod of its workload). */
  pod?: ObjectRef & {
    phase?: string;
    reason?: string;
    message?: string;
    node?: string;
    createdAt?: string;
    serviceAccount?: string;
  };
  /** The container that fails (init containers first), when one does. */
  failingContainer?: string;
  /** The failing container first, then the others. */
  containers: ContainerEvidence[];
  logs: ContainerLogEvidence[];
  /** Warning events about the pod and the finding's object, newest first. */
  warningEvents: RelatedEvent[];
  ownerChain: ObjectRef[];
  missingReferences: MissingReference[];
  /** Parts that could not be read (no permission, pod gone...), in words. */
  notes: string[];
}

type Json = any;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length > 0 ? v.map(x => String(x)) : undefined;

function quantities(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const out = Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, q]) => [
      k,
      String(q),
    ]),
  );
  return Object.keys(out).length ? out : undefined;
}

function probeOf(
  type: ProbeEvidence['type'],
  p: Json,
): ProbeEvidence | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const port = p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
  const base = {
    type,
    ...(port !== undefined ? { port: String(port) } : {}),
    ...(num(p.periodSeconds) !== undefined
      ? { periodSeconds: p.periodSeconds }
      : {}),
    ...(num(p.failureThreshold) !== undefined
      ? { failureThreshold: p.failureThreshold }
      : {}),
    ...(num(p.timeoutSeconds) !== undefined
      ? { timeoutSeconds: p.timeoutSeconds }
      : {}),
    ...(num(p.initialDelaySeconds) !== undefined
      ? { initialDelaySeconds: p.initialDelaySeconds }
      : {}),
  };
  if (p.httpGet) {
    const path = str(p.httpGet.path) ?? '/';
    const scheme = p.httpGet.scheme === 'HTTPS' ? 'https ' : '';
    return { ...base, handler: `httpGet ${scheme}:${port ?? ''}${path}`, path };
  }
  if (p.tcpSocket) return { ...base, handler: `tcpSocket :${port ?? ''}` };
  if (p.grpc)
    return {
      ...base,
      handler: `grpc :${port ?? ''}${
        p.grpc.service ? ` ${p.grpc.service}` : ''
      }`,
    };
  if (p.exec)
    return {
      ...base,
      handler: `exec ${(strings(p.exec.command) ?? []).join(' ')}`.trim(),
    };
  return undefined;
}

function stateOf(s: Json): ContainerStateEvidence | undefined {
  if (!s || typeof s !== 'object') return undefined;
  if (s.terminated) {
    const t = s.terminated;
    return {
      status: 'terminated',
      ...(str(t.reason) ? { reason: t.reason } : {}),
      ...(str(t.message) ? { message: t.message } : {}),
      ...(num(t.exitCode) !== undefined ? { exitCode: t.exitCode } : {}),
      ...(num(t.signal) !== undefined ? { signal: t.signal } : {}),
      ...(str(t.startedAt) ? { startedAt: t.startedAt } : {}),
      ...(str(t.finishedAt) ? { finishedAt: t.finishedAt } : {}),
    };
  }
  if (s.waiting) {
    return {
      status: 'waiting',
      ...(str(s.waiting.reason) ? { reason: s.waiting.reason } : {}),
      ...(str(s.waiting.message) ? { message: s.waiting.message } : {}),
    };
  }
  if (s.running)
    return {
      status: 'running',
      ...(str(s.running.startedAt) ? { startedAt: s.running.startedAt } : {}),
    };
  return undefined;
}

/** The containers of a pod (init containers first), spec and status joined by name. @public */
export function containersOf(pod: KubeObject): ContainerEvidence[] {
  const spec = (pod as Json).spec ?? {};
  const status = (pod as Json).status ?? {};
  const statuses = (list: unknown) =>
    new Map<string, Json>(
      (Array.isArray(list) ? list : []).map((s: Json) => [s?.name, s]),
    );
  const out: ContainerEvidence[] = [];
  for (const [init, containers, byName] of [
    [true, spec.initContainers, statuses(status.initContainerStatuses)],
    [false, spec.containers, statuses(status.containerStatuses)],
  ] as const) {
    for (const c of (Array.isArray(containers) ? containers : []) as Json[]) {
      const s = byName.get(c?.name) ?? {};
      const requests = quantities(c?.resources?.requests);
      const limits = quantities(c?.resources?.limits);
      out.push({
        name: String(c?.name ?? ''),
        init,
        ...(str(c?.image) ? { image: c.image } : {}),
        ...(strings(c?.command) ? { command: strings(c.command) } : {}),
        ...(strings(c?.args) ? { args: strings(c.args) } : {}),
        ...(requests || limits
          ? {
              resources: {
                ...(requests ? { requests } : {}),
                ...(limits ? { limits } : {}),
              },
            }
          : {}),
        probes: [
          probeOf('startup', c?.startupProbe),
          probeOf('liveness', c?.livenessProbe),
          probeOf('readiness', c?.readinessProbe),
        ].filter((p): p is ProbeEvidence => p !== undefined),
        ...(typeof s.ready === 'boolean' ? { ready: s.ready } : {}),
        ...(num(s.restartCount) !== undefined
          ? { restartCount: s.restartCount }
          : {}),
        ...(stateOf(s.state) ? { state: stateOf(s.state) } : {}),
        ...(stateOf(s.lastState) ? { lastState: stateOf(s.lastState) } : {}),
      });
    }
  }
  return out;
}

const failedExit = (s?: ContainerStateEvidence) =>
  s?.status === 'terminated' && (s.exitCode ?? 0) !== 0;

/**
 * How badly a container fails, 0 when it does not: waiting for a reason other than starting,
 * terminated with a non-zero code, restarted, or not ready while the pod runs.
 */
export function containerFailureRank(
  c: ContainerEvidence,
  podPhase?: string,
): number {
  const waiting =
    c.state?.status === 'waiting' &&
    c.state.reason &&
    c.state.reason !== 'ContainerCreating' &&
    c.state.reason !== 'PodInitializing';
  if (waiting || failedExit(c.state)) return 4;
  if (failedExit(c.lastState) || (c.restartCount ?? 0) > 0) return 3;
  if (c.ready === false && podPhase === 'Running' && !c.init) return 2;
  return 0;
}

/** The failing container of a pod: init containers first (the others wait for them), the worst one. @public */
export function failingContainer(
  containers: ContainerEvidence[],
  podPhase?: string,
): ContainerEvidence | undefined {
  let best: ContainerEvidence | undefined;
  let bestRank = 0;
  for (const c of containers) {
    const rank = containerFailureRank(c, podPhase) + (c.init ? 10 : 0);
    if (containerFailureRank(c, podPhase) > 0 && rank > bestRank) {
      best = c;
      bestRank = rank;
    }
  }
  return best;
}

/** A pod's failure score, for choosing the pod of a workload to show. */
export function podFailureRank(pod: KubeObject): number {
  const phase = (pod as Json).status?.phase;
  const containers = containersOf(pod);
  const worst = Math.max(
    0,
    ...containers.map(c => containerFailureRank(c, phase)),
  );
  if (worst > 0) return worst;
  return phase === 'Pending' || phase === 'Failed' || phase === 'Unknown'
    ? 1
    : 0;
}

/**
 * The pod whose evidence to show: the worst failing one, the newest among equals (its state is
 * the current one); undefined when none fails.
 * @public
 */
export function pickFailingPod(pods: KubeObject[]): KubeObject | undefined {
  const created = (p: KubeObject) =>
    Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  return pods
    .map(p => ({ p, rank: podFailureRank(p) }))
    .filter(x => x.rank > 0)
    .sort((a, b) => b.rank - a.rank || created(b.p) - created(a.p))[0]?.p;
}

const KUBELET_MISSING: Array<{ re: RegExp; kind: string; key?: boolean }> = [
  { re: /\bconfigmaps? "([^"]+)" not found/i, kind: 'ConfigMap' },
  { re: /\bsecrets? "([^"]+)" not found/i, kind: 'Secret' },
  { re: /\bserviceaccounts? "([^"]+)" not found/i, kind: 'ServiceAccount' },
  {
    re: /\bpersistentvolumeclaims? "([^"]+)" not found/i,
    kind: 'PersistentVolumeClaim',
  },
  {
    re: /couldn't find key (\S+) in ConfigMap (?:([^/\s]+)\/)?(\S+)/,
    kind: 'ConfigMap',
    key: true,
  },
  {
    re: /couldn't find key (\S+) in Secret (?:([^/\s]+)\/)?(\S+)/,
    kind: 'Secret',
    key: true,
  },
];

/**
 * Missing objects that the kubelet, the scheduler or a controller names in a message
 * (`configmap "app-config" not found`, `couldn't find key password in Secret shop/db`).
 * @public
 */
export function missingReferencesIn(
  message: string,
  namespace?: string,
  use?: string,
): MissingReference[] {
  const out: MissingReference[] = [];
  for (const { re, kind, key } of KUBELET_MISSING) {
    const m = re.exec(message);
    if (!m) continue;
    const ref: MissingReference = key
      ? { kind, name: m[3], namespace: m[2] ?? namespace, key: m[1] }
      : { kind, name: m[1], ...(namespace ? { namespace } : {}) };
    out.push(use ? { ...ref, use } : ref);
  }
  return out;
}

const refKey = (r: MissingReference) =>
  `${r.kind}/${r.namespace ?? ''}/${r.name}/${r.key ?? ''}`;

/** What {@link buildEvidence} reads. @public */
export interface EvidenceInput {
  /** The pod to describe (the finding's, or one of its workload's): undefined when none is known. */
  pod?: KubeObject;
  /** Events about the pod and the finding's object (any type: only warnings are kept). */
  events?: KubeObject[] | RelatedEvent[];
  ownerChain?: ObjectRef[];
  /** Missing references found by reading the cluster (the kubelet's messages are added). */
  missingReferences?: MissingReference[];
  logs?: ContainerLogEvidence[];
  notes?: string[];
  /** Warning events kept, newest first. Default 10. */
  maxEvents?: number;
}

function relatedEvent(e: Json): RelatedEvent {
  if (
    'involvedObject' in (e ?? {}) ||
    'regarding' in (e ?? {}) ||
    'note' in (e ?? {}) ||
    'metadata' in (e ?? {})
  ) {
    return {
      type: String(e.type ?? ''),
      reason: String(e.reason ?? ''),
      message: String(e.message ?? e.note ?? ''),
      count: Number(e.count ?? e.series?.count ?? 1),
      ...(str(
        e.lastTimestamp ??
          e.eventTime ??
          e.series?.lastObservedTime ??
          e.metadata?.creationTimestamp,
      )
        ? {
            lastTimestamp:
              e.lastTimestamp ??
              e.eventTime ??
              e.series?.lastObservedTime ??
              e.metadata?.creationTimestamp,
          }
        : {}),
    };
  }
  return e as RelatedEvent;
}

/**
 * Builds a finding's evidence from its pod, events, owner chain, missing references and logs:
 * the failing container first, warning events only (newest first, the same message once), the
 * references the kubelet's messages name as missing added to those given.
 * @public
 */
export function buildEvidence(input: EvidenceInput): FindingEvidence {
  const pod = input.pod as Json | undefined;
  const phase = str(pod?.status?.phase);
  const containers = pod ? containersOf(pod) : [];
  const failing = failingContainer(containers, phase);
  const ordered = failing
    ? [failing, ...containers.filter(c => c !== failing)]
    : containers;
  const namespace = str(pod?.metadata?.namespace);

  const time = (e: RelatedEvent) => Date.parse(e.lastTimestamp ?? '') || 0;
  const seen = new Set<string>();
  const warningEvents = (input.events ?? [])
    .map(relatedEvent)
    .filter(e => e.type === 'Warning')
    .sort((a, b) => time(b) - time(a))
    .filter(e => {
      const k = `${e.reason}\u0000${e.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, input.maxEvents ?? 10);

  const missing = new Map<string, MissingReference>();
  for (const r of input.missingReferences ?? []) missing.set(refKey(r), r);
  for (const c of containers) {
    for (const s of [c.state, c.lastState]) {
      if (s?.message)
        for (const r of missingReferencesIn(
          s.message,
          namespace,
          `container ${c.name}`,
        ))
          if (!missing.has(refKey(r))) missing.set(refKey(r), r);
    }
  }
  for (const e of warningEvents) {
    for (const r of missingReferencesIn(e.message, namespace))
      if (!missing.has(refKey(r))) missing.set(refKey(r), r);
  }

  return {
    ...(pod
      ? {
          pod: {
            kind: 'Pod',
            name: String(pod.metadata?.name ?? ''),
            ...(namespace ? { namespace } : {}),
            ...(phase ? { phase } : {}),
            ...(str(pod.status?.reason) ? { reason: pod.status.reason } : {}),
            ...(str(pod.status?.message)
              ? { message: pod.status.message }
              : {}),
            ...(str(pod.spec?.nodeName) ? { node: pod.spec.nodeName } : {}),
            ...(str(pod.metadata?.creationTimestamp)
              ? { createdAt: pod.metadata.creationTimestamp }
              : {}),
            ...(str(pod.spec?.serviceAccountName)
              ? { serviceAccount: pod.spec.serviceAccountName }
              : {}),
          },
        }
      : {}),
    ...(failing ? { failingContainer: failing.name } : {}),
    containers: ordered,
    logs: input.logs ?? [],
    warningEvents,
    ownerChain: input.ownerChain ?? [],
    missingReferences: [...missing.values()],
    notes: input.notes ?? [],
  };
}

/** Which log of a container tells why it failed: the previous instance's after a crash. @public */
export function logToRead(c: ContainerEvidence): { previous: boolean } {
  const crashed =
    c.state?.status !== 'running' &&
    c.state?.status !== 'terminated' &&
    (c.lastState?.status === 'terminated' || (c.restartCount ?? 0) > 0);
  return { previous: crashed };
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  15: 'SIGTERM',
};

/** An exit in words: `exit code 137 (OOMKilled, SIGKILL) at 2026-…`. @public */
export function describeExit(s: ContainerStateEvidence): string {
  const signal =
    s.signal ??
    (s.exitCode !== undefined && s.exitCode > 128 && s.exitCode < 160
      ? s.exitCode - 128
      : undefined);
  const why = [
    s.reason,
    signal !== undefined ? SIGNALS[signal] ?? `signal ${signal}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `exit code ${s.exitCode ?? '?'}${why ? ` (${why})` : ''}${
    s.finishedAt ? ` at ${s.finishedAt}` : ''
  }`;
}

/** `10 min`, `2 h`, from milliseconds. */
function span(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  return min < 120 ? `${min} min` : `${Math.round(min / 60)} h`;
}

/**
 * The evidence in short lines, for remediation text and prompts: the failing container's
 * limits, exits and restarts, probes, missing references and last log line.
 * @public
 */
export function evidenceFacts(
  e: FindingEvidence,
  now: Date = new Date(),
): string[] {
  const facts: string[] = [];
  const c = e.containers.find(x => x.name === e.failingContainer);
  if (c) {
    const what = `${c.init ? 'init container' : 'container'} ${c.name}`;
    const commandLine = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
    const how = c.command ? ` with command ${commandLine}` : '';
    if (c.image)
      facts.push(
        `${what} runs image ${c.image}${
          how || (c.args ? ` with args ${commandLine}` : '')
        }`,
      );
    const limits = c.resources?.limits;
    const requests = c.resources?.requests;
    if (limits || requests) {
      const parts = [
        ...Object.entries(limits ?? {}).map(([k, v]) => `limits.${k} ${v}`),
        ...Object.entries(requests ?? {}).map(([k, v]) => `requests.${k} ${v}`),
      ];
      facts.push(`${what} resources: ${parts.join(', ')}`);
    } else {
      facts.push(`${what} sets no resources`);
    }
    if (c.state)
      facts.push(
        `${what} is ${c.state.status}${
          c.state.reason ? ` (${c.state.reason})` : ''
        }${
          c.state.status === 'terminated' ? `: ${describeExit(c.state)}` : ''
        }${
          c.state.message && c.state.status !== 'terminated'
            ? `: ${c.state.message}`
            : ''
        }`,
      );
    if (c.lastState?.status === 'terminated')
      facts.push(
        `${what} last exited with ${describeExit(c.lastState)}${
          c.lastState.message
            ? `: ${c.lastState.message.trim().split('\n').pop()}`
            : ''
        }`,
      );
    if ((c.restartCount ?? 0) > 0) {
      const created = Date.parse(e.pod?.createdAt ?? '');
      const since = Number.isFinite(created)
        ? ` in ${span(now.getTime() - created)}`
        : '';
      facts.push(
        `${what} restarted ${c.restartCount} time${
          c.restartCount === 1 ? '' : 's'
        }${since}`,
      );
    }
    for (const p of c.probes)
      facts.push(
        `${what} ${p.type} probe: ${p.handler}${
          p.periodSeconds ? ` every ${p.periodSeconds}s` : ''
        }${
          p.failureThreshold ? `, ${p.failureThreshold} failures allowed` : ''
        }`,
      );
    const log = e.logs.find(l => l.container === c.name && l.lines.length > 0);
    const last = log?.lines.filter(l => l.trim() !== '').pop();
    if (log && last)
      facts.push(
        `last log line of ${what}${
          log.previous ? ' (previous instance)' : ''
        }: ${last.trim()}`,
      );
  }
  for (const r of e.missingReferences) {
    facts.push(
      r.key
        ? `key ${r.key} is missing from ${r.kind} ${r.name}`
        : `${r.kind} ${r.name} does not exist${
            r.namespace ? ` in namespace ${r.namespace}` : ''
          }`,
    );
  }
  const probe = e.warningEvents.find(ev => ev.reason === 'Unhealthy');
  if (probe) facts.push(`probe event: ${probe.message}`);
  return facts;
}

/**
 * GET /entity/evidence: what the cluster shows now about one finding.
 * @public
 */
export interface FindingEvidenceResponse {
  findingId: string;
  cluster: string;
  evidence: FindingEvidence;
  /** Set when the cluster could not be read at all (then the evidence holds the owner chain only). */
  error?: string;
}

/**
 * GET /entity/logs: the last lines of a container of a finding's pod.
 * @public
 */
export interface ContainerLogResponse extends ContainerLogEvidence {
  pod: string;
  namespace: string;
}
