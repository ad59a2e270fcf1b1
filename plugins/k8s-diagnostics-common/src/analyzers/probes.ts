/**
 * Periscope's `Probes` (k8sgpt reports an `Unhealthy` event only when it is a not-ready
 * container's latest event, without the probe): a container that is not ready and was restarted
 * by its liveness probe, and a running container kept unready by its readiness (or startup)
 * probe, with the probe's handler (path and port) and the kubelet's `Unhealthy` message (the
 * status code or error). A ready container is not reported (so a scan that reads only the pods
 * that are not Running and ready finds the same).
 */
import { Pod } from '../kinds';
import { Failure, KubeObject } from '../model';
import { eventMessage, eventSubject, eventTimestamp } from '../snapshot';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsOf,
} from './types';

type Json = any;
type ProbeType = 'liveness' | 'readiness' | 'startup';

const PROBE_FIELD: Record<ProbeType, string> = {
  liveness: 'livenessProbe',
  readiness: 'readinessProbe',
  startup: 'startupProbe',
};

/** `httpGet :8080/live`, `tcpSocket :5432`, `exec cat /tmp/ready`, `grpc :9000`. */
export function probeHandler(p: Json): string {
  const port = p?.httpGet?.port ?? p?.tcpSocket?.port ?? p?.grpc?.port ?? '';
  if (p?.httpGet)
    return `httpGet ${p.httpGet.scheme === 'HTTPS' ? 'https ' : ''}:${port}${
      p.httpGet.path ?? '/'
    }`;
  if (p?.tcpSocket) return `tcpSocket :${port}`;
  if (p?.grpc) return `grpc :${port}`;
  if (p?.exec) return `exec ${(p.exec.command ?? []).join(' ')}`.trim();
  return 'probe';
}

/** The container an event is about (`spec.containers{app}`), undefined when it does not say. */
function eventContainer(e: KubeObject): string | undefined {
  const path =
    (eventSubject(e as never) as { fieldPath?: string }).fieldPath ?? '';
  return /\{([^}]+)\}/.exec(path)?.[1];
}

const time = (e: KubeObject) =>
  Date.parse(eventTimestamp(e as never) ?? '') || 0;

/** The newest `Unhealthy` message of this probe type about this container. */
function unhealthy(
  ctx: AnalyzerContext,
  pod: Pod,
  container: string,
  type: ProbeType,
  only: boolean,
): string | undefined {
  const prefix = `${type.charAt(0).toUpperCase()}${type.slice(1)} probe`;
  const events = ctx.index
    .warningEventsNamed(nsOf(pod), nameOf(pod))
    .filter(e => e.reason === 'Unhealthy' && eventMessage(e).startsWith(prefix))
    .filter(e => {
      const c = eventContainer(e);
      return c ? c === container : only;
    })
    .sort((a, b) => time(b) - time(a));
  return events.length ? eventMessage(events[0]).trim() : undefined;
}

function podProbeFailures(ctx: AnalyzerContext, pod: Pod): Failure[] {
  const failures: Failure[] = [];
  const spec = (pod as Json).spec ?? {};
  const statuses = new Map<string, Json>(
    ((pod as Json).status?.containerStatuses ?? []).map((s: Json) => [
      s?.name,
      s,
    ]),
  );
  const containers: Json[] = spec.containers ?? [];
  const only = containers.length === 1;
  const name = nameOf(pod);
  for (const c of containers) {
    const s = statuses.get(c?.name);
    if (!s) continue;
    const what = `container ${c.name} of pod ${name}`;
    // only while the container is not ready (crash-looping, or restarted and not ready yet): a
    // scan that reads only failing pods finds the same
    if (s.ready !== false) continue;
    if (c.livenessProbe && (s.restartCount ?? 0) > 0) {
      const msg = unhealthy(ctx, pod, c.name, 'liveness', only);
      if (msg) {
        failures.push(
          ctx.failure(
            `${what} was restarted ${s.restartCount} time${
              s.restartCount === 1 ? '' : 's'
            } by its liveness probe (${probeHandler(c.livenessProbe)}): ${msg}`,
            'high',
            [c.name, name],
          ),
        );
        continue;
      }
    }
    if (s.state?.running && (pod as Json).status?.phase === 'Running') {
      for (const type of ['startup', 'readiness'] as const) {
        const probe = c[PROBE_FIELD[type]];
        const msg = probe ? unhealthy(ctx, pod, c.name, type, only) : undefined;
        if (msg) {
          failures.push(
            ctx.failure(
              `${what} is not ready: its ${type} probe (${probeHandler(
                probe,
              )}) fails: ${msg}`,
              'medium',
              [c.name, name],
            ),
          );
          break;
        }
      }
    }
  }
  return failures;
}

/** Periscope's `Probes`: containers restarted or kept unready by their probes, with the probe and the kubelet's message. */
export const probesAnalyzer: AnalyzerDefinition = {
  name: 'Probes',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: ['Pod', 'Event'],
  description:
    "Containers restarted by their liveness probe, or kept unready by their readiness or startup probe, with the probe's path and port and the kubelet's Unhealthy message.",
  analyze: ctx =>
    collect(ctx.select<Pod>('Pod'), 'Pod', pod => podProbeFailures(ctx, pod)),
};
