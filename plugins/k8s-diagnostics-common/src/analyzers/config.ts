import {
  ConfigMap,
  Container,
  HorizontalPodAutoscaler,
  NetworkPolicy,
  Pod,
  PodDisruptionBudget,
  PodTemplateOwner,
} from '../kinds';
import { Failure, KubeObject } from '../model';
import { matchesLabelMap } from '../selector';
import { utf8Length } from '../utf8';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsOf,
} from './types';

const SIDECAR_LABELS = [
  'grafana_dashboard',
  'grafana_datasource',
  'prometheus_rule',
  'fluentd_config',
];
const MAX_CONFIGMAP_BYTES = 1024 * 1024;

function containerConfigMaps(
  containers: Container[] | null | undefined,
  into: Set<string>,
) {
  for (const c of containers ?? []) {
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef?.name) into.add(ef.configMapRef.name);
    }
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.configMapKeyRef?.name;
      if (ref) into.add(ref);
    }
  }
}

/**
 * Adds the names of the ConfigMaps a pod references (volumes, projected sources, env and envFrom
 * of its containers and init containers): what makes a ConfigMap "used" for k8sgpt.
 * @public
 */
export function addConfigMapRefs(
  obj: KubeObject,
  into: Set<string>,
): Set<string> {
  const pod = obj as Pod;
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) into.add(v.configMap.name);
    for (const src of v.projected?.sources ?? []) {
      if (src.configMap?.name) into.add(src.configMap.name);
    }
  }
  containerConfigMaps(pod.spec?.containers, into);
  containerConfigMaps(pod.spec?.initContainers, into);
  return into;
}

/** Names of the ConfigMaps each namespace's pods reference, computed once per analysis. */
function usedConfigMaps(ctx: AnalyzerContext): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  for (const pod of ctx.index.all<Pod>('Pod')) {
    const ns = nsOf(pod);
    let set = used.get(ns);
    if (!set) used.set(ns, (set = new Set()));
    addConfigMapRefs(pod, set);
  }
  return used;
}

function configMapFailures(
  ctx: AnalyzerContext,
  cm: ConfigMap,
  used: Set<string> | undefined,
): Failure[] {
  const failures: Failure[] = [];
  const name = nameOf(cm);
  const labels = cm.metadata?.labels ?? {};
  const dynamic =
    SIDECAR_LABELS.some(l => l in labels) ||
    labels['k8sgpt.ai/dynamically-loaded'] === 'true';
  if (!dynamic && !used?.has(name)) {
    failures.push(
      ctx.failure(
        `ConfigMap ${name} is not used by any pods in the namespace`,
        'low',
        [name],
      ),
    );
  }
  const data = cm.data ?? {};
  const binary = cm.binaryData ?? {};
  if (Object.keys(data).length === 0 && Object.keys(binary).length === 0) {
    failures.push(ctx.failure(`ConfigMap ${name} is empty`, 'low', [name]));
  }
  let size = 0;
  for (const v of Object.values(data)) size += utf8Length(String(v ?? ''));
  for (const v of Object.values(binary)) size += utf8Length(String(v ?? ''));
  if (size > MAX_CONFIGMAP_BYTES) {
    failures.push(
      ctx.failure(
        `ConfigMap ${name} is larger than 1MB (${size} bytes)`,
        'medium',
        [name],
      ),
    );
  }
  return failures;
}

/** k8sgpt `ConfigMapAnalyzer`. */
export const configMapAnalyzer: AnalyzerDefinition = {
  name: 'ConfigMap',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['ConfigMap', 'Pod'],
  description: 'ConfigMaps no pod uses, empty ones, and ones over 1 MiB.',
  analyze: ctx => {
    const used = usedConfigMaps(ctx);
    const cms = ctx
      .select<ConfigMap>('ConfigMap')
      .filter(
        cm =>
          cm.metadata?.annotations?.['k8sgpt.ai/skip-usage-check'] !== 'true',
      );
    return collect(cms, 'ConfigMap', cm =>
      configMapFailures(ctx, cm, used.get(nsOf(cm))),
    );
  },
};

const SCALE_TARGET_KINDS = [
  'Deployment',
  'ReplicationController',
  'ReplicaSet',
  'StatefulSet',
];

function hasRequestsAndLimits(c: Container): boolean {
  const r = c.resources;
  return (
    Object.keys(r?.requests ?? {}).length > 0 &&
    Object.keys(r?.limits ?? {}).length > 0
  );
}

function hpaFailures(
  ctx: AnalyzerContext,
  hpa: HorizontalPodAutoscaler,
): Failure[] {
  const failures: Failure[] = [];
  const ns = nsOf(hpa);
  const minReplicas = hpa.spec?.minReplicas ?? 1;
  for (const c of hpa.status?.conditions ?? []) {
    if (c.type === 'ScalingLimited') {
      if (c.status !== 'True') continue;
      if (
        c.reason === 'TooFewReplicas' &&
        hpa.status?.desiredReplicas === minReplicas
      )
        continue;
      failures.push(ctx.failure(c.message ?? '', 'medium'));
    } else if (c.status === 'False') {
      failures.push(ctx.failure(c.message ?? '', 'high'));
    }
  }
  const kind = hpa.spec?.scaleTargetRef?.kind ?? '';
  const name = hpa.spec?.scaleTargetRef?.name ?? '';
  if (!SCALE_TARGET_KINDS.includes(kind)) {
    failures.push(
      ctx.failure(
        `HorizontalPodAutoscaler uses ${kind} as ScaleTargetRef which is not an option.`,
        'high',
        [kind],
      ),
    );
  }
  const target = SCALE_TARGET_KINDS.includes(kind)
    ? ctx.index.get<PodTemplateOwner>(kind, ns, name)
    : undefined;
  if (!target) {
    failures.push(
      ctx.failure(
        `HorizontalPodAutoscaler uses ${kind}/${name} as ScaleTargetRef which does not exist.`,
        'high',
        [name],
      ),
    );
    return failures;
  }
  const containers = target.spec?.template?.spec?.containers ?? [];
  if (containers.some(c => !hasRequestsAndLimits(c))) {
    failures.push(
      ctx.failure(
        `${kind} ${ns}/${name} does not have resource configured.`,
        'medium',
        [ns, name],
      ),
    );
  }
  return failures;
}

/** k8sgpt `HpaAnalyzer`. */
export const hpaAnalyzer: AnalyzerDefinition = {
  name: 'HorizontalPodAutoscaler',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: [
    'HorizontalPodAutoscaler',
    'Deployment',
    'ReplicationController',
    'ReplicaSet',
    'StatefulSet',
  ],
  description:
    'HPAs with failing conditions, a missing or unsupported target, or targets without resources.',
  analyze: ctx =>
    collect(
      ctx.select<HorizontalPodAutoscaler>('HorizontalPodAutoscaler'),
      'HorizontalPodAutoscaler',
      h => hpaFailures(ctx, h),
    ),
};

/** k8sgpt `PdbAnalyzer`. */
export const pdbAnalyzer: AnalyzerDefinition = {
  name: 'PodDisruptionBudget',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['PodDisruptionBudget'],
  description:
    'PDBs whose first condition is DisruptionAllowed=False, one failure per selector label.',
  analyze: ctx =>
    collect(
      ctx.select<PodDisruptionBudget>('PodDisruptionBudget'),
      'PodDisruptionBudget',
      pdb => {
        const first = pdb.status?.conditions?.[0];
        if (
          !first ||
          first.type !== 'DisruptionAllowed' ||
          first.status !== 'False'
        )
          return [];
        return Object.entries(pdb.spec?.selector?.matchLabels ?? {}).map(
          ([k, v]) =>
            ctx.failure(
              `${first.reason ?? ''}, expected pdb pod label ${k}=${v}`,
              'medium',
              [k, v],
            ),
        );
      },
    ),
};

/** k8sgpt `NetworkPolicyAnalyzer`. */
export const networkPolicyAnalyzer: AnalyzerDefinition = {
  name: 'NetworkPolicy',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['NetworkPolicy', 'Pod'],
  description: 'Policies selecting every pod, or no pod, in their namespace.',
  analyze: ctx =>
    collect(ctx.select<NetworkPolicy>('NetworkPolicy'), 'NetworkPolicy', np => {
      const name = nameOf(np);
      const labels = np.spec?.podSelector?.matchLabels ?? {};
      if (Object.keys(labels).length === 0) {
        return [
          ctx.failure(
            `Network policy allows traffic to all pods: ${name}`,
            'low',
            [name],
          ),
        ];
      }
      const anyPod = ctx.index
        .inNamespace<Pod>('Pod', nsOf(np))
        .some(p => matchesLabelMap(labels, p.metadata?.labels));
      return anyPod
        ? []
        : [
            ctx.failure(
              `Network policy is not applied to any pods: ${name}`,
              'low',
              [name],
            ),
          ];
    }),
};
