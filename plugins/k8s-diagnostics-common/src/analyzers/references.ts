/**
 * Periscope's reference checks (k8sgpt has none of these): pod templates that name a ConfigMap,
 * Secret, key, ServiceAccount, PriorityClass, RuntimeClass or PersistentVolumeClaim that does
 * not exist, claims whose StorageClass does not exist, and HPAs scaling on the utilization of
 * a resource their target's containers request no amount of.
 *
 * A reference is reported missing only when the snapshot holds its kind (a live scan that may
 * not list Secrets, or manifests without any ConfigMap, claim nothing) and the object is not
 * named in `existsElsewhere`. Keys are checked only where the object's data is present: every
 * ConfigMap, and Secrets from manifests (a live scan reads Secrets' metadata only).
 */
import { Container, HorizontalPodAutoscaler, PodTemplateOwner } from '../kinds';
import { Failure, KubeObject } from '../model';
import { namespaceOf } from '../snapshot';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  goList,
  nameOf,
  nsName,
  nsOf,
} from './types';
import {
  FullPodSpec,
  KeyRef,
  TEMPLATE_KINDS,
  allContainers,
  podSpecOf,
  templateObjects,
} from './templates';

/** What the snapshot says about a referenced object. */
export type Lookup =
  | { state: 'found'; obj: KubeObject }
  /** Named in `existsElsewhere`: exists, contents unknown. */
  | { state: 'elsewhere' }
  /** The snapshot does not hold the kind: nothing can be said. */
  | { state: 'unknown' }
  | { state: 'missing' };

/**
 * Looks a referenced object up in `existsElsewhere` (which wins: the object elsewhere may have
 * other keys than a copy in the input) and the snapshot.
 */
export function lookup(
  ctx: AnalyzerContext,
  kind: string,
  namespace: string,
  name: string,
): Lookup {
  const elsewhere = (ctx.index.snapshot.existsElsewhere ?? []).some(
    e =>
      e.kind === kind &&
      (!e.namespace || !namespace || e.namespace === namespace) &&
      (!e.name || e.name === name),
  );
  if (elsewhere) return { state: 'elsewhere' };
  const obj = ctx.index.get(kind, namespace, name);
  if (obj) return { state: 'found', obj };
  return ctx.index.hasKind(kind) ? { state: 'missing' } : { state: 'unknown' };
}

/** Whether the snapshot may hold objects of a kind that are not listed in it. */
function kindElsewhere(ctx: AnalyzerContext, kind: string): boolean {
  return (ctx.index.snapshot.existsElsewhere ?? []).some(e => e.kind === kind);
}

interface Target {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Where the object itself is required (non-optional references). */
  uses: string[];
  /** Only image pull secrets use it (a pull may still work without). */
  pullOnly: boolean;
  /** Keys required, with where. */
  keys: Map<string, string[]>;
}

function addUse(
  targets: Map<string, Target>,
  kind: Target['kind'],
  name: string | undefined,
  use: string,
  opts: { key?: string; pull?: boolean } = {},
) {
  if (!name) return;
  const id = `${kind}\u0000${name}`;
  let t = targets.get(id);
  if (!t)
    targets.set(
      id,
      (t = { kind, name, uses: [], pullOnly: true, keys: new Map() }),
    );
  if (!t.uses.includes(use)) t.uses.push(use);
  if (!opts.pull) t.pullOnly = false;
  if (opts.key !== undefined) {
    const where = t.keys.get(opts.key) ?? [];
    if (!where.includes(use)) where.push(use);
    t.keys.set(opts.key, where);
  }
}

/** The ConfigMaps and Secrets a pod spec requires (optional references left out). */
function configTargets(spec: FullPodSpec): Map<string, Target> {
  const targets = new Map<string, Target>();
  for (const c of allContainers(spec)) {
    const of = `of container ${c.name ?? ''}`;
    for (const e of c.env ?? []) {
      const refs: Array<[Target['kind'], KeyRef | null | undefined]> = [
        ['ConfigMap', e.valueFrom?.configMapKeyRef],
        ['Secret', e.valueFrom?.secretKeyRef],
      ];
      for (const [kind, ref] of refs) {
        if (ref && !ref.optional)
          addUse(targets, kind, ref.name, `env ${e.name ?? ''} ${of}`, {
            key: ref.key ?? '',
          });
      }
    }
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef && !ef.configMapRef.optional)
        addUse(targets, 'ConfigMap', ef.configMapRef.name, `envFrom ${of}`);
      if (ef.secretRef && !ef.secretRef.optional)
        addUse(targets, 'Secret', ef.secretRef.name, `envFrom ${of}`);
    }
  }
  for (const v of spec.volumes ?? []) {
    const use = `volume ${v.name ?? ''}`;
    const sources: Array<
      [
        Target['kind'],
        (
          | {
              name?: string;
              items?: Array<{ key?: string }> | null;
              optional?: boolean | null;
            }
          | null
          | undefined
        ),
        string | undefined,
      ]
    > = [
      ['ConfigMap', v.configMap, v.configMap?.name],
      ['Secret', v.secret, v.secret?.secretName],
      ...(v.projected?.sources ?? []).flatMap(s => [
        ['ConfigMap', s.configMap, s.configMap?.name] as [
          Target['kind'],
          typeof s.configMap,
          string | undefined,
        ],
        ['Secret', s.secret, s.secret?.name] as [
          Target['kind'],
          typeof s.secret,
          string | undefined,
        ],
      ]),
    ];
    for (const [kind, src, name] of sources) {
      if (!src || src.optional) continue;
      addUse(targets, kind, name, use);
      for (const item of src.items ?? [])
        addUse(targets, kind, name, use, { key: item.key ?? '' });
    }
  }
  for (const s of spec.imagePullSecrets ?? [])
    addUse(targets, 'Secret', s.name, 'imagePullSecrets', { pull: true });
  return targets;
}

/** The keys of a ConfigMap, or of a Secret whose data was read; undefined when unknown. */
function keysOf(obj: KubeObject): Set<string> | undefined {
  const o = obj as KubeObject &
    Record<
      'data' | 'binaryData' | 'stringData',
      Record<string, unknown> | null | undefined
    >;
  if (
    obj.kind === 'Secret' &&
    !('data' in o) &&
    !('stringData' in o) &&
    !('type' in o)
  )
    return undefined;
  const fields =
    obj.kind === 'Secret' ? [o.data, o.stringData] : [o.data, o.binaryData];
  return new Set(fields.flatMap(f => Object.keys(f ?? {})));
}

const BUILT_IN_PRIORITY_CLASSES = new Set([
  'system-cluster-critical',
  'system-node-critical',
]);

function templateFailures(ctx: AnalyzerContext, obj: KubeObject): Failure[] {
  const spec = podSpecOf(obj)!;
  const ns = namespaceOf(obj);
  const name = nameOf(obj);
  const failures: Failure[] = [];
  const where = (uses: string[]) => `referenced by ${uses.join(', ')}`;
  for (const t of configTargets(spec).values()) {
    const found = lookup(ctx, t.kind, ns, t.name);
    if (found.state === 'missing') {
      const pull = t.pullOnly
        ? ': images from a private registry cannot be pulled'
        : '';
      failures.push(
        ctx.failure(
          `${t.kind} ${t.name} does not exist in namespace ${ns} (${where(
            t.uses,
          )})${pull}`,
          t.pullOnly ? 'medium' : 'high',
          [t.name, ns, name],
        ),
      );
      continue;
    }
    if (found.state !== 'found') continue;
    const keys = keysOf(found.obj);
    if (!keys) continue;
    for (const [key, uses] of t.keys) {
      if (keys.has(key)) continue;
      failures.push(
        ctx.failure(
          `${t.kind} ${t.name} in namespace ${ns} has no key ${key} (${where(
            uses,
          )})`,
          'high',
          [t.name, ns, name, key],
        ),
      );
    }
  }
  const sa = spec.serviceAccountName || spec.serviceAccount;
  if (
    sa &&
    sa !== 'default' &&
    lookup(ctx, 'ServiceAccount', ns, sa).state === 'missing'
  ) {
    failures.push(
      ctx.failure(
        `ServiceAccount ${sa} does not exist in namespace ${ns}: its pods cannot be created`,
        'high',
        [sa, ns, name],
      ),
    );
  }
  const pc = spec.priorityClassName;
  if (
    pc &&
    !BUILT_IN_PRIORITY_CLASSES.has(pc) &&
    lookup(ctx, 'PriorityClass', '', pc).state === 'missing'
  ) {
    failures.push(
      ctx.failure(
        `PriorityClass ${pc} does not exist: its pods cannot be created`,
        'high',
        [pc, name],
      ),
    );
  }
  const rc = spec.runtimeClassName;
  if (rc && lookup(ctx, 'RuntimeClass', '', rc).state === 'missing') {
    failures.push(
      ctx.failure(
        `RuntimeClass ${rc} does not exist: its pods cannot be created`,
        'high',
        [rc, name],
      ),
    );
  }
  const claims = new Map<string, string[]>();
  for (const v of spec.volumes ?? []) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim)
      claims.set(claim, [
        ...(claims.get(claim) ?? []),
        `volume ${v.name ?? ''}`,
      ]);
  }
  for (const [claim, uses] of claims) {
    if (lookup(ctx, 'PersistentVolumeClaim', ns, claim).state !== 'missing')
      continue;
    failures.push(
      ctx.failure(
        `PersistentVolumeClaim ${claim} does not exist in namespace ${ns} (${where(
          uses,
        )}): its pods stay Pending`,
        'high',
        [claim, ns, name],
      ),
    );
  }
  return failures;
}

interface Claim extends KubeObject {
  spec?: { storageClassName?: string | null; volumeName?: string | null };
  status?: { phase?: string };
}

interface Volume extends KubeObject {
  spec?: { storageClassName?: string | null };
  status?: { phase?: string };
}

const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

function claimFailures(ctx: AnalyzerContext, pvc: Claim): Failure[] {
  if (pvc.status?.phase === 'Bound' || pvc.spec?.volumeName) return [];
  if (!ctx.index.hasKind('StorageClass') || kindElsewhere(ctx, 'StorageClass'))
    return [];
  const ns = nsOf(pvc);
  const name = nameOf(pvc);
  const volumes = ctx.index.all<Volume>('PersistentVolume');
  const className =
    pvc.spec?.storageClassName ??
    pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (className === '') return []; // explicitly no class: binds to a PersistentVolume without one
  if (className !== undefined && className !== null) {
    if (lookup(ctx, 'StorageClass', '', className).state !== 'missing')
      return [];
    // a class name may also just label static PersistentVolumes
    if (volumes.some(v => v.spec?.storageClassName === className)) return [];
    return [
      ctx.failure(
        `PersistentVolumeClaim ${ns}/${name} uses StorageClass ${className}, which does not exist: it stays Pending`,
        'high',
        [ns, name, className],
      ),
    ];
  }
  const hasDefault = ctx.index
    .all('StorageClass')
    .some(sc =>
      DEFAULT_CLASS_ANNOTATIONS.some(
        a => sc.metadata?.annotations?.[a] === 'true',
      ),
    );
  if (hasDefault) return [];
  if (
    volumes.some(v => !v.spec?.storageClassName && v.status?.phase !== 'Bound')
  )
    return [];
  return [
    ctx.failure(
      `PersistentVolumeClaim ${ns}/${name} names no StorageClass and no StorageClass is the default: it stays Pending until a PersistentVolume without a class matches it`,
      'medium',
      [ns, name],
    ),
  ];
}

/**
 * Periscope's `References`: missing ConfigMaps, Secrets, keys, ServiceAccounts,
 * PriorityClasses, RuntimeClasses and PersistentVolumeClaims of pod templates, and claims whose
 * StorageClass does not exist (or that name none where there is no default).
 */
/**
 * The kinds the reference checks look objects up in (what `periscope diagnose --exists` may name).
 * @public
 */
export const REFERENCED_KINDS: readonly string[] = [
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'PriorityClass',
  'RuntimeClass',
  'PersistentVolumeClaim',
  'StorageClass',
];

export const referencesAnalyzer: AnalyzerDefinition = {
  name: 'References',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: [...TEMPLATE_KINDS],
  optionalInputKinds: [...REFERENCED_KINDS, 'PersistentVolume'],
  description:
    'Pod templates referring to a ConfigMap, Secret, key, ServiceAccount, PriorityClass, RuntimeClass or claim that does not exist; claims with a missing StorageClass.',
  analyze: ctx => [
    ...templateObjects(ctx).flatMap(obj =>
      collect([obj], obj.kind, o => templateFailures(ctx, o)),
    ),
    ...collect(
      ctx.select<Claim>('PersistentVolumeClaim'),
      'PersistentVolumeClaim',
      pvc => claimFailures(ctx, pvc),
    ),
  ],
};

const SCALE_TARGET_KINDS = [
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
];

interface MetricTarget {
  type?: string;
  averageUtilization?: number | null;
}

interface HpaSpec {
  scaleTargetRef?: { kind?: string; name?: string };
  targetCPUUtilizationPercentage?: number | null;
  metrics?: Array<{
    type?: string;
    resource?: {
      name?: string;
      target?: MetricTarget | null;
      targetAverageUtilization?: number | null;
    } | null;
    containerResource?: {
      name?: string;
      container?: string;
      target?: MetricTarget | null;
    } | null;
  }> | null;
}

/** The resources an HPA scales on by utilization, each with the container it is about ('' for all). */
function utilizationMetrics(
  hpa: HorizontalPodAutoscaler,
): Array<{ resource: string; container: string }> {
  const spec = (hpa.spec ?? {}) as HpaSpec;
  const out: Array<{ resource: string; container: string }> = [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number')
    out.push({ resource: 'cpu', container: '' });
  const utilization = (t: MetricTarget | null | undefined) =>
    t?.type === 'Utilization' || typeof t?.averageUtilization === 'number';
  for (const m of spec.metrics ?? []) {
    if (
      m.type === 'Resource' &&
      m.resource?.name &&
      (utilization(m.resource.target) ||
        typeof m.resource.targetAverageUtilization === 'number')
    ) {
      out.push({ resource: m.resource.name, container: '' });
    }
    if (
      m.type === 'ContainerResource' &&
      m.containerResource?.name &&
      utilization(m.containerResource.target)
    ) {
      out.push({
        resource: m.containerResource.name,
        container: m.containerResource.container ?? '',
      });
    }
  }
  // neither metrics nor a CPU target: the API server's default, 80% CPU utilization
  if (
    !spec.metrics?.length &&
    spec.targetCPUUtilizationPercentage === undefined
  )
    out.push({ resource: 'cpu', container: '' });
  return out.filter(m => m.resource === 'cpu' || m.resource === 'memory');
}

/** A container's request of a resource (a limit alone stands for the request, as the API server defaults it). */
function requests(c: Container, resource: string): boolean {
  const r = c.resources;
  const v = r?.requests?.[resource] ?? r?.limits?.[resource];
  return v !== undefined && v !== null && v !== '';
}

interface LimitRange extends KubeObject {
  spec?: {
    limits?: Array<{
      type?: string;
      default?: Record<string, string | number> | null;
      defaultRequest?: Record<string, string | number> | null;
    }> | null;
  };
}

/** Whether a LimitRange of the namespace gives containers without a request of this resource one at admission. */
function defaultedByLimitRange(
  ctx: AnalyzerContext,
  namespace: string,
  resource: string,
): boolean {
  return ctx.index
    .inNamespace<LimitRange>('LimitRange', namespace)
    .some(lr =>
      (lr.spec?.limits ?? []).some(
        l =>
          l.type === 'Container' &&
          (l.defaultRequest?.[resource] ?? l.default?.[resource]) !== undefined,
      ),
    );
}

function hpaRequestFailures(
  ctx: AnalyzerContext,
  hpa: HorizontalPodAutoscaler,
): Failure[] {
  const kind = hpa.spec?.scaleTargetRef?.kind ?? '';
  const target = hpa.spec?.scaleTargetRef?.name ?? '';
  if (!SCALE_TARGET_KINDS.includes(kind)) return [];
  const owner = ctx.index.get<PodTemplateOwner>(kind, nsOf(hpa), target);
  const containers = owner?.spec?.template?.spec?.containers ?? [];
  if (!owner || containers.length === 0) return []; // a missing target is the HorizontalPodAutoscaler analyzer's
  const ns = nsOf(hpa);
  const failures: Failure[] = [];
  const seen = new Set<string>();
  for (const m of utilizationMetrics(hpa)) {
    if (seen.has(`${m.resource}/${m.container}`)) continue;
    seen.add(`${m.resource}/${m.container}`);
    if (defaultedByLimitRange(ctx, ns, m.resource)) continue;
    const scope = m.container
      ? containers.filter(c => c.name === m.container)
      : containers;
    const without = scope
      .filter(c => !requests(c, m.resource))
      .map(c => c.name ?? '');
    if (without.length === 0) continue;
    failures.push(
      ctx.failure(
        `HorizontalPodAutoscaler ${ns}/${nameOf(hpa)} scales on ${
          m.resource
        } utilization, but ${kind} ${ns}/${target} sets no ${
          m.resource
        } request in container${without.length > 1 ? 's' : ''} ${
          without.length > 1 ? goList(without) : without[0]
        }: the utilization cannot be computed and it does not scale`,
        'high',
        [ns, nameOf(hpa), target],
      ),
    );
  }
  return failures;
}

/** Periscope's `AutoscalerRequests`: HPAs on CPU/memory utilization whose target requests none of it. */
export const autoscalerRequestsAnalyzer: AnalyzerDefinition = {
  name: 'AutoscalerRequests',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: ['HorizontalPodAutoscaler', ...SCALE_TARGET_KINDS],
  optionalInputKinds: ['LimitRange'],
  description:
    "HPAs on CPU or memory utilization whose target's containers set no request for that resource (and no LimitRange of the namespace gives one).",
  analyze: ctx =>
    collect(
      ctx.select<HorizontalPodAutoscaler>('HorizontalPodAutoscaler'),
      'HorizontalPodAutoscaler',
      h => hpaRequestFailures(ctx, h),
      nsName,
    ),
};
