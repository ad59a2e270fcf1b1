/**
 * Choosing what fails: how badly a container fails, the failing container of a pod, the pod of a
 * workload to show, and which log of a container tells why.
 */
import { containersOf } from './evidenceContainers';
import type { Json } from './evidenceJson';
import type {
  ContainerEvidence,
  ContainerStateEvidence,
} from './evidenceModel';
import type { KubeObject } from './model';

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

/** Which log of a container tells why it failed: the previous instance's after a crash. @public */
export function logToRead(c: ContainerEvidence): { previous: boolean } {
  const crashed =
    c.state?.status !== 'running' &&
    c.state?.status !== 'terminated' &&
    (c.lastState?.status === 'terminated' || (c.restartCount ?? 0) > 0);
  return { previous: crashed };
}
