/**
 * Sensitive module values: which fields are sensitive (the module's `@periscope(sensitive)`
 * attribute, carried as `sensitive: true` in the values schema, or the field name), how they are
 * masked in what Periscope stores and answers, and how the masked form sent back by a form is
 * turned into the value it stands for.
 */
import type { ValuesJsonSchema } from './schema';
import type { JsonObject, JsonValue, KubeObject, ObjectDiff } from './types';
import { fieldSegment, keyedSegments } from './diffPath';
import { objectRef } from './inventory';

/**
 * What API responses (history, audit, current values, schema defaults) show instead of a
 * sensitive value. Sent back in a deploy or preview, it stands for the value of the latest
 * revision (the field is kept as it is).
 *
 * @public
 */
export const SENSITIVE_MASK = '••••';

/**
 * The CUE field attribute a module puts on a field of `#Config` to mark it sensitive, e.g.
 * `password: string @periscope(sensitive)`.
 *
 * @public
 */
export const SENSITIVE_ATTRIBUTE = '@periscope(sensitive)';

/**
 * Field names that are sensitive whatever the module says (case-insensitive, anywhere in the
 * name): `password`, `passwd`, `secret`, `token`, `apiKey` / `api_key` / `api-key`,
 * `credential`, `privateKey` / `private_key` / `private-key`.
 *
 * @public
 */
export const SENSITIVE_NAME_PATTERN =
  /passw(?:or)?d|secret|token|api[-_]?key|credential|private[-_]?key/i;

/**
 * Whether a values field is sensitive by its name ({@link SENSITIVE_NAME_PATTERN}).
 *
 * @public
 */
export function isSensitiveName(key: string): boolean {
  return SENSITIVE_NAME_PATTERN.test(key);
}

type Path = Array<string | number>;

function isObj(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * What Periscope's database holds in place of a sensitive value: where the value is kept
 * instead, e.g. `{ "$sensitive": "Secret/shop/periscope-history.web" }` (the instance's
 * revision history in the cluster, from which a rollback re-applies it).
 *
 * @public
 */
export interface SensitiveValueRef {
  $sensitive: string;
}

/**
 * Whether a value is a {@link SensitiveValueRef}.
 *
 * @public
 */
export function isSensitiveValueRef(
  v: JsonValue | undefined,
): v is JsonObject & SensitiveValueRef {
  return (
    isObj(v) && typeof v.$sensitive === 'string' && Object.keys(v).length === 1
  );
}

/**
 * Rebuilds `v`, replacing each scalar leaf (non-empty string or number) under a sensitive field
 * with what `fn` returns. Structure (keys, list lengths) stays; booleans and null stay.
 */
function mapSensitive(
  v: JsonValue,
  schema: ValuesJsonSchema | undefined,
  sensitive: boolean,
  path: Path,
  fn: (leaf: string | number, path: Path) => JsonValue,
): JsonValue {
  if (isSensitiveValueRef(v)) return v; // already masked
  if (Array.isArray(v))
    return v.map((x, i) =>
      mapSensitive(x, schema?.items, sensitive, [...path, i], fn),
    );
  if (isObj(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const child = schema?.properties?.[k];
      out[k] = mapSensitive(
        x,
        child,
        sensitive || child?.sensitive === true || isSensitiveName(k),
        [...path, k],
        fn,
      );
    }
    return out;
  }
  if (
    sensitive &&
    ((typeof v === 'string' && v !== '') || typeof v === 'number')
  )
    return fn(v, path);
  return v;
}

/**
 * A copy of `values` with every sensitive leaf replaced by `replacement` (default
 * {@link SENSITIVE_MASK}). A field is sensitive when the schema marks it (`sensitive: true`,
 * from the module's `@periscope(sensitive)` attribute) or its name matches
 * {@link SENSITIVE_NAME_PATTERN}; everything under a sensitive field is sensitive.
 *
 * @public
 */
export function maskSensitiveValues(
  values: JsonObject,
  schema?: ValuesJsonSchema,
  replacement: JsonValue = SENSITIVE_MASK,
): JsonObject {
  return mapSensitive(
    values,
    schema,
    schema?.sensitive === true,
    [],
    () => replacement,
  ) as JsonObject;
}

/**
 * The sensitive leaves of `values` as strings (unique, longest first): what must not appear in
 * any message, diff or stored record.
 *
 * @public
 */
export function sensitiveStrings(
  values: JsonObject | undefined,
  schema?: ValuesJsonSchema,
): string[] {
  const found = new Set<string>();
  if (values)
    mapSensitive(values, schema, schema?.sensitive === true, [], leaf => {
      if (String(leaf) !== SENSITIVE_MASK) found.add(String(leaf));
      return leaf;
    });
  return [...found].sort((a, b) => b.length - a.length);
}

function valueAt(v: JsonValue | undefined, path: Path): JsonValue | undefined {
  let cur = v;
  for (const p of path) {
    if (typeof p === 'number') cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isObj(cur) ? cur[p] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function dotted(path: Path): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      return i === 0 ? p : `.${p}`;
    })
    .join('');
}

/**
 * Puts back the values that {@link SENSITIVE_MASK} stands for: each sensitive leaf of
 * `submitted` that is the mask gets the value at the same path in `current` (the latest
 * revision's values). Leaves without a current value stay masked (see
 * {@link maskedSensitivePaths}).
 *
 * @public
 */
export function restoreSensitiveValues(
  submitted: JsonObject,
  current: JsonObject | undefined,
  schema?: ValuesJsonSchema,
): JsonObject {
  return mapSensitive(
    submitted,
    schema,
    schema?.sensitive === true,
    [],
    (leaf, path) => {
      if (leaf !== SENSITIVE_MASK) return leaf;
      const cur = valueAt(current, path);
      return cur === undefined || cur === SENSITIVE_MASK ? leaf : cur;
    },
  ) as JsonObject;
}

/**
 * Values paths (e.g. `db.password`, `tokens[0]`) of the sensitive leaves of `values` that are
 * still {@link SENSITIVE_MASK}.
 *
 * @public
 */
export function maskedSensitivePaths(
  values: JsonObject,
  schema?: ValuesJsonSchema,
): string[] {
  const out: string[] = [];
  mapSensitive(values, schema, schema?.sensitive === true, [], (leaf, path) => {
    if (leaf === SENSITIVE_MASK) out.push(dotted(path));
    return leaf;
  });
  return out;
}

function utf8Base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Shorter strings are only masked where they are the whole value, not inside other text. */
const MIN_SUBSTRING = 4;

/** The secrets and their base64 forms, longest first. */
function variants(secrets: string[]): string[] {
  const all = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    all.add(s);
    all.add(utf8Base64(s));
  }
  return [...all].sort((a, b) => b.length - a.length);
}

function scrubString(s: string, forms: string[]): string {
  let out = s;
  for (const f of forms) {
    if (out === f) return SENSITIVE_MASK;
    if (f.length >= MIN_SUBSTRING && out.includes(f))
      out = out.split(f).join(SENSITIVE_MASK);
  }
  return out;
}

function scrubDeep(v: unknown, forms: string[]): unknown {
  if (typeof v === 'string') return scrubString(v, forms);
  if (Array.isArray(v)) return v.map(x => scrubDeep(x, forms));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = scrubDeep(x, forms);
    return out;
  }
  return v;
}

/**
 * A copy of `value` (any JSON-like data: a stream event, an error message, a preview) in which
 * every occurrence of a secret, or of its base64 form, is replaced by {@link SENSITIVE_MASK}.
 * Secrets shorter than 4 characters are masked only where they are a whole string.
 *
 * @public
 */
export function scrubSecrets<T>(value: T, secrets: string[]): T {
  const forms = variants(secrets);
  if (!forms.length) return value;
  return scrubDeep(value, forms) as T;
}

function seg(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return fieldSegment(path, key);
}

/**
 * Paths (in diff notation) of the fields of `obj` whose value holds a secret. An item of a list
 * with a merge key is recorded under both of its names (`env[1]` and `env[name=DSN]`): the diff
 * names it by key unless the live list's items cannot be keyed.
 */
function secretPositions(obj: unknown, forms: string[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, paths: string[], field?: string) => {
    if (typeof v === 'string' || typeof v === 'number') {
      if (scrubString(String(v), forms) !== String(v))
        for (const p of paths) out.add(p);
    } else if (Array.isArray(v)) {
      const keyed = keyedSegments(field, [v as JsonValue[]])?.[0];
      v.forEach((x, i) =>
        walk(
          x,
          paths.flatMap(p => [
            seg(p, i),
            ...(keyed ? [`${p}${keyed[i]}`] : []),
          ]),
        ),
      );
    } else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v))
        walk(
          x,
          paths.map(p => seg(p, k)),
          k,
        );
  };
  walk(obj, ['']);
  return out;
}

function maskAt(
  v: JsonValue | undefined,
  path: string,
  positions: Set<string>,
  forms: string[],
): JsonValue | undefined {
  if (v === undefined) return undefined;
  if (positions.has(path)) return SENSITIVE_MASK;
  if (Array.isArray(v))
    return v.map(
      (x, i) => maskAt(x, seg(path, i), positions, forms) as JsonValue,
    );
  if (isObj(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v))
      out[k] = maskAt(x, seg(path, k), positions, forms) as JsonValue;
    return out;
  }
  return typeof v === 'string' ? scrubString(v, forms) : v;
}

/**
 * A whole object (a diff's `live` or `desired` side) with every field at a secret position
 * masked; list items are looked up by index and, where the list has a merge key, by key, so a
 * live list in another order is masked where its items hold the secret fields.
 */
function maskObject(
  v: JsonValue,
  path: string,
  positions: Set<string>,
  forms: string[],
  field?: string,
): JsonValue {
  if (positions.has(path)) return SENSITIVE_MASK;
  if (Array.isArray(v)) {
    // secretPositions names an item of a keyed list by its key too
    const keyed = keyedSegments(field, [v])?.[0];
    return v.map((x, i) =>
      maskObject(
        x,
        keyed ? `${path}${keyed[i]}` : seg(path, i),
        positions,
        forms,
      ),
    );
  }
  if (isObj(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v))
      out[k] = maskObject(x, seg(path, k), positions, forms, k);
    return out;
  }
  return typeof v === 'string' ? scrubString(v, forms) : v;
}

/**
 * Masks sensitive values in object diffs (previews, drift). A field of a rendered object that
 * holds a secret is masked on both sides, so the live value (which may be an older or
 * hand-edited secret) never shows either; any other occurrence of a secret is scrubbed as in
 * {@link scrubSecrets}. `objects` are the rendered objects the diffs are about. A diff's `live`
 * and `desired` objects are masked the same way, list items matched by their merge key.
 *
 * @public
 */
export function maskSensitiveDiffs(
  diffs: ObjectDiff[],
  objects: KubeObject[],
  secrets: string[],
): ObjectDiff[] {
  const forms = variants(secrets);
  if (!forms.length) return diffs;
  const positions = new Map<string, Set<string>>();
  for (const o of objects)
    positions.set(objectRef(o), secretPositions(o, forms));
  return diffs.map(d => {
    const at = positions.get(d.ref) ?? new Set<string>();
    return scrubDeep(
      {
        ...d,
        changes: d.changes.map(c => ({
          ...c,
          ...(c.before !== undefined
            ? { before: maskAt(c.before, c.path, at, forms) }
            : {}),
          ...(c.after !== undefined
            ? { after: maskAt(c.after, c.path, at, forms) }
            : {}),
        })),
        ...(d.live ? { live: maskObject(d.live, '', at, forms) } : {}),
        ...(d.desired ? { desired: maskObject(d.desired, '', at, forms) } : {}),
      },
      forms,
    ) as ObjectDiff;
  });
}

/**
 * Replaces the defaults of sensitive fields in a values schema by {@link SENSITIVE_MASK}, on the
 * field and in the default trees of the objects above it (in place; returns the schema).
 *
 * @public
 */
export function maskSensitiveDefaults(
  schema: ValuesJsonSchema,
  inherited = false,
): ValuesJsonSchema {
  const sensitive = inherited || schema.sensitive === true;
  if (schema.default !== undefined)
    schema.default = mapSensitive(
      schema.default,
      schema,
      sensitive,
      [],
      () => SENSITIVE_MASK,
    );
  for (const [k, child] of Object.entries(schema.properties ?? {}))
    maskSensitiveDefaults(child, sensitive || isSensitiveName(k));
  if (schema.items) maskSensitiveDefaults(schema.items, sensitive);
  return schema;
}
