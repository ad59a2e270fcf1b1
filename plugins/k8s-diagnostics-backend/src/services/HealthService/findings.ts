/**
 * Pure functions from one cluster's snapshot and analysis to Health findings: owner chains,
 * which results belong to an entity, grouping by workload, workload summaries.
 */
import { createHash } from 'node:crypto';
import {
  AnalysisResult,
  ClusterSnapshot,
  KubeObject,
  ObjectRef,
  SEVERITIES,
  Severity,
  CLUSTER_SCOPED_KINDS,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  inSelectorNamespace,
  matchesLabelSelector,
  WorkloadSelector,
} from '@periscope/kube-access';
import { HealthFinding, WorkloadFindings, WorkloadSummary } from '../../types';

/** A finding straight out of a scan, before the store adds its history. */
export type ScannedFinding = Omit<
  HealthFinding,
  'firstSeen' | 'lastSeen' | 'resolvedAt'
> & {
  /** Strings to mask before anything about this finding leaves for an LLM. */
  sensitive: string[];
};

/** Objects of a snapshot by kind, namespace and name. */
export class ObjectIndex {
  private readonly byKey = new Map<string, KubeObject>();

  constructor(snapshot: ClusterSnapshot) {
    for (const [kind, list] of Object.entries(snapshot.objects)) {
      for (const obj of list ?? [])
        this.byKey.set(
          this.key(
            kind,
            obj.metadata?.namespace ?? '',
            obj.metadata?.name ?? '',
          ),
          obj,
        );
    }
  }

  private key(kind: string, namespace: string, name: string): string {
    return [kind, CLUSTER_SCOPED_KINDS.has(kind) ? '' : namespace, name].join(
      '\u0000',
    );
  }

  get(ref: ObjectRef): KubeObject | undefined {
    return this.byKey.get(this.key(ref.kind, ref.namespace ?? '', ref.name));
  }
}

/**
 * The snapshot with the light objects of a row-first scan added where it holds no object of
 * that kind, namespace and name (for entity matching and workload lists; never analyzed).
 */
export function withRowObjects(
  snapshot: ClusterSnapshot,
  rows: Record<string, KubeObject[]>,
): ClusterSnapshot {
  const kinds = Object.keys(rows).filter(k => rows[k].length > 0);
  if (kinds.length === 0) return snapshot;
  const objects = { ...snapshot.objects };
  for (const kind of kinds) {
    const held = new Set(
      (objects[kind] ?? []).map(
        o => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`,
      ),
    );
    const key = (o: KubeObject) =>
      `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    // in the order a whole list has (namespace, then name)
    const merged = [
      ...(objects[kind] ?? []),
      ...rows[kind].filter(o => !held.has(key(o))),
    ];
    objects[kind] = merged.sort((a, b) => {
      if (key(a) === key(b)) return 0;
      return key(a) < key(b) ? -1 : 1;
    });
  }
  return { ...snapshot, objects };
}

/** The owners of an object, direct owner first, following controller owners through the snapshot. */
export function ownerChain(index: ObjectIndex, ref: ObjectRef): ObjectRef[] {
  const chain: ObjectRef[] = [];
  let current = index.get(ref);
  const seen = new Set<string>();
  while (current && chain.length < 8) {
    const owners = current.metadata?.ownerReferences ?? [];
    const owner = owners.find(o => o.controller) ?? owners[0];
    if (!owner) break;
    const next: ObjectRef =
      ref.namespace && !CLUSTER_SCOPED_KINDS.has(owner.kind)
        ? { kind: owner.kind, name: owner.name, namespace: ref.namespace }
        : { kind: owner.kind, name: owner.name };
    const id = `${next.kind}/${next.name}`;
    if (seen.has(id)) break;
    seen.add(id);
    chain.push(next);
    current = index.get(next);
  }
  return chain;
}

/** A stable id for one analyzer's result about one object in one cluster. */
export function findingId(
  cluster: string,
  analyzer: string,
  object: ObjectRef,
): string {
  return createHash('sha256')
    .update(
      [
        cluster,
        analyzer,
        object.kind,
        object.namespace ?? '',
        object.name,
      ].join('\u0000'),
    )
    .digest('hex')
    .slice(0, 20);
}

/** Label values and keys of an object and its owners, for masking. */
function labelStrings(objects: Array<KubeObject | undefined>): string[] {
  const out: string[] = [];
  for (const o of objects) {
    for (const [k, v] of Object.entries(o?.metadata?.labels ?? {}))
      out.push(k, v);
  }
  return out;
}

/**
 * The literal env values (`env[].value`) of the containers of an object and its owners (a Pod's
 * spec, or a workload's pod template): configuration a workload carries in clear, masked as exact
 * strings before anything leaves for an LLM. Values shorter than 4 characters (`1`, `true`) are
 * too common to mask usefully.
 */
function envLiterals(objects: Array<KubeObject | undefined>): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = (o as { spec?: any } | undefined)?.spec;
    const podSpec =
      spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec ?? spec;
    for (const c of [
      ...(podSpec?.containers ?? []),
      ...(podSpec?.initContainers ?? []),
    ]) {
      for (const e of c?.env ?? []) {
        if (typeof e?.value === 'string' && e.value.length >= 4)
          out.push(e.value);
      }
    }
  }
  return out;
}

/** Turns one cluster's analysis results into findings (ids, owner chains, masking hints). */
export function toFindings(
  cluster: string,
  snapshot: ClusterSnapshot,
  results: AnalysisResult[],
): ScannedFinding[] {
  const index = new ObjectIndex(snapshot);
  return results.map(r => {
    const chain = ownerChain(index, r.object);
    const objects = [index.get(r.object), ...chain.map(c => index.get(c))];
    const sensitive = new Set<string>([
      ...r.sensitive,
      ...labelStrings(objects),
      ...envLiterals(objects),
      cluster,
    ]);
    for (const ref of [r.object, ...chain]) {
      sensitive.add(ref.name);
      if (ref.namespace) sensitive.add(ref.namespace);
    }
    return {
      id: findingId(cluster, r.analyzer, r.object),
      cluster,
      analyzer: r.analyzer,
      object: r.object,
      ownerChain: chain,
      workload: chain.length > 0 ? chain[chain.length - 1] : r.object,
      severity: r.severity,
      failures: r.failures.map(f => ({ text: f.text, severity: f.severity })),
      events: r.events,
      sources: ['periscope'],
      sensitive: [...sensitive].filter(s => s !== ''),
    };
  });
}

/**
 * Whether a finding belongs to an entity: in its namespace (when it names one), and the object or
 * one of its owners carries labels that match the entity's selector.
 */
export function belongsTo(
  index: ObjectIndex,
  finding: Pick<ScannedFinding, 'object' | 'ownerChain'>,
  selector: WorkloadSelector,
): boolean {
  if (!inSelectorNamespace(selector, finding.object.namespace)) return false;
  return [finding.object, ...finding.ownerChain].some(ref => {
    const obj = index.get(ref);
    return (
      !!obj &&
      matchesLabelSelector(obj.metadata?.labels, selector.labelSelector)
    );
  });
}

const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'Pod',
];

function readiness(obj: KubeObject): string {
  const spec = (obj.spec ?? {}) as { replicas?: number };
  const status = (obj.status ?? {}) as Record<string, unknown>;
  switch (obj.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return `${status.readyReplicas ?? 0}/${spec.replicas ?? 1}`;
    case 'DaemonSet':
      return `${status.numberReady ?? 0}/${status.desiredNumberScheduled ?? 0}`;
    case 'Job':
      if (Number(status.failed ?? 0) > 0) return 'Failed';
      return Number(status.succeeded ?? 0) > 0 ? 'Complete' : 'Running';
    case 'CronJob':
      return (obj.spec as { suspend?: boolean } | undefined)?.suspend
        ? 'Suspended'
        : 'Scheduled';
    default:
      return String(status.phase ?? 'Unknown');
  }
}

/** The entity's workloads in one cluster (Deployments, Pods, Jobs...), matched by labels. */
export function workloadsOf(
  snapshot: ClusterSnapshot,
  selector: WorkloadSelector,
): WorkloadSummary[] {
  return WORKLOAD_KINDS.flatMap(kind =>
    (snapshot.objects[kind] ?? [])
      .filter(o => inSelectorNamespace(selector, o.metadata?.namespace))
      .filter(o =>
        matchesLabelSelector(o.metadata?.labels, selector.labelSelector),
      )
      .map(o => ({
        kind,
        namespace: o.metadata?.namespace ?? '',
        name: o.metadata?.name ?? '',
        ready: readiness(o),
      })),
  );
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/** Groups findings by cluster and workload, most severe group first; in a group, the workload before its children. */
export function groupByWorkload(findings: HealthFinding[]): WorkloadFindings[] {
  const groups = new Map<string, WorkloadFindings>();
  for (const f of findings) {
    const key = [
      f.cluster,
      f.workload.kind,
      f.workload.namespace ?? '',
      f.workload.name,
    ].join('\u0000');
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = {
          cluster: f.cluster,
          workload: f.workload,
          severity: f.severity,
          findings: [],
        }),
      );
    g.findings.push(f);
    if (rank(f.severity) < rank(g.severity)) g.severity = f.severity;
  }
  const depth = (f: HealthFinding) => f.ownerChain.length;
  for (const g of groups.values()) {
    g.findings.sort(
      (a, b) =>
        depth(a) - depth(b) ||
        a.object.kind.localeCompare(b.object.kind) ||
        a.object.name.localeCompare(b.object.name),
    );
  }
  return [...groups.values()].sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      a.workload.name.localeCompare(b.workload.name),
  );
}

/** Counts per severity. */
export function countBySeverity(
  findings: Array<{ severity: Severity }>,
): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map(s => [s, 0])) as Record<
    Severity,
    number
  >;
  for (const f of findings) counts[f.severity]++;
  return counts;
}
