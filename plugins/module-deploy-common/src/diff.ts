import { fieldSegment, keyedSegments } from './diffPath';
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

function walk(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: string,
  out: FieldChange[],
  field?: string,
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
      walk(before[k], after[k], fieldSegment(path, k), out, k);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const keyed = keyedSegments(field, [before, after]);
    if (keyed) {
      // items with a merge key are matched by it: a moved item is no change
      const [bs, as] = keyed;
      const old = new Map(bs.map((s, i) => [s, before[i]]));
      for (let i = 0; i < after.length; i++)
        walk(old.get(as[i]), after[i], `${path}${as[i]}`, out);
      const kept = new Set(as);
      for (let i = 0; i < before.length; i++)
        if (!kept.has(bs[i]))
          walk(before[i], undefined, `${path}${bs[i]}`, out);
      // the order of env vars is meaning (`$(VAR)` expands only variables defined before it): a
      // reorder of the vars on both sides is a change of the list's order, shown as the keys
      if (field === 'env') {
        const common = new Set(bs.filter(k => kept.has(k)));
        const was = bs.filter(k => common.has(k));
        const now = as.filter(k => common.has(k));
        if (was.join() !== now.join())
          out.push({
            path: `${path} (order)`,
            op: 'change',
            before: was,
            after: now,
          });
      }
      return;
    }
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) walk(before[i], after[i], `${path}[${i}]`, out);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    out.push({ path, op: 'change', before, after });
  }
}

/**
 * The fields of a Secret whose values are secret (masked in diffs and in printed objects).
 *
 * @public
 */
export const SECRET_DATA_FIELDS: readonly string[] = ['data', 'stringData'];

function secretField(path: string): string | undefined {
  return SECRET_DATA_FIELDS.find(
    f => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`),
  );
}

function maskValue(
  path: string,
  v: JsonValue | undefined,
): JsonValue | undefined {
  if (v === undefined) return undefined;
  // a whole `data` map added or removed: keep its keys, mask each value
  if (SECRET_DATA_FIELDS.includes(path) && isObj(v)) {
    return Object.fromEntries(Object.keys(v).map(k => [k, SECRET_MASK]));
  }
  return SECRET_MASK;
}

/**
 * The changes of a Secret with every value under `data` and `stringData` replaced by `***`
 * (keys stay visible, as in Timoni's masked diffs); the changes of any other kind as they are.
 * {@link diffObjects} applies it already; it is exported for diffs that come from elsewhere.
 *
 * @public
 */
export function maskSecretChanges(
  kind: string | undefined,
  changes: FieldChange[],
): FieldChange[] {
  if (kind !== 'Secret') return changes;
  return changes.map(c => {
    if (!secretField(c.path)) return c;
    const out: FieldChange = { path: c.path, op: c.op };
    if (c.before !== undefined) out.before = maskValue(c.path, c.before);
    if (c.after !== undefined) out.after = maskValue(c.path, c.after);
    return out;
  });
}

/**
 * Per-field differences between a live object and the object the API server would store
 * (server-side apply dry run). Server-owned metadata and status are ignored. List items with a
 * Kubernetes merge key (`name` for containers, env, volumes; `mountPath` for volumeMounts;
 * `containerPort` / `port` with `protocol` for ports, ...) are matched by that key and named by
 * it in the path, e.g. `spec.template.spec.containers[name=app].env[name=LOG_LEVEL]`, so an
 * inserted item is one added item and a moved item is no change; other lists are matched by
 * index (`spec.template.spec.tolerations[0]`). Values are compared as they are, so every change
 * is found; a Secret's `data`/`stringData` values are then masked in the result (a changed value
 * shows as a change, never its content).
 *
 * @public
 */
export function diffObjects(
  live: JsonObject | undefined,
  next: JsonObject,
): FieldChange[] {
  const out: FieldChange[] = [];
  const a = live ? normalizeForDiff(live) : undefined;
  const b = normalizeForDiff(next);
  walk(a, b, '', out);
  const kind = typeof next.kind === 'string' ? next.kind : undefined;
  return maskSecretChanges(kind, out);
}

/** What a changed Secret value shows on the desired side of an object YAML diff. */
const SECRET_CHANGED_MASK = `${SECRET_MASK} (changed)`;

function maskSecretData(
  obj: JsonObject,
  other: JsonObject | undefined,
  changedMask: string,
): JsonObject {
  const out: JsonObject = { ...obj };
  for (const f of SECRET_DATA_FIELDS) {
    const data = obj[f];
    if (!isObj(data)) continue;
    const was = other?.[f];
    out[f] = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [
        k,
        isObj(was) &&
        was[k] !== undefined &&
        JSON.stringify(was[k]) !== JSON.stringify(v)
          ? changedMask
          : SECRET_MASK,
      ]),
    );
  }
  return out;
}

/**
 * The two sides of an object diff as a YAML diff shows them: each normalized as
 * {@link diffObjects} compares it (no status, no server-owned metadata) and, for a Secret, every
 * value under `data` and `stringData` masked: `***` where it is the same on both sides, and
 * `*** (changed)` on the desired side where it changes (never the value). `live` is absent for an
 * object to create.
 *
 * @public
 */
export function diffSides(
  live: JsonObject | undefined,
  next: JsonObject,
): { live?: JsonObject; desired: JsonObject } {
  const a = live ? normalizeForDiff(live) : undefined;
  const b = normalizeForDiff(next);
  if (next.kind !== 'Secret') return { ...(a ? { live: a } : {}), desired: b };
  return {
    ...(a ? { live: maskSecretData(a, undefined, SECRET_MASK) } : {}),
    desired: maskSecretData(b, a, SECRET_CHANGED_MASK),
  };
}
