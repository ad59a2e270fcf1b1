import {
  Entity,
  ANNOTATION_ORIGIN_LOCATION,
  ANNOTATION_LOCATION,
  parseLocationRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ValuesJsonSchema,
  isOciReference,
  parseOciReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  ModuleEngine,
  readModuleName,
} from '@periscope/backstage-plugin-module-deploy-node';
import { ConfiguredModule, ModuleDeployConfig } from '../../config';
import { ModuleInfo } from '../../types';
import { listTags } from './registry';
import { ModuleCatalog } from './types';

const SCHEMA_TTL_MS = 60_000;

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function fileDirOf(entity: Entity): string | undefined {
  const ann = entity.metadata.annotations ?? {};
  for (const key of [ANNOTATION_LOCATION, ANNOTATION_ORIGIN_LOCATION]) {
    const raw = ann[key];
    if (!raw) continue;
    try {
      const loc = parseLocationRef(raw);
      if (loc.type === 'file')
        return path.dirname(loc.target.replace(/^file:\/\//, ''));
    } catch {
      // not a location reference: try the next annotation
    }
  }
  return undefined;
}

/**
 * Creates the module catalog over `moduleDeploy.modules`.
 * @public
 */
export function createModuleCatalog(deps: {
  config: ModuleDeployConfig;
  engine: Pick<ModuleEngine, 'schema'>;
  fetchImpl?: typeof fetch;
}): ModuleCatalog {
  const { config, engine } = deps;
  const byName = new Map(config.modules.map(m => [m.name, m]));
  const schemas = new Map<
    string,
    { at: number; value: Promise<ValuesJsonSchema> }
  >();

  const accepted = () =>
    `a module name from moduleDeploy.modules (${
      config.modules.map(m => m.name).join(', ') || 'none configured'
    }), ` +
    `optionally with @<version> for OCI modules; an oci:// reference under a configured OCI module; or a path relative to the entity's catalog file`;

  function schema(source: string): Promise<ValuesJsonSchema> {
    const hit = schemas.get(source);
    if (hit && Date.now() - hit.at < SCHEMA_TTL_MS) return hit.value;
    const value = engine.schema(source);
    schemas.set(source, { at: Date.now(), value });
    value.catch(() => schemas.delete(source));
    return value;
  }

  function resolveConfigured(m: ConfiguredModule, version?: string): string {
    if (m.path) {
      if (version)
        throw new InputError(
          `module '${m.name}' is a local directory; it has no versions, drop '@${version}'`,
        );
      return m.path;
    }
    return `${m.oci}:${version ?? 'latest'}`;
  }

  function resolve(value: string, entity?: Entity): string {
    const v = value.trim();
    if (!v) throw new InputError(`the module is empty: give ${accepted()}`);
    if (isOciReference(v)) {
      let ref;
      try {
        ref = parseOciReference(v);
      } catch (e) {
        throw new InputError(errorMessage(e));
      }
      if (!config.modules.some(m => m.oci === ref.url)) {
        throw new InputError(
          `module '${v}' is not under a configured OCI module: add its repository ${ref.url} to moduleDeploy.modules (the backend pulls only from configured repositories)`,
        );
      }
      return v;
    }
    const [name, version] = v.split('@');
    const configured = byName.get(name);
    if (configured) return resolveConfigured(configured, version);
    if (v.startsWith('./') || v.startsWith('../')) {
      const dir = entity ? fileDirOf(entity) : undefined;
      if (!dir) {
        throw new InputError(
          `module '${v}' is a relative path, but ${
            entity
              ? `entity ${entity.metadata.name} does not come from a file location`
              : 'no entity is given'
          }: use ${accepted()}`,
        );
      }
      const abs = path.resolve(dir, v);
      if (!existsSync(path.join(abs, 'cue.mod', 'module.cue'))) {
        throw new InputError(
          `module '${v}' resolves to ${abs}, which is not a Timoni module (no cue.mod/module.cue)`,
        );
      }
      return abs;
    }
    throw new InputError(`module '${v}' is unknown: use ${accepted()}`);
  }

  async function describe(m: ConfiguredModule): Promise<ModuleInfo> {
    const base: ModuleInfo = {
      name: m.name,
      ...(m.title ? { title: m.title } : {}),
      ...(m.description ? { description: m.description } : {}),
      kind: m.path ? 'local' : 'oci',
      location: (m.path ?? m.oci) as string,
      versions: [],
    };
    let info = base;
    try {
      if (m.path) {
        info = {
          ...base,
          moduleName: await readModuleName(m.path),
          versions: ['local'],
        };
        return { ...info, schema: await schema(m.path) };
      }
      info = {
        ...base,
        versions: await listTags(m.oci as string, {
          ...config.registry,
          fetchImpl: deps.fetchImpl,
        }),
      };
      if (!info.versions.length)
        return {
          ...info,
          error: `the repository ${m.oci} has no tags yet: push a module version with timoni mod push`,
        };
      return { ...info, schema: await schema(`${m.oci}:${info.versions[0]}`) };
    } catch (e) {
      return { ...info, error: errorMessage(e) };
    }
  }

  return {
    list: () => Promise.all(config.modules.map(describe)),
    resolve,
    schema,
  };
}
