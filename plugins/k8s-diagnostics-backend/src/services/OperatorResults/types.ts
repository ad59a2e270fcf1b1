import type { ObjectRef } from '@periscope/backstage-plugin-k8s-diagnostics-common';

/** The k8sgpt-operator `Result` resource (CRD `results.core.k8sgpt.ai`). */
export const RESULT_RESOURCE = {
  group: 'core.k8sgpt.ai',
  version: 'v1alpha1',
  plural: 'results',
} as const;

/** The `source` value of findings that come from Result objects. */
export const OPERATOR_SOURCE = 'k8sgpt-operator' as const;

/** One Result object, checked and mapped to the object it is about. */
export interface OperatorResult {
  /** `namespace/name` of the Result object itself, for messages. */
  resultRef: string;
  /** k8sgpt's analyzer: `Pod`, `Log`, `Security`, `Storage`... */
  analyzer: string;
  /** The object the failures are about (a Log result's `ns/pod/container` names the Pod). */
  object: ObjectRef;
  /** `spec.parentObject` (`Kind/name`), when the operator filled it in. */
  parentObject?: ObjectRef;
  texts: string[];
  /** `error[].sensitive[].unmasked`: strings to mask before anything leaves for an LLM. */
  sensitive: string[];
  /** `spec.details`: the operator's AI explanation, empty without AI. */
  details: string;
}

/** The Result objects of one cluster, or that it has no operator (the CRD is not installed). */
export interface OperatorResultList {
  installed: boolean;
  results: OperatorResult[];
  /** Result objects that could not be read, one line each: which object and what is wrong. */
  warnings: string[];
}
