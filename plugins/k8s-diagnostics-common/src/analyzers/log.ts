import { ContainerStatus, Pod } from '../kinds';
import { Failure } from '../model';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  RawResult,
  nameOf,
  nsOf,
} from './types';

const ERROR_PATTERN = /(error|exception|fail)/;
const TAIL_LINES = 100;

/**
 * The key of a container's logs in {@link ClusterSnapshot.logs}.
 * @public
 */
export function logKey(
  namespace: string,
  pod: string,
  container: string,
): string {
  return `${namespace}/${pod}/${container}`;
}

/**
 * k8sgpt's `printErrorLines`: the first line (of the last 100) matching error|exception|fail.
 * @public
 */
export function firstErrorLine(logs: string): string | undefined {
  const lines = logs.split('\n');
  const tail =
    lines.length > TAIL_LINES ? lines.slice(lines.length - TAIL_LINES) : lines;
  return tail.find(line => ERROR_PATTERN.test(line.toLowerCase()));
}

function containerLogFailures(
  ctx: AnalyzerContext,
  pod: Pod,
  container: string,
  status: ContainerStatus | undefined,
): Failure[] {
  const key = logKey(nsOf(pod), nameOf(pod), container);
  const snap = ctx.index.snapshot;
  const error = snap.logErrors?.[key];
  if (error !== undefined) {
    return [
      ctx.failure(`Error ${error} from Pod ${nameOf(pod)}`, 'info', [
        nameOf(pod),
      ]),
    ];
  }
  const failures: Failure[] = [];
  const current = snap.logs?.[key];
  const line = current !== undefined ? firstErrorLine(current) : undefined;
  if (line !== undefined) failures.push(ctx.failure(line, 'medium'));
  const previous = snap.previousLogs?.[key];
  if ((status?.restartCount ?? 0) > 0 && previous !== undefined) {
    const prevLine = firstErrorLine(previous);
    if (prevLine !== undefined) {
      failures.push(
        ctx.failure(`previous container logs: ${prevLine}`, 'high'),
      );
    }
  }
  return failures;
}

/** k8sgpt `LogAnalyzer`: one result per container, named `namespace/pod/container`. */
export const logAnalyzer: AnalyzerDefinition = {
  name: 'Log',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['Pod'],
  description:
    'Error, exception or fail lines in the last 100 log lines of each container.',
  analyze: ctx => {
    const results: RawResult[] = [];
    for (const pod of ctx.select<Pod>('Pod')) {
      const statuses = new Map(
        (pod.status?.containerStatuses ?? []).map(
          s => [s.name ?? '', s] as const,
        ),
      );
      for (const c of pod.spec?.containers ?? []) {
        const container = c.name ?? '';
        const failures = containerLogFailures(
          ctx,
          pod,
          container,
          statuses.get(container),
        );
        if (failures.length > 0) {
          results.push({
            kind: 'Pod',
            name: logKey(nsOf(pod), nameOf(pod), container),
            object: pod,
            failures,
          });
        }
      }
    }
    return results;
  },
};
