/**
 * Light objects from Table rows read with their metadata (`includeObject=Metadata`): the name,
 * namespace, labels and owners of the pods, Deployments and ReplicaSets of one label selector
 * that a row-first scan did not read in full, and what a row says of their readiness. Read on
 * demand for callers that list one entity's workloads (the Health backend), never analyzed.
 */
import { KubeObject } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp } from './client';
import { RESOURCES, listPath } from './resources';

/** The metadata fields a light object keeps (managedFields and annotations left out). */
type RowMetadata = Pick<
  KubeObject['metadata'],
  | 'name'
  | 'namespace'
  | 'uid'
  | 'labels'
  | 'ownerReferences'
  | 'creationTimestamp'
>;

interface TableLike {
  kind?: unknown;
  columnDefinitions?: Array<{ name?: unknown }>;
  rows?: Array<{ cells?: unknown[]; object?: { metadata?: RowMetadata } }>;
}

function lightMetadata(m: RowMetadata | undefined): RowMetadata | undefined {
  if (!m?.name) return undefined;
  const out: RowMetadata = { name: m.name };
  if (m.namespace) out.namespace = m.namespace;
  if (m.uid) out.uid = m.uid;
  if (m.labels) out.labels = m.labels;
  if (m.ownerReferences) out.ownerReferences = m.ownerReferences;
  if (m.creationTimestamp) out.creationTimestamp = m.creationTimestamp;
  return out;
}

const API_VERSION: Record<string, string> = {
  Pod: 'v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
};

/**
 * The light objects of a Table of pods, Deployments or ReplicaSets whose rows carry their
 * metadata; rows without it are left out. A pod is `Running` where its Status column says so
 * (a healthy row; the others are read in full), a Deployment carries its Ready column as
 * `status.readyReplicas` / `spec.replicas`.
 *
 * @public
 */
export function rowObjectsOfTable(
  kind: 'Pod' | 'Deployment' | 'ReplicaSet',
  table: unknown,
): KubeObject[] {
  const t = table as TableLike;
  if (
    !t ||
    t.kind !== 'Table' ||
    !Array.isArray(t.rows) ||
    !Array.isArray(t.columnDefinitions)
  )
    return [];
  const col = (name: string) =>
    t.columnDefinitions!.findIndex(c => c?.name === name);
  const status = col('Status');
  const ready = col('Ready');
  const out: KubeObject[] = [];
  for (const row of t.rows) {
    const metadata = lightMetadata(row?.object?.metadata);
    if (!metadata) continue;
    const obj = {
      apiVersion: API_VERSION[kind],
      kind,
      metadata,
    } as KubeObject & Record<string, unknown>;
    const cells = Array.isArray(row.cells) ? row.cells : [];
    if (kind === 'Pod' && status >= 0 && cells[status] === 'Running')
      obj.status = { phase: 'Running' };
    if (kind === 'Deployment' && ready >= 0) {
      const m = /^(\d+)\/(\d+)$/.exec(String(cells[ready] ?? ''));
      if (m) {
        obj.spec = { replicas: Number(m[2]) };
        obj.status = { readyReplicas: Number(m[1]) };
      }
    }
    out.push(obj);
  }
  return out;
}

const TABLE_ACCEPT = 'application/json;as=Table;g=meta.k8s.io;v=v1';

/**
 * The light objects ({@link rowObjectsOfTable}) of one kind, in one namespace or every
 * namespace, those that match a label selector when one is given (the API server evaluates it):
 * one Table request. Errors are thrown (a `ClusterRequestError`).
 *
 * @public
 */
export async function readRowObjects(
  http: KubeHttp,
  kind: 'Pod' | 'Deployment' | 'ReplicaSet',
  options: { labelSelector?: string; namespace?: string },
): Promise<KubeObject[]> {
  const selector = options.labelSelector
    ? `&labelSelector=${encodeURIComponent(options.labelSelector)}`
    : '';
  const query = `?includeObject=Metadata${selector}`;
  const table = await http.getJson(
    `${listPath(RESOURCES[kind], options.namespace)}${query}`,
    TABLE_ACCEPT,
  );
  return rowObjectsOfTable(kind, table);
}
