import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonObject } from '@periscope/backstage-plugin-module-deploy-common';
import { parseCueErrors, runProcess } from '../cue/runner';
import { httpStatus } from '../errors';
import { RawObjectApi } from '../cluster/kubeApi';
import { readTextFile } from '../cue/valuesFiles';

/**
 * Timoni's v1alpha1 runtime schema (`api/v1alpha1/runtime.go` `RuntimeSchema`, with the
 * documented `clusters`).
 */
export const RUNTIME_SCHEMA = `import "strings"

#RuntimeValue: {
	query: string
	for: {[string & =~"^(([A-Za-z0-9][-A-Za-z0-9_]*)?[A-Za-z0-9])?$" & strings.MaxRunes(63) & strings.MinRunes(1)]: string}
	optional: *false | bool
}

#Runtime: {
	apiVersion: string & =~"^v1alpha1$"
	name:       string & =~"^(([A-Za-z0-9][-A-Za-z0-9_]*)?[A-Za-z0-9])?$" & strings.MaxRunes(63) & strings.MinRunes(1)
	clusters?: [string & =~"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" & strings.MaxRunes(63) & strings.MinRunes(1)]: {
		group!:       string
		kubeContext!: string
	}
	values: [...#RuntimeValue]
}

runtime: #Runtime
`;

/**
 * One `runtime.values` entry: a Kubernetes object and the CUE expressions that pick its fields.
 *
 * @public
 */
export interface RuntimeQuery {
  query: string;
  for: Record<string, string>;
  optional: boolean;
}

/**
 * A cluster of a runtime (`runtime.clusters.<name>`): Timoni's `RuntimeCluster`.
 *
 * @public
 */
export interface RuntimeCluster {
  name: string;
  group: string;
  /** The kubeconfig context; empty for the default cluster (the `--context` given, or the current one). */
  kubeContext: string;
}

/**
 * A parsed runtime file; clusters in declaration order (the order `timoni bundle apply` walks them).
 *
 * @public
 */
export interface RuntimeSpec {
  name: string;
  clusters: RuntimeCluster[];
  values: RuntimeQuery[];
}

/** Name and group of the cluster a runtime without `clusters` targets (`apiv1.RuntimeDefaultName`). */
export const DEFAULT_RUNTIME_CLUSTER = '_default';

/**
 * The cluster a runtime without `clusters` (or no runtime at all) targets: the kubeconfig
 * context given with `--context`, else the current one (Timoni's `DefaultRuntime`).
 *
 * @public
 */
export function defaultRuntimeCluster(kubeContext = ''): RuntimeCluster {
  return {
    name: DEFAULT_RUNTIME_CLUSTER,
    group: DEFAULT_RUNTIME_CLUSTER,
    kubeContext,
  };
}

/** Whether a cluster is the default one (no `runtime.clusters`). */
export function isDefaultRuntimeCluster(c: RuntimeCluster): boolean {
  return c.name === DEFAULT_RUNTIME_CLUSTER;
}

/**
 * Timoni's `SelectClusters`: the runtime's clusters (or the default cluster) whose name and group
 * match the filters, case-insensitively; an empty filter or `*` matches all. Order is kept.
 * Throws, listing the clusters, when none matches.
 *
 * @public
 */
export function selectRuntimeClusters(
  runtime: Pick<RuntimeSpec, 'clusters' | 'name'> | undefined,
  filter: { cluster?: string; group?: string } = {},
  defaultContext = '',
): RuntimeCluster[] {
  const all = runtime?.clusters.length
    ? runtime.clusters
    : [defaultRuntimeCluster(defaultContext)];
  const matches = (v: string, f?: string) =>
    !f || f === '*' || v.toLowerCase() === f.toLowerCase();
  const out = all.filter(
    c => matches(c.name, filter.cluster) && matches(c.group, filter.group),
  );
  if (!out.length)
    throw new Error(
      `no cluster found: --runtime-cluster '${
        filter.cluster ?? '*'
      }' and --runtime-group '${filter.group ?? '*'}' match none of ${
        runtime?.clusters.length
          ? `the clusters of runtime ${runtime.name}: ${runtime.clusters
              .map(c => `${c.name} (group ${c.group})`)
              .join(', ')}`
          : 'the clusters: no runtime file defines runtime.clusters, so the only cluster is the default one (drop the filters)'
      }`,
    );
  return out;
}

/**
 * The runtime values Timoni adds for a cluster (`NameGroupValues`): `TIMONI_CLUSTER_NAME` and
 * `TIMONI_CLUSTER_GROUP`, none for the default cluster.
 *
 * @public
 */
export function clusterRuntimeValues(
  c: RuntimeCluster,
): Record<string, string> {
  return isDefaultRuntimeCluster(c)
    ? {}
    : { TIMONI_CLUSTER_NAME: c.name, TIMONI_CLUSTER_GROUP: c.group };
}

/**
 * Runtime values, with the names whose value came from a Secret (never to be printed).
 *
 * @public
 */
export interface RuntimeValues {
  values: Record<string, string>;
  secretNames: string[];
}

interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * Parses `k8s:<apiVersion>:<kind>:<namespace>:<name>` or `k8s:<apiVersion>:<kind>:<name>`
 * (Timoni's `RuntimeValue.ToResourceRef`).
 *
 * @public
 */
export function parseRuntimeQuery(query: string): ObjectRef {
  const parts = query.split(':');
  if (parts[0] !== 'k8s')
    throw new Error(
      `runtime query '${query}': must start with k8s (k8s:<apiVersion>:<kind>:<namespace>:<name>)`,
    );
  if (parts.length !== 4 && parts.length !== 5)
    throw new Error(
      `runtime query '${query}': expected k8s:<apiVersion>:<kind>:<namespace>:<name> or k8s:<apiVersion>:<kind>:<name>`,
    );
  if (parts.some(p => !p))
    throw new Error(`runtime query '${query}': has an empty part`);
  return parts.length === 5
    ? {
        apiVersion: parts[1],
        kind: parts[2],
        namespace: parts[3],
        name: parts[4],
      }
    : { apiVersion: parts[1], kind: parts[2], name: parts[3] };
}

/**
 * Parses and validates runtime files (CUE, unified in order, with Timoni's runtime schema).
 * `clusters` keep their declaration order (Timoni's `RuntimeBuilder.GetRuntime`).
 *
 * @public
 */
export async function loadRuntime(
  cueBin: string,
  files: string[],
): Promise<RuntimeSpec> {
  const work = await fs.mkdtemp(join(tmpdir(), 'periscope-runtime-'));
  try {
    const names: string[] = [];
    for (const [i, f] of files.entries()) {
      const text = await readTextFile(f, 'runtime file');
      if (!/\.cue$/i.test(f) && !/^\s*[{[]/.test(text))
        throw new Error(`runtime file ${f}: use a .cue (or JSON) file`);
      names.push(`${i}.runtime.cue`);
      await fs.writeFile(join(work, names[i]), text);
    }
    await fs.writeFile(join(work, 'schema.cue'), RUNTIME_SCHEMA);
    const res = await runProcess(
      cueBin,
      [
        'export',
        ...names.map(n => `./${n}`),
        './schema.cue',
        '-e',
        'runtime',
        '--out',
        'json',
      ],
      { cwd: work },
    );
    if (res.code !== 0) {
      const issues = parseCueErrors(res.stderr);
      throw new Error(
        `invalid runtime (${files.join(', ')}):\n${issues
          .map(i => `  ${i.path || 'runtime'}: ${i.message}`)
          .join('\n')}`,
      );
    }
    const doc = JSON.parse(res.stdout) as JsonObject;
    const clusters = Object.entries(
      (doc.clusters ?? {}) as Record<string, JsonObject>,
    ).map(([name, c]) => ({
      name,
      group: c.group as string,
      kubeContext: c.kubeContext as string,
    }));
    const values = (doc.values ?? []) as unknown as RuntimeQuery[];
    values.forEach(v => parseRuntimeQuery(v.query));
    return { name: doc.name as string, clusters, values };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Secret `data` decoded from base64 (and `stringData` kept), so expressions see the values. */
function decodeSecret(obj: JsonObject): JsonObject {
  const data = (obj.data ?? {}) as Record<string, string>;
  const decoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data))
    decoded[k] = Buffer.from(v, 'base64').toString('utf8');
  return { ...obj, data: decoded };
}

/** Replaces every occurrence of the given secret strings with `***`. */
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length))
    if (s) out = out.split(s).join('***');
  return out;
}

async function evaluate(
  cueBin: string,
  obj: JsonObject,
  q: RuntimeQuery,
  secrets: string[],
): Promise<Record<string, string>> {
  const keys = Object.keys(q.for);
  const work = await fs.mkdtemp(join(tmpdir(), 'periscope-rtq-'));
  try {
    const src = `obj: ${JSON.stringify(obj)}\nout: {\n${keys
      .map(k => `\t${JSON.stringify(k)}: ${q.for[k]}`)
      .join('\n')}\n}\n`;
    await fs.writeFile(join(work, 'q.cue'), src, { mode: 0o600 }); // holds Secret values
    const res = await runProcess(
      cueBin,
      ['export', './q.cue', '-e', 'out', '--out', 'json'],
      { cwd: work },
    );
    if (res.code !== 0) {
      const issue = parseCueErrors(res.stderr)[0];
      const key =
        keys.find(k => issue?.path.startsWith(`out.${k}`)) ??
        keys.find(k => issue?.path.startsWith(`out.${JSON.stringify(k)}`));
      throw new Error(
        maskSecrets(
          `runtime query ${q.query}${
            key ? `, value ${key} (${q.for[key]})` : ''
          }: ${issue?.message ?? res.stderr.trim()}`,
          secrets,
        ),
      );
    }
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    const result: Record<string, string> = {};
    for (const k of keys) {
      const v = out[k];
      if (v !== null && typeof v === 'object')
        throw new Error(
          `runtime query ${q.query}, value ${k}: unsupported type returned by '${q.for[k]}' (must be a string, number or bool)`,
        );
      result[k] = String(v);
    }
    return result;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * Reads the runtime values from the cluster (Timoni's `ResourceReader`): each query's object is
 * read (Secret data decoded), then each `for` expression is evaluated with cue against it as
 * `obj`. A missing object (unless `optional`) or a missing field fails naming the query and the
 * value; Secret values never appear in errors.
 *
 * @public
 */
export async function readRuntimeValues(
  api: RawObjectApi,
  cueBin: string,
  runtime: RuntimeSpec,
): Promise<RuntimeValues> {
  const values: Record<string, string> = {};
  const secretNames: string[] = [];
  const secrets: string[] = [];
  for (const q of runtime.values) {
    const ref = parseRuntimeQuery(q.query);
    let obj: JsonObject;
    try {
      obj = (await api.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      })) as unknown as JsonObject;
    } catch (e) {
      const what = `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${
        ref.name
      }`;
      if (httpStatus(e) === 404) {
        if (q.optional) continue;
        throw new Error(
          `runtime query ${
            q.query
          }: ${what} not found (needed for ${Object.keys(q.for).join(
            ', ',
          )}; create it or mark the query optional: true)`,
        );
      }
      throw new Error(
        `runtime query ${q.query}: cannot read ${what}: ${
          (e as Error).message
        }`,
      );
    }
    const isSecret = ref.kind === 'Secret' && ref.apiVersion === 'v1';
    if (isSecret) {
      obj = decodeSecret(obj);
      secrets.push(...Object.values(obj.data as Record<string, string>));
    }
    const got = await evaluate(cueBin, obj, q, secrets);
    Object.assign(values, got);
    if (isSecret) secretNames.push(...Object.keys(got));
  }
  return { values, secretNames };
}

/**
 * Runtime values as `timoni bundle apply` layers them: the environment (with
 * `--runtime-from-env`), then the values read from the cluster, which take precedence.
 *
 * @public
 */
export function mergeRuntimeValues(
  env: Record<string, string | undefined> | undefined,
  fromCluster: RuntimeValues | undefined,
): RuntimeValues {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {}))
    if (v !== undefined) values[k] = v;
  Object.assign(values, fromCluster?.values ?? {});
  return { values, secretNames: fromCluster?.secretNames ?? [] };
}
