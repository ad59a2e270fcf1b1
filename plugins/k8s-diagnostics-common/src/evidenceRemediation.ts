/**
 * Remediation written from a finding's evidence (no LLM): the failing container's limit and
 * restarts for an OOM kill, its exit code and last log line for a crash, the missing object, the
 * failing probe. The built-in catalog puts this before its generic advice.
 */
import { describeExit } from './evidenceFacts';
import { ContainerEvidence, FindingEvidence } from './evidenceModel';

/**
 * The cause and first fix steps the evidence supports; undefined when it names no cause.
 * @public
 */
export interface EvidenceRemediation {
  cause: string;
  steps: string[];
}

function span(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  return min < 120 ? `${min} min` : `${Math.round(min / 60)} h`;
}

function restarts(
  c: ContainerEvidence,
  e: FindingEvidence,
  now: Date,
  verb: string,
): string {
  const n = c.restartCount ?? 0;
  if (n === 0) return '';
  const created = Date.parse(e.pod?.createdAt ?? '');
  return `${verb} ${n} time${n === 1 ? '' : 's'}${
    Number.isFinite(created) ? ` in ${span(now.getTime() - created)}` : ''
  }`;
}

const lastLogLine = (e: FindingEvidence, c: ContainerEvidence) =>
  e.logs
    .filter(l => l.container === c.name)
    .flatMap(l => l.lines)
    .filter(l => l.trim() !== '')
    .pop()
    ?.trim();

/**
 * What the evidence says to do.
 * @public
 */
export function evidenceRemediation(
  e: FindingEvidence,
  now: Date = new Date(),
): EvidenceRemediation | undefined {
  const ns = e.pod?.namespace ? `-n ${e.pod.namespace} ` : '';
  const missing = e.missingReferences[0];
  if (missing) {
    const all = e.missingReferences
      .map(r =>
        r.key ? `key ${r.key} of ${r.kind} ${r.name}` : `${r.kind} ${r.name}`,
      )
      .join(', ');
    return {
      cause: `the pod refers to ${all}, which ${
        e.missingReferences.length === 1 ? 'does' : 'do'
      } not exist${
        missing.namespace ? ` in namespace ${missing.namespace}` : ''
      }`,
      steps: [
        missing.key
          ? `Add key ${missing.key} to ${missing.kind} ${
              missing.name
            } (kubectl edit ${missing.kind.toLowerCase()} ${ns}${
              missing.name
            }), or mark the reference optional`
          : `Create ${missing.kind} ${missing.name}${
              missing.namespace ? ` in namespace ${missing.namespace}` : ''
            }, or fix the name in the pod template`,
      ],
    };
  }
  const c = e.containers.find(x => x.name === e.failingContainer);
  if (!c) return undefined;
  const what = `${c.init ? 'init container' : 'container'} ${c.name}`;
  const exit = [c.state, c.lastState].find(s => s?.status === 'terminated');
  if (exit?.reason === 'OOMKilled') {
    const limit = c.resources?.limits?.memory;
    const killed = restarts(c, e, now, 'killed');
    return {
      cause: `${
        limit
          ? `limit ${limit}`
          : 'no memory limit of its own (a namespace default or the node ran out)'
      }${killed ? `, ${killed}` : ''}: ${what} uses more memory than it may`,
      steps: [
        limit
          ? `Raise resources.limits.memory of ${what} above ${limit} (and resources.requests.memory with it), or lower the process's memory use`
          : `Set resources.limits.memory of ${what} to what it needs at peak`,
      ],
    };
  }
  const waiting = c.state?.status === 'waiting' ? c.state : undefined;
  if (
    waiting &&
    /^(ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull)$/.test(
      waiting.reason ?? '',
    )
  ) {
    return {
      cause: `${what} cannot pull image ${c.image ?? ''}${
        waiting.message ? `: ${waiting.message}` : ''
      }`,
      steps: [
        `Check that image ${
          c.image ?? ''
        } exists and the nodes may pull it (imagePullSecrets), or fix the tag`,
      ],
    };
  }
  if (
    waiting &&
    /^(CreateContainerConfigError|CreateContainerError|RunContainerError)$/.test(
      waiting.reason ?? '',
    ) &&
    waiting.message
  ) {
    return {
      cause: `the kubelet cannot start ${what} (${waiting.reason}): ${waiting.message}`,
      steps: [`Fix what the kubelet names in the pod template of ${what}`],
    };
  }
  const probeEvent = e.warningEvents.find(ev => ev.reason === 'Unhealthy');
  const probeKind =
    probeEvent &&
    /^(Liveness|Readiness|Startup) probe/i
      .exec(probeEvent.message)?.[1]
      ?.toLowerCase();
  const probe = probeKind
    ? c.probes.find(p => p.type === probeKind)
    : undefined;
  if (probeEvent && (probe || c.probes.length)) {
    const p = probe ?? c.probes[0];
    const restarted =
      p.type === 'liveness' ? restarts(c, e, now, ', restarted') : '';
    return {
      cause: `the ${p.type} probe of ${what} (${p.handler}) fails: ${probeEvent.message}${restarted}`,
      steps: [
        p.path
          ? `Make ${p.path} on port ${
              p.port ?? ''
            } answer 2xx or 3xx once the application is up, or point the probe at a path that does`
          : `Make the probe (${p.handler}) succeed once the application is up, or fix the probe`,
        'If the application starts slowly, add a startupProbe or raise initialDelaySeconds / failureThreshold',
      ],
    };
  }
  if (exit && (exit.exitCode ?? 0) !== 0) {
    const log = lastLogLine(e, c);
    const crashed = restarts(c, e, now, 'restarted');
    const cmd = c.command
      ? `${[...c.command, ...(c.args ?? [])].join(' ')}`
      : undefined;
    let said = '';
    if (log) said = `; its last log line: ${log}`;
    else if (exit.message)
      said = `; termination message: ${exit.message.trim()}`;
    return {
      cause: `${what} exited with ${describeExit(exit)}${
        crashed ? `, ${crashed}` : ''
      }${said}`,
      steps: [
        exit.exitCode === 127 || exit.exitCode === 126
          ? `The command${
              cmd ? ` (${cmd})` : ''
            } was not found or may not run in image ${
              c.image ?? ''
            }: fix the command or the image`
          : `Fix what the last log lines of ${what} report, then let it restart`,
        ...(exit.exitCode === 137 && c.resources?.limits?.memory
          ? [
              `Exit code 137 is a SIGKILL: if ${what} comes near limits.memory ${c.resources.limits.memory}, it was most likely killed for memory without the runtime saying OOMKilled; raise the limit or lower its use`,
            ]
          : []),
      ],
    };
  }
  return undefined;
}
