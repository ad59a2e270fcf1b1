import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** @public */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
/** @public */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';
/** @public */
export const KUBERNETES_NAMESPACE_ANNOTATION =
  'backstage.io/kubernetes-namespace';

/**
 * Where an entity's workloads are, by the same rules as Backstage's Kubernetes plugin:
 * `kubernetes-label-selector` wins, else `kubernetes-id` becomes
 * `backstage.io/kubernetes-id=<id>`; `kubernetes-namespace` narrows to one namespace.
 * @public
 */
export interface WorkloadSelector {
  labelSelector: string;
  /** The entity's namespace annotation, or the only namespace allowed without one. */
  namespace?: string;
  /**
   * Without a namespace annotation, the namespaces `periscope.namespacesWithoutAnnotation` allows
   * (more than one); unset with `namespace` set, or when the platform team allows every namespace.
   */
  namespaces?: string[];
}

/**
 * Where an entity without a `backstage.io/kubernetes-namespace` annotation may be read:
 * `periscope.namespacesWithoutAnnotation`. Empty (the default): nowhere, the entity must name its
 * namespace; `['*']`: every namespace, as the Kubernetes plugin does.
 * @public
 */
export interface WorkloadSelectorOptions {
  namespacesWithoutAnnotation: string[];
}

/** Reads {@link WorkloadSelectorOptions} from the root config. @public */
export function readWorkloadSelectorOptions(
  config: Config,
): WorkloadSelectorOptions {
  const key = 'periscope.namespacesWithoutAnnotation';
  const list = config.getOptionalStringArray(key) ?? [];
  for (const ns of list) {
    if (ns !== '*' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) {
      throw new InputError(
        `${key} has '${ns}', which is not a namespace name: list namespace names, or ['*'] for every namespace`,
      );
    }
  }
  if (list.includes('*') && list.length > 1) {
    throw new InputError(
      `${key} lists '*' beside other namespaces: '*' alone allows every namespace; list names without it to allow only those`,
    );
  }
  return { namespacesWithoutAnnotation: list };
}

/** Whether a namespace is one the selector may read (its namespace, its allowed list, or any). @public */
export function inSelectorNamespace(
  selector: WorkloadSelector,
  namespace: string | undefined,
): boolean {
  if (selector.namespace) return namespace === selector.namespace;
  if (selector.namespaces)
    return namespace !== undefined && selector.namespaces.includes(namespace);
  return true;
}

/**
 * Returns the entity's workload selector, or undefined when it has none of the annotations
 * (the plugins then show how to add them). Without a namespace annotation, reads only where
 * `options.namespacesWithoutAnnotation` allows, and throws an InputError when that is nowhere.
 * Throws an InputError too for a label selector that names
 * no label value (only `!key`, `key!=value`, `key notin (...)` or bare `key` terms): such a
 * selector reaches every workload that lacks a label, other teams' among them.
 * @public
 */
export function workloadSelectorFor(
  entity: Entity,
  options: WorkloadSelectorOptions = { namespacesWithoutAnnotation: [] },
): WorkloadSelector | undefined {
  const ann = entity.metadata.annotations ?? {};
  let labelSelector: string | undefined;
  const selector = ann[KUBERNETES_LABEL_SELECTOR_ANNOTATION];
  const id = ann[KUBERNETES_ID_ANNOTATION];
  if (selector && selector.trim()) {
    requireNarrowSelector(selector.trim());
    labelSelector = selector.trim();
  } else if (id && id.trim()) {
    labelSelector = `${KUBERNETES_ID_ANNOTATION}=${id.trim()}`;
  }
  if (!labelSelector) return undefined;
  const namespace = ann[KUBERNETES_NAMESPACE_ANNOTATION]?.trim();
  if (namespace) return { labelSelector, namespace };
  const allowed = options.namespacesWithoutAnnotation;
  if (allowed.includes('*')) return { labelSelector };
  if (allowed.length === 1) return { labelSelector, namespace: allowed[0] };
  if (allowed.length > 1) return { labelSelector, namespaces: [...allowed] };
  throw new InputError(
    `entity '${stringifyEntityRef(
      entity,
    )}' has no ${KUBERNETES_NAMESPACE_ANNOTATION} annotation, and Periscope does not read ` +
      `workloads across every namespace for it: add the annotation naming its namespace, or have the platform team list ` +
      `the namespaces such entities may be read in under periscope.namespacesWithoutAnnotation (['*'] for all)`,
  );
}

/**
 * Whether a label map matches an equality-based selector (`a=b,c!=d,e`, `e` meaning "exists").
 * Set-based terms (`in`, `notin`) are supported too.
 * @public
 */
export function matchesLabelSelector(
  labels: Record<string, string> | undefined,
  selector: string,
): boolean {
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
const NARROWING_TERMS = [
  /^\s*[^\s!=()]+\s*==?\s*[^\s=!()]+\s*$/,
  /^\s*[^\s!=()]+\s+in\s+\(\s*[^\s,()][^()]*\)\s*$/,
];

function requireNarrowSelector(selector: string) {
  if (
    splitSelector(selector).some(term =>
      NARROWING_TERMS.some(re => re.test(term)),
    )
  )
    return;
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
