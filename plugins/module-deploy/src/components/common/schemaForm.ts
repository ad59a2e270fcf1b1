import type {
  JsonObject,
  ValuesIssue,
  ValuesJsonSchema,
} from '@periscope/backstage-plugin-module-deploy-common';

/** The instance name the engine evaluates schemas with: defaults equal to it are derived from the instance name. */
const PLACEHOLDER = 'schema';
/** Derived from the cluster's Kubernetes version by Timoni's conventional module layout. */
const DERIVED_TOP_LEVEL = ['clusterVersion'];

type UiSchema = { [key: string]: UiSchema | string };

function hidden(s: ValuesJsonSchema): boolean {
  if (s.readOnly) return true;
  if (s.type === 'string' && s.default === PLACEHOLDER) return true;
  if (s.type === 'object' && s.properties && Object.keys(s.properties).length) {
    return Object.values(s.properties).every(hidden);
  }
  return false;
}

/** Whether the form hides a field: injected (`readOnly`) or derived from injected values. */
export function isHiddenField(
  key: string,
  prop: ValuesJsonSchema,
  top: boolean,
): boolean {
  return hidden(prop) || (top && DERIVED_TOP_LEVEL.includes(key));
}

/**
 * Hides what the user cannot set: injected (`readOnly`) fields and values derived from them.
 * Sensitive fields are password inputs: the backend sends their current value as the mask
 * (`••••`), and sending the mask back keeps the value.
 */
export function uiSchemaFor(schema: ValuesJsonSchema, top = true): UiSchema {
  const ui: UiSchema = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (isHiddenField(key, prop, top)) ui[key] = { 'ui:widget': 'hidden' };
    else if (prop.type === 'object') ui[key] = uiSchemaFor(prop, false);
    else if (prop.sensitive && (prop.type === 'string' || !prop.type))
      ui[key] = { 'ui:widget': 'password' };
  }
  return ui;
}

/** JSON Schema for RJSF's ajv (draft-07): without the 2020-12 `$schema` keyword. */
export function formSchema(schema: ValuesJsonSchema): ValuesJsonSchema {
  const { $schema, ...rest } = schema;
  return rest;
}

type ErrorSchema = {
  __errors?: string[];
  [key: string]: ErrorSchema | string[] | undefined;
};

/** The engine's issues as RJSF `extraErrors`, placed on the field they are about. */
export function extraErrorsFor(issues: ValuesIssue[]): ErrorSchema {
  const root: ErrorSchema = {};
  for (const issue of issues) {
    if (issue.valuesPath === undefined) continue;
    let cur = root;
    for (const part of issue.valuesPath.split('.').filter(Boolean)) {
      cur[part] = (cur[part] as ErrorSchema) ?? {};
      cur = cur[part] as ErrorSchema;
    }
    cur.__errors = [...(cur.__errors ?? []), issue.message];
  }
  return root;
}

/** Leaf-level differences between two values trees, for the history's values diff. */
export function diffValues(
  a: JsonObject,
  b: JsonObject,
  prefix = '',
): Array<{ path: string; before?: unknown; after?: unknown }> {
  const out: Array<{ path: string; before?: unknown; after?: unknown }> = [];
  const isObj = (v: unknown): v is JsonObject =>
    !!v && typeof v === 'object' && !Array.isArray(v);
  for (const key of [
    ...new Set([...Object.keys(a), ...Object.keys(b)]),
  ].sort()) {
    const path = prefix ? `${prefix}.${key}` : key;
    const [x, y] = [a[key], b[key]];
    if (isObj(x) && isObj(y)) out.push(...diffValues(x, y, path));
    else if (JSON.stringify(x) !== JSON.stringify(y))
      out.push({ path, before: x, after: y });
  }
  return out;
}
