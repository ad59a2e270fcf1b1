import {
  CLUSTER_SCOPED_KINDS,
  ExistingObject,
  KubeObject as DiagnosticsObject,
  REFERENCED_KINDS,
  analyze,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  DeployWarning,
  KubeObject,
} from '@periscope/backstage-plugin-module-deploy-common';
import { OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL } from '../cluster/ownership';
import { PRUNE_ANNOTATION } from '../cluster/prune';

/**
 * The checks a preflight runs (analyzers of `@periscope/backstage-plugin-k8s-diagnostics-common`
 * that read objects only, no status or events): a reference to a ConfigMap, Secret, key,
 * ServiceAccount, PriorityClass, RuntimeClass or claim that does not exist; pods no node can
 * run; an HPA on the utilization of a resource its target requests none of.
 *
 * @public
 */
export const PREFLIGHT_CHECKS: readonly string[] = [
  'References',
  'Scheduling',
  'AutoscalerRequests',
];

/**
 * What a preflight read of the cluster found: the listed objects (namespaced kinds from the
 * target namespace only) and the kinds it could not list, with why.
 *
 * @public
 */
export interface PreflightLiveObjects {
  objects: KubeObject[];
  /** Kinds that were listed, also when none exists. */
  listed: string[];
  /** Kinds that could not be listed (forbidden, not served, unreachable): why. */
  unavailable: Record<string, string>;
}

/**
 * Input of {@link preflightWarnings}.
 *
 * @public
 */
export interface PreflightInput {
  /** The rendered objects of the instance (what the deploy would apply). */
  rendered: KubeObject[];
  /** The instance's namespace. */
  namespace: string;
  /**
   * The instance name: live objects labelled as its own that are not rendered any more are
   * pruned by the deploy, so they are left out of the checks.
   */
  instanceName?: string;
  live: PreflightLiveObjects;
  /** Checks whose warnings block a deploy (names from {@link PREFLIGHT_CHECKS}). */
  block?: readonly string[];
}

/**
 * What a preflight found: warnings the rendered objects cause, and what could not be checked.
 *
 * @public
 */
export interface PreflightReport {
  warnings: DeployWarning[];
  /** Why some references were not checked (a kind could not be listed, a check failed). */
  notChecked: string[];
}

const key = (kind: string, namespace: string, name: string) =>
  `${kind}/${namespace}/${name}`;

const namespaceOf = (o: KubeObject) =>
  CLUSTER_SCOPED_KINDS.has(o.kind) ? '' : o.metadata.namespace ?? '';

const keyOf = (o: KubeObject) =>
  key(o.kind, namespaceOf(o), o.metadata.name ?? '');

/** A namespaced rendered object without a namespace lands in the instance's. */
function inNamespace(o: KubeObject, namespace: string): KubeObject {
  if (CLUSTER_SCOPED_KINDS.has(o.kind) || o.metadata.namespace) return o;
  return { ...o, metadata: { ...o.metadata, namespace } };
}

/** A live object the deploy prunes: the instance's own (by label) and not rendered any more. */
function pruned(o: KubeObject, input: PreflightInput): boolean {
  const labels = o.metadata.labels ?? {};
  return (
    !!input.instanceName &&
    labels[OWNER_NAME_LABEL] === input.instanceName &&
    labels[OWNER_NAMESPACE_LABEL] === input.namespace &&
    o.metadata.annotations?.[PRUNE_ANNOTATION] !== 'disabled'
  );
}

function snapshotOf(
  objects: KubeObject[],
  kinds: Iterable<string>,
  elsewhere: ExistingObject[],
) {
  const byKind: Record<string, DiagnosticsObject[]> = {};
  for (const k of kinds) byKind[k] = [];
  for (const o of objects)
    (byKind[o.kind] ??= []).push(o as unknown as DiagnosticsObject);
  return {
    objects: byKind,
    ...(elsewhere.length ? { existsElsewhere: elsewhere } : {}),
  };
}

/**
 * Resolves check names (case-insensitive) to {@link PREFLIGHT_CHECKS}; throws an error naming
 * `what` (a config key or flag) and the checks there are for an unknown one.
 *
 * @public
 */
export function parsePreflightChecks(
  names: readonly string[],
  what: string,
): string[] {
  return names.map(n => {
    const found = PREFLIGHT_CHECKS.find(
      c => c.toLowerCase() === n.trim().toLowerCase(),
    );
    if (!found)
      throw new Error(
        `${what} has '${n}', which is not a preflight check: use one or more of ${PREFLIGHT_CHECKS.join(
          ', ',
        )}`,
      );
    return found;
  });
}

/**
 * The preflight: runs {@link PREFLIGHT_CHECKS} over the live objects with the rendered ones
 * applied (replacing their live versions, the instance's pruned objects removed) and returns
 * the warnings the rendered objects cause: every finding about a rendered object, and a finding
 * about a live object only when it is new (a problem the namespace already had is not listed).
 * References to a kind that could not be listed are not reported. Pure: no I/O.
 *
 * @public
 */
export function preflightWarnings(input: PreflightInput): PreflightReport {
  const rendered = input.rendered.map(o => inNamespace(o, input.namespace));
  const renderedKeys = new Set(rendered.map(keyOf));
  const before = input.live.objects;
  const after = [
    ...before.filter(o => !renderedKeys.has(keyOf(o)) && !pruned(o, input)),
    ...rendered,
  ];
  // A kind the cluster did not list but the rendered objects hold would look complete: its other
  // objects may exist, so references to it are not reported.
  const elsewhere: ExistingObject[] = [];
  for (const kind of new Set(rendered.map(o => o.kind))) {
    if (!REFERENCED_KINDS.includes(kind) || input.live.listed.includes(kind))
      continue;
    elsewhere.push(
      CLUSTER_SCOPED_KINDS.has(kind)
        ? { kind }
        : { kind, namespace: input.namespace },
    );
  }
  const options = {
    filters: [...PREFLIGHT_CHECKS],
    namespace: input.namespace,
    relatedEvents: false,
  };
  const afterReport = analyze(
    snapshotOf(after, input.live.listed, elsewhere),
    options,
  );
  const beforeReport = analyze(
    snapshotOf(before, input.live.listed, []),
    options,
  );
  const known = new Set(
    beforeReport.results.flatMap(r =>
      r.failures.map(
        f =>
          `${r.analyzer}\u0000${key(
            r.object.kind,
            r.object.namespace ?? '',
            r.object.name,
          )}\u0000${f.text}`,
      ),
    ),
  );
  const block = new Set(input.block ?? []);
  const warnings: DeployWarning[] = [];
  for (const r of afterReport.results) {
    const ns = r.object.namespace ?? '';
    const k = key(r.object.kind, ns, r.object.name);
    for (const f of r.failures) {
      if (
        !renderedKeys.has(k) &&
        known.has(`${r.analyzer}\u0000${k}\u0000${f.text}`)
      )
        continue;
      warnings.push({
        analyzer: r.analyzer,
        object: ns
          ? `${r.object.kind}/${ns}/${r.object.name}`
          : `${r.object.kind}/${r.object.name}`,
        message: f.text,
        severity: f.severity,
        blocking: block.has(r.analyzer),
      });
    }
  }
  const notChecked = [
    ...Object.entries(input.live.unavailable).map(
      ([kind, why]) => `references to ${kind} not checked: ${why}`,
    ),
    ...afterReport.errors,
  ];
  return { warnings, notChecked };
}

/** Whether an object has a pod template (what References and Scheduling read). */
function hasPodSpec(o: KubeObject): boolean {
  const spec = (o as { spec?: Record<string, any> }).spec;
  if (!spec) return false;
  if (o.kind === 'Pod') return true;
  return !!(spec.template?.spec ?? spec.jobTemplate?.spec?.template?.spec);
}

/**
 * The kinds a preflight of these rendered objects lists from the cluster (none when they hold
 * no pod template, claim or autoscaler), with whether each is namespaced.
 *
 * @public
 */
export function preflightKinds(
  rendered: KubeObject[],
): Array<{ apiVersion: string; kind: string; namespaced: boolean }> {
  const templates = rendered.some(hasPodSpec);
  const claims = rendered.some(o => o.kind === 'PersistentVolumeClaim');
  const autoscalers = rendered.some(o => o.kind === 'HorizontalPodAutoscaler');
  const kinds: Array<{
    apiVersion: string;
    kind: string;
    namespaced: boolean;
  }> = [];
  const add = (apiVersion: string, kind: string, namespaced: boolean) =>
    kinds.push({ apiVersion, kind, namespaced });
  if (templates) {
    add('v1', 'ConfigMap', true);
    add('v1', 'Secret', true);
    add('v1', 'ServiceAccount', true);
    add('v1', 'Node', false);
    add('scheduling.k8s.io/v1', 'PriorityClass', false);
    add('node.k8s.io/v1', 'RuntimeClass', false);
  }
  if (templates || claims) add('v1', 'PersistentVolumeClaim', true);
  if (claims) {
    add('storage.k8s.io/v1', 'StorageClass', false);
    add('v1', 'PersistentVolume', false);
  }
  if (autoscalers) add('v1', 'LimitRange', true);
  return kinds;
}
