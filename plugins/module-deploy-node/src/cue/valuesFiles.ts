import { promises as fs } from 'node:fs';
import { extname, dirname, basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  JsonObject,
  JsonValue,
} from '@periscope/backstage-plugin-module-deploy-common';
import { cueExportJson, CueEvaluationError } from './runner';

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function pickValues(doc: unknown, file: string): JsonObject {
  if (!isObject(doc) || !('values' in doc)) {
    throw new Error(
      `values file ${file} has no top-level 'values' field: Timoni values files wrap the settings, e.g. 'values: { replicas: 2 }'`,
    );
  }
  const v = doc.values;
  if (!isObject(v)) {
    throw new Error(
      `values file ${file}: 'values' must be a struct/object, got ${
        Array.isArray(v) ? 'a list' : typeof v
      }`,
    );
  }
  return v;
}

/**
 * Reads a text file; a failure names what the file is, its path and the reason (ENOENT, EISDIR…).
 *
 * @public
 */
export async function readTextFile(
  file: string,
  what: string,
): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read ${what} ${file}: ${
        (e as NodeJS.ErrnoException).code ?? (e as Error).message
      }`,
    );
  }
}

/**
 * Loads a values file as Timoni does: CUE (`values: {...}`, evaluated on its own with `cue
 * export`), YAML or JSON (`values:` top-level key). Returns the concrete values.
 *
 * @public
 */
export async function loadValuesFile(
  cueBin: string,
  file: string,
): Promise<JsonObject> {
  const text = await readTextFile(file, 'values file');
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    let doc: unknown;
    try {
      doc = ext === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      throw new Error(
        `values file ${file} is not valid ${
          ext === '.json' ? 'JSON' : 'YAML'
        }: ${(e as Error).message}`,
      );
    }
    return pickValues(doc, file);
  }
  if (ext !== '.cue') {
    throw new Error(
      `values file ${file}: unsupported extension '${ext}' (use .cue, .yaml, .yml or .json)`,
    );
  }
  if (!/^\s*values\s*:/m.test(text)) {
    throw new Error(
      `values file ${file} has no top-level 'values' field: Timoni values files wrap the settings, e.g. 'values: { replicas: 2 }'`,
    );
  }
  try {
    const out = await cueExportJson(
      cueBin,
      [basename(file), '-e', 'values'],
      dirname(file),
      `values file ${file}`,
    );
    if (!isObject(out))
      throw new Error(`values file ${file}: 'values' must be a struct`);
    return out;
  } catch (e) {
    if (e instanceof CueEvaluationError) {
      throw new CueEvaluationError(
        `values file ${file} is not valid CUE or not concrete (values files must have no imports and concrete values)`,
        e.issues,
        e.raw,
      );
    }
    throw e;
  }
}

/**
 * Reads the module's default values from its root `values.cue`, compiled on its own (Timoni's
 * `ExtractValueFromFile`).
 *
 * @public
 */
export async function loadModuleDefaults(
  cueBin: string,
  moduleRoot: string,
): Promise<JsonObject> {
  try {
    await fs.access(`${moduleRoot}/values.cue`);
  } catch {
    throw new Error(
      `module ${moduleRoot} has no values.cue at its root; a Timoni module needs one (it may be 'values: {}')`,
    );
  }
  const out = (await cueExportJson(
    cueBin,
    ['values.cue', '-e', 'values'],
    moduleRoot,
    `the module's values.cue`,
  ).catch(e => {
    if (
      e instanceof CueEvaluationError &&
      /reference "values" not found|not found/.test(e.raw)
    )
      return {};
    throw e;
  })) as JsonValue;
  return isObject(out) ? out : {};
}
