/**
 * Pod templates for Periscope's reference checks, and which object reports a template's problems.
 *
 * One problem of a template is reported once, on the object whose template creates the pods:
 * - Deployments, StatefulSets, DaemonSets and CronJobs always;
 * - ReplicaSets and Jobs only when their controller (a Deployment, a CronJob) is not in the
 *   snapshot; ReplicaSets scaled to 0 (a Deployment's old revisions) and finished Jobs never;
 * - Pods only when their controller is not in the snapshot (bare pods, or pods of an owner the
 *   input lacks) and only while they have not started (phase Pending, or no status as in a
 *   manifest): a running pod already has what it references, and its spec never changes.
 */
import { Condition, PodSpec, ResourceRequirements } from '../kinds';
import { KubeObject } from '../model';
import { namespaceOf } from '../snapshot';
import { AnalyzerContext } from './types';

/** A key reference of an env var or volume item. */
export interface KeyRef {
  name?: string;
  key?: string;
  optional?: boolean | null;
}

interface KeyToPath {
  key?: string;
  path?: string;
}

export interface FullContainer {
  name?: string;
  env?: Array<{
    name?: string;
    valueFrom?: {
      configMapKeyRef?: KeyRef | null;
      secretKeyRef?: KeyRef | null;
    } | null;
  }> | null;
  envFrom?: Array<{
    configMapRef?: { name?: string; optional?: boolean | null } | null;
    secretRef?: { name?: string; optional?: boolean | null } | null;
  }> | null;
  resources?: ResourceRequirements | null;
  restartPolicy?: string;
}

export interface FullVolume {
  name?: string;
  configMap?: {
    name?: string;
    items?: KeyToPath[] | null;
    optional?: boolean | null;
  } | null;
  secret?: {
    secretName?: string;
    items?: KeyToPath[] | null;
    optional?: boolean | null;
  } | null;
  projected?: {
    sources?: Array<{
      configMap?: {
        name?: string;
        items?: KeyToPath[] | null;
        optional?: boolean | null;
      } | null;
      secret?: {
        name?: string;
        items?: KeyToPath[] | null;
        optional?: boolean | null;
      } | null;
    }> | null;
  } | null;
  persistentVolumeClaim?: { claimName?: string } | null;
}

export interface NodeSelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[] | null;
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[] | null;
  matchFields?: NodeSelectorRequirement[] | null;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface FullPodSpec
  extends Omit<PodSpec, 'containers' | 'initContainers' | 'volumes'> {
  containers?: FullContainer[] | null;
  initContainers?: FullContainer[] | null;
  volumes?: FullVolume[] | null;
  serviceAccount?: string;
  priorityClassName?: string;
  runtimeClassName?: string | null;
  nodeName?: string;
  nodeSelector?: Record<string, string> | null;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: NodeSelectorTerm[] | null;
      } | null;
    } | null;
  } | null;
  tolerations?: Toleration[] | null;
  overhead?: Record<string, string | number> | null;
}

/** The kinds whose pod templates the reference checks read. */
export const TEMPLATE_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'ReplicaSet',
  'Job',
  'Pod',
];

/** An object's pod spec: a Pod's own, a CronJob's job template's, else `spec.template.spec`. */
export function podSpecOf(obj: KubeObject): FullPodSpec | undefined {
  const spec = obj.spec as
    | {
        template?: { spec?: FullPodSpec | null } | null;
        jobTemplate?: {
          spec?: { template?: { spec?: FullPodSpec | null } | null } | null;
        } | null;
      }
    | FullPodSpec
    | undefined;
  if (!spec || typeof spec !== 'object') return undefined;
  if (obj.kind === 'Pod') return spec as FullPodSpec;
  if (obj.kind === 'CronJob') {
    return (
      (
        spec as {
          jobTemplate?: {
            spec?: { template?: { spec?: FullPodSpec | null } | null } | null;
          } | null;
        }
      ).jobTemplate?.spec?.template?.spec ?? undefined
    );
  }
  return (
    (spec as { template?: { spec?: FullPodSpec | null } | null }).template
      ?.spec ?? undefined
  );
}

function controllerInSnapshot(ctx: AnalyzerContext, obj: KubeObject): boolean {
  const refs = obj.metadata?.ownerReferences ?? [];
  const ref = refs.find(r => r.controller) ?? refs[0];
  return !!ref && !!ctx.index.get(ref.kind, namespaceOf(obj), ref.name);
}

function finished(obj: KubeObject): boolean {
  const conditions =
    (obj.status as { conditions?: Condition[] | null } | undefined)
      ?.conditions ?? [];
  return conditions.some(
    c => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** Whether a Pod has not started yet: Pending, or without status (a manifest). */
export function notStarted(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === undefined || phase === '' || phase === 'Pending';
}

/** Whether this object reports the problems of its pod template (see the file's comment). */
export function reportsTemplate(
  ctx: AnalyzerContext,
  obj: KubeObject,
): boolean {
  switch (obj.kind) {
    case 'ReplicaSet': {
      const replicas = (obj.spec as { replicas?: number | null } | undefined)
        ?.replicas;
      return replicas !== 0 && !controllerInSnapshot(ctx, obj);
    }
    case 'Job':
      return !finished(obj) && !controllerInSnapshot(ctx, obj);
    case 'Pod':
      return notStarted(obj) && !controllerInSnapshot(ctx, obj);
    default:
      return true;
  }
}

/** The objects (of the namespace and label filters) whose pod templates are checked, in kind order. */
export function templateObjects(ctx: AnalyzerContext): KubeObject[] {
  return TEMPLATE_KINDS.flatMap(kind => ctx.select(kind)).filter(
    obj => !!podSpecOf(obj) && reportsTemplate(ctx, obj),
  );
}

/** The containers of a pod spec: init containers first, then the others. */
export function allContainers(spec: FullPodSpec): FullContainer[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}
