/**
 * The Deployments and ReplicaSets a row-first scan reads (`workloads: 'failing'`): one Table of
 * each kind, then in full only the unhealthy ones and the owners of failing pods.
 */
import { KubeObject } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterRequestError, KubeHttp } from './client';
import { ResourceInfo, listPath } from './resources';
import { Limiter } from './concurrency';
import { Counter, ListOutcome, TABLE_ACCEPT, listKind } from './lists';
import { PodLike, isFailingPod } from './logs';
import { RowWorkloadKind, workloadRowsOfTable } from './workloadPrefilter';

/** More Deployments or ReplicaSets to read in full than this: list the kind instead of one GET each. */
const MAX_WORKLOAD_GETS = 30;

/**
 * A kind read as Table rows (see {@link LiveScanOptions.workloads}), then in full only its
 * unhealthy objects and the `extra` ones (the owners of failing pods); one list of the kind
 * instead when they are many or the Table is unreadable. Table rows without objects carry no
 * namespace, so an unhealthy row is read by name (`fieldSelector=metadata.name=...` in the
 * scan's scope, which may add healthy namesakes from other namespaces); the owners of pods are
 * read with one GET each. A failed read is reported as a failed list of the kind would be.
 */
export async function readFailingWorkloads(
  http: KubeHttp,
  info: ResourceInfo,
  opts: {
    namespace?: string;
    extra: () => Promise<Array<{ ns: string; name: string }>>;
    run: Limiter;
    count: Counter;
  },
): Promise<{ outcome: ListOutcome; rowsOnly: boolean }> {
  const { run, count } = opts;
  const whole = async () => {
    count.n++;
    return {
      outcome: await run(() => listKind(http, info, opts.namespace)),
      rowsOnly: false,
    };
  };
  count.n++;
  const rows = await run(async () => {
    try {
      const table = await http.getJson(
        `${listPath(info, opts.namespace)}?includeObject=None`,
        TABLE_ACCEPT,
      );
      return workloadRowsOfTable(info.kind as RowWorkloadKind, table);
    } catch (e) {
      if (e instanceof ClusterRequestError && e.status === 401) throw e;
      return undefined; // the list of the kind says what is wrong, if anything is
    }
  });
  if (!rows) return whole();
  const byName = [...new Set(rows.filter(r => !r.healthy).map(r => r.name))];
  const owners = new Map(
    (await opts.extra()).map(o => [`${o.ns}/${o.name}`, o]),
  );
  if (byName.length + owners.size > MAX_WORKLOAD_GETS) return whole();
  try {
    const read = await Promise.all([
      ...byName.map(name =>
        run(async () => {
          count.n++;
          const query = `?fieldSelector=${encodeURIComponent(
            `metadata.name=${name}`,
          )}`;
          const listed = await listKind(http, info, opts.namespace, query);
          if (listed.error) throw listed.error;
          return listed.items ?? [];
        }),
      ),
      ...[...owners.values()].map(o =>
        run(async () => {
          count.n++;
          try {
            return [
              (await http.getJson(
                `${listPath(info, o.ns)}/${encodeURIComponent(o.name)}`,
              )) as KubeObject,
            ];
          } catch (e) {
            // deleted since its pod was read: nothing to resolve
            if (e instanceof ClusterRequestError && e.status === 404) return [];
            throw e;
          }
        }),
      ),
    ]);
    const items = new Map<string, KubeObject>();
    for (const o of read.flat())
      items.set(`${o.metadata?.namespace}/${o.metadata?.name}`, o);
    return {
      outcome: { kind: info.kind, items: [...items.values()] },
      rowsOnly: true,
    };
  } catch (e) {
    if (!(e instanceof ClusterRequestError)) throw e;
    return { outcome: { kind: info.kind, error: e }, rowsOnly: true };
  }
}

/** The controlling owners of this kind of the pods {@link isFailingPod} picks (those analyzers may report). */
export function ownersOfFailingPods(
  pods: KubeObject[],
  kind: string,
): Array<{ ns: string; name: string }> {
  const owners: Array<{ ns: string; name: string }> = [];
  for (const pod of pods) {
    if (!isFailingPod(pod as unknown as PodLike)) continue;
    const refs = pod.metadata?.ownerReferences ?? [];
    const ref = refs.find(r => r.controller) ?? refs[0];
    if (ref?.kind === kind && ref.name)
      owners.push({ ns: pod.metadata?.namespace ?? '', name: ref.name });
  }
  return owners;
}
