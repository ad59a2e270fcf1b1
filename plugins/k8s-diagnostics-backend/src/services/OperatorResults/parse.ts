/**
 * Checks Result objects as the operator writes them (api/v1alpha1/result_types.go at v0.2.0) and
 * maps each to the object it is about. Pure: no I/O.
 */
import { z } from 'zod';
import type { ObjectRef } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { CLUSTER_SCOPED_KINDS } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { OperatorResult } from './types';

const KIND = /^[A-Z][A-Za-z0-9]*$/;

const resultSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().optional(),
  }),
  spec: z.object({
    kind: z.string().min(1),
    name: z.string().min(1),
    error: z
      .array(
        z.object({
          text: z.string().optional(),
          sensitive: z
            .array(
              z.object({
                unmasked: z.string().optional(),
                masked: z.string().optional(),
              }),
            )
            .optional(),
        }),
      )
      .nullish(),
    details: z.string().nullish(),
    parentObject: z.string().nullish(),
    backend: z.string().nullish(),
  }),
});

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map(
      i =>
        `${
          i.path.length ? i.path.join('.') : 'the object'
        }: ${i.message.toLowerCase()}`,
    )
    .join('; ');
}

/** `Kind` or `Analyzer/Kind` (e.g. `Security/ServiceAccount`) to the analyzer and the object kind. */
function splitKind(
  kind: string,
  nameParts: number,
): { analyzer: string; kind: string } | string {
  const parts = kind.split('/');
  if (parts.length > 2 || !parts.every(p => KIND.test(p))) {
    return `spec.kind '${kind}' is not a Kubernetes kind (expected e.g. 'Pod' or 'Security/ServiceAccount')`;
  }
  if (parts.length === 2) return { analyzer: parts[0], kind: parts[1] };
  // Only the Log analyzer names its results namespace/pod/container.
  if (kind === 'Pod' && nameParts === 3) return { analyzer: 'Log', kind };
  return { analyzer: kind, kind };
}

/** `namespace/name`, `name` (cluster-scoped) or `namespace/pod/container` (Log) to an object reference. */
function objectRef(kind: string, name: string): ObjectRef | string {
  const parts = name.split('/');
  if (
    parts.some(p => p === '') ||
    parts.length > 3 ||
    (parts.length === 3 && kind !== 'Pod')
  ) {
    return `spec.name '${name}' is not 'namespace/name' (or 'name' for a cluster-scoped kind)`;
  }
  if (parts.length === 1) {
    return CLUSTER_SCOPED_KINDS.has(kind)
      ? { kind, name }
      : `spec.name '${name}' has no namespace, but ${kind} is namespaced: expected 'namespace/name'`;
  }
  return { kind, namespace: parts[0], name: parts[1] };
}

/** `Kind/name` in the object's namespace; undefined for an empty or malformed value. */
function parentRef(
  parent: string | null | undefined,
  namespace: string | undefined,
): ObjectRef | undefined {
  const m = /^([A-Z][A-Za-z0-9]*)\/([^/]+)$/.exec(parent ?? '');
  if (!m) return undefined;
  return namespace && !CLUSTER_SCOPED_KINDS.has(m[1])
    ? { kind: m[1], name: m[2], namespace }
    : { kind: m[1], name: m[2] };
}

/**
 * Checks one listed Result. Returns the mapped result, or a message naming the Result and what is
 * wrong with it (the caller reports it as a warning and goes on with the others).
 */
export function parseOperatorResult(raw: unknown): OperatorResult | string {
  const meta = (
    raw as { metadata?: { name?: unknown; namespace?: unknown } } | null
  )?.metadata;
  const label =
    typeof meta?.name === 'string'
      ? `${typeof meta.namespace === 'string' ? `${meta.namespace}/` : ''}${
          meta.name
        }`
      : '(unnamed)';
  const parsed = resultSchema.safeParse(raw);
  if (!parsed.success)
    return `k8sgpt-operator Result ${label} skipped: ${describeIssues(
      parsed.error,
    )}`;
  const { spec } = parsed.data;
  const split = splitKind(spec.kind, spec.name.split('/').length);
  if (typeof split === 'string')
    return `k8sgpt-operator Result ${label} skipped: ${split}`;
  const object = objectRef(split.kind, spec.name);
  if (typeof object === 'string')
    return `k8sgpt-operator Result ${label} skipped: ${object}`;
  const failures = (spec.error ?? []).filter(e => (e.text ?? '').trim() !== '');
  if (failures.length === 0)
    return `k8sgpt-operator Result ${label} skipped: spec.error has no failure text`;
  const parentObject = parentRef(spec.parentObject, object.namespace);
  return {
    resultRef: label,
    analyzer: split.analyzer,
    object,
    ...(parentObject ? { parentObject } : {}),
    texts: failures.map(e => e.text!.trim()),
    sensitive: failures
      .flatMap(e => (e.sensitive ?? []).map(s => s.unmasked ?? ''))
      .filter(s => s !== ''),
    details: spec.details ?? '',
  };
}
