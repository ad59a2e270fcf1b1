/**
 * A pod's containers as evidence: spec and status joined by name, with resources, probes in
 * words, and the current and last state.
 */
import { Json, num, str, strings } from './evidenceJson';
import type {
  ContainerEvidence,
  ContainerStateEvidence,
  ProbeEvidence,
} from './evidenceModel';
import type { KubeObject } from './model';

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
