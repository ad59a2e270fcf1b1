/**
 * The evidence in words: an exit described (`exit code 137 (OOMKilled, SIGKILL)`), and the short
 * fact lines that remediation text and prompts are written from.
 */
import type { ContainerStateEvidence, FindingEvidence } from './evidenceModel';

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
    const killed = [c.state, c.lastState].find(
      st =>
        st?.status === 'terminated' &&
        st.exitCode === 137 &&
        st.reason !== 'OOMKilled',
    );
    const memoryLimit = limits?.memory;
    if (killed && memoryLimit)
      facts.push(
        `${what} was killed (exit code 137, SIGKILL) under limits.memory ${memoryLimit} without the reason OOMKilled: this may be a kill for memory that the container runtime did not report (containerd releases before its late-2025 fix can report one as Error), or the kubelet stopping it (a failed liveness probe, a grace period that ran out)`,
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
