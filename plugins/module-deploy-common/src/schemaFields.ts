import type { ValuesJsonSchema } from './schema';
import type { JsonValue } from './types';

/**
 * One field of a module's values, flattened from its JSON Schema for a readable table.
 *
 * @public
 */
export interface SchemaField {
  /** Values path, e.g. `resources.limits.cpu`; array elements as `ports[]`; odd keys quoted. */
  path: string;
  /** Nesting depth (0 for top-level fields). */
  depth: number;
  /** JSON type, `array of <type>` for arrays, `any` when the schema does not say. */
  type: string;
  /** The module default, as JSON; absent for objects (their fields carry theirs). */
  default?: string;
  required: boolean;
  /** Injected at deploy time (instance name, namespace, module and Kubernetes versions). */
  readOnly: boolean;
  description?: string;
  /** Human-readable constraints: `one of: "a", "b"`, `>= 1`, `pattern ^[a-z]+$`, ... */
  constraints: string[];
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function joinPath(parent: string, key: string): string {
  const k = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${k}` : k;
}

function typeOf(s: ValuesJsonSchema): string {
  if (s.type === 'array')
    return `array of ${s.items ? typeOf(s.items) : 'any'}`;
  return s.type ?? (s.enum ? 'enum' : 'any');
}

const BOUNDS: Array<[keyof ValuesJsonSchema, string]> = [
  ['minimum', '>='],
  ['exclusiveMinimum', '>'],
  ['maximum', '<='],
  ['exclusiveMaximum', '<'],
  ['minLength', 'length >='],
  ['maxLength', 'length <='],
  ['minItems', 'items >='],
  ['maxItems', 'items <='],
];

/**
 * The constraints of one schema node, in words.
 *
 * @public
 */
export function schemaConstraints(s: ValuesJsonSchema): string[] {
  const out: string[] = [];
  if (s.enum?.length)
    out.push(`one of: ${s.enum.map(v => JSON.stringify(v)).join(', ')}`);
  for (const [key, word] of BOUNDS) {
    if (typeof s[key] === 'number') out.push(`${word} ${s[key]}`);
  }
  if (s.pattern) out.push(`pattern ${s.pattern}`);
  if (s.format) out.push(`format ${s.format}`);
  if (s.type === 'object' && s.additionalProperties === false)
    out.push('no other keys');
  if (s.sensitive) out.push('sensitive: masked, never stored in the database');
  return out;
}

function defaultOf(s: ValuesJsonSchema): string | undefined {
  if (s.type === 'object' || s.default === undefined) return undefined;
  return JSON.stringify(s.default as JsonValue);
}

function walk(
  s: ValuesJsonSchema,
  path: string,
  depth: number,
  out: SchemaField[],
): void {
  const required = new Set(s.required ?? []);
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const childPath = joinPath(path, key);
    out.push({
      path: childPath,
      depth,
      type: typeOf(child),
      ...(defaultOf(child) !== undefined ? { default: defaultOf(child) } : {}),
      required: required.has(key),
      readOnly: child.readOnly === true,
      ...(child.description ? { description: child.description } : {}),
      constraints: schemaConstraints(child),
    });
    walk(child, childPath, depth + 1, out);
    if (child.type === 'array' && child.items?.properties)
      walk(child.items, `${childPath}[]`, depth + 1, out);
  }
}

/**
 * Flattens a module's values schema into one row per field, depth first in declaration order,
 * for the Modules page table.
 *
 * @public
 */
export function schemaFields(
  schema: ValuesJsonSchema | undefined,
): SchemaField[] {
  const out: SchemaField[] = [];
  if (schema) walk(schema, '', 0, out);
  return out;
}
