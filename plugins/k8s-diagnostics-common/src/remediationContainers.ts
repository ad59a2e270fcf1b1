/**
 * Built-in remediation for ReplicaFailures, Probes and ContainerStates (the entries of
 * {@link referenceExplanation} beside the reference checks').
 */
import type { Ctx, Entry } from './remediation';

const describe = (c: Ctx) =>
  `kubectl describe ${c.kind.toLowerCase()} ${c.n}${c.name}`;

const REFUSALS: Array<[RegExp, string]> = [
  [
    /quota/i,
    'A ResourceQuota of the namespace is used up: the first pods fit, the rest would exceed it.',
  ],
  [
    /LimitRange|usage per/i,
    'A LimitRange refuses the requests or limits of the pod template.',
  ],
  [
    /webhook|admission|PodSecurity|violates/i,
    'An admission webhook or Pod Security refuses the pods.',
  ],
];

/** Why the API server refuses pods, from its message. */
function refusalCause(message: string): string {
  return (
    REFUSALS.find(([re]) => re.test(message))?.[1] ??
    'The API server refuses the pods for the reason in the message.'
  );
}

/** The entries, most specific first. @internal */
export const CONTAINER_REMEDIATIONS: Entry[] = [
  {
    id: 'replicaset-partly-created',
    analyzer: 'ReplicaFailures',
    match:
      /has (\d+) of (\d+) pods: it cannot create the others \(FailedCreate\): (.*)$/,
    explain: c => ({
      summary: `ReplicaSet ${c.name} runs ${c.m[1]} of ${c.m[2]} pods: the API server refuses the others (${c.m[3]}).`,
      likelyCause: refusalCause(c.m[3]),
      steps: [
        'Fix what the message names: free or raise the quota, fit the LimitRange, or change the pod template to what the admission policy allows.',
        'The ReplicaSet retries on its own; no restart is needed.',
      ],
      commands: [
        describe(c),
        `kubectl get events ${c.n}--field-selector involvedObject.name=${c.name},reason=FailedCreate`,
        `kubectl describe resourcequota ${c.n}`.trim(),
      ],
    }),
  },
  {
    id: 'liveness-restarts',
    analyzer: 'Probes',
    match:
      /container (\S+) of pod (\S+) was restarted (\d+) times? by its liveness probe \(([^)]*)\): (.*)$/,
    explain: c => ({
      summary: `Container ${c.m[1]} of pod ${c.m[2]} is restarted by its liveness probe (${c.m[4]}): ${c.m[5]}.`,
      likelyCause:
        "The probe checks a path or port the application does not serve (or answers with an error), or the application is too slow to answer within the probe's timeout and failure threshold.",
      steps: [
        `Make ${c.m[4]} succeed while the application is healthy (fix the path or port, or the handler), or point the probe at one that does.`,
        'If the application starts slowly, add a startupProbe or raise initialDelaySeconds / failureThreshold; keep the liveness check cheap and free of dependencies.',
      ],
      commands: [
        describe(c),
        `kubectl logs ${c.n}${c.m[2]} -c ${c.m[1]} --previous --tail=100`,
      ],
    }),
  },
  {
    id: 'probe-not-ready',
    analyzer: 'Probes',
    match:
      /container (\S+) of pod (\S+) is not ready: its (readiness|startup) probe \(([^)]*)\) fails: (.*)$/,
    explain: c => ({
      summary: `Container ${c.m[1]} of pod ${c.m[2]} is not ready: its ${c.m[3]} probe (${c.m[4]}) fails: ${c.m[5]}. Its Services send it no traffic.`,
      likelyCause:
        "The probe's path or port is wrong, the application is not up yet, or a dependency the check includes is down.",
      steps: [
        `Make ${c.m[4]} answer 2xx/3xx once the application can serve, or fix the probe.`,
        'Check the dependencies the readiness check calls.',
      ],
      commands: [
        describe(c),
        `kubectl logs ${c.n}${c.m[2]} -c ${c.m[1]} --tail=100`,
      ],
    }),
  },
  {
    id: 'init-container-fails',
    analyzer: 'ContainerStates',
    match:
      /^init container (\S+) of pod (\S+) exited with exit code (\d+)([^:]*)(?::\s*(.*?))?(?:, restarted \d+ times?)?(?: \([^)]*\))?: the pod's other containers/,
    explain: c => ({
      summary: `Init container ${c.m[1]} of pod ${c.m[2]} fails (exit code ${c.m[3]}): the pod's other containers never start.`,
      likelyCause:
        'The init step (a migration, a wait for a dependency, a file copy) fails: bad configuration, a dependency that is down, or a wrong command.',
      steps: [
        `Read the log of init container ${c.m[1]} and fix what it reports; the pod starts once the init container exits 0.`,
      ],
      commands: [
        `kubectl logs ${c.n}${c.m[2]} -c ${c.m[1]} --previous --tail=100`,
        describe(c),
      ],
    }),
  },
  {
    id: 'runtime-start-error',
    analyzer: 'ContainerStates',
    match:
      /^container (\S+) of pod (\S+) could not be started by the runtime \(exit code (\d+)(?: \(([^)]*)\))?(?::\s*(.*))?\)$/,
    explain: c => ({
      summary: `The container runtime could not start container ${
        c.m[1]
      } of pod ${c.m[2]}${c.m[5] ? `: ${c.m[5]}` : ''}.`,
      likelyCause:
        'The command or entrypoint does not exist in the image (or is not executable), the working directory or a mounted path is missing, or the image is built for another architecture.',
      steps: [
        `Fix the command/args of container ${c.m[1]} (or the image) so that the executable exists and may run.`,
      ],
      commands: [
        describe(c),
        `kubectl get pod ${c.n}${c.m[2]} -o jsonpath='{.spec.containers[*].command}'`,
      ],
    }),
  },
];
