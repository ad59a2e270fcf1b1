import { isSensitiveName, maskSensitiveDefaults } from './sensitive';
import { JsonObject, JsonValue } from './types';

/**
 * The subset of JSON Schema (draft 2020-12) produced for a module's values.
 *
 * @public
 */
export interface ValuesJsonSchema {
  $schema?: string;
  title?: string;
  description?: string;
  type?:
    | 'object'
    | 'array'
    | 'string'
    | 'number'
    | 'integer'
    | 'boolean'
    | 'null';
  properties?: Record<string, ValuesJsonSchema>;
  required?: string[];
  items?: ValuesJsonSchema;
  default?: JsonValue;
  additionalProperties?: boolean;
  readOnly?: boolean;
  /**
   * The field holds a secret: the module marks it `@periscope(sensitive)` or its name matches
   * `SENSITIVE_NAME_PATTERN`. Its value is masked in every answer and never stored in the
   * database; its default shows as the mask.
   */
  sensitive?: boolean;
  /**
   * The platform team marks the field as one most service owners set: the module puts
   * `@periscope(common)` on it (`@periscope(common, sensitive)` for both marks). The values form
   * shows common fields first and open, the others in collapsed sections.
   */
  common?: boolean;
  /** Constraints a module may declare; shown on the Modules page when present. */
  enum?: JsonValue[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
}

function typeOf(v: JsonValue): ValuesJsonSchema['type'] {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as 'string' | 'boolean';
}

function build(
  v: JsonValue,
  required: string[][],
  path: string[],
): ValuesJsonSchema {
  const type = typeOf(v);
  if (type === 'object') {
    const obj = v as JsonObject;
    const properties: Record<string, ValuesJsonSchema> = {};
    for (const k of Object.keys(obj)) {
      properties[k] = build(obj[k], required, [...path, k]);
      if (isSensitiveName(k)) properties[k].sensitive = true;
    }
    const req = required
      .filter(
        r => r.length === path.length + 1 && path.every((p, i) => r[i] === p),
      )
      .map(r => r[r.length - 1]);
    for (const r of req)
      if (!properties[r])
        properties[r] = isSensitiveName(r) ? { sensitive: true } : {};
    return {
      type,
      properties,
      ...(req.length ? { required: req } : {}),
      additionalProperties: true,
      default: v,
    };
  }
  if (type === 'array') {
    const arr = v as JsonValue[];
    return {
      type,
      ...(arr.length ? { items: build(arr[0], [], []) } : {}),
      default: v,
    };
  }
  return { type, default: v };
}

/**
 * Builds the JSON Schema of a module's values from what CUE evaluates: `defaults` is the
 * module's `values` exported with its defaults (every field that has a value, with its type
 * and default), `required` the paths CUE reports as `field is required but not present` when
 * no defaults are given. Fields Timoni injects at run time (`metadata.name`,
 * `metadata.namespace`, `moduleVersion`, `kubeVersion`) are marked read-only. Fields whose name
 * matches `SENSITIVE_NAME_PATTERN` are marked `sensitive`, and the defaults of sensitive fields
 * are masked.
 *
 * @public
 */
export function valuesSchemaFrom(
  defaults: JsonObject,
  required: string[][],
  title?: string,
): ValuesJsonSchema {
  const root = build(defaults, required, []);
  const injected: string[][] = [
    ['metadata', 'name'],
    ['metadata', 'namespace'],
    ['moduleVersion'],
    ['kubeVersion'],
  ];
  for (const path of injected) {
    let cur: ValuesJsonSchema | undefined = root;
    for (const p of path.slice(0, -1)) cur = cur?.properties?.[p];
    const leaf = cur?.properties?.[path[path.length - 1]];
    if (leaf) leaf.readOnly = true;
    if (cur?.required) {
      cur.required = cur.required.filter(r => r !== path[path.length - 1]);
      if (!cur.required.length) delete cur.required;
    }
  }
  return maskSensitiveDefaults({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(title ? { title } : {}),
    ...root,
  });
}
