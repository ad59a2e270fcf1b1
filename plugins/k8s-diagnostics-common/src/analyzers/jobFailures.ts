/**
 * Periscope's `JobFailures` (k8sgpt has no such analyzer): the cause behind a failed Job.
 *
 * - A Job at BackoffLimitExceeded (condition Failed or FailureTarget with that reason, or the
 *   controller's event): the exit code and reason of its last failed pod's container, from the
 *   pod's status (state.terminated, else lastState.terminated), and that container's last
 *   non-empty log line when the snapshot holds its logs (a scan's `fetchFailingPodLogs`), else
 *   its termination message. Nothing when no pod of the Job is left (deleted, or removed by
 *   ttlSecondsAfterFinished): the Job analyzer's finding says as much.
 * - A Job whose controller reports FailedCreate: the API server refused its pods, and the
 *   event's message says why (a missing ServiceAccount, a ResourceQuota, a LimitRange, an
 *   admission webhook or Pod Security). Not reported once the Job completed, or when a pod of
 *   it was created after the latest such event (the cause is gone).
 *
 * The Job analyzer's own texts (k8sgpt's) stay as they are: these are separate findings.
 */
import { Condition, ContainerStatus, Job, KubeEvent, Pod } from '../kinds';
import { Failure } from '../model';
import { eventMessage, eventSubject, eventTimestamp } from '../snapshot';
import { logKey } from './log';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsName,
  nsOf,
} from './types';

/** How much of a log line or termination message a finding carries. */
const MAX_LINE = 300;

type Terminated = {
  exitCode?: number;
  reason?: string;
  message?: string;
  finishedAt?: string;
};
type Status = ContainerStatus & {
  state?: { terminated?: Terminated | null } | null;
  lastState?: { terminated?: Terminated | null } | null;
};

const time = (t: string | undefined | null): number => {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? -Infinity : ms;
};

function completed(job: Job): boolean {
  return (job.status?.conditions ?? []).some(
    c =>
      (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') &&
      c.status === 'True',
  );
}

/** An event about this Job (not a Pod of the same name, nor an earlier Job of that name). */
function aboutJob(job: Job, e: KubeEvent): boolean {
  const s = eventSubject(e) as { kind?: string; uid?: string };
  if (s.kind && s.kind !== 'Job') return false;
  return !s.uid || !job.metadata?.uid || s.uid === job.metadata.uid;
}

/** The Job's warning events with this reason, newest first. */
function jobEvents(
  ctx: AnalyzerContext,
  job: Job,
  reason: string,
): KubeEvent[] {
  return ctx.index
    .warningEventsNamed(nsOf(job), nameOf(job))
    .filter(e => e.reason === reason && aboutJob(job, e))
    .sort((a, b) => time(eventTimestamp(b)) - time(eventTimestamp(a)));
}

/** The pods of a Job in the snapshot: by owner reference, else by the job-name label. */
function podsOf(ctx: AnalyzerContext, job: Job): Pod[] {
  const name = nameOf(job);
  const uid = job.metadata?.uid;
  return ctx.index.inNamespace<Pod>('Pod', nsOf(job)).filter(p => {
    const owners = (p.metadata?.ownerReferences ?? []).filter(
      r => r.kind === 'Job',
    );
    if (owners.length > 0)
      return owners.some(
        r => r.name === name && (!r.uid || !uid || r.uid === uid),
      );
    const labels = p.metadata?.labels ?? {};
    return (
      (labels['batch.kubernetes.io/job-name'] ?? labels['job-name']) === name
    );
  });
}

interface PodFailure {
  pod: Pod;
  /** 'container' or 'init container'. */
  what: string;
  container: string;
  terminated: Terminated;
  /** The terminated instance is the previous one (lastState). */
  previous: boolean;
  at: number;
}

/** The first container of a pod (init containers first) that terminated with a non-zero code. */
function podFailure(pod: Pod): PodFailure | undefined {
  const lists: Array<[string, Status[]]> = [
    ['init container', (pod.status?.initContainerStatuses ?? []) as Status[]],
    ['container', (pod.status?.containerStatuses ?? []) as Status[]],
  ];
  for (const [what, statuses] of lists) {
    for (const s of statuses) {
      for (const [t, previous] of [
        [s.state?.terminated, false],
        [s.lastState?.terminated, true],
      ] as const) {
        if (!t || typeof t.exitCode !== 'number' || t.exitCode === 0) continue;
        const at = Math.max(
          time(t.finishedAt),
          time(pod.metadata?.creationTimestamp),
        );
        return {
          pod,
          what,
          container: s.name ?? '',
          terminated: t,
          previous,
          at,
        };
      }
    }
  }
  return undefined;
}

/** The last non-empty line of a text, trimmed and capped; undefined when there is none. */
export function lastLine(text: string | undefined): string | undefined {
  const line = (text ?? '')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l !== '')
    .pop();
  if (line === undefined) return undefined;
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
}

function failedCondition(job: Job): Condition | undefined {
  return (job.status?.conditions ?? []).find(
    c =>
      (c.type === 'Failed' || c.type === 'FailureTarget') &&
      c.status === 'True',
  );
}

function atBackoffLimit(ctx: AnalyzerContext, job: Job): boolean {
  const cond = failedCondition(job);
  if (cond) return cond.reason === 'BackoffLimitExceeded';
  if (completed(job) || (job.status?.failed ?? 0) === 0) return false;
  return jobEvents(ctx, job, 'BackoffLimitExceeded').length > 0;
}

function backoffFailure(
  ctx: AnalyzerContext,
  job: Job,
  pods: Pod[],
): Failure | undefined {
  const ns = nsOf(job);
  const name = nameOf(job);
  const head = `Job ${ns}/${name} reached its backoff limit`;
  const failed = pods
    .map(podFailure)
    .filter((f): f is PodFailure => f !== undefined)
    .sort(
      (a, b) =>
        b.at - a.at ||
        time(b.pod.metadata?.creationTimestamp) -
          time(a.pod.metadata?.creationTimestamp),
    );
  const last = failed[0];
  if (!last) {
    // a pod that failed without a container exit (evicted, deadline): its own reason
    const pod = pods
      .filter(
        p =>
          p.status?.phase === 'Failed' &&
          (p.status?.reason || p.status?.message),
      )
      .sort(
        (a, b) =>
          time(b.metadata?.creationTimestamp) -
          time(a.metadata?.creationTimestamp),
      )[0];
    if (!pod) return undefined;
    const why = [pod.status?.reason, lastLine(pod.status?.message)]
      .filter(Boolean)
      .join(': ');
    return ctx.failure(
      `${head}: its last failed pod ${nameOf(pod)} failed: ${why}`,
      'high',
      [ns, name, nameOf(pod)],
    );
  }
  const pod = nameOf(last.pod);
  const t = last.terminated;
  const reason = t.reason ? ` (${t.reason})` : '';
  const key = logKey(ns, pod, last.container);
  const snap = ctx.index.snapshot;
  const log = lastLine(
    last.previous ? snap.previousLogs?.[key] : snap.logs?.[key],
  );
  const message = lastLine(t.message);
  let evidence = '';
  if (log !== undefined) evidence = `; last log line: ${log}`;
  else if (message !== undefined)
    evidence = `; termination message: ${message}`;
  return ctx.failure(
    `${head}: ${last.what} ${last.container} of its last failed pod ${pod} exited with code ${t.exitCode}${reason}${evidence}`,
    'high',
    [ns, name, pod],
  );
}

function failedCreate(
  ctx: AnalyzerContext,
  job: Job,
  pods: Pod[],
): Failure | undefined {
  if (completed(job)) return undefined;
  const latest = jobEvents(ctx, job, 'FailedCreate').find(
    e => eventMessage(e) !== '',
  );
  if (!latest) return undefined;
  const at = time(eventTimestamp(latest));
  // a pod created after the latest refusal: the controller got past it
  if (
    Number.isFinite(at) &&
    pods.some(p => time(p.metadata?.creationTimestamp) > at)
  )
    return undefined;
  const ns = nsOf(job);
  const name = nameOf(job);
  return ctx.failure(
    `Job ${ns}/${name} cannot create its pods (FailedCreate): ${eventMessage(
      latest,
    )}`,
    'high',
    [ns, name],
  );
}

function jobFailures(ctx: AnalyzerContext, job: Job): Failure[] {
  const pods = podsOf(ctx, job);
  const failures: Array<Failure | undefined> = [failedCreate(ctx, job, pods)];
  if (atBackoffLimit(ctx, job)) failures.push(backoffFailure(ctx, job, pods));
  return failures.filter((f): f is Failure => f !== undefined);
}

/** Periscope's `JobFailures`: why a Job cannot create its pods, and what its last failed pod said. */
export const jobFailuresAnalyzer: AnalyzerDefinition = {
  name: 'JobFailures',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: ['Job', 'Pod', 'Event'],
  description:
    "Jobs whose controller cannot create pods (FailedCreate, with the API server's reason), and Jobs at BackoffLimitExceeded with the exit code, reason and last log line of their last failed pod.",
  analyze: ctx =>
    collect(
      ctx.select<Job>('Job'),
      'Job',
      job => jobFailures(ctx, job),
      nsName,
    ),
};
