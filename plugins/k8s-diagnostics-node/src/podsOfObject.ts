/**
 * The pods of a finding's object: the Pod itself, or those a workload selects through
 * `spec.selector` (a Job's or ReplicaSet's own only).
 */
import {
  KubeObject,
  ObjectRef,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp } from './clientTypes';
import { CORE, enc, Json, objectPath, statusOf, why } from './evidenceReads';

/** Kinds whose pods are found through `spec.selector`. */
export const SELECTOR_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'ReplicationController',
]);

/** `matchLabels` (and `In` / `Exists` expressions) of a selector as a label selector query. */
function selectorQuery(selector: Json): string | undefined {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {}))
    parts.push(`${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    if (e?.operator === 'In' && Array.isArray(e.values))
      parts.push(`${e.key} in (${e.values.join(',')})`);
    else if (e?.operator === 'NotIn' && Array.isArray(e.values))
      parts.push(`${e.key} notin (${e.values.join(',')})`);
    else if (e?.operator === 'Exists') parts.push(e.key);
    else if (e?.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

/**
 * The pods of a workload (by its `spec.selector`), or the pod itself; `[]` with a note when they
 * cannot be read.
 * @public
 */
export async function podsOfObject(
  http: KubeHttp,
  object: ObjectRef,
  notes: string[] = [],
): Promise<KubeObject[]> {
  const ns = object.namespace;
  if (!ns) return [];
  if (object.kind === 'Pod') {
    try {
      return [
        (await http.getJson(objectPath('Pod', ns, object.name)!)) as KubeObject,
      ];
    } catch (e) {
      // no answer at all (unreachable, timeout): the caller says so
      if (statusOf(e) === undefined) throw e;
      notes.push(`Pod ${object.name} could not be read: ${why(e)}`);
      return [];
    }
  }
  if (!SELECTOR_KINDS.has(object.kind)) return [];
  try {
    const obj = (await http.getJson(
      objectPath(object.kind, ns, object.name)!,
    )) as Json;
    const q = selectorQuery(obj?.spec?.selector);
    if (!q) return [];
    const list = (await http.getJson(
      `${CORE}/namespaces/${enc(ns)}/pods?labelSelector=${enc(q)}&limit=200`,
    )) as Json;
    const uid = obj?.metadata?.uid;
    const items = (list?.items ?? []) as KubeObject[];
    // a Job's or ReplicaSet's own pods (a selector may match more)
    return object.kind === 'Job' || object.kind === 'ReplicaSet'
      ? items.filter(
          p =>
            !uid || (p.metadata.ownerReferences ?? []).some(r => r.uid === uid),
        )
      : items;
  } catch (e) {
    if (statusOf(e) === undefined) throw e;
    notes.push(
      `the pods of ${object.kind} ${object.name} could not be read: ${why(e)}`,
    );
    return [];
  }
}
