import type { ValuesJsonSchema } from './schema';
import { JsonObject, JsonValue } from './types';

/**
 * Error raised when an overlay cannot be merged into the base values.
 *
 * @public
 */
export class ValuesMergeError extends Error {
  constructor(readonly path: string, message: string) {
    super(`values${path ? `.${path}` : ''}: ${message}`);
    this.name = 'ValuesMergeError';
  }
}

function kindOf(v: JsonValue): 'struct' | 'list' | 'scalar' {
  if (Array.isArray(v)) return 'list';
  if (v !== null && typeof v === 'object') return 'struct';
  return 'scalar';
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const seg = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? key
    : JSON.stringify(key);
  return path ? `${path}.${seg}` : seg;
}

function mergeAt(overlay: JsonValue, base: JsonValue, path: string): JsonValue {
  const baseKind = kindOf(base);
  if (baseKind === 'scalar') return overlay;
  if (kindOf(overlay) !== baseKind) {
    throw new ValuesMergeError(
      path,
      `the overlay sets a ${kindOf(
        overlay,
      )} where the module's values have a ${baseKind}; ` +
        `CUE cannot unify them (conflicting values)`,
    );
  }
  if (baseKind === 'list') {
    const o = overlay as JsonValue[];
    const b = base as JsonValue[];
    const n = Math.min(o.length, b.length);
    const out: JsonValue[] = [];
    for (let i = 0; i < n; i++) out.push(mergeAt(o[i], b[i], join(path, i)));
    return out;
  }
  const o = overlay as JsonObject;
  const b = base as JsonObject;
  const out: JsonObject = { ...o };
  for (const key of Object.keys(b)) {
    out[key] = key in o ? mergeAt(o[key], b[key], join(path, key)) : b[key];
  }
  return out;
}

/**
 * Merges values overlays in order over the module's default values, with Timoni's override
 * merge (`internal/engine/utils.go` `MergeValue`), which is not CUE unification:
 * - an overlay scalar replaces the base value;
 * - structs merge key by key (overlay keys first, then keys only the base has);
 * - lists merge element by element and are truncated to the shorter of the two lists.
 *
 * @public
 */
export function mergeValues(
  base: JsonObject,
  overlays: JsonObject[],
): JsonObject {
  let out: JsonValue = base;
  for (const overlay of overlays) out = mergeAt(overlay, out, '');
  return out as JsonObject;
}

function cueLabel(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) &&
    !key.startsWith('_') &&
    !key.startsWith('#')
    ? key
    : JSON.stringify(key);
}

function formatCueAt(v: JsonValue, indent: string): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const inner = `${indent}\t`;
    return `[${v.map(e => `${formatCueAt(e, inner)}`).join(', ')}]`;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    const inner = `${indent}\t`;
    const lines = keys.map(
      k => `${inner}${cueLabel(k)}: ${formatCueAt(v[k], inner)}`,
    );
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

/**
 * Formats JSON values as CUE source, the form Timoni keeps in `Instance.values`.
 *
 * @public
 */
export function formatCue(value: JsonValue): string {
  return formatCueAt(value, '');
}

function isValuesObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function sameValue(
  a: JsonValue | undefined,
  b: JsonValue | undefined,
): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Turns what the form submits (the whole values tree, defaults included) into the overlay to
 * render: fields Timoni injects (`readOnly` in the schema) are dropped, and so is every leaf
 * equal to the module's default unless the current values set it. Derived defaults (labels
 * computed from the instance name, the cluster version) thus never pin stale values. The
 * backend renders this overlay; the values form's YAML mode shows it.
 *
 * @public
 */
export function valuesOverlay(
  submitted: JsonObject,
  schema: ValuesJsonSchema | undefined,
  current: JsonObject = {},
): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(submitted)) {
    const prop = schema?.properties?.[key];
    if (prop?.readOnly) continue;
    const cur = current[key];
    if (isValuesObject(value) && (prop?.type === 'object' || !prop)) {
      const nested = valuesOverlay(value, prop, isValuesObject(cur) ? cur : {});
      if (Object.keys(nested).length) out[key] = nested;
      continue;
    }
    if (
      cur === undefined &&
      prop &&
      prop.default !== undefined &&
      sameValue(prop.default, value)
    )
      continue;
    out[key] = value;
  }
  return out;
}
