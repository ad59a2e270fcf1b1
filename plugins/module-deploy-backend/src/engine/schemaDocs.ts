import {
  JsonValue,
  ValuesJsonSchema,
} from '@periscope/backstage-plugin-module-deploy-common';

/** What the CUE source says about one field of `#Config`, beyond its type and default. */
export interface FieldDoc {
  /** The doc comment right above the field, lines joined with spaces. */
  description?: string;
  /** The allowed values when the field is a disjunction of literals, e.g. `*"a" | "b"`. */
  enum?: JsonValue[];
}

/** A field declaration line: `name:`, `name?:`, `name!:` or `"quoted-name":`, then its value. */
const FIELD = /^([A-Za-z_$][\w$-]*|"(?:[^"\\]|\\.)*")[?!]?:\s*(.*)$/;
const LITERAL = /^(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)$/;

/** Braces that open minus braces that close, outside string literals and comments. */
function braceBalance(line: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '/' && line[i + 1] === '/') break;
    else if (ch === '{') depth++;
    else if (ch === '}') depth--;
  }
  return depth;
}

/** The literals of `*"a" | "b" | "c"` (the `*` marks the default), else undefined. */
function literalDisjunction(value: string): JsonValue[] | undefined {
  const parts = value.split('|').map(p => p.trim().replace(/^\*/, '').trim());
  if (parts.length < 2 || !parts.every(p => LITERAL.test(p))) return undefined;
  try {
    const values = parts.map(p => JSON.parse(p) as JsonValue);
    // `*false | true` says no more than the boolean type does
    return values.every(v => typeof v === 'boolean') ? undefined : values;
  } catch {
    return undefined;
  }
}

function unquote(name: string): string {
  if (!name.startsWith('"')) return name;
  try {
    return JSON.parse(name) as string;
  } catch {
    return name;
  }
}

/**
 * Doc comments and literal enums of the fields in `cue def -e '#Config'` output (which `cue`
 * prints formatted, one field per line, with the comments of the source), keyed by the dotted
 * path of each field. Definitions (`#Name`), hidden fields and anything the scan does not
 * recognise are skipped: the result only adds to a schema, it never decides validity (CUE does).
 */
export function parseConfigDocs(cueDef: string): Map<string, FieldDoc> {
  const docs = new Map<string, FieldDoc>();
  // stack[d] is the path of the struct open at brace depth d (undefined: not a plain field)
  const stack: Array<string[] | undefined> = [[]];
  let depth = 0;
  let comment: string[] = [];
  for (const raw of cueDef.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('//')) {
      comment.push(line.replace(/^\/\/\s?/, ''));
      continue;
    }
    const balance = braceBalance(line);
    const field = FIELD.exec(line);
    const parent = stack[depth];
    let opened: string[] | undefined;
    if (!field && depth === 0 && /^_#def:/.test(line)) {
      // `cue def -e <expr>` prints the expression as `_#def: ... & {fields}`
      opened = [];
    } else if (field && parent) {
      const path = [...parent, unquote(field[1])];
      const key = path.join('.');
      const doc: FieldDoc = docs.get(key) ?? {};
      if (comment.length > 0 && !doc.description) doc.description = comment.join(' ');
      const literals = literalDisjunction(field[2].replace(/,\s*$/, ''));
      if (literals && !doc.enum) doc.enum = literals;
      if (doc.description || doc.enum) docs.set(key, doc);
      opened = path;
    }
    comment = [];
    if (balance > 0) {
      // the field's struct opens on this line; deeper levels opened on it are not plain fields
      stack[depth + 1] = opened;
      for (let d = depth + 2; d <= depth + balance; d++) stack[d] = undefined;
    }
    depth = Math.max(0, depth + balance);
    stack.length = depth + 1;
  }
  return docs;
}

/**
 * A copy of `schema` with the description and enum of each documented field that the schema
 * has (fields the schema does not list are not added). An enum is kept only when the field's
 * default is one of its values, so a misread disjunction never contradicts the module.
 */
export function withFieldDocs(
  schema: ValuesJsonSchema,
  docs: Map<string, FieldDoc>,
  path: string[] = [],
): ValuesJsonSchema {
  const doc = path.length ? docs.get(path.join('.')) : undefined;
  const out: ValuesJsonSchema = { ...schema };
  if (doc?.description && !out.description) out.description = doc.description;
  if (
    doc?.enum &&
    !out.enum &&
    (out.default === undefined ||
      doc.enum.some(v => JSON.stringify(v) === JSON.stringify(out.default)))
  )
    out.enum = doc.enum;
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [
        k,
        withFieldDocs(v, docs, [...path, k]),
      ]),
    );
  }
  return out;
}
