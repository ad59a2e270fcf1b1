import {
  JsonValue,
  ValuesJsonSchema,
  isSensitiveName,
  maskSensitiveDefaults,
} from '@periscope/backstage-plugin-module-deploy-common';

/** What the CUE source says about one field of `#Config`, beyond its type and default. */
export interface FieldDoc {
  /** The doc comment right above the field, lines joined with spaces. */
  description?: string;
  /** The allowed values when the field is a disjunction of literals, e.g. `*"a" | "b"`. */
  enum?: JsonValue[];
  /** The field carries the `@periscope(sensitive)` attribute. */
  sensitive?: boolean;
  /** The field carries the `@periscope(common)` attribute: the form shows it first. */
  common?: boolean;
}

/** The flags of the `@periscope(...)` attributes in a line, e.g. `@periscope(common, sensitive)`. */
function periscopeFlags(line: string): Set<string> {
  const flags = new Set<string>();
  for (const m of line.matchAll(/@periscope\(([^()]*)\)/g))
    for (const f of m[1].split(',')) if (f.trim()) flags.add(f.trim());
  return flags;
}
/** Field attributes (`@name(...)`) at the end of a value, e.g. `string @periscope(sensitive)`. */
const TRAILING_ATTRS = /(?:\s*@[A-Za-z_][\w-]*\([^()]*\))+\s*,?\s*$/;

/** A field declaration line: `name:`, `name?:`, `name!:` or `"quoted-name":`, then its value. */
const FIELD = /^([A-Za-z_$][\w$-]*|"(?:[^"\\]|\\.)*")[?!]?:\s*(.*)$/;
const LITERAL = /^(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)$/;
/** `let NAME = {`: how `cue def --inline-imports` prints an imported definition. */
const LET = /^let\s+([A-Za-z_]\w*)\s*=\s*\{\s*$/;
/** A definition field inside such a block, e.g. `#x: {`. */
const DEF_FIELD = /^(#[A-Za-z_]\w*)[?!]?:\s*(.*)$/;
/** A field value that starts with a reference to an inlined definition, e.g. `IMAGE.#x & {`. */
const LET_REF = /^([A-Za-z_]\w*)\.(#[A-Za-z_]\w*)(?=\s|&|$)/;
/** Path prefix of the docs found inside `let` blocks (not a values path; dropped at the end). */
const LET_MARK = '\u0000let';

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
 * path of each field. With `--inline-imports`, fields of imported definitions (e.g. timoni's
 * `#Image`, printed as `let IMAGE = { #x: {...} }` and used as `image: IMAGE.#x`) get theirs too. Definitions (`#Name`), hidden fields and anything the scan does not
 * recognise are skipped: the result only adds to a schema, it never decides validity (CUE does).
 */
export function parseConfigDocs(cueDef: string): Map<string, FieldDoc> {
  const docs = new Map<string, FieldDoc>();
  // [field path, definition path]: a field whose value is an inlined imported definition
  const refs: Array<[string, string]> = [];
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
    // `} @periscope(sensitive)`: the attribute of the struct field that this line closes
    const closing = /^}/.test(line) ? periscopeFlags(line) : new Set<string>();
    if ((closing.has('sensitive') || closing.has('common')) && depth > 0) {
      const closed = stack[depth];
      if (closed?.length && closed[0] !== LET_MARK) {
        const key = closed.join('.');
        docs.set(key, {
          ...docs.get(key),
          ...(closing.has('sensitive') ? { sensitive: true } : {}),
          ...(closing.has('common') ? { common: true } : {}),
        });
      }
    }
    const parent = stack[depth];
    const field =
      FIELD.exec(line) ??
      (parent?.[0] === LET_MARK ? DEF_FIELD.exec(line) : null);
    const letBlock = depth === 0 ? LET.exec(line) : null;
    let opened: string[] | undefined;
    if (!field && depth === 0 && /^_#def:/.test(line)) {
      // `cue def -e <expr>` prints the expression as `_#def: ... & {fields}`
      opened = [];
    } else if (letBlock) {
      // `--inline-imports` prints each imported definition once, as `let NAME = { #x: ... }`
      opened = [LET_MARK, letBlock[1]];
    } else if (field && parent) {
      const path = [...parent, unquote(field[1])];
      const key = path.join('.');
      const doc: FieldDoc = docs.get(key) ?? {};
      if (comment.length > 0 && !doc.description)
        doc.description = comment.join(' ');
      const flags = periscopeFlags(field[2]);
      if (flags.has('sensitive')) doc.sensitive = true;
      if (flags.has('common')) doc.common = true;
      const literals = literalDisjunction(
        field[2].replace(TRAILING_ATTRS, '').replace(/,\s*$/, ''),
      );
      if (literals && !doc.enum) doc.enum = literals;
      if (doc.description || doc.enum || doc.sensitive || doc.common)
        docs.set(key, doc);
      const ref = LET_REF.exec(field[2]);
      if (ref) refs.push([key, [LET_MARK, ref[1], ref[2]].join('.')]);
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
  graftDefinitionDocs(docs, refs);
  for (const key of [...docs.keys()])
    if (key.startsWith(LET_MARK)) docs.delete(key);
  return docs;
}

/**
 * Copies the docs of an inlined definition's fields under each field that refers to it (its own
 * docs win). Definitions refer to other definitions, so this repeats until nothing changes
 * (bounded: a definition that refers to itself adds nothing new after its first copy).
 */
function graftDefinitionDocs(
  docs: Map<string, FieldDoc>,
  refs: Array<[string, string]>,
): void {
  for (let round = 0; round < 8; round++) {
    let changed = false;
    for (const [target, source] of refs) {
      for (const [key, doc] of [...docs]) {
        if (!key.startsWith(`${source}.`)) continue;
        const copy = `${target}${key.slice(source.length)}`;
        if (docs.has(copy) || copy.split('.').length > 12) continue;
        docs.set(copy, doc);
        changed = true;
      }
    }
    if (!changed) return;
  }
}

/**
 * A copy of `schema` with the description, enum, sensitivity and common mark of each documented field that
 * the schema has. Other fields are not added, except sensitive ones (by the attribute or the
 * name: an optional field without a default, `apiToken?: string`, is in no export), which are
 * added to their object as `{ sensitive: true }` with their description. An enum is kept only when
 * the field's default is one of its values, so a misread disjunction never contradicts the
 * module. The defaults of sensitive fields are masked.
 */
export function withFieldDocs(
  schema: ValuesJsonSchema,
  docs: Map<string, FieldDoc>,
  path: string[] = [],
): ValuesJsonSchema {
  const out = addFieldDocs(schema, docs, path);
  return path.length ? out : maskSensitiveDefaults(out);
}

function addFieldDocs(
  schema: ValuesJsonSchema,
  docs: Map<string, FieldDoc>,
  path: string[],
): ValuesJsonSchema {
  const doc = path.length ? docs.get(path.join('.')) : undefined;
  const out: ValuesJsonSchema = { ...schema };
  if (doc?.sensitive) out.sensitive = true;
  if (doc?.common) out.common = true;
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
        addFieldDocs(v, docs, [...path, k]),
      ]),
    );
  }
  if (schema.type === 'object' || schema.properties) {
    const prefix = path.length ? `${path.join('.')}.` : '';
    for (const [key, d] of docs) {
      const name = key.slice(prefix.length);
      if (!key.startsWith(prefix) || name.includes('.')) continue;
      if (!d.sensitive && !isSensitiveName(name)) continue;
      if (out.properties?.[name]) continue;
      out.properties = {
        ...out.properties,
        [name]: {
          sensitive: true,
          ...(d.description ? { description: d.description } : {}),
        },
      };
    }
  }
  return out;
}
