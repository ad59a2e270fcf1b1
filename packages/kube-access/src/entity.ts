import { Entity } from '@backstage/catalog-model';

/** @public */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
/** @public */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION = 'backstage.io/kubernetes-label-selector';
/** @public */
export const KUBERNETES_NAMESPACE_ANNOTATION = 'backstage.io/kubernetes-namespace';

/**
 * Where an entity's workloads are, by the same rules as Backstage's Kubernetes plugin:
 * `kubernetes-label-selector` wins, else `kubernetes-id` becomes
 * `backstage.io/kubernetes-id=<id>`; `kubernetes-namespace` narrows to one namespace.
 * @public
 */
export interface WorkloadSelector {
  labelSelector: string;
  namespace?: string;
}

/**
 * Returns the entity's workload selector, or undefined when it has none of the annotations
 * (the plugins then show how to add them).
 * @public
 */
export function workloadSelectorFor(entity: Entity): WorkloadSelector | undefined {
  const ann = entity.metadata.annotations ?? {};
  const namespace = ann[KUBERNETES_NAMESPACE_ANNOTATION] || undefined;
  const selector = ann[KUBERNETES_LABEL_SELECTOR_ANNOTATION];
  if (selector && selector.trim()) return { labelSelector: selector.trim(), namespace };
  const id = ann[KUBERNETES_ID_ANNOTATION];
  if (id && id.trim()) return { labelSelector: `${KUBERNETES_ID_ANNOTATION}=${id.trim()}`, namespace };
  return undefined;
}

/**
 * Whether a label map matches an equality-based selector (`a=b,c!=d,e`, `e` meaning "exists").
 * Set-based terms (`in`, `notin`) are supported too.
 * @public
 */
export function matchesLabelSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  return splitSelector(selector).every(term => {
    let m = /^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$/.exec(term);
    if (m) {
      const values = m[3].split(',').map(v => v.trim());
      const has = m[1] in l && values.includes(l[m[1]]);
      return m[2] === 'in' ? has : !has;
    }
    m = /^\s*([^\s!=]+)\s*(==|=|!=)\s*(\S*)\s*$/.exec(term);
    if (m) return m[2] === '!=' ? l[m[1]] !== m[3] : l[m[1]] === m[3];
    m = /^\s*(!?)([^\s!=]+)\s*$/.exec(term);
    if (m) return m[1] ? !(m[2] in l) : m[2] in l;
    return false;
  });
}

function splitSelector(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      if (cur.trim()) terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) terms.push(cur);
  return terms;
}
