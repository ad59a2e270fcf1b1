import { ContainerStatus, Pod } from '../kinds';
import { Failure, Severity } from '../model';
import { eventMessage } from '../snapshot';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsOf,
} from './types';

/** Waiting reasons k8sgpt reports with their message (`isErrorReason`). */
const ERROR_REASONS: Record<string, Severity> = {
  CrashLoopBackOff: 'critical',
  ImagePullBackOff: 'high',
  CreateContainerConfigError: 'high',
  PreCreateHookError: 'high',
  CreateContainerError: 'high',
  PreStartHookError: 'high',
  RunContainerError: 'high',
  ImageInspectError: 'high',
  ErrImagePull: 'high',
  ErrImageNeverPull: 'high',
  InvalidImageName: 'high',
};

/** Event reasons reported for a container stuck in ContainerCreating (`isEvtErrorReason`). */
const EVENT_ERROR_REASONS = new Set(['FailedCreatePodSandBox', 'FailedMount']);

function terminationSeverity(reason: string): Severity {
  return reason === 'OOMKilled' ? 'critical' : 'high';
}

function containerFailures(
  ctx: AnalyzerContext,
  pod: Pod,
  statuses: ContainerStatus[],
): Failure[] {
  const failures: Failure[] = [];
  const name = nameOf(pod);
  const ns = nsOf(pod);
  const phase = pod.status?.phase ?? '';
  for (const cs of statuses) {
    const waiting = cs.state?.waiting;
    const terminated = cs.state?.terminated;
    if (waiting) {
      const reason = waiting.reason ?? '';
      if (reason === 'ContainerCreating' && phase === 'Pending') {
        const evt = ctx.index.latestEvent(ns, name);
        const msg = evt ? eventMessage(evt) : '';
        if (evt && EVENT_ERROR_REASONS.has(evt.reason ?? '') && msg !== '') {
          failures.push(ctx.failure(msg, 'high'));
        }
      } else if (reason === 'CrashLoopBackOff' && cs.lastState?.terminated) {
        const last = cs.lastState.terminated.reason ?? '';
        failures.push(
          ctx.failure(
            `the last termination reason is ${last} container=${
              cs.name ?? ''
            } pod=${name}`,
            'critical',
            [cs.name, name],
          ),
        );
      } else if (reason in ERROR_REASONS && (waiting.message ?? '') !== '') {
        failures.push(
          ctx.failure(waiting.message ?? '', ERROR_REASONS[reason]),
        );
      }
    } else if (terminated) {
      const code = terminated.exitCode ?? 0;
      if (code !== 0) {
        const reason = terminated.reason || 'Unknown';
        failures.push(
          ctx.failure(
            `the termination reason is ${reason} exitCode=${code} container=${
              cs.name ?? ''
            } pod=${name}`,
            terminationSeverity(reason),
            [cs.name, name],
          ),
        );
      }
    } else if (!cs.ready && phase === 'Running') {
      const evt = ctx.index.latestEvent(ns, name);
      const msg = evt ? eventMessage(evt) : '';
      if (evt && evt.reason === 'Unhealthy' && msg !== '') {
        failures.push(ctx.failure(msg, 'medium'));
      }
    }
  }
  return failures;
}

function podFailures(ctx: AnalyzerContext, pod: Pod): Failure[] {
  const failures: Failure[] = [];
  const status = pod.status ?? {};
  if (status.phase === 'Pending') {
    for (const c of status.conditions ?? []) {
      if (c.type !== 'PodScheduled') continue;
      if (c.reason === 'Unschedulable' && c.message) {
        failures.push(ctx.failure(c.message, 'high'));
      }
      if (c.reason === 'SchedulingGated') {
        failures.push(
          ctx.failure(
            c.message ||
              `Pod ${nsOf(pod)}/${nameOf(
                pod,
              )} is in a SchedulingGated state and is blocked from scheduling due to non-empty scheduling gates`,
            'medium',
            [nsOf(pod), nameOf(pod)],
          ),
        );
      }
    }
  }
  if (status.reason === 'Evicted') {
    failures.push(
      ctx.failure(
        status.message || `Pod ${nameOf(pod)} has been evicted`,
        'medium',
        [nameOf(pod)],
      ),
    );
  }
  failures.push(
    ...containerFailures(ctx, pod, status.initContainerStatuses ?? []),
  );
  failures.push(...containerFailures(ctx, pod, status.containerStatuses ?? []));
  return failures;
}

/** k8sgpt `PodAnalyzer`. */
export const podAnalyzer: AnalyzerDefinition = {
  name: 'Pod',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['Pod', 'Event'],
  description:
    'Pending/unschedulable, scheduling-gated and evicted pods, failing (init) containers, failed readiness probes.',
  analyze: ctx =>
    collect(ctx.select<Pod>('Pod'), 'Pod', pod => podFailures(ctx, pod)),
};
