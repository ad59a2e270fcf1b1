/**
 * Periscope's `ContainerStates`: what k8sgpt's Pod analyzer leaves out of a container that cannot
 * run. For a crash loop it says only `the last termination reason is Error`; this gives
 * - an init container that fails: its exit code, reason, termination message and restarts, and
 *   that the pod's other containers wait for it (Init:CrashLoopBackOff, Init:Error);
 * - a container whose runtime could not start it (StartError, ContainerCannotRun: the
 *   RunContainerError behind a crash loop): the runtime's message (`exec: "x": executable file not
 *   found in $PATH`) and the exit code.
 * Waiting states with a kubelet message (CreateContainerConfigError, CreateContainerError,
 * RunContainerError) are the Pod analyzer's, which reports that message as it is.
 */
import { Pod } from '../kinds';
import { Failure } from '../model';
import { AnalyzerContext, AnalyzerDefinition, collect, nameOf } from './types';

type Json = any;

/** Termination reasons meaning the runtime did not start the process. */
const START_ERRORS = new Set(['StartError', 'ContainerCannotRun']);

const MAX_MESSAGE = 300;
const short = (m: string) => {
  const line =
    m
      .trim()
      .split('\n')
      .filter(l => l.trim() !== '')
      .pop() ?? '';
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line;
};

function exitText(t: Json): string {
  const reason = t.reason ? ` (${t.reason})` : '';
  const message =
    typeof t.message === 'string' && t.message.trim()
      ? `: ${short(t.message)}`
      : '';
  return `exit code ${t.exitCode}${reason}${message}`;
}

function podStateFailures(ctx: AnalyzerContext, pod: Pod): Failure[] {
  const failures: Failure[] = [];
  const status = (pod as Json).status ?? {};
  const name = nameOf(pod);
  for (const s of (status.initContainerStatuses ?? []) as Json[]) {
    const t = [s?.state?.terminated, s?.lastState?.terminated].find(
      x => x && typeof x.exitCode === 'number' && x.exitCode !== 0,
    );
    // running, or done since: it got past the failure
    if (!t || s?.state?.running || s?.state?.terminated?.exitCode === 0)
      continue;
    const restarts = s.restartCount
      ? `, restarted ${s.restartCount} time${s.restartCount === 1 ? '' : 's'}`
      : '';
    const waiting = s.state?.waiting?.reason
      ? ` (${s.state.waiting.reason})`
      : '';
    failures.push(
      ctx.failure(
        `init container ${s.name} of pod ${name} exited with ${exitText(
          t,
        )}${restarts}${waiting}: the pod's other containers do not start until it succeeds`,
        'high',
        [s.name, name],
      ),
    );
  }
  for (const s of (status.containerStatuses ?? []) as Json[]) {
    const t = [s?.state?.terminated, s?.lastState?.terminated].find(
      x => x && START_ERRORS.has(x.reason),
    );
    if (!t || s?.state?.running) continue;
    failures.push(
      ctx.failure(
        `container ${
          s.name
        } of pod ${name} could not be started by the runtime (${exitText(t)})`,
        'high',
        [s.name, name],
      ),
    );
  }
  return failures;
}

/** Periscope's `ContainerStates`: failing init containers and runtime start errors with their exit code and message. */
export const containerStatesAnalyzer: AnalyzerDefinition = {
  name: 'ContainerStates',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: ['Pod'],
  description:
    "Failing init containers (exit code, reason, termination message, restarts) and containers the runtime could not start (StartError, ContainerCannotRun) with the runtime's message.",
  analyze: ctx =>
    collect(ctx.select<Pod>('Pod'), 'Pod', pod => podStateFailures(ctx, pod)),
};
