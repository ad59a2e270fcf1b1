/**
 * Periscope's `Scheduling` analyzer: pod templates no node can run, seen in the objects rather
 * than in the scheduler's events: a nodeSelector or required node affinity no node satisfies,
 * NoSchedule/NoExecute taints on every such node that the pods do not tolerate, and resource
 * requests larger than the allocatable of every node left. Runs only when the snapshot holds
 * nodes. Pods already bound to a node are not checked; DaemonSets are checked only for their
 * requests (running on a subset of the nodes is what their selectors and tolerations are for).
 */
import { KubeObject } from '../model';
import { parseQuantity, formatQuantity } from '../quantity';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  goList,
  nameOf,
} from './types';
import {
  FullContainer,
  FullPodSpec,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  TEMPLATE_KINDS,
  Toleration,
  podSpecOf,
  templateObjects,
} from './templates';
import { Failure } from '../model';

interface Taint {
  key?: string;
  value?: string;
  effect?: string;
}

interface NodeObj extends KubeObject {
  spec?: { taints?: Taint[] | null; unschedulable?: boolean | null };
  status?: {
    allocatable?: Record<string, string | number> | null;
    capacity?: Record<string, string | number> | null;
  };
}

function matchesRequirement(
  node: NodeObj,
  req: NodeSelectorRequirement,
  field: boolean,
): boolean {
  const key = req.key ?? '';
  const values = req.values ?? [];
  const labels = node.metadata?.labels ?? {};
  let has: boolean;
  let value: string | undefined;
  if (field) {
    has = key === 'metadata.name';
    value = has ? nameOf(node) : undefined;
  } else {
    has = Object.prototype.hasOwnProperty.call(labels, key);
    value = labels[key];
  }
  switch (req.operator) {
    case 'In':
      return has && values.includes(value ?? '');
    case 'NotIn':
      return !has || !values.includes(value ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const a = Number.parseInt(value ?? '', 10);
      const b = Number.parseInt(values[0] ?? '', 10);
      if (!has || Number.isNaN(a) || Number.isNaN(b)) return false;
      return req.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A node selector term: every requirement holds; an empty term matches no node. */
function matchesTerm(node: NodeObj, term: NodeSelectorTerm): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every(r => matchesRequirement(node, r, false)) &&
    fields.every(r => matchesRequirement(node, r, true))
  );
}

function matchesSelector(
  node: NodeObj,
  selector: Record<string, string>,
): boolean {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function requiredTerms(spec: FullPodSpec): NodeSelectorTerm[] | undefined {
  const req =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return req ? req.nodeSelectorTerms ?? [] : undefined;
}

function describeTerms(terms: NodeSelectorTerm[]): string {
  const req = (r: NodeSelectorRequirement) =>
    ['Exists', 'DoesNotExist'].includes(r.operator ?? '')
      ? `${r.key} ${r.operator}`
      : `${r.key} ${r.operator} ${goList(r.values ?? [])}`;
  return terms
    .map(t =>
      [...(t.matchExpressions ?? []), ...(t.matchFields ?? [])]
        .map(req)
        .join(', '),
    )
    .join(' or ');
}

/** The taints that keep pods off a node: NoSchedule and NoExecute, and a cordon. */
function blockingTaints(node: NodeObj): Taint[] {
  const taints = (node.spec?.taints ?? []).filter(
    t => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
  );
  if (
    node.spec?.unschedulable &&
    !taints.some(t => t.key === 'node.kubernetes.io/unschedulable')
  ) {
    taints.push({
      key: 'node.kubernetes.io/unschedulable',
      effect: 'NoSchedule',
    });
  }
  return taints;
}

function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some(t => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** What the DaemonSet controller adds to its pods. */
const DAEMONSET_TOLERATIONS: Toleration[] = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/unschedulable',
  'node.kubernetes.io/network-unavailable',
].map(key => ({ key, operator: 'Exists' }));

const taintText = (t: Taint) =>
  `${t.key ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}`;

function quantity(v: string | number | null | undefined): number {
  return parseQuantity(v ?? undefined)?.value ?? 0;
}

function containerRequest(c: FullContainer, resource: string): number {
  return quantity(
    c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource],
  );
}

/** What the scheduler counts for a pod: containers and sidecars, or the largest init container, plus overhead. */
export function podRequests(spec: FullPodSpec): Map<string, number> {
  const names = new Set<string>();
  const containers = [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
  ];
  for (const c of containers) {
    for (const k of Object.keys(c.resources?.requests ?? {})) names.add(k);
    for (const k of Object.keys(c.resources?.limits ?? {})) names.add(k);
  }
  const out = new Map<string, number>();
  for (const r of names) {
    let sum = 0;
    for (const c of spec.containers ?? []) sum += containerRequest(c, r);
    let sidecars = 0;
    let init = 0;
    for (const c of spec.initContainers ?? []) {
      if (c.restartPolicy === 'Always') {
        sidecars += containerRequest(c, r);
      } else {
        init = Math.max(init, sidecars + containerRequest(c, r));
      }
    }
    const total = Math.max(sum + sidecars, init) + quantity(spec.overhead?.[r]);
    if (total > 0) out.set(r, total);
  }
  return out;
}

function allocatable(node: NodeObj, resource: string): number {
  return quantity(
    node.status?.allocatable?.[resource] ?? node.status?.capacity?.[resource],
  );
}

const BINARY_RESOURCES = /^(memory|ephemeral-storage|hugepages-.*)$/;
const show = (resource: string, value: number) =>
  formatQuantity({
    value,
    format: BINARY_RESOURCES.test(resource) ? 'BinarySI' : 'DecimalSI',
  });

function schedulingFailures(
  ctx: AnalyzerContext,
  obj: KubeObject,
  nodes: NodeObj[],
): Failure[] {
  const spec = podSpecOf(obj)!;
  const daemon = obj.kind === 'DaemonSet';
  const selector = spec.nodeSelector ?? {};
  const terms = requiredTerms(spec);
  const bySelector = nodes.filter(n => matchesSelector(n, selector));
  const selected = terms
    ? bySelector.filter(n => terms.some(t => matchesTerm(n, t)))
    : bySelector;
  const selectorText = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const selectorSensitive = Object.entries(selector).flat();
  if (selected.length === 0) {
    if (daemon) return [];
    const parts: string[] = [];
    if (bySelector.length === 0) parts.push(`nodeSelector ${selectorText}`);
    else if (selectorText)
      parts.push(`nodeSelector ${selectorText} together with`);
    if (terms && bySelector.length > 0)
      parts.push(`the required node affinity (${describeTerms(terms)})`);
    return [
      ctx.failure(
        `no node matches ${parts.join(' ')}: its pods stay Pending (${
          nodes.length
        } node${nodes.length === 1 ? '' : 's'} checked)`,
        'high',
        selectorSensitive,
      ),
    ];
  }
  const tolerations = [
    ...(spec.tolerations ?? []),
    ...(daemon ? DAEMONSET_TOLERATIONS : []),
  ];
  const feasible = selected.filter(n =>
    blockingTaints(n).every(t => tolerates(tolerations, t)),
  );
  if (feasible.length === 0) {
    if (daemon) return [];
    const counts = new Map<string, number>();
    for (const n of selected) {
      for (const t of blockingTaints(n)) {
        if (!tolerates(tolerations, t))
          counts.set(taintText(t), (counts.get(taintText(t)) ?? 0) + 1);
      }
    }
    const which =
      selectorText || terms
        ? `every node that matches its node selection (${selected.length})`
        : `every node (${selected.length})`;
    const taints = [...counts]
      .map(([t, n]) => `${t} on ${n} node${n === 1 ? '' : 's'}`)
      .join(', ');
    return [
      ctx.failure(
        `${which} has a taint its pods do not tolerate: ${taints}; its pods stay Pending`,
        'high',
        selectorSensitive,
      ),
    ];
  }
  const failures: Failure[] = [];
  for (const [resource, wanted] of podRequests(spec)) {
    const largest = Math.max(...feasible.map(n => allocatable(n, resource)));
    if (wanted <= largest) continue;
    const scope = daemon
      ? 'any node it runs on'
      : 'any node its pods may run on';
    failures.push(
      ctx.failure(
        `its pods request ${resource} ${show(
          resource,
          wanted,
        )}, more than ${scope} can allocate (largest: ${show(
          resource,
          largest,
        )}): they stay Pending`,
        'high',
      ),
    );
  }
  return failures;
}

/** Periscope's `Scheduling`: pod templates no node can run (see the file's comment). */
export const schedulingAnalyzer: AnalyzerDefinition = {
  name: 'Scheduling',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: [...TEMPLATE_KINDS, 'Node'],
  description:
    "Pod templates whose nodeSelector or required node affinity no node satisfies, that tolerate no eligible node's taints, or request more than any node's allocatable.",
  analyze: ctx => {
    const nodes = ctx.index.all<NodeObj>('Node');
    if (nodes.length === 0) return [];
    return templateObjects(ctx)
      .filter(obj => !(obj.kind === 'Pod' && podSpecOf(obj)?.nodeName))
      .flatMap(obj =>
        collect([obj], obj.kind, o => schedulingFailures(ctx, o, nodes)),
      );
  },
};
