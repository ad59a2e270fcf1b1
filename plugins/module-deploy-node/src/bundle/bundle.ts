import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  basename,
  dirname,
  extname,
  isAbsolute,
  join,
  resolve,
} from 'node:path';
import { parse as parseYaml } from 'yaml';
import { JsonObject } from '@periscope/backstage-plugin-module-deploy-common';
import { parseCueErrors, runProcess } from '../cue/runner';
import { RuntimeAttribute, injectRuntimeValues } from './runtimeInject';
import { readTextFile } from '../cue/valuesFiles';

/** Label Timoni puts on the instance storage of bundle instances (`apiv1.BundleNameLabelKey`). */
export const BUNDLE_NAME_LABEL = 'bundle.timoni.sh/name';

/**
 * Timoni's v1alpha1 bundle schema (`api/v1alpha1/bundle.go` `BundleSchema`), unified with the
 * bundle files exactly as `timoni bundle` does.
 */
export const BUNDLE_SCHEMA = `import "strings"

#Bundle: {
	apiVersion: string & =~"^v1alpha1$"
	name:       string & =~"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" & strings.MaxRunes(63) & strings.MinRunes(1)
	instances: [string & =~"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" & strings.MaxRunes(63) & strings.MinRunes(1)]: {
		module: close({
			url:     string & =~"^(oci|file)://.*$"
			version: *"latest" | string
			digest?: string
		})
		namespace: string & =~"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" & strings.MaxRunes(63) & strings.MinRunes(1)
		values: {...}
	}
}

bundle: #Bundle
`;

/**
 * A bundle file: a path, or content (stdin) with a name and the directory relative `file://`
 * URLs resolve against.
 *
 * @public
 */
export type BundleFile =
  | string
  | { name: string; content: string; dir: string };

/**
 * One instance of a bundle.
 *
 * @public
 */
export interface BundleInstance {
  bundle: string;
  name: string;
  namespace: string;
  module: { url: string; version: string; digest?: string };
  /** `file://` URLs resolved to a directory; `oci://` URLs as the reference to pull. */
  source: string;
  values: JsonObject;
}

/**
 * A parsed, validated bundle; instances in declaration order.
 *
 * @public
 */
export interface Bundle {
  name: string;
  instances: BundleInstance[];
  /** Runtime attributes that had no value (their fields kept their defaults). */
  unresolved: string[];
}

/**
 * A bundle problem, located by instance and field.
 *
 * @public
 */
export interface BundleIssue {
  instance?: string;
  field: string;
  message: string;
  positions: string[];
}

/**
 * Raised when a bundle does not parse or validate; the message names each instance and field.
 *
 * @public
 */
export class BundleError extends Error {
  constructor(readonly issues: BundleIssue[], hint?: string) {
    super(
      `invalid bundle:\n${issues
        .map(
          i =>
            `  ${i.instance ? `instance "${i.instance}": ` : ''}${i.field}: ${
              i.message
            }`,
        )
        .join('\n')}${hint ? `\n${hint}` : ''}`,
    );
    this.name = 'BundleError';
  }
}

interface Staged {
  origin: string;
  dir: string;
  file: string;
  text: string;
}

async function readBundleFile(f: BundleFile): Promise<{
  name: string;
  dir: string;
  content: string;
}> {
  if (typeof f !== 'string') return f;
  return {
    name: f,
    dir: dirname(resolve(f)),
    content: await readTextFile(f, 'bundle file'),
  };
}

/** YAML and JSON bundle files become CUE (JSON is CUE); CUE files get runtime values injected. */
function toCue(
  name: string,
  content: string,
  runtime: Record<string, string>,
): {
  text: string;
  attributes: RuntimeAttribute[];
  unresolved: string[];
  required: string[];
} {
  const ext = extname(name).toLowerCase();
  if (ext === '.cue' || name === '-')
    return injectRuntimeValues(content, name, runtime);
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    try {
      const doc = ext === '.json' ? JSON.parse(content) : parseYaml(content);
      return {
        text: JSON.stringify(doc ?? {}, null, 2),
        attributes: [],
        unresolved: [],
        required: [],
      };
    } catch (e) {
      throw new Error(
        `bundle file ${name} is not valid ${
          ext === '.json' ? 'JSON' : 'YAML'
        }: ${(e as Error).message}`,
      );
    }
  }
  throw new Error(
    `bundle file ${name}: unsupported file extension '${ext}' (use .cue, .yaml, .yml or .json)`,
  );
}

const INSTANCE_PATH_RE =
  /^bundle\.instances\.("(?:[^"\\]|\\.)*"|[^.]+)\.?(.*)$/;

function toIssue(
  path: string,
  message: string,
  positions: string[],
): BundleIssue {
  const m = INSTANCE_PATH_RE.exec(path);
  if (!m) return { field: path || 'bundle', message, positions };
  const instance = m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1];
  return { instance, field: m[2] || '(instance)', message, positions };
}

function originPositions(positions: string[], staged: Staged[]): string[] {
  return positions.map(p =>
    staged.reduce(
      (s, f) =>
        s.split(`./${f.file}`).join(f.origin).split(f.file).join(f.origin),
      p,
    ),
  );
}

/** `file://` URLs relative to the file that holds them (Timoni's `getInstanceUrl`). */
function resolveSource(url: string, staged: Staged[]): string {
  if (!url.startsWith('file://')) return url;
  const path = url.slice('file://'.length);
  if (isAbsolute(path)) return path;
  const holder =
    staged.find(
      s => s.text.includes(`"${url}"`) && !s.file.endsWith('schema.cue'),
    ) ?? staged[0];
  return resolve(holder.dir, path);
}

function parseInstances(
  doc: JsonObject,
  staged: Staged[],
): { name: string; instances: BundleInstance[] } {
  const name = doc.name as string;
  const instances = Object.entries(
    (doc.instances ?? {}) as Record<string, JsonObject>,
  ).map(([instance, spec]) => {
    const module = spec.module as BundleInstance['module'];
    return {
      bundle: name,
      name: instance,
      namespace: spec.namespace as string,
      module,
      source: resolveSource(module.url, staged),
      values: (spec.values ?? {}) as JsonObject,
    };
  });
  if (!instances.length)
    throw new BundleError([
      {
        field: 'bundle.instances',
        message: 'the bundle defines no instances',
        positions: [],
      },
    ]);
  return { name, instances };
}

/**
 * Options of {@link loadBundle}.
 *
 * @public
 */
export interface LoadBundleOptions {
  cueBin: string;
  /** Bundle files, unified in order (timoni's `-f a.cue -f b.cue`). */
  files: BundleFile[];
  /** Values for `@timoni(runtime:TYPE:NAME)` attributes. */
  runtimeValues?: Record<string, string>;
}

async function stageBundle(
  work: string,
  opts: LoadBundleOptions,
): Promise<{
  staged: Staged[];
  unresolved: string[];
  required: string[];
  args: string[];
}> {
  if (!opts.files.length)
    throw new Error('no bundle file given: pass at least one with -f');
  const runtime = opts.runtimeValues ?? {};
  const staged: Staged[] = [];
  const unresolved = new Set<string>();
  const required = new Set<string>();
  for (const [i, f] of opts.files.entries()) {
    const { name, dir, content } = await readBundleFile(f);
    const cue = toCue(name, content, runtime);
    cue.unresolved.forEach(n => unresolved.add(n));
    cue.required.forEach(n => required.add(n));
    const file = `${i}.${basename(name).replace(/\.cue$/, '')}.cue`;
    await fs.writeFile(join(work, file), cue.text, { mode: 0o600 });
    staged.push({ origin: name, dir, file, text: cue.text });
  }
  const schemaFile = `${opts.files.length}.schema.cue`;
  await fs.writeFile(join(work, schemaFile), BUNDLE_SCHEMA);
  return {
    staged,
    unresolved: [...unresolved],
    required: [...required],
    args: ['export', ...staged.map(s => `./${s.file}`), `./${schemaFile}`],
  };
}

async function exportBundle(
  opts: LoadBundleOptions,
  expr: string,
): Promise<{ value: unknown; staged: Staged[]; unresolved: string[] }> {
  const work = await fs.mkdtemp(join(tmpdir(), 'periscope-bundle-'));
  try {
    const { staged, unresolved, required, args } = await stageBundle(
      work,
      opts,
    );
    const res = await runProcess(
      opts.cueBin,
      [...args, '-e', expr, '--out', 'json'],
      { cwd: work },
    );
    if (res.code !== 0) {
      const issues = parseCueErrors(res.stderr).map(i =>
        toIssue(i.path, i.message, originPositions(i.positions, staged)),
      );
      throw new BundleError(
        issues,
        required.length &&
        issues.some(i => /incomplete value|non-concrete value/.test(i.message))
          ? `runtime values not provided: ${required.join(
              ', ',
            )} (set them with --runtime FILE or --runtime-from-env)`
          : undefined,
      );
    }
    return { value: JSON.parse(res.stdout), staged, unresolved };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * Parses and validates a Timoni bundle with the real cue: each file (CUE, or YAML/JSON data)
 * with the runtime values injected, plus Timoni's bundle schema, unified and exported as concrete
 * JSON (Timoni's `BundleBuilder`). Errors name the instance and the field.
 *
 * @public
 */
export async function loadBundle(opts: LoadBundleOptions): Promise<Bundle> {
  const { value, staged, unresolved } = await exportBundle(opts, 'bundle');
  return { ...parseInstances(value as JsonObject, staged), unresolved };
}

/**
 * Only the bundle's name (`bundle.name`), as `timoni bundle delete -f` reads it: the rest of the
 * bundle need not be complete.
 *
 * @public
 */
export async function loadBundleName(opts: LoadBundleOptions): Promise<string> {
  const { value } = await exportBundle(opts, 'bundle.name');
  return value as string;
}

/**
 * The module reference to pull for an `oci://` bundle instance (Timoni's
 * `fetchBundleInstanceModule`): `url:version`, or `url@digest` when the version is `latest` and a
 * digest is pinned.
 *
 * @public
 */
export function bundleModuleRef(i: BundleInstance): string {
  if (i.module.version === 'latest' && i.module.digest)
    return `${i.source}@${i.module.digest}`;
  return `${i.source}:${i.module.version}`;
}
