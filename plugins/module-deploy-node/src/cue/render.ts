import { promises as fs } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ApplySet,
  JsonObject,
  JsonValue,
  KubeObject,
  ModuleReference,
  ValuesMergeError,
  duplicateObjects,
  formatCue,
  mergeValues,
} from '@periscope/backstage-plugin-module-deploy-common';
import { CueEvaluationError, cueExportJson } from './runner';
import { copyModule, readModuleName, scanModuleTags } from './moduleFiles';
import { loadModuleDefaults, loadValuesFile } from './valuesFiles';

/** Timoni's module version when none is given (`engine.DefaultDevelVersion`). */
export const DEFAULT_MODULE_VERSION = '0.0.0-devel';
/** Timoni's default Kubernetes version when no cluster is asked (`defaultKubeVersion`, Timoni HEAD 74ab9cc). */
export const DEFAULT_KUBE_VERSION = '1.36.3';

/** File the engine adds to the module package: the Timoni v1alpha1 instance API contract. */
const API_SCHEMA_FILE = 'periscope.timoni-api.cue';

/**
 * What to render.
 *
 * @public
 */
export interface RenderOptions {
  /** Path of the `cue` binary. */
  cueBin: string;
  /** Local module directory (OCI modules are pulled to a directory first). */
  moduleDir: string;
  /** Instance name (`-t name=`). */
  name: string;
  /** Instance namespace (`-t namespace=`). */
  namespace: string;
  /** Values files (CUE, YAML or JSON, each with a top-level `values`), merged in order. */
  valuesFiles?: string[];
  /** Values given inline (e.g. from the portal form), merged after the files. */
  values?: JsonObject[];
  /** Module version; Timoni's default `0.0.0-devel`. */
  moduleVersion?: string;
  /** Kubernetes version; `TIMONI_KUBE_VERSION` or Timoni's default. */
  kubeVersion?: string;
  /** CUE package of the instance; Timoni's default `main`. */
  pkg?: string;
  /** Module reference to record (OCI url and digest); a `file://` reference otherwise. */
  moduleRef?: Partial<ModuleReference>;
}

/**
 * A rendered module instance.
 *
 * @public
 */
export interface RenderResult {
  module: ModuleReference;
  name: string;
  namespace: string;
  moduleVersion: string;
  kubeVersion: string;
  /** The merged user values (module defaults, then overlays in order). */
  values: JsonObject;
  /** The same values as CUE source, as Timoni stores them. */
  valuesCue: string;
  /** Apply steps in the order the module declares them. */
  sets: ApplySet[];
  /** All objects of all steps, in order (what `timoni build` prints). */
  objects: KubeObject[];
  /** Container image references found in the instance config. */
  images: string[];
  /** Symlinks in the module that were skipped, as Timoni skips them. */
  skippedLinks: string[];
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function apiSchema(pkg: string): string {
  return [
    `package ${pkg}`,
    '',
    '// Added by Periscope at build time, as Timoni adds timoni.schema.cue: the v1alpha1',
    '// contract between a module and the engine.',
    '#PeriscopeTimoniAPI: {',
    '\tapiVersion: "v1alpha1"',
    '\tinstance: {...}',
    '\tapply: [string]: [...]',
    '\thealthChecks?: [string]: {...}',
    '\tkubeMinorVersion?: int',
    '}',
    '',
    'timoni: #PeriscopeTimoniAPI',
    '',
  ].join('\n');
}

function toObjects(setName: string, list: JsonValue): KubeObject[] {
  if (!Array.isArray(list)) {
    throw new Error(
      `timoni.apply.${setName} must be a list of Kubernetes objects`,
    );
  }
  const out: KubeObject[] = [];
  list.forEach((item, i) => {
    if (item === null) return;
    const o = item as JsonObject;
    const meta = o?.metadata as JsonObject | undefined;
    if (
      !isObject(o) ||
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      !isObject(meta) ||
      typeof meta.name !== 'string'
    ) {
      throw new Error(
        `timoni.apply.${setName}[${i}] is not a Kubernetes object (it needs apiVersion, kind and metadata.name)`,
      );
    }
    if (o.kind.endsWith('List') && Array.isArray(o.items)) {
      out.push(...toObjects(setName, o.items));
    } else out.push(o as unknown as KubeObject);
  });
  return out;
}

/**
 * Collects image references from the instance config: every struct with `repository`, `tag`,
 * `digest` and `reference` (Timoni's `ImageReference`), sorted and de-duplicated.
 *
 * @public
 */
export function collectImages(config: JsonValue): string[] {
  const found = new Set<string>();
  const walk = (v: JsonValue) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      if (
        ['repository', 'tag', 'digest'].every(k => k in v) &&
        typeof v.reference === 'string'
      ) {
        found.add(v.reference);
      }
      Object.values(v).forEach(walk);
    }
  };
  walk(config);
  return [...found].sort();
}

async function mergedValues(
  opts: RenderOptions,
  root: string,
): Promise<JsonObject> {
  const base = await loadModuleDefaults(opts.cueBin, root);
  const overlays: JsonObject[] = [];
  for (const f of opts.valuesFiles ?? [])
    overlays.push(await loadValuesFile(opts.cueBin, resolve(f)));
  overlays.push(...(opts.values ?? []));
  try {
    return mergeValues(base, overlays);
  } catch (e) {
    if (e instanceof ValuesMergeError)
      throw new Error(`merging values failed: ${e.message}`);
    throw e;
  }
}

function tagArgs(
  tags: Awaited<ReturnType<typeof scanModuleTags>>,
  o: { name: string; namespace: string; mv: string; kv: string },
): string[] {
  const args: string[] = [];
  if (tags.names.has('name')) args.push('-t', `name=${o.name}`);
  if (tags.names.has('namespace')) args.push('-t', `namespace=${o.namespace}`);
  if (tags.moduleVersionTag)
    args.push('-t', `${tags.moduleVersionTag}=${o.mv}`);
  if (tags.kubeVersionTag) args.push('-t', `${tags.kubeVersionTag}=${o.kv}`);
  return args;
}

/**
 * Validates instance name and namespace like Timoni (`#InstanceName`, `#InstanceNamespace`).
 *
 * @public
 */
export function checkInstanceNames(name: string, namespace: string): void {
  const re = /^(([a-z0-9][-a-z0-9_.]*)?[a-z0-9])?$/;
  if (!name || name.length > 63 || !re.test(name)) {
    throw new Error(
      `invalid instance name '${name}': use 1-63 lowercase letters, digits, '-', '.'`,
    );
  }
  if (!namespace || namespace.length > 63 || !re.test(namespace)) {
    throw new Error(
      `invalid namespace '${namespace}': use 1-63 lowercase letters, digits, '-', '.'`,
    );
  }
}

/** A module copied to a scratch directory with merged values, ready for `cue export`. */
export interface ModuleWorkspace {
  root: string;
  src: string;
  moduleName: string;
  pkg: string;
  moduleVersion: string;
  kubeVersion: string;
  values: JsonObject;
  /** `cue export` arguments selecting the package and injecting the instance tags. */
  baseArgs: string[];
  skippedLinks: string[];
  cleanup(): Promise<void>;
}

/**
 * Copies a module to a scratch directory the way Timoni's build does and writes the merged
 * values as the package's `values.cue`. The caller must call `cleanup()`.
 *
 * @public
 */
export async function prepareWorkspace(
  opts: RenderOptions,
): Promise<ModuleWorkspace> {
  checkInstanceNames(opts.name, opts.namespace);
  const src = resolve(opts.moduleDir);
  const st = await fs.stat(src).catch(() => undefined);
  if (!st?.isDirectory())
    throw new Error(
      `module directory ${opts.moduleDir} does not exist or is not a directory`,
    );
  const moduleName = await readModuleName(src);
  const pkg = opts.pkg ?? 'main';
  const mv = opts.moduleVersion || DEFAULT_MODULE_VERSION;
  const kv =
    opts.kubeVersion || process.env.TIMONI_KUBE_VERSION || DEFAULT_KUBE_VERSION;
  const work = await mkdtemp(join(tmpdir(), 'periscope-module-'));
  const cleanup = () => rm(work, { recursive: true, force: true });
  try {
    const root = join(work, 'module');
    const { skippedLinks } = await copyModule(src, root);
    const values = await mergedValues(opts, root);
    await fs.writeFile(
      join(root, 'values.cue'),
      `package ${pkg}\nvalues: ${JSON.stringify(values, null, 2)}\n`,
    );
    await fs.writeFile(join(root, API_SCHEMA_FILE), apiSchema(pkg));
    const tags = await scanModuleTags(root);
    const baseArgs = [
      '.',
      '-p',
      pkg,
      ...tagArgs(tags, { name: opts.name, namespace: opts.namespace, mv, kv }),
    ];
    return {
      root,
      src,
      moduleName,
      pkg,
      moduleVersion: mv,
      kubeVersion: kv,
      values,
      baseArgs,
      skippedLinks,
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * Renders a Timoni module with the real `cue` binary, replicating Timoni's build: the module is
 * copied (honouring `timoni.ignore`, skipping symlinks), values are merged with Timoni's override
 * merge and written as the package's `values.cue`, the v1alpha1 API contract is added, the
 * instance tags are injected, and `timoni` is exported (which requires the instance to be concrete,
 * as Timoni validates it). Returns the apply sets in module order.
 *
 * @public
 */
export async function renderModule(opts: RenderOptions): Promise<RenderResult> {
  const ws = await prepareWorkspace(opts);
  try {
    const what = `building module ${ws.moduleName} as instance ${opts.namespace}/${opts.name} failed`;
    const out = await cueExportJson(
      opts.cueBin,
      [...ws.baseArgs, '-e', 'timoni'],
      ws.root,
      what,
    );
    if (!isObject(out) || !isObject(out.apply)) {
      throw new Error(
        `module ${ws.moduleName} has no timoni.apply: a Timoni module must declare its apply sets`,
      );
    }
    const sets: ApplySet[] = Object.entries(out.apply).map(
      ([setName, list]) => ({
        name: setName,
        objects: toObjects(setName, list),
      }),
    );
    const objects = sets.flatMap(s => s.objects);
    const dups = duplicateObjects(objects);
    if (dups.length)
      throw new Error(
        `module ${
          ws.moduleName
        } renders the same object more than once: ${dups.join(', ')}`,
      );
    const instance = out.instance as JsonObject | undefined;
    return {
      module: {
        name: ws.moduleName,
        repository: opts.moduleRef?.repository ?? `file://${ws.src}`,
        version: opts.moduleRef?.version ?? ws.moduleVersion,
        digest: opts.moduleRef?.digest ?? '',
      },
      name: opts.name,
      namespace: opts.namespace,
      moduleVersion: ws.moduleVersion,
      kubeVersion: ws.kubeVersion,
      values: ws.values,
      valuesCue: formatCue(ws.values),
      sets,
      objects,
      images: collectImages(instance?.config ?? null),
      skippedLinks: ws.skippedLinks,
    };
  } finally {
    await ws.cleanup();
  }
}

export { CueEvaluationError };
