import { FieldChange, JsonObject, JsonValue } from './types';

/** Metadata the API server owns; never a user change. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'uid',
  'selfLink',
];

/**
 * Mask used for Secret values in diffs.
 *
 * @public
 */
export const SECRET_MASK = '***';

/**
 * Removes fields that only the API server sets (status, managedFields, resourceVersion, ...),
 * so that live and dry-run objects compare on what a module controls.
 *
 * @public
 */
export function normalizeForDiff(obj: JsonObject): JsonObject {
  const out: JsonObject = { ...obj };
  delete out.status;
  const meta = out.metadata;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    const m: JsonObject = { ...meta };
    for (const k of SERVER_METADATA) delete m[k];
    const ann = m.annotations;
    if (ann && typeof ann === 'object' && !Array.isArray(ann)) {
      const a: JsonObject = { ...ann };
      delete a['kubectl.kubernetes.io/last-applied-configuration'];
      delete a['deployment.kubernetes.io/revision'];
      if (Object.keys(a).length === 0) delete m.annotations;
      else m.annotations = a;
    }
    out.metadata = m;
  }
  return out;
}

function isObj(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function seg(path: string, key: string): string {
  const s = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)
    ? key
    : `[${JSON.stringify(key)}]`;
  if (s.startsWith('[')) return `${path}${s}`;
  return path ? `${path}.${s}` : s;
}

function walk(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: string,
  out: FieldChange[],
): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, op: 'add', after });
    return;
  }
  if (after === undefined) {
    out.push({ path, op: 'remove', before });
    return;
  }
  if (isObj(before) && isObj(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of [...keys].sort())
      walk(before[k], after[k], seg(path, k), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) walk(before[i], after[i], `${path}[${i}]`, out);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    out.push({ path, op: 'change', before, after });
  }
}

function maskSecret(obj: JsonObject): JsonObject {
  if (obj.kind !== 'Secret') return obj;
  const out: JsonObject = { ...obj };
  for (const field of ['data', 'stringData']) {
    const d = out[field];
    if (isObj(d)) {
      const masked: JsonObject = {};
      for (const k of Object.keys(d)) {
        // keep a length-free fingerprint so that a change is still visible as a change
        masked[k] = `${SECRET_MASK}${fingerprint(JSON.stringify(d[k]))}`;
      }
      out[field] = masked;
    }
  }
  return out;
}

function fingerprint(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, '0').slice(0, 4);
}

/**
 * Per-field differences between a live object and the object the API server would store
 * (server-side apply dry run). Server-owned metadata and status are ignored; Secret values
 * are masked (a changed value still shows as a change, never its content).
 *
 * @public
 */
export function diffObjects(
  live: JsonObject | undefined,
  next: JsonObject,
): FieldChange[] {
  const out: FieldChange[] = [];
  const a = live ? maskSecret(normalizeForDiff(live)) : undefined;
  const b = maskSecret(normalizeForDiff(next));
  walk(a, b, '', out);
  return out;
}
