/**
 * On-demand reads of single objects into a snapshot: what a row-first scan did not read in full
 * but a finding needs (the owners of a reported object, the objects k8sgpt-operator Results name).
 */
import {
  ClusterSnapshot,
  KubeObject,
  ObjectRef,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterRequestError, KubeHttp } from './client';
import { RESOURCES, listPath } from './resources';
import { mapLimit } from './concurrency';

/** Owners followed above each object named (Pod, ReplicaSet, Deployment: two). */
const OWNER_DEPTH = 4;
/** Objects read at most per call: a caller naming more is resolved as far as this goes. */
const MAX_OBJECT_READS = 200;

const keyOf = (kind: string, namespace: string | undefined, name: string) =>
  `${kind}\u0000${
    RESOURCES[kind]?.namespaced === false ? '' : namespace ?? ''
  }\u0000${name}`;

function controllerOf(obj: KubeObject): ObjectRef | undefined {
  const owners = obj.metadata?.ownerReferences ?? [];
  const owner = owners.find(o => o.controller) ?? owners[0];
  return owner
    ? { kind: owner.kind, name: owner.name, namespace: obj.metadata?.namespace }
    : undefined;
}

/**
 * Reads into the snapshot the objects these references name that it lacks, and the
 * controlling owners up the chain of each (those it lacks), one GET each, built-in kinds only.
 * An object that is gone (404) is left out; one that cannot be read (403...) is named in
 * `errors`; a 401 throws. At most `max` (default 200) objects are read.
 *
 * @public
 */
export async function readObjectsInto(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  refs: ObjectRef[],
  options: { concurrency?: number; max?: number } = {},
): Promise<{ requests: number; read: number; errors: string[] }> {
  const held = new Map<string, KubeObject>();
  for (const [kind, list] of Object.entries(snapshot.objects)) {
    for (const o of list ?? [])
      held.set(keyOf(kind, o.metadata?.namespace, o.metadata?.name ?? ''), o);
  }
  const max = options.max ?? MAX_OBJECT_READS;
  const errors: string[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let read = 0;
  let round = refs;
  for (let depth = 0; depth <= OWNER_DEPTH && round.length > 0; depth++) {
    const wanted: ObjectRef[] = [];
    const next: ObjectRef[] = [];
    for (const r of round) {
      const key = keyOf(r.kind, r.namespace, r.name);
      if (!r.name || seen.has(key)) continue;
      seen.add(key);
      const obj = held.get(key);
      if (obj) {
        const owner = controllerOf(obj);
        if (owner) next.push(owner);
      } else if (
        RESOURCES[r.kind] &&
        r.kind !== 'Event' &&
        requests + wanted.length < max
      ) {
        wanted.push(r);
      }
    }
    requests += wanted.length;
    const got = await mapLimit(wanted, options.concurrency ?? 12, async ref => {
      const info = RESOURCES[ref.kind];
      try {
        const obj = (await http.getJson(
          `${listPath(info, ref.namespace)}/${encodeURIComponent(ref.name)}`,
        )) as KubeObject;
        obj.apiVersion ??=
          info.group === '' ? info.version : `${info.group}/${info.version}`;
        obj.kind ??= info.kind;
        return obj;
      } catch (e) {
        if (!(e instanceof ClusterRequestError)) throw e;
        if (e.status === 401) throw e;
        if (e.status !== 404) errors.push(e.message);
        return undefined;
      }
    });
    for (const obj of got) {
      if (!obj) continue;
      read++;
      (snapshot.objects[obj.kind] ??= []).push(obj);
      held.set(
        keyOf(obj.kind, obj.metadata?.namespace, obj.metadata?.name ?? ''),
        obj,
      );
      const owner = controllerOf(obj);
      if (owner) next.push(owner);
    }
    round = next;
  }
  return { requests, read, errors };
}
