import {
  JsonObject,
  JsonValue,
  ValuesJsonSchema,
} from '@periscope/backstage-plugin-module-deploy-common';

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Turns what the form submits (the whole values tree, defaults included) into the overlay to
 * render: fields Timoni injects (`readOnly` in the schema) are dropped, and so is every leaf
 * equal to the module's default unless the current values set it. Derived defaults (labels
 * computed from the instance name, the cluster version) thus never pin stale values.
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
    if (isObject(value) && (prop?.type === 'object' || !prop)) {
      const nested = valuesOverlay(value, prop, isObject(cur) ? cur : {});
      if (Object.keys(nested).length) out[key] = nested;
      continue;
    }
    if (
      cur === undefined &&
      prop &&
      prop.default !== undefined &&
      same(prop.default, value)
    )
      continue;
    out[key] = value;
  }
  return out;
}
