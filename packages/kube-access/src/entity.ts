import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

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
 * (the plugins then show how to add them). Throws an InputError for a label selector that names
 * no label value (only `!key`, `key!=value`, `key notin (...)` or bare `key` terms): such a
 * selector reaches every workload that lacks a label, other teams' among them.
 * @public
 */
export function workloadSelectorFor(entity: Entity): WorkloadSelector | undefined {
  const ann = entity.metadata.annotations ?? {};
  const namespace = ann[KUBERNETES_NAMESPACE_ANNOTATION] || undefined;
  const selector = ann[KUBERNETES_LABEL_SELECTOR_ANNOTATION];
  if (selector && selector.trim()) {
    requireNarrowSelector(selector.trim());
    return { labelSelector: selector.trim(), namespace };
  }
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

/** Terms that name a label value: `key=value`, `key==value`, `key in (a,b)`. */
const NARROWING_TERMS = [/^\s*[^\s!=()]+\s*==?\s*[^\s=!()]+\s*$/, /^\s*[^\s!=()]+\s+in\s+\(\s*[^\s,()][^()]*\)\s*$/];

function requireNarrowSelector(selector: string) {
  if (splitSelector(selector).some(term => NARROWING_TERMS.some(re => re.test(term)))) return;
  throw new InputError(
    `the annotation ${KUBERNETES_LABEL_SELECTOR_ANNOTATION} "${selector}" names no label value, so it would select every workload ` +
      `without some label, other teams' among them: include at least one "key=value" or "key in (a,b)" term, ` +
      `e.g. "app.kubernetes.io/name=checkout", or use ${KUBERNETES_ID_ANNOTATION}`,
  );
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
