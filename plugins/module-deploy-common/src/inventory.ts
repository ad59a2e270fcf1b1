import { InventoryEntry, KubeObject } from './types';

/**
 * Identity of an object in a Timoni inventory.
 *
 * @public
 */
export interface ObjectKey {
  namespace: string;
  name: string;
  group: string;
  kind: string;
  version: string;
}

/**
 * Splits `apiVersion` into group and version (`v1` has the empty group).
 *
 * @public
 */
export function splitApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const i = apiVersion.lastIndexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * The inventory id Timoni (fluxcd ssa `ObjMetadata`) uses: `<namespace>_<name>_<group>_<Kind>`.
 *
 * @public
 */
export function objectId(
  obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
): string {
  const { group } = splitApiVersion(obj.apiVersion);
  return `${obj.metadata.namespace ?? ''}_${obj.metadata.name}_${group}_${
    obj.kind
  }`;
}

/**
 * Human reference `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects.
 *
 * @public
 */
export function objectRef(obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return ns
    ? `${obj.kind}/${ns}/${obj.metadata.name}`
    : `${obj.kind}/${obj.metadata.name}`;
}

/**
 * Parses an inventory entry back into an object key. Names and namespaces cannot contain `_`
 * (DNS labels), and Kinds cannot either, so the split is unambiguous.
 *
 * @public
 */
export function parseInventoryEntry(entry: InventoryEntry): ObjectKey {
  const parts = entry.id.split('_');
  if (parts.length !== 4 || !parts[1] || !parts[3]) {
    throw new Error(
      `invalid inventory id '${entry.id}': expected <namespace>_<name>_<group>_<Kind>`,
    );
  }
  const [namespace, name, group, kind] = parts;
  return { namespace, name, group, kind, version: entry.v };
}

/**
 * The inventory entries for a list of objects, in the given order, without duplicates.
 *
 * @public
 */
export function inventoryOf(objects: KubeObject[]): InventoryEntry[] {
  const seen = new Set<string>();
  const out: InventoryEntry[] = [];
  for (const obj of objects) {
    const id = objectId(obj);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, v: splitApiVersion(obj.apiVersion).version });
  }
  return out;
}

/**
 * Entries of the previous inventory that the new one no longer has: the objects to prune.
 *
 * @public
 */
export function staleEntries(
  previous: InventoryEntry[],
  next: InventoryEntry[],
): InventoryEntry[] {
  const keep = new Set(next.map(e => e.id));
  return previous.filter(e => !keep.has(e.id));
}

/**
 * The apiVersion of an inventory entry (`group/version`, or `version` for the core group).
 *
 * @public
 */
export function entryApiVersion(key: ObjectKey): string {
  return key.group ? `${key.group}/${key.version}` : key.version;
}

/**
 * Finds objects that appear twice in a render (same inventory id), which Kubernetes would
 * treat as one object.
 *
 * @public
 */
export function duplicateObjects(objects: KubeObject[]): string[] {
  const count = new Map<string, number>();
  for (const o of objects)
    count.set(objectRef(o), (count.get(objectRef(o)) ?? 0) + 1);
  return [...count.entries()].filter(([, n]) => n > 1).map(([ref]) => ref);
}
