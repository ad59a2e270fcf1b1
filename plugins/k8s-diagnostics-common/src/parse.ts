import {
  Document,
  LineCounter,
  Node as YamlNode,
  isNode,
  parseAllDocuments,
} from 'yaml';
import { KubeObject } from './model';

/**
 * Thrown when a file does not hold valid Kubernetes objects; the message names the source
 * and, where known, the line.
 *
 * @public
 */
export class ObjectParseError extends Error {
  readonly source: string;
  readonly line?: number;
  constructor(source: string, line: number | undefined, detail: string) {
    super(`${source}${line !== undefined ? `:${line}` : ''}: ${detail}`);
    this.name = 'ObjectParseError';
    this.source = source;
    this.line = line;
  }
}

interface Located {
  value: unknown;
  line?: number;
  where: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function isList(v: Record<string, unknown>): boolean {
  return (
    typeof v.kind === 'string' &&
    v.kind.endsWith('List') &&
    Array.isArray(v.items)
  );
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object'
    ? 'an object'
    : `a ${typeof v} (${JSON.stringify(v).slice(0, 40)})`;
}

function validate(source: string, item: Located): KubeObject {
  const v = item.value;
  if (!isRecord(v)) {
    throw new ObjectParseError(
      source,
      item.line,
      `${item.where} is ${describe(
        v,
      )}, not a Kubernetes object (a mapping with apiVersion, kind and metadata)`,
    );
  }
  const missing = ['apiVersion', 'kind'].filter(
    k => typeof v[k] !== 'string' || (v[k] as string) === '',
  );
  if (missing.length > 0) {
    const name =
      isRecord(v.metadata) && typeof v.metadata.name === 'string'
        ? ` "${v.metadata.name}"`
        : '';
    throw new ObjectParseError(
      source,
      item.line,
      `${item.where}${name} has no ${missing.join(
        ' and ',
      )}; every Kubernetes object needs both ` +
        `(export objects with "kubectl get -o yaml" rather than writing fragments)`,
    );
  }
  if (
    !isRecord(v.metadata) ||
    typeof v.metadata.name !== 'string' ||
    v.metadata.name === ''
  ) {
    throw new ObjectParseError(
      source,
      item.line,
      `${item.where} (${v.kind}) has no metadata.name; every Kubernetes object needs a name`,
    );
  }
  return v as KubeObject;
}

/** Flattens `kind: List` / `PodList`-style documents; typed list items inherit kind and apiVersion. */
function expand(
  item: Located,
  itemLine: (i: number) => number | undefined,
): Located[] {
  const v = item.value;
  if (!isRecord(v) || !isList(v)) return [item];
  const listKind = v.kind as string;
  const itemKind =
    listKind === 'List' ? undefined : listKind.slice(0, -'List'.length);
  return (v.items as unknown[]).map((child, i) => {
    let value = child;
    if (itemKind && isRecord(child)) {
      value = { apiVersion: v.apiVersion, kind: itemKind, ...child };
    }
    return {
      value,
      line: itemLine(i) ?? item.line,
      where: `${item.where}, item ${i + 1} of ${listKind}`,
    };
  });
}

function jsonErrorLine(text: string, message: string): number | undefined {
  const lineCol = /line (\d+) column/.exec(message);
  if (lineCol) return Number(lineCol[1]);
  const pos = /position (\d+)/.exec(message);
  if (!pos) return undefined;
  return text.slice(0, Number(pos[1])).split('\n').length;
}

function parseJson(text: string, source: string): Located[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    throw new ObjectParseError(
      source,
      jsonErrorLine(text, message),
      `invalid JSON: ${message}`,
    );
  }
  const top: Located[] = Array.isArray(value)
    ? value.map((v, i) => ({ value: v, where: `element ${i + 1}` }))
    : [{ value, where: 'document' }];
  return top.flatMap(t => expand(t, () => undefined));
}

function nodeLine(node: unknown, lc: LineCounter): number | undefined {
  if (isNode(node) && (node as YamlNode).range) {
    return lc.linePos((node as YamlNode).range![0]).line;
  }
  return undefined;
}

function parseYaml(text: string, source: string): Located[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
  });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  const out: Located[] = [];
  docs.forEach((doc, d) => {
    const err = doc.errors[0];
    if (err) {
      const line = lineCounter.linePos(err.pos[0]).line;
      throw new ObjectParseError(
        source,
        line,
        `invalid YAML: ${err.message.split('\n')[0]}`,
      );
    }
    if (doc.contents === null) return;
    const value = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return;
    const line = nodeLine(doc.contents, lineCounter);
    const item: Located = { value, line, where: `document ${d + 1}` };
    out.push(
      ...expand(item, i =>
        nodeLine(doc.getIn(['items', i], true), lineCounter),
      ),
    );
  });
  return out;
}

/**
 * Parses Kubernetes objects from YAML (multi-document) or JSON text: single objects,
 * `kind: List` / typed lists (`kubectl get -A -o json`), JSON arrays. Throws
 * {@link ObjectParseError} naming `sourceName` and the line for syntax errors and for objects
 * without apiVersion, kind or metadata.name.
 *
 * @public
 */
export function parseObjects(text: string, sourceName: string): KubeObject[] {
  const trimmed = text.trimStart();
  const located =
    trimmed.startsWith('{') || trimmed.startsWith('[')
      ? parseJson(text, sourceName)
      : parseYaml(text, sourceName);
  return located.map(l => validate(sourceName, l));
}
