/**
 * Paths in diff notation (`spec.template.spec.containers[name=app].env[name=LOG_LEVEL]`), shared
 * by the field diff and by sensitive-value masking so that both name a field the same way.
 * Internal to this package (not exported from the index).
 */
import type { JsonObject, JsonValue } from './types';

/** One field of a list item's merge key; `default` stands in where the field is absent. */
interface KeyField {
  field: string;
  default?: string;
}

const by = (...fields: Array<string | KeyField>): KeyField[] =>
  fields.map(f => (typeof f === 'string' ? { field: f } : f));

const PROTOCOL: KeyField = { field: 'protocol', default: 'TCP' };

/**
 * Merge keys of lists, by field name, as Kubernetes' strategic merge patch and server-side apply
 * define them (`patchMergeKey` / `listMapKeys` of the core types). Where a field has more than
 * one candidate (`ports` of a container or of a Service), the first whose fields every item has
 * is used. A list with no entry here (tolerations, args, envFrom, ...) is matched by index.
 */
const LIST_KEYS: Record<string, KeyField[][]> = {
  containers: [by('name')],
  initContainers: [by('name')],
  ephemeralContainers: [by('name')],
  volumes: [by('name')],
  imagePullSecrets: [by('name')],
  resourceClaims: [by('name')],
  env: [by('name')],
  volumeMounts: [by('mountPath')],
  volumeDevices: [by('devicePath')],
  hostAliases: [by('ip')],
  ownerReferences: [by('uid')],
  topologySpreadConstraints: [by('topologyKey', 'whenUnsatisfiable')],
  // a container's ports, then a Service's ports
  ports: [by('containerPort', PROTOCOL), by('port', PROTOCOL)],
};

function isObj(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `path.key`, or `path["odd key"]` for a key that is not an identifier. */
export function fieldSegment(path: string, key: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key))
    return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

function keyValue(v: string | number): string {
  const s = String(v);
  return /^[^\s[\]",=]+$/.test(s) ? s : JSON.stringify(s);
}

/** The bracket segment of one item, e.g. `[name=app]` or `[containerPort=53,protocol=UDP]`. */
function itemSegment(item: JsonObject, key: KeyField[]): string | undefined {
  const parts: string[] = [];
  for (const k of key) {
    const v = item[k.field];
    if (v === undefined && k.default !== undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    // a field at its default value is left out: `[containerPort=8080]`, not `...,protocol=TCP]`
    if (k.default !== undefined && String(v) === k.default) continue;
    parts.push(`${k.field}=${keyValue(v)}`);
  }
  return parts.length ? `[${parts.join(',')}]` : undefined;
}

/**
 * The segments naming the items of the lists found under field `field` (the lists of both sides
 * of a diff), one array per list: `[name=app]` where the field has a merge key that every item
 * of every list has, uniquely within its list; undefined where the items are matched by index.
 */
export function keyedSegments(
  field: string | undefined,
  lists: JsonValue[][],
): string[][] | undefined {
  const candidates = field !== undefined ? LIST_KEYS[field] : undefined;
  if (!candidates) return undefined;
  for (const key of candidates) {
    const out: string[][] = [];
    for (const list of lists) {
      const segs: string[] = [];
      for (const item of list) {
        const s = isObj(item) ? itemSegment(item, key) : undefined;
        if (s === undefined) break;
        segs.push(s);
      }
      if (segs.length !== list.length || new Set(segs).size !== segs.length)
        break;
      out.push(segs);
    }
    if (out.length === lists.length) return out;
  }
  return undefined;
}
