/**
 * Built-in remediation for the failure classes of Periscope's reference checks (References,
 * Scheduling, AutoscalerRequests), of JobFailures and (remediationContainers.ts) of ReplicaFailures,
 * Probes and ContainerStates: what is wrong, why, the fix and kubectl commands with the
 * names of the failure filled in. A caller without an LLM (the backend's remediation catalog)
 * asks {@link referenceExplanation} first.
 */
import { Explanation } from './api';
import { ObjectRef } from './model';
import { CONTAINER_REMEDIATIONS } from './remediationContainers';

/** @internal */
export interface Ctx {
  kind: string;
  name: string;
  /** `-n <namespace> ` or ''. */
  n: string;
  ns: string;
  /** The regular expression's groups. */
  m: RegExpExecArray;
}

/** @internal */
export interface Entry {
  /** A name for the failure class (tests, docs). */
  id: string;
  analyzer: string;
  match: RegExp;
  explain(c: Ctx): Explanation;
}

const lower = (kind: string) => kind.toLowerCase();
const describe = (c: Ctx) =>
  `kubectl describe ${lower(c.kind)} ${c.n}${c.name}`;
const template = (c: Ctx) => `the pod template of ${c.kind} ${c.name}`;

/** The entries, most specific first. @internal */
export const REFERENCE_REMEDIATIONS: Entry[] = [
  {
    id: 'missing-pull-secret',
    analyzer: 'References',
    match:
      /^Secret (\S+) does not exist in namespace (\S+) \(referenced by imagePullSecrets\)/,
    explain: c => ({
      summary: `${c.kind} ${c.name} pulls its images with Secret ${c.m[1]}, which does not exist in namespace ${c.m[2]}.`,
      likelyCause:
        'The registry credentials were created in another namespace, under another name, or not at all; images from a private registry then fail with ErrImagePull.',
      steps: [
        `Create the docker-registry Secret ${c.m[1]} in namespace ${c.m[2]} (kubectl create secret docker-registry).`,
        `Or fix the name in imagePullSecrets of ${template(
          c,
        )} (or of its ServiceAccount).`,
      ],
      commands: [
        `kubectl get secrets ${c.n}--field-selector type=kubernetes.io/dockerconfigjson`,
        describe(c),
      ],
    }),
  },
  {
    id: 'missing-config',
    analyzer: 'References',
    match:
      /^(ConfigMap|Secret) (\S+) does not exist in namespace (\S+) \(referenced by (.*)\)$/,
    explain: c => ({
      summary: `${c.kind} ${c.name} refers to ${c.m[1]} ${c.m[2]}, which does not exist in namespace ${c.m[3]} (${c.m[4]}).`,
      likelyCause: `The ${c.m[1]} was not created (or not yet), has another name, or lives in another namespace; references are resolved in the pod's own namespace. Its containers stay in CreateContainerConfigError or ContainerCreating.`,
      steps: [
        `Create ${c.m[1]} ${c.m[2]} in namespace ${
          c.m[3]
        }, or fix the name in ${template(c)}.`,
        'If the workload can run without it, mark the reference optional: true.',
        'Pods waiting for it start on their own once it exists.',
      ],
      commands: [`kubectl get ${lower(c.m[1])}s ${c.n}`.trim(), describe(c)],
    }),
  },
  {
    id: 'missing-key',
    analyzer: 'References',
    match:
      /^(ConfigMap|Secret) (\S+) in namespace (\S+) has no key (.*) \(referenced by (.*)\)$/,
    explain: c => ({
      summary: `${c.kind} ${c.name} reads key ${c.m[4]} of ${c.m[1]} ${c.m[2]}, which has no such key (${c.m[5]}).`,
      likelyCause: `The key was renamed or removed from the ${c.m[1]}, or the reference has a typo. A missing key of an env reference stops the container (CreateContainerConfigError); of a volume item, the volume mount.`,
      steps: [
        `Add key ${c.m[4]} to ${c.m[1]} ${c.m[2]}, or fix the key in ${template(
          c,
        )}.`,
        'Mark the reference optional: true if the application copes without it.',
      ],
      commands: [
        `kubectl get ${lower(c.m[1])} ${c.n}${c.m[2]} -o jsonpath='{.data}'`,
        describe(c),
      ],
    }),
  },
  {
    id: 'missing-service-account',
    analyzer: 'References',
    match: /^ServiceAccount (\S+) does not exist in namespace (\S+)/,
    explain: c => ({
      summary: `${c.kind} ${c.name} runs as ServiceAccount ${c.m[1]}, which does not exist in namespace ${c.m[2]}: the API server refuses to create its pods.`,
      likelyCause:
        'The ServiceAccount is created by another chart or step that has not run, or has another name; the controller reports FailedCreate.',
      steps: [
        `Create ServiceAccount ${c.m[1]} in namespace ${
          c.m[2]
        } (with its RoleBindings), or fix serviceAccountName in ${template(
          c,
        )}.`,
      ],
      commands: [
        `kubectl create serviceaccount ${c.n}${c.m[1]}`,
        `kubectl get events ${c.n}--field-selector reason=FailedCreate`,
      ],
    }),
  },
  {
    id: 'missing-priority-class',
    analyzer: 'References',
    match: /^PriorityClass (\S+) does not exist/,
    explain: c => ({
      summary: `${c.kind} ${c.name} uses PriorityClass ${c.m[1]}, which does not exist: the API server refuses to create its pods.`,
      likelyCause:
        'PriorityClasses are cluster-wide objects, usually installed by the platform team; this one is missing or named differently.',
      steps: [
        'List the PriorityClasses of the cluster.',
        `Create ${c.m[1]}, or set priorityClassName in ${template(
          c,
        )} to an existing one.`,
      ],
      commands: ['kubectl get priorityclasses', describe(c)],
    }),
  },
  {
    id: 'missing-runtime-class',
    analyzer: 'References',
    match: /^RuntimeClass (\S+) does not exist/,
    explain: c => ({
      summary: `${c.kind} ${c.name} uses RuntimeClass ${c.m[1]}, which does not exist: its pods are rejected.`,
      likelyCause:
        'The sandboxed runtime (gVisor, Kata...) is not installed on this cluster, or its RuntimeClass has another name.',
      steps: [
        'List the RuntimeClasses of the cluster.',
        `Install the runtime and its RuntimeClass, or change runtimeClassName in ${template(
          c,
        )}.`,
      ],
      commands: ['kubectl get runtimeclasses', describe(c)],
    }),
  },
  {
    id: 'missing-claim',
    analyzer: 'References',
    match: /^PersistentVolumeClaim (\S+) does not exist in namespace (\S+)/,
    explain: c => ({
      summary: `${c.kind} ${c.name} mounts PersistentVolumeClaim ${c.m[1]}, which does not exist in namespace ${c.m[2]}: its pods cannot be scheduled.`,
      likelyCause:
        'The claim was not created, was deleted, or has another name.',
      steps: [
        `Create PersistentVolumeClaim ${c.m[1]} in namespace ${
          c.m[2]
        }, or fix claimName in ${template(c)}.`,
      ],
      commands: [`kubectl get pvc ${c.n}`.trim(), describe(c)],
    }),
  },
  {
    id: 'missing-storage-class',
    analyzer: 'References',
    match:
      /^PersistentVolumeClaim \S+ uses StorageClass (\S+), which does not exist/,
    explain: c => ({
      summary: `PersistentVolumeClaim ${c.name} asks for StorageClass ${c.m[1]}, which does not exist: no volume is provisioned and it stays Pending.`,
      likelyCause:
        'The class has another name on this cluster (classes differ between clouds and local clusters).',
      steps: [
        'List the StorageClasses of the cluster.',
        'storageClassName cannot be changed on an existing claim: delete and recreate it with an existing class (or create the missing class).',
      ],
      commands: ['kubectl get storageclass', describe(c)],
    }),
  },
  {
    id: 'no-default-storage-class',
    analyzer: 'References',
    match:
      /^PersistentVolumeClaim \S+ names no StorageClass and no StorageClass is the default/,
    explain: c => ({
      summary: `PersistentVolumeClaim ${c.name} names no StorageClass and the cluster has no default one: nothing provisions its volume.`,
      likelyCause:
        'No StorageClass carries the annotation storageclass.kubernetes.io/is-default-class=true.',
      steps: [
        'Set storageClassName on the claim (recreate it), or mark one StorageClass as the default.',
        'Or create a PersistentVolume without a class that matches the claim.',
      ],
      commands: [
        'kubectl get storageclass',
        `kubectl patch storageclass <name> -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'`,
      ],
    }),
  },
  {
    id: 'no-matching-node',
    analyzer: 'Scheduling',
    match: /^no node matches (.*): its pods stay Pending/,
    explain: c => ({
      summary: `No node of the cluster satisfies the node selection of ${c.kind} ${c.name} (${c.m[1]}): its pods stay Pending.`,
      likelyCause:
        'The nodeSelector or required node affinity names a label (or value) that no node carries: another cluster, a renamed node pool, or a typo.',
      steps: [
        'Compare the labels of the nodes with the nodeSelector and affinity of the pod template.',
        `Fix ${template(
          c,
        )}, or label the nodes that should run it (kubectl label node <node> key=value).`,
      ],
      commands: ['kubectl get nodes --show-labels', describe(c)],
    }),
  },
  {
    id: 'untolerated-taints',
    analyzer: 'Scheduling',
    match: /has a taint its pods do not tolerate: (.*); its pods stay Pending/,
    explain: c => ({
      summary: `Every node ${c.kind} ${c.name} may run on has a taint its pods do not tolerate (${c.m[1]}): its pods stay Pending.`,
      likelyCause:
        'The nodes are reserved (dedicated pools, control plane) or cordoned, and the pod template has no matching toleration.',
      steps: [
        'If the workload belongs on those nodes, add the tolerations to the pod template.',
        'Otherwise add nodes without the taint, or uncordon the nodes (kubectl uncordon).',
      ],
      commands: [
        `kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints`,
        describe(c),
      ],
    }),
  },
  {
    id: 'requests-exceed-nodes',
    analyzer: 'Scheduling',
    match:
      /^its pods request (\S+) (\S+), more than .* can allocate \(largest: (\S+)\)/,
    explain: c => ({
      summary: `The pods of ${c.kind} ${c.name} request ${c.m[2]} ${c.m[1]}, more than any node it may run on can allocate (${c.m[3]}).`,
      likelyCause:
        'The requests are larger than the node size (a typo such as 64 instead of 64Mi/640m, or values for another cluster), or the resource exists only on other nodes.',
      steps: [
        `Lower resources.requests.${c.m[1]} in ${template(
          c,
        )} (sum of its containers).`,
        'Or add nodes large enough (or with the extended resource) to the pool it runs on.',
      ],
      commands: ['kubectl describe nodes | grep -A8 Allocatable', describe(c)],
    }),
  },
  {
    id: 'hpa-without-requests',
    analyzer: 'AutoscalerRequests',
    match:
      /scales on (cpu|memory) utilization, but (\S+) (\S+) sets no \S+ request in containers? (.*): the utilization/,
    explain: c => ({
      summary: `HorizontalPodAutoscaler ${c.name} scales on ${c.m[1]} utilization, but container(s) ${c.m[4]} of ${c.m[2]} ${c.m[3]} request no ${c.m[1]}: it cannot compute utilization and does not scale.`,
      likelyCause:
        'Utilization is usage divided by the request; a container without a request makes it undefined (FailedGetResourceMetric).',
      steps: [
        `Set resources.requests.${c.m[1]} on every container of ${c.m[2]} ${c.m[3]}.`,
        'Or scale on an AverageValue target, or on a ContainerResource metric of the container that has a request.',
      ],
      commands: [
        `kubectl describe hpa ${c.n}${c.name}`,
        `kubectl get ${lower(c.m[2])} ${c.n}${c.m[3]
          .split('/')
          .pop()} -o jsonpath='{.spec.template.spec.containers[*].resources}'`,
      ],
    }),
  },
  {
    id: 'job-create-service-account',
    analyzer: 'JobFailures',
    match:
      /cannot create its pods \(FailedCreate\): .*serviceaccount "([^"]+)" not found/,
    explain: c => ({
      summary: `Job ${c.name} cannot create its pods: its ServiceAccount ${
        c.m[1]
      } does not exist${c.ns ? ` in namespace ${c.ns}` : ''}.`,
      likelyCause:
        'The ServiceAccount is created by another chart or step that has not run, or has another name. The Job keeps retrying and runs once it exists (unless its activeDeadlineSeconds passes first).',
      steps: [
        `Create ServiceAccount ${c.m[1]}${
          c.ns ? ` in namespace ${c.ns}` : ''
        } (with its RoleBindings), or fix serviceAccountName in ${template(
          c,
        )} and re-create the Job.`,
      ],
      commands: [
        `kubectl create serviceaccount ${c.n}${c.m[1]}`,
        `kubectl get events ${c.n}--field-selector involvedObject.name=${c.name},reason=FailedCreate`,
      ],
    }),
  },
  {
    id: 'job-create-quota',
    analyzer: 'JobFailures',
    match:
      /cannot create its pods \(FailedCreate\): .*exceeded quota: ([^,\s]+)(.*)$/m,
    explain: c => ({
      summary: `Job ${
        c.name
      } cannot create its pods: they would exceed ResourceQuota ${c.m[1]}${
        c.m[2] ? ` (${c.m[2].replace(/^,\s*/, '')})` : ''
      }.`,
      likelyCause:
        'The namespace has used up the quota (other workloads, finished pods that still count, or requests larger than needed), or the quota is too small for this Job. A quota on cpu or memory also refuses pods that set no request or limit for it.',
      steps: [
        "Compare the quota's used and hard values with what the Job's pods request.",
        `Lower the requests or parallelism of ${template(
          c,
        )}, free quota (delete what is no longer needed), or raise the quota. The Job retries on its own.`,
      ],
      commands: [`kubectl describe resourcequota ${c.n}${c.m[1]}`, describe(c)],
    }),
  },
  {
    id: 'job-create-limit-range',
    analyzer: 'JobFailures',
    match:
      /cannot create its pods \(FailedCreate\): .*((?:minimum|maximum) \S+ usage per (?:Container|Pod|PersistentVolumeClaim) is [^,\]]+(?:, but (?:request|limit) is [^,\]]+)?)/,
    explain: c => ({
      summary: `Job ${c.name} cannot create its pods: a LimitRange of the namespace refuses their resources (${c.m[1]}).`,
      likelyCause:
        'The requests or limits of the pod template are outside the minimum/maximum (or limit/request ratio) a LimitRange allows.',
      steps: [
        `Set the requests and limits of ${template(
          c,
        )} within the LimitRange, or change the LimitRange; then re-create the Job.`,
      ],
      commands: [`kubectl describe limitrange ${c.n}`.trim(), describe(c)],
    }),
  },
  {
    id: 'job-create-pod-security',
    analyzer: 'JobFailures',
    match:
      /cannot create its pods \(FailedCreate\): .*violates PodSecurity "([^"]+)"(?:: (.*))?/,
    explain: c => ({
      summary: `Job ${
        c.name
      } cannot create its pods: they violate the namespace's Pod Security level ${
        c.m[1]
      }${c.m[2] ? ` (${c.m[2]})` : ''}.`,
      likelyCause:
        'The namespace enforces a Pod Security Standard (label pod-security.kubernetes.io/enforce) that the pod template does not meet.',
      steps: [
        `Change the securityContext of ${template(
          c,
        )} as the message says (runAsNonRoot, allowPrivilegeEscalation: false, capabilities drop ALL, seccompProfile RuntimeDefault...), then re-create the Job.`,
      ],
      commands: [
        `kubectl get namespace ${c.ns || '<namespace>'} --show-labels`,
        describe(c),
      ],
    }),
  },
  {
    id: 'job-create-admission-webhook',
    analyzer: 'JobFailures',
    match:
      /cannot create its pods \(FailedCreate\): .*admission webhook "([^"]+)" denied the request(?:: (.*))?/,
    explain: c => ({
      summary: `Job ${c.name} cannot create its pods: admission webhook ${
        c.m[1]
      } denies them${c.m[2] ? ` (${c.m[2]})` : ''}.`,
      likelyCause:
        'A policy engine (Kyverno, Gatekeeper...) or another admission webhook rejects the pod template.',
      steps: [
        "Read the webhook's reason in the message and change the pod template to comply, or ask the policy's owners for an exception; then re-create the Job.",
      ],
      commands: [
        'kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations',
        describe(c),
      ],
    }),
  },
  {
    id: 'job-create-refused',
    analyzer: 'JobFailures',
    match: /cannot create its pods \(FailedCreate\): (.*)$/m,
    explain: c => ({
      summary: `Job ${c.name} cannot create its pods: ${c.m[1]}`,
      likelyCause:
        "The API server refuses the pods of the Job's template; the message names the admission step (quota, LimitRange, ServiceAccount, webhook, Pod Security) or the invalid field.",
      steps: [
        `Fix what the message names (in ${template(
          c,
        )} or in the namespace), then re-create the Job if its template had to change.`,
      ],
      commands: [
        `kubectl get events ${c.n}--field-selector involvedObject.name=${c.name},reason=FailedCreate`,
        describe(c),
      ],
    }),
  },
  {
    id: 'job-backoff-oom',
    analyzer: 'JobFailures',
    match:
      /reached its backoff limit: (?:init )?container (\S+) of its last failed pod (\S+) exited with code (\d+) \(OOMKilled\)/,
    explain: c => ({
      summary: `Job ${c.name} gave up after its backoff limit: container ${c.m[1]} of its last pod ${c.m[2]} was killed for using more memory than its limit (exit code ${c.m[3]}, OOMKilled).`,
      likelyCause:
        'The memory limit is too small for the work (input grew, or the runtime sizes its heap from the node, not the limit), or the program leaks.',
      steps: [
        `Raise resources.limits.memory of container ${c.m[1]} in ${template(
          c,
        )} (or make the program use less: smaller batches, a heap size below the limit).`,
        'A failed Job does not run again: delete it and apply it again (a CronJob creates the next one on schedule).',
      ],
      commands: [
        `kubectl describe pod ${c.n}${c.m[2]}`,
        `kubectl delete job ${c.n}${c.name}`,
      ],
    }),
  },
  {
    id: 'job-backoff-command',
    analyzer: 'JobFailures',
    match:
      /reached its backoff limit: (?:init )?container (\S+) of its last failed pod (\S+) exited with code (126|127)\b(?: \([^)]*\))?(?:; (?:last log line|termination message): (.*))?$/m,
    explain: c => ({
      summary: `Job ${c.name} gave up after its backoff limit: container ${
        c.m[1]
      } of its last pod ${c.m[2]} exited with code ${c.m[3]}, the shell's "${
        c.m[3] === '127' ? 'command not found' : 'not executable'
      }"${c.m[4] ? ` (${c.m[4]})` : ''}.`,
      likelyCause:
        'The command or args of the container name a program that is not in the image (or not on its PATH, or not executable): a typo, or an image of another version or base.',
      steps: [
        `Fix command/args of container ${c.m[1]} in ${template(
          c,
        )}, or use an image that has the program.`,
        'A failed Job does not run again: delete it and apply it again (a CronJob creates the next one on schedule).',
      ],
      commands: [
        `kubectl logs ${c.n}${c.m[2]} -c ${c.m[1]}`,
        `kubectl delete job ${c.n}${c.name}`,
      ],
    }),
  },
  {
    id: 'job-backoff-exit',
    analyzer: 'JobFailures',
    match:
      /reached its backoff limit: (?:init )?container (\S+) of its last failed pod (\S+) exited with code (-?\d+)(?: \(([^)]*)\))?(?:; (last log line|termination message): (.*))?$/m,
    explain: c => ({
      summary: `Job ${c.name} gave up after its backoff limit: container ${
        c.m[1]
      } of its last pod ${c.m[2]} exited with code ${c.m[3]}${
        c.m[4] ? ` (${c.m[4]})` : ''
      }${c.m[6] ? `; its ${c.m[5]}: ${c.m[6]}` : ''}.`,
      likelyCause:
        "The program of the Job failed on every try: the exit code is its own (look it up in the program's documentation), and its last log lines usually say why (bad input, a dependency that refuses it, missing credentials or configuration).",
      steps: [
        c.m[6]
          ? `Exit code ${c.m[3]}: read the ${c.m[5]} "${c.m[6]}" and the lines before it, and fix its cause (configuration, credentials, a dependency, the input or the program).`
          : `Exit code ${c.m[3]}: read the logs of container ${c.m[1]} of pod ${c.m[2]} and fix their cause (configuration, credentials, a dependency, the input or the program).`,
        'A failed Job does not run again: fix it, then delete the Job and apply it again (a CronJob creates the next one on schedule).',
      ],
      commands: [
        `kubectl logs ${c.n}${c.m[2]} -c ${c.m[1]} --tail=100`,
        `kubectl describe job ${c.n}${c.name}`,
        `kubectl delete job ${c.n}${c.name}`,
      ],
    }),
  },
  {
    id: 'job-backoff-pod-failed',
    analyzer: 'JobFailures',
    match:
      /reached its backoff limit: its last failed pod (\S+) failed: (.*)$/m,
    explain: c => ({
      summary: `Job ${c.name} gave up after its backoff limit: its last pod ${c.m[1]} failed without a container exit code (${c.m[2]}).`,
      likelyCause:
        'The pod was stopped from outside: evicted for node pressure, its node lost, or a deadline reached.',
      steps: [
        'Read the reason: eviction means the node ran short of memory or disk (set requests that match the use), a lost node a node problem.',
        'Then delete the Job and apply it again.',
      ],
      commands: [
        `kubectl describe pod ${c.n}${c.m[1]}`,
        `kubectl delete job ${c.n}${c.name}`,
      ],
    }),
  },
];

/**
 * The built-in explanation of a failure of Periscope's reference checks (and of JobFailures), with
 * the names of the failure and the object filled in; undefined for other analyzers or texts.
 *
 * @public
 */
export function referenceExplanation(
  analyzer: string,
  object: ObjectRef,
  failureText: string,
): Explanation | undefined {
  const ns = object.namespace ?? '';
  for (const e of [...REFERENCE_REMEDIATIONS, ...CONTAINER_REMEDIATIONS]) {
    if (e.analyzer !== analyzer) continue;
    const m = e.match.exec(failureText);
    if (m)
      return e.explain({
        kind: object.kind,
        name: object.name,
        ns,
        n: ns ? `-n ${ns} ` : '',
        m,
      });
  }
  return undefined;
}
