/**
 * Built-in remediation for the failure classes of Periscope's reference checks (References,
 * Scheduling, AutoscalerRequests): what is wrong, why, the fix and kubectl commands with the
 * names of the failure filled in. A caller without an LLM (the backend's remediation catalog)
 * asks {@link referenceExplanation} first.
 */
import { Explanation } from './api';
import { ObjectRef } from './model';

interface Ctx {
  kind: string;
  name: string;
  /** `-n <namespace> ` or ''. */
  n: string;
  ns: string;
  /** The regular expression's groups. */
  m: RegExpExecArray;
}

interface Entry {
  /** A name for the failure class (tests, docs). */
  id: string;
  analyzer: string;
  match: RegExp;
  explain(c: Ctx): Explanation;
}

const lower = (kind: string) => kind.toLowerCase();
const describe = (c: Ctx) => `kubectl describe ${lower(c.kind)} ${c.n}${c.name}`;
const template = (c: Ctx) => `the pod template of ${c.kind} ${c.name}`;

/** The entries, most specific first. @internal */
export const REFERENCE_REMEDIATIONS: Entry[] = [
  {
    id: 'missing-pull-secret',
    analyzer: 'References',
    match: /^Secret (\S+) does not exist in namespace (\S+) \(referenced by imagePullSecrets\)/,
    explain: c => ({
      summary: `${c.kind} ${c.name} pulls its images with Secret ${c.m[1]}, which does not exist in namespace ${c.m[2]}.`,
      likelyCause: 'The registry credentials were created in another namespace, under another name, or not at all; images from a private registry then fail with ErrImagePull.',
      steps: [
        `Create the docker-registry Secret ${c.m[1]} in namespace ${c.m[2]} (kubectl create secret docker-registry).`,
        `Or fix the name in imagePullSecrets of ${template(c)} (or of its ServiceAccount).`,
      ],
      commands: [`kubectl get secrets ${c.n}--field-selector type=kubernetes.io/dockerconfigjson`, describe(c)],
    }),
  },
  {
    id: 'missing-config',
    analyzer: 'References',
    match: /^(ConfigMap|Secret) (\S+) does not exist in namespace (\S+) \(referenced by (.*)\)$/,
    explain: c => ({
      summary: `${c.kind} ${c.name} refers to ${c.m[1]} ${c.m[2]}, which does not exist in namespace ${c.m[3]} (${c.m[4]}).`,
      likelyCause: `The ${c.m[1]} was not created (or not yet), has another name, or lives in another namespace; references are resolved in the pod's own namespace. Its containers stay in CreateContainerConfigError or ContainerCreating.`,
      steps: [
        `Create ${c.m[1]} ${c.m[2]} in namespace ${c.m[3]}, or fix the name in ${template(c)}.`,
        'If the workload can run without it, mark the reference optional: true.',
        'Pods waiting for it start on their own once it exists.',
      ],
      commands: [`kubectl get ${lower(c.m[1])}s ${c.n}`.trim(), describe(c)],
    }),
  },
  {
    id: 'missing-key',
    analyzer: 'References',
    match: /^(ConfigMap|Secret) (\S+) in namespace (\S+) has no key (.*) \(referenced by (.*)\)$/,
    explain: c => ({
      summary: `${c.kind} ${c.name} reads key ${c.m[4]} of ${c.m[1]} ${c.m[2]}, which has no such key (${c.m[5]}).`,
      likelyCause: `The key was renamed or removed from the ${c.m[1]}, or the reference has a typo. A missing key of an env reference stops the container (CreateContainerConfigError); of a volume item, the volume mount.`,
      steps: [
        `Add key ${c.m[4]} to ${c.m[1]} ${c.m[2]}, or fix the key in ${template(c)}.`,
        'Mark the reference optional: true if the application copes without it.',
      ],
      commands: [`kubectl get ${lower(c.m[1])} ${c.n}${c.m[2]} -o jsonpath='{.data}'`, describe(c)],
    }),
  },
  {
    id: 'missing-service-account',
    analyzer: 'References',
    match: /^ServiceAccount (\S+) does not exist in namespace (\S+)/,
    explain: c => ({
      summary: `${c.kind} ${c.name} runs as ServiceAccount ${c.m[1]}, which does not exist in namespace ${c.m[2]}: the API server refuses to create its pods.`,
      likelyCause: 'The ServiceAccount is created by another chart or step that has not run, or has another name; the controller reports FailedCreate.',
      steps: [`Create ServiceAccount ${c.m[1]} in namespace ${c.m[2]} (with its RoleBindings), or fix serviceAccountName in ${template(c)}.`],
      commands: [`kubectl create serviceaccount ${c.n}${c.m[1]}`, `kubectl get events ${c.n}--field-selector reason=FailedCreate`],
    }),
  },
  {
    id: 'missing-priority-class',
    analyzer: 'References',
    match: /^PriorityClass (\S+) does not exist/,
    explain: c => ({
      summary: `${c.kind} ${c.name} uses PriorityClass ${c.m[1]}, which does not exist: the API server refuses to create its pods.`,
      likelyCause: 'PriorityClasses are cluster-wide objects, usually installed by the platform team; this one is missing or named differently.',
      steps: ['List the PriorityClasses of the cluster.', `Create ${c.m[1]}, or set priorityClassName in ${template(c)} to an existing one.`],
      commands: ['kubectl get priorityclasses', describe(c)],
    }),
  },
  {
    id: 'missing-runtime-class',
    analyzer: 'References',
    match: /^RuntimeClass (\S+) does not exist/,
    explain: c => ({
      summary: `${c.kind} ${c.name} uses RuntimeClass ${c.m[1]}, which does not exist: its pods are rejected.`,
      likelyCause: 'The sandboxed runtime (gVisor, Kata...) is not installed on this cluster, or its RuntimeClass has another name.',
      steps: ['List the RuntimeClasses of the cluster.', `Install the runtime and its RuntimeClass, or change runtimeClassName in ${template(c)}.`],
      commands: ['kubectl get runtimeclasses', describe(c)],
    }),
  },
  {
    id: 'missing-claim',
    analyzer: 'References',
    match: /^PersistentVolumeClaim (\S+) does not exist in namespace (\S+)/,
    explain: c => ({
      summary: `${c.kind} ${c.name} mounts PersistentVolumeClaim ${c.m[1]}, which does not exist in namespace ${c.m[2]}: its pods cannot be scheduled.`,
      likelyCause: 'The claim was not created, was deleted, or has another name.',
      steps: [`Create PersistentVolumeClaim ${c.m[1]} in namespace ${c.m[2]}, or fix claimName in ${template(c)}.`],
      commands: [`kubectl get pvc ${c.n}`.trim(), describe(c)],
    }),
  },
  {
    id: 'missing-storage-class',
    analyzer: 'References',
    match: /^PersistentVolumeClaim \S+ uses StorageClass (\S+), which does not exist/,
    explain: c => ({
      summary: `PersistentVolumeClaim ${c.name} asks for StorageClass ${c.m[1]}, which does not exist: no volume is provisioned and it stays Pending.`,
      likelyCause: 'The class has another name on this cluster (classes differ between clouds and local clusters).',
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
    match: /^PersistentVolumeClaim \S+ names no StorageClass and no StorageClass is the default/,
    explain: c => ({
      summary: `PersistentVolumeClaim ${c.name} names no StorageClass and the cluster has no default one: nothing provisions its volume.`,
      likelyCause: 'No StorageClass carries the annotation storageclass.kubernetes.io/is-default-class=true.',
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
      likelyCause: 'The nodeSelector or required node affinity names a label (or value) that no node carries: another cluster, a renamed node pool, or a typo.',
      steps: [
        'Compare the labels of the nodes with the nodeSelector and affinity of the pod template.',
        `Fix ${template(c)}, or label the nodes that should run it (kubectl label node <node> key=value).`,
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
      likelyCause: 'The nodes are reserved (dedicated pools, control plane) or cordoned, and the pod template has no matching toleration.',
      steps: [
        'If the workload belongs on those nodes, add the tolerations to the pod template.',
        'Otherwise add nodes without the taint, or uncordon the nodes (kubectl uncordon).',
      ],
      commands: [`kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints`, describe(c)],
    }),
  },
  {
    id: 'requests-exceed-nodes',
    analyzer: 'Scheduling',
    match: /^its pods request (\S+) (\S+), more than .* can allocate \(largest: (\S+)\)/,
    explain: c => ({
      summary: `The pods of ${c.kind} ${c.name} request ${c.m[2]} ${c.m[1]}, more than any node it may run on can allocate (${c.m[3]}).`,
      likelyCause: 'The requests are larger than the node size (a typo such as 64 instead of 64Mi/640m, or values for another cluster), or the resource exists only on other nodes.',
      steps: [
        `Lower resources.requests.${c.m[1]} in ${template(c)} (sum of its containers).`,
        'Or add nodes large enough (or with the extended resource) to the pool it runs on.',
      ],
      commands: ['kubectl describe nodes | grep -A8 Allocatable', describe(c)],
    }),
  },
  {
    id: 'hpa-without-requests',
    analyzer: 'AutoscalerRequests',
    match: /scales on (cpu|memory) utilization, but (\S+) (\S+) sets no \S+ request in containers? (.*): the utilization/,
    explain: c => ({
      summary: `HorizontalPodAutoscaler ${c.name} scales on ${c.m[1]} utilization, but container(s) ${c.m[4]} of ${c.m[2]} ${c.m[3]} request no ${c.m[1]}: it cannot compute utilization and does not scale.`,
      likelyCause: 'Utilization is usage divided by the request; a container without a request makes it undefined (FailedGetResourceMetric).',
      steps: [
        `Set resources.requests.${c.m[1]} on every container of ${c.m[2]} ${c.m[3]}.`,
        'Or scale on an AverageValue target, or on a ContainerResource metric of the container that has a request.',
      ],
      commands: [`kubectl describe hpa ${c.n}${c.name}`, `kubectl get ${lower(c.m[2])} ${c.n}${c.m[3].split('/').pop()} -o jsonpath='{.spec.template.spec.containers[*].resources}'`],
    }),
  },
];

/**
 * The built-in explanation of a failure of Periscope's reference checks, with the names of the
 * failure and the object filled in; undefined for other analyzers or texts.
 *
 * @public
 */
export function referenceExplanation(analyzer: string, object: ObjectRef, failureText: string): Explanation | undefined {
  const ns = object.namespace ?? '';
  for (const e of REFERENCE_REMEDIATIONS) {
    if (e.analyzer !== analyzer) continue;
    const m = e.match.exec(failureText);
    if (m) return e.explain({ kind: object.kind, name: object.name, ns, n: ns ? `-n ${ns} ` : '', m });
  }
  return undefined;
}
