/**
 * Container logs of the failing pods, for the Log analyzer: which pods are failing
 * ({@link isFailingPod}) and the reads of their last lines ({@link fetchFailingPodLogs}).
 */
import {
  ClusterSnapshot,
  logKey,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp } from './client';
import { apiPrefix } from './resources';
import { mapLimit } from './concurrency';
import { readPodLogText } from './podLog';

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
