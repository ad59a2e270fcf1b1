import type { JsonObject } from '@periscope/backstage-plugin-module-deploy-common';
import { parseDocument, stringify } from 'yaml';

/** What an empty YAML editor says. */
export const EMPTY_VALUES_YAML =
  "# No value differs from the module's defaults. Add the ones to change, e.g.\n# replicas: 2\n";

/** Values as the YAML editor shows them, in the order the module declares them. */
export function valuesToYaml(values: JsonObject): string {
  if (Object.keys(values).length === 0) return EMPTY_VALUES_YAML;
  return stringify(values, { lineWidth: 0 });
}

/** The values typed in the YAML editor, or why they cannot be used and what to do. */
export type ParsedValues =
  | { ok: true; values: JsonObject }
  | { ok: false; error: string };

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

/**
 * Parses the YAML editor's text: a mapping of field names to values (comments only or empty:
 * no values, the module defaults). A syntax error names its line and column.
 */
export function parseValuesYaml(text: string): ParsedValues {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [err] = doc.errors;
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    const what = err.message
      .split('\n')[0]
      .replace(/ at line \d+, column \d+:?$/, '');
    return {
      ok: false,
      error: `Invalid YAML${where}: ${what}. Fix it to preview or deploy, or to switch back to the form.`,
    };
  }
  const v = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (v === null || v === undefined) return { ok: true, values: {} };
  if (typeof v !== 'object' || Array.isArray(v))
    return {
      ok: false,
      error: `The values must be a YAML mapping of field names to values (e.g. "replicas: 2"), not ${kindOf(
        v,
      )}.`,
    };
  return { ok: true, values: v as JsonObject };
}
