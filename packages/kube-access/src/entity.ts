import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  LabelRequirement,
  LabelSelectorSyntaxError,
  matchesRequirements,
  parseLabelSelector,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';

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
    labelSelector = selector.trim();
    requireNarrowSelector(
      labelSelector,
      parseAnnotationSelector(
        labelSelector,
        KUBERNETES_LABEL_SELECTOR_ANNOTATION,
      ),
    );
  } else if (id && id.trim()) {
    labelSelector = `${KUBERNETES_ID_ANNOTATION}=${id.trim()}`;
    parseAnnotationSelector(labelSelector, KUBERNETES_ID_ANNOTATION);
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
 * Whether a label map matches a Kubernetes label selector string (`a=b,c!=d,e`, `e` meaning
 * "exists", set-based `in` / `notin`, `!e`). Throws `LabelSelectorSyntaxError` for a selector
 * that is not Kubernetes syntax; selectors from {@link workloadSelectorFor} are already checked.
 * @public
 */
export function matchesLabelSelector(
  labels: Record<string, string> | undefined,
  selector: string,
): boolean {
  return matchesRequirements(labels, parseLabelSelector(selector));
}

/** Parses a selector built from an entity annotation, or throws an InputError naming it. */
function parseAnnotationSelector(
  selector: string,
  annotation: string,
): LabelRequirement[] {
  try {
    return parseLabelSelector(selector);
  } catch (e) {
    if (!(e instanceof LabelSelectorSyntaxError)) throw e;
    throw new InputError(
      `the annotation ${annotation} is not one Kubernetes accepts: ${e.message} ` +
        `Fix the annotation in the entity's catalog-info.yaml.`,
    );
  }
}

/** A selector names a label value when one term is `key=value`, `key==value` or `key in (a,b)`. */
function requireNarrowSelector(
  selector: string,
  requirements: LabelRequirement[],
) {
  if (
    requirements.some(r => r.operator === 'in' && r.values.some(v => v !== ''))
  )
    return;
  throw new InputError(
    `the annotation ${KUBERNETES_LABEL_SELECTOR_ANNOTATION} "${selector}" names no label value, so it would select every workload ` +
      `without some label, other teams' among them: include at least one "key=value" or "key in (a,b)" term, ` +
      `e.g. "app.kubernetes.io/name=checkout", or use ${KUBERNETES_ID_ANNOTATION}`,
  );
}
