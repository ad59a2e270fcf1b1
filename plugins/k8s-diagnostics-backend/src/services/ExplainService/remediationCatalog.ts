/**
 * Built-in explanations, used when no LLM is configured: per analyzer and failure type, what
 * is wrong, the likely cause, fix steps and kubectl commands with the real names filled in.
 */
import { Explanation, HealthFinding } from '../../types';
import {
  evidenceRemediation,
  FindingEvidence,
  referenceExplanation,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';

interface Ctx {
  kind: string;
  name: string;
  ns: string;
  /** `-n <namespace> ` or '' for cluster-scoped objects. */
  n: string;
  workload: HealthFinding['workload'];
  text: string;
}

interface Entry {
  analyzers: string[];
  match: RegExp;
  /**
   * Match the failure texts only, not the related events: a log line says more than the
   * pod's BackOff events, which every crashing container has.
   */
  failuresOnly?: boolean;
  explain(c: Ctx): Explanation;
}

const describe = (c: Ctx) =>
  `kubectl describe ${c.kind.toLowerCase()} ${c.n}${c.name}`;
const events = (c: Ctx) =>
  `kubectl get events ${c.n}--field-selector involvedObject.name=${c.name} --sort-by=.lastTimestamp`;
const owner = (c: Ctx) =>
  c.workload.kind !== c.kind
    ? `${c.workload.kind.toLowerCase()}/${c.workload.name}`
    : `${c.kind.toLowerCase()}/${c.name}`;

const logs = (c: Ctx) =>
  `kubectl logs ${c.n}${c.name} --all-containers --tail=100`;
const previousLogs = (c: Ctx) =>
  `kubectl logs ${c.n}${c.name} --all-containers --previous --tail=100`;

/** The Log analyzer's findings: an error line from a container's last 100 log lines. */
const LOG_ENTRIES: Entry[] = [
  {
    analyzers: ['Log'],
    failuresOnly: true,
    match: /^Error .* from Pod /,
    explain: c => ({
      summary: `The logs of a container of ${c.kind} ${
        c.name
      } could not be read: ${c.text.split('\n')[0]}`,
      likelyCause:
        'The container has not started yet (it waits for its image, volumes or configuration), or the kubelet of its node does not answer.',
      steps: [
        'Look at the pod findings of the same workload: they say why the container does not start.',
        'Once it runs, scan again to analyze its logs.',
      ],
      commands: [describe(c), events(c)],
    }),
  },
  {
    analyzers: ['Log'],
    failuresOnly: true,
    match:
      /x509|certificate (has expired|is not valid|signed by unknown authority)|CERT_HAS_EXPIRED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|tls: (handshake|bad certificate)|SSL routines|PKIX path/i,
    explain: c => ({
      summary: `A container of ${c.kind} ${c.name} logs a TLS certificate error: it cannot establish a trusted connection.`,
      likelyCause:
        'A certificate has expired or is not yet valid, is issued for another host name, or its issuing CA is not in the trust store the container uses.',
      steps: [
        'Find out from the log line which endpoint the connection goes to, and which side (client or server) rejects the certificate.',
        'Check the certificate dates and names: openssl s_client -connect <host>:<port> -servername <host> shows the chain.',
        `Renew the certificate (or fix the cert-manager Certificate that issues it), or mount the right CA bundle into ${owner(
          c,
        )}.`,
      ],
      commands: [
        logs(c),
        'kubectl get certificates -A',
        `kubectl get secrets ${c.n}--field-selector type=kubernetes.io/tls`,
      ],
    }),
  },
  {
    analyzers: ['Log'],
    failuresOnly: true,
    match:
      /connection refused|ECONNREFUSED|no such host|ENOTFOUND|EAI_AGAIN|name resolution|i\/o timeout|ETIMEDOUT|connection reset|ECONNRESET|dial tcp|could not connect|unreachable/i,
    explain: c => ({
      summary: `A container of ${c.kind} ${c.name} cannot reach a service it depends on (connection refused, unknown host or timeout).`,
      likelyCause:
        'The dependency is down or not ready, its Service has no endpoints, the host name or port in the configuration is wrong, or a NetworkPolicy blocks the traffic.',
      steps: [
        'Read the host and port in the log line and compare them with the configuration of the container.',
        'Check that the target Service exists in the expected namespace and has ready endpoints.',
        'Check NetworkPolicies of both namespaces if the Service is healthy; retry with back-off in the application so a slow dependency does not crash it.',
      ],
      commands: [
        logs(c),
        `kubectl get services,endpoints ${c.n}`.trim(),
        `kubectl get networkpolicies ${c.n}`.trim(),
      ],
    }),
  },
  {
    analyzers: ['Log'],
    failuresOnly: true,
    match:
      /permission denied|EACCES|EPERM|unauthori[sz]ed|forbidden|access denied|authentication failed|invalid (credentials|token|password|api key)|\b(401|403)\b/i,
    explain: c => ({
      summary: `A container of ${c.kind} ${c.name} is refused access: wrong credentials, or a file or API it may not use.`,
      likelyCause:
        'A password, token or key in a Secret is wrong or rotated, the ServiceAccount lacks an RBAC permission, or the process runs as a user that may not read or write a path.',
      steps: [
        'Find out from the log line which system refuses (database, cloud API, Kubernetes API, file system).',
        `For credentials: check the Secret the container reads and update it; restart ${owner(
          c,
        )} if it reads the value only at start.`,
        'For the Kubernetes API: check the RBAC of its ServiceAccount (kubectl auth can-i --list --as=system:serviceaccount:<namespace>:<name>); for files: runAsUser/fsGroup in the securityContext.',
      ],
      commands: [
        logs(c),
        `kubectl get ${c.kind.toLowerCase()} ${c.n}${
          c.name
        } -o jsonpath='{.spec.serviceAccountName}'`,
      ],
    }),
  },
  {
    analyzers: ['Log'],
    failuresOnly: true,
    match:
      /OutOfMemoryError|heap out of memory|Cannot allocate memory|ENOMEM|out of memory/i,
    explain: c => ({
      summary: `A container of ${c.kind} ${c.name} runs out of memory inside the process (its runtime reports it before the kernel kills it).`,
      likelyCause:
        "The runtime's heap limit (JVM -Xmx, Node --max-old-space-size) or the container memory limit is too low for the load, or the process leaks memory.",
      steps: [
        'Compare the heap setting with resources.limits.memory of the container (leave room for non-heap memory).',
        `Raise both together in ${owner(
          c,
        )}, or reduce what the process keeps in memory.`,
        'If usage grows without bound over time, look for a leak before raising limits again.',
      ],
      commands: [logs(c), previousLogs(c), `kubectl top pod ${c.n}${c.name}`],
    }),
  },
  {
    analyzers: ['Log'],
    failuresOnly: true,
    match:
      /no such file or directory|ENOENT|FileNotFoundException|missing (required )?(environment variable|env var|config)|not set in (the )?environment|config(uration)? file not found/i,
    explain: c => ({
      summary: `A container of ${c.kind} ${c.name} misses a file or setting it needs at start.`,
      likelyCause:
        'A ConfigMap or Secret is not mounted at the path the application reads, a key is missing from it, or an environment variable is not set in the pod template.',
      steps: [
        'Read the missing path or variable name in the log line.',
        `Compare it with the volumeMounts, env and envFrom of the container in ${owner(
          c,
        )}.`,
        'Add the key to the ConfigMap/Secret or fix the mount path, then roll out again.',
      ],
      commands: [
        logs(c),
        `kubectl get ${c.kind.toLowerCase()} ${c.n}${
          c.name
        } -o jsonpath='{.spec.containers[*].volumeMounts}'`,
        `kubectl get configmaps,secrets ${c.n}`.trim(),
      ],
    }),
  },
];

const ENTRIES: Entry[] = [
  ...LOG_ENTRIES,
  {
    analyzers: ['Pod', 'Log'],
    match: /OOMKilled/i,
    explain: c => ({
      summary: `A container of ${c.kind} ${c.name} was killed because it used more memory than its limit (OOMKilled).`,
      likelyCause:
        'The memory limit is lower than what the process needs at peak, or the process leaks memory.',
      steps: [
        'Check the memory the container used before it was killed (metrics, or the previous logs).',
        `Raise resources.limits.memory (and requests.memory) of the container in ${owner(
          c,
        )}, or reduce the process heap (e.g. JVM -Xmx, Node --max-old-space-size).`,
        'If usage grows without bound, look for a memory leak before raising the limit again.',
      ],
      commands: [
        describe(c),
        `kubectl logs ${c.n}${c.name} --previous`,
        `kubectl top pod ${c.n}${c.name}`,
      ],
    }),
  },
  {
    analyzers: ['Pod', 'Log'],
    match:
      /CrashLoopBackOff|back-off restarting|last termination reason|terminated with exit code|restarted/i,
    explain: c => ({
      summary: `A container of ${c.kind} ${c.name} keeps crashing and Kubernetes restarts it with growing back-off delays (CrashLoopBackOff).`,
      likelyCause:
        'The process exits soon after start: a startup error (bad configuration, missing environment variable or dependency), a failing liveness probe, or a wrong command.',
      steps: [
        'Read the logs of the previous (crashed) container instance to see why it exited.',
        'Check the exit code and reason in the pod description (1: application error, 137: killed, 139: segfault).',
        `Fix the cause in the image, its configuration or the probes of ${owner(
          c,
        )}, then roll out again.`,
      ],
      commands: [
        `kubectl logs ${c.n}${c.name} --previous`,
        describe(c),
        `kubectl rollout restart ${owner(c)} ${c.n}`.trim(),
      ],
    }),
  },
  {
    analyzers: ['Pod'],
    match: /ImagePullBackOff|ErrImagePull|pull|InvalidImageName/i,
    explain: c => ({
      summary: `The image of a container of ${c.kind} ${c.name} cannot be pulled, so the container never starts.`,
      likelyCause:
        'The image name or tag does not exist, the registry is unreachable from the nodes, or it needs credentials (imagePullSecrets) that are missing or wrong.',
      steps: [
        'Read the exact pull error in the pod events.',
        'Check that the image and tag exist in the registry (pull it yourself).',
        `If the registry is private, add or fix imagePullSecrets on the pod template or service account of ${owner(
          c,
        )}.`,
        'Correct the image reference and roll out again.',
      ],
      commands: [
        describe(c),
        events(c),
        `kubectl get ${c.kind.toLowerCase()} ${c.n}${
          c.name
        } -o jsonpath='{.spec.containers[*].image}'`,
      ],
    }),
  },
  {
    analyzers: ['Pod'],
    match: /configmap|secret.*not found|CreateContainerConfigError/i,
    explain: c => ({
      summary: `${c.kind} ${c.name} cannot start a container because a ConfigMap or Secret it references does not exist.`,
      likelyCause:
        'The ConfigMap/Secret was not created (or has another name or namespace) while the pod template references it in env, envFrom or a volume.',
      steps: [
        'Find the missing object name in the failure text or the pod events.',
        `Create it in the pod's namespace, or fix the reference in ${owner(
          c,
        )} (or mark it optional: true if it is optional).`,
        'The pod starts on its own once the object exists.',
      ],
      commands: [describe(c), `kubectl get configmaps,secrets ${c.n}`.trim()],
    }),
  },
  {
    analyzers: ['Pod'],
    match: /Unschedulable|nodes are available|schedul|Pending/i,
    explain: c => ({
      summary: `${c.kind} ${c.name} is Pending: the scheduler finds no node that can run it.`,
      likelyCause:
        'The requested CPU/memory exceeds what any node has free, or node selectors, affinity, taints or volume topology exclude every node.',
      steps: [
        'Read the scheduler message in the pod events (it says why each node was rejected).',
        `Lower the resource requests of ${owner(
          c,
        )}, or add capacity (nodes) to the cluster.`,
        'Check nodeSelector, affinity and tolerations against the labels and taints of the nodes.',
      ],
      commands: [
        describe(c),
        events(c),
        'kubectl describe nodes | grep -A5 "Allocated resources"',
      ],
    }),
  },
  {
    analyzers: ['Pod'],
    match: /Readiness probe|readiness/i,
    explain: c => ({
      summary: `${c.kind} ${c.name} runs but fails its readiness probe, so it receives no traffic.`,
      likelyCause:
        'The probe path/port is wrong, the application starts slower than the probe allows, or a dependency it checks is down.',
      steps: [
        'Check the probe definition against the port and path the application serves.',
        'Raise initialDelaySeconds/failureThreshold or add a startupProbe for slow starts.',
        'Check the dependencies the readiness endpoint tests.',
      ],
      commands: [describe(c), `kubectl logs ${c.n}${c.name}`],
    }),
  },
  {
    analyzers: ['Pod'],
    match: /Evicted/i,
    explain: c => ({
      summary: `${c.kind} ${c.name} was evicted by its node.`,
      likelyCause:
        'The node ran short of memory or disk (node pressure) and evicted pods with the lowest priority or with usage above their requests.',
      steps: [
        'Check the eviction reason in the pod status.',
        'Set realistic requests (and limits) so the pod is not evicted first.',
        'Delete the evicted pod objects once the cause is fixed.',
      ],
      commands: [
        describe(c),
        `kubectl get pods ${c.n}--field-selector=status.phase=Failed`,
      ],
    }),
  },
  {
    analyzers: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
    match: /./,
    explain: c => ({
      summary: `${c.kind} ${c.name} does not have the number of ready replicas it wants.`,
      likelyCause:
        'Its pods fail to be created, scheduled or become ready; the pod findings of this workload say why.',
      steps: [
        'Look at the findings of the pods of this workload (listed under it).',
        `Check the rollout status and the events of ${c.kind} ${c.name}.`,
        'Fix the pod problem; the controller then converges on its own.',
      ],
      commands: [
        `kubectl rollout status ${c.kind.toLowerCase()}/${c.name} ${
          c.n
        }`.trim(),
        describe(c),
        events(c),
      ],
    }),
  },
  {
    analyzers: ['Service'],
    match: /no endpoints|not ready endpoints|endpoint/i,
    explain: c => ({
      summary: `Service ${c.name} has no ready endpoints: requests to it fail.`,
      likelyCause:
        "Its selector matches no running, ready pod: the labels in spec.selector differ from the pods' labels, or the matching pods are not ready.",
      steps: [
        "Compare the Service's spec.selector with the labels of the pods that should serve it.",
        'Fix the selector (or the pod template labels).',
        'If pods match but are not ready, fix their readiness first.',
      ],
      commands: [
        `kubectl get service ${c.n}${c.name} -o jsonpath='{.spec.selector}'`,
        `kubectl get endpoints ${c.n}${c.name}`,
        `kubectl get pods ${c.n}--show-labels`,
      ],
    }),
  },
  {
    analyzers: ['Ingress'],
    match: /secret/i,
    explain: c => ({
      summary: `Ingress ${c.name} references a TLS Secret that does not exist, so TLS cannot be served for its hosts.`,
      likelyCause:
        'The certificate Secret was never created (or cert-manager has not issued it), or spec.tls[].secretName has a typo.',
      steps: [
        'Check spec.tls[].secretName.',
        'Create the kubernetes.io/tls Secret in the same namespace, or fix the Certificate resource that should produce it.',
      ],
      commands: [
        describe(c),
        `kubectl get secrets ${c.n}--field-selector type=kubernetes.io/tls`,
      ],
    }),
  },
  {
    analyzers: ['Ingress'],
    match: /service/i,
    explain: c => ({
      summary: `Ingress ${c.name} routes to a Service that does not exist: those paths answer 503/404.`,
      likelyCause:
        'The backend Service was renamed, deleted or lives in another namespace.',
      steps: [
        'Check spec.rules[].http.paths[].backend.service.name.',
        'Create the Service or point the Ingress at the right one (same namespace).',
      ],
      commands: [describe(c), `kubectl get services ${c.n}`.trim()],
    }),
  },
  {
    analyzers: ['Ingress'],
    match: /class/i,
    explain: c => ({
      summary: `Ingress ${c.name} names no (or an unknown) IngressClass, so no controller may serve it.`,
      likelyCause:
        'spec.ingressClassName is missing or names a class that is not installed.',
      steps: [
        'List the IngressClasses of the cluster.',
        'Set spec.ingressClassName to an installed class.',
      ],
      commands: ['kubectl get ingressclass', describe(c)],
    }),
  },
  {
    analyzers: ['PersistentVolumeClaim', 'Storage'],
    match: /./,
    explain: c => ({
      summary: `PersistentVolumeClaim ${c.name} is not bound, so pods that mount it cannot start.`,
      likelyCause:
        'Its StorageClass does not exist or cannot provision (provisioner missing, quota, topology), or no PersistentVolume matches a static claim.',
      steps: [
        'Read the provisioning events of the claim.',
        'Check that spec.storageClassName exists (kubectl get storageclass) and its provisioner runs.',
        'Fix the class name or create a matching PersistentVolume; a claim cannot change its class after creation, so recreate it if needed.',
      ],
      commands: [describe(c), 'kubectl get storageclass', events(c)],
    }),
  },
  {
    analyzers: ['CronJob'],
    match: /./,
    explain: c => ({
      summary: `CronJob ${c.name} has a problem with its schedule or is suspended.`,
      likelyCause:
        'spec.schedule is not a valid cron expression, startingDeadlineSeconds is negative, or spec.suspend is true.',
      steps: [
        'Check spec.schedule (5 fields, e.g. "30 2 * * *").',
        'Unsuspend it if it should run.',
      ],
      commands: [describe(c), `kubectl get jobs ${c.n}`.trim()],
    }),
  },
  {
    analyzers: ['Job'],
    match: /./,
    explain: c => ({
      summary: `Job ${c.name} failed: its pods did not complete successfully within the back-off limit.`,
      likelyCause:
        'The job command exits non-zero (application error, bad arguments, missing input or credentials).',
      steps: [
        'Read the logs of the failed pod of the job.',
        'Fix the cause and start a new run (a failed Job is not retried after backoffLimit).',
      ],
      commands: [
        `kubectl logs ${c.n}job/${c.name}`,
        describe(c),
        ...(c.workload.kind === 'CronJob'
          ? [
              `kubectl create job ${c.n}--from=cronjob/${c.workload.name} ${c.workload.name}-retry`,
            ]
          : []),
      ],
    }),
  },
  {
    analyzers: ['HorizontalPodAutoscaler'],
    match: /./,
    explain: c => ({
      summary: `HorizontalPodAutoscaler ${c.name} cannot scale its target.`,
      likelyCause:
        'spec.scaleTargetRef names a workload that does not exist, or the target has no resource requests for the metric it scales on.',
      steps: [
        'Check spec.scaleTargetRef (kind and name) against the existing workloads.',
        'Point it at the right workload, or set resource requests on its containers.',
      ],
      commands: [
        describe(c),
        `kubectl get deployments,statefulsets ${c.n}`.trim(),
      ],
    }),
  },
  {
    analyzers: ['PodDisruptionBudget'],
    match: /./,
    explain: c => ({
      summary: `PodDisruptionBudget ${c.name} does not protect any running pod as intended.`,
      likelyCause:
        'Its selector matches no pod (labels differ), or it allows no disruption at all, which blocks node drains.',
      steps: [
        "Compare spec.selector with the pods' labels.",
        'Fix the selector; make sure minAvailable/maxUnavailable leaves room for voluntary disruptions.',
      ],
      commands: [describe(c), `kubectl get pods ${c.n}--show-labels`],
    }),
  },
  {
    analyzers: ['Node'],
    match: /./,
    explain: c => ({
      summary: `Node ${c.name} is not healthy (not Ready or under pressure).`,
      likelyCause:
        'The kubelet stopped reporting, or the node is short of memory, disk or PIDs.',
      steps: [
        'Check the node conditions.',
        'Check the kubelet and container runtime on the node; drain and replace it if it does not recover.',
      ],
      commands: [
        `kubectl describe node ${c.name}`,
        `kubectl get pods -A --field-selector spec.nodeName=${c.name}`,
      ],
    }),
  },
];

function generic(c: Ctx, analyzer: string): Explanation {
  if (analyzer === 'Log') {
    return {
      summary: `A container of ${c.kind} ${c.name} logs an error${
        c.text ? `: ${c.text.split('\n')[0]}` : '.'
      }`,
      likelyCause:
        'The application reports a failure of its own; the lines around this one usually say which operation failed and why.',
      steps: [
        'Read the log lines before and after this one (and the previous instance after a restart).',
        'Match the failing operation to its configuration or dependency, fix it, and scan again.',
      ],
      commands: [logs(c), previousLogs(c), describe(c)],
    };
  }
  return {
    summary: `The ${analyzer} analyzer reports a problem with ${c.kind} ${
      c.name
    }: ${c.text.split('\n')[0]}`,
    likelyCause:
      'See the failure text and the related events for the exact reason.',
    steps: [
      `Inspect ${c.kind} ${c.name} and its events.`,
      'Fix the reported condition and rescan.',
    ],
    commands: [describe(c), events(c)],
  };
}

/**
 * The built-in explanation of a finding: the first catalog entry for its analyzer whose pattern
 * matches one of its failure texts (or event reasons), else a generic one.
 */
export function catalogExplanation(
  finding: HealthFinding,
  evidence?: FindingEvidence,
  now: Date = new Date(),
): Explanation {
  const base = catalogEntryExplanation(finding);
  // what the cluster shows now names the concrete cause: it comes first
  const fromEvidence = evidence
    ? evidenceRemediation(evidence, now)
    : undefined;
  if (!fromEvidence) return base;
  const cause =
    fromEvidence.cause.charAt(0).toUpperCase() + fromEvidence.cause.slice(1);
  return {
    summary: base.summary,
    likelyCause: `${cause}.${base.likelyCause ? ` ${base.likelyCause}` : ''}`,
    steps: [
      ...fromEvidence.steps,
      ...base.steps.filter(s => !fromEvidence.steps.includes(s)),
    ],
    commands: base.commands,
  };
}

function catalogEntryExplanation(finding: HealthFinding): Explanation {
  const ns = finding.object.namespace ?? '';
  const failureText = finding.failures.map(f => f.text).join('\n');
  const text = [
    failureText,
    ...finding.events.map(e => `${e.reason} ${e.message}`),
  ].join('\n');
  const c: Ctx = {
    kind: finding.object.kind,
    name: finding.object.name,
    ns,
    n: ns ? `-n ${ns} ` : '',
    workload: finding.workload,
    text: failureText,
  };
  // Periscope's reference checks carry their own remediation (k8s-diagnostics-common), with the
  // missing object's kind and name taken from the failure text
  const reference = referenceExplanation(
    finding.analyzer,
    finding.object,
    failureText,
  );
  if (reference) return reference;
  const entry = ENTRIES.find(
    e =>
      e.analyzers.includes(finding.analyzer) &&
      e.match.test(e.failuresOnly ? failureText : text),
  );
  return entry ? entry.explain(c) : generic(c, finding.analyzer);
}
