/**
 * Timoni's runtime attributes: `field: <default or type> @timoni(runtime:<string|number|bool>:<NAME>)`.
 * When a runtime value named NAME is supplied, the field's value is replaced by that value as a
 * CUE literal of the declared type; otherwise the field is left as written (Timoni's
 * `RuntimeInjector`), so a field without a default then fails as an incomplete value.
 */

const ATTR_RE = /@timoni\(\s*runtime\s*:\s*([^:)\s]*)\s*:\s*([^)\s]*)\s*\)/g;

/** A runtime attribute found in a bundle file. */
export interface RuntimeAttribute {
  name: string;
  type: string;
  file: string;
  line: number;
}

/** Result of injecting runtime values into one CUE file. */
export interface InjectResult {
  text: string;
  /** Every runtime attribute of the file. */
  attributes: RuntimeAttribute[];
  /** Names of attributes that had no runtime value. */
  unresolved: string[];
  /** Those of them whose field has no default value written next to it (they must be given). */
  required: string[];
}

/** CUE number literals (decimal, float, hex, octal, binary, with `_` and multipliers). */
const NUMBER_RE =
  /^[+-]?(?:(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?|0x[\da-fA-F_]+|0o[0-7_]+|0b[01_]+)(?:[KMGTP]i?)?$/;

/**
 * The CUE literal for a runtime value of the given type. Errors never quote the value (it may be
 * a secret).
 */
export function runtimeLiteral(type: string, value: string): string {
  switch (type) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!NUMBER_RE.test(value)) throw new Error('value must be a number');
      return value;
    case 'bool':
      if (value !== 'true' && value !== 'false')
        throw new Error("value must be 'true' or 'false'");
      return value;
    default:
      throw new Error(`unknown type '${type}' must be string, number or bool`);
  }
}

/**
 * Index of the colon that starts the value of the innermost field on a line, scanning up to
 * `end`: the last `:` outside strings and brackets. -1 when there is none (the value starts on an
 * earlier line) or when a comment starts before `end`.
 */
function valueColon(line: string, end: number): number {
  let depth = 0;
  let colon = -1;
  for (let i = 0; i < end; i++) {
    const c = line[i];
    if (c === '"' || c === "'") {
      i++;
      while (i < end && line[i] !== c) i += line[i] === '\\' ? 2 : 1;
    } else if (c === '/' && line[i + 1] === '/') return -1;
    else if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) depth--;
    else if (c === ':' && depth === 0) colon = i;
    if (depth < 0) return -1;
  }
  return colon;
}

/** True when the attribute at `at` sits inside a `//` comment or a string on that line. */
function inCommentOrString(line: string, at: number): boolean {
  for (let i = 0; i < at; i++) {
    const c = line[i];
    if (c === '"' || c === "'") {
      i++;
      while (i < line.length && line[i] !== c) i += line[i] === '\\' ? 2 : 1;
      if (i >= at) return true;
    } else if (c === '/' && line[i + 1] === '/') return true;
  }
  return false;
}

/** A concrete value or a marked default (`"x"`, `1`, `true`, `*"x" | string`), not a bare type. */
function hasDefault(valueText: string): boolean {
  return /^\s*(?:["'\d.+-]|true\b|false\b|null\b)|\*/.test(valueText);
}

function injectLine(
  line: string,
  lineNo: number,
  file: string,
  values: Record<string, string>,
  out: InjectResult,
): string {
  let result = line;
  const matches = [...line.matchAll(ATTR_RE)].filter(
    m => !inCommentOrString(line, m.index ?? 0),
  );
  for (const m of matches.reverse()) {
    const [, type, name] = m;
    const at = m.index ?? 0;
    const where = `${file}:${lineNo}`;
    if (!name)
      throw new Error(
        `${where}: invalid attribute '${m[0]}': expected @timoni(runtime:<string|number|bool>:<NAME>)`,
      );
    out.attributes.push({ name, type, file, line: lineNo });
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      out.unresolved.push(name);
      const colon = valueColon(result, at);
      if (colon < 0 || !hasDefault(result.slice(colon + 1, at)))
        out.required.push(name);
      continue;
    }
    let literal: string;
    try {
      literal = runtimeLiteral(type, values[name]);
    } catch (e) {
      throw new Error(
        `${where}: failed to parse attribute '@timoni(runtime:${type}:${name})': ${
          (e as Error).message
        }`,
      );
    }
    const colon = valueColon(result, at);
    if (colon < 0)
      throw new Error(
        `${where}: cannot set runtime value ${name}: write the field and its @timoni attribute on one line (label: value @timoni(...))`,
      );
    result = `${result.slice(0, colon + 1)} ${literal} ${result.slice(at)}`;
  }
  return result;
}

/**
 * Replaces the value of every field carrying `@timoni(runtime:TYPE:NAME)` whose NAME is in
 * `values` (Timoni's RuntimeInjector, on source text: the field and its attribute must share a
 * line, as `cue fmt` writes them).
 */
export function injectRuntimeValues(
  text: string,
  file: string,
  values: Record<string, string>,
): InjectResult {
  const out: InjectResult = {
    text: '',
    attributes: [],
    unresolved: [],
    required: [],
  };
  out.text = text
    .split('\n')
    .map((line, i) =>
      line.includes('@timoni(')
        ? injectLine(line, i + 1, file, values, out)
        : line,
    )
    .join('\n');
  return out;
}
