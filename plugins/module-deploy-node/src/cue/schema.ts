import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  JsonObject,
  ValuesJsonSchema,
  valuesSchemaFrom,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  CueEvaluationError,
  cueExportJson,
  parseCueErrors,
  runProcess,
} from './runner';
import { prepareWorkspace } from './render';
import { parseConfigDocs, withFieldDocs } from './schemaDocs';

/**
 * Options for {@link valuesSchema}.
 *
 * @public
 */
export interface SchemaOptions {
  cueBin: string;
  moduleDir: string;
  pkg?: string;
}

function requiredPaths(stderr: string): string[][] {
  return parseCueErrors(stderr)
    .filter(
      i =>
        i.valuesPath !== undefined &&
        /field is required but not present/.test(i.message),
    )
    .map(i =>
      (i.valuesPath as string).split('.').map(p => p.replace(/^"(.*)"$/, '$1')),
    );
}

/**
 * JSON Schema of a module's values (`values: #Config` plus the module's defaults), for forms.
 *
 * CUE's own encoders cannot do this for Timoni modules: `cue def --out openapi` panics on the
 * vendored Kubernetes schemas and `--out jsonschema` rejects references into definitions. So the
 * schema is built from two evaluations by the real `cue`: the instance config exported with the
 * module's defaults (structure, types, defaults of every field that has a value) and `values`
 * exported with no defaults, whose `field is required but not present` errors name the required
 * fields. Optional fields without a default do not appear; objects allow additional properties,
 * and CUE stays the validator of record (invalid values are rejected at render time).
 *
 * @public
 */
export async function valuesSchema(
  opts: SchemaOptions,
): Promise<ValuesJsonSchema> {
  const ws = await prepareWorkspace({
    cueBin: opts.cueBin,
    moduleDir: opts.moduleDir,
    name: 'schema',
    namespace: 'schema',
    pkg: opts.pkg,
  });
  try {
    let defaults: JsonObject = {};
    try {
      defaults = (await cueExportJson(
        opts.cueBin,
        [...ws.baseArgs, '-e', 'timoni.instance.config'],
        ws.root,
        'evaluating the module defaults',
      )) as JsonObject;
    } catch (e) {
      if (!(e instanceof CueEvaluationError)) throw e;
      // Defaults alone do not satisfy the schema: fall back to the module's values.cue.
      defaults = ws.values;
    }
    await fs.writeFile(
      join(ws.root, 'values.cue'),
      `package ${ws.pkg}\nvalues: {}\n`,
    );
    const bare = await runProcess(
      opts.cueBin,
      ['export', '.', '-p', ws.pkg, '-e', 'values', '--out', 'json'],
      { cwd: ws.root },
    );
    const schema = valuesSchemaFrom(
      defaults,
      requiredPaths(bare.stderr),
      ws.moduleName,
    );
    // Descriptions and allowed values come from the source of #Config (doc comments, literal
    // disjunctions), printed with its comments by `cue def`; `--inline-imports` also prints the
    // imported definitions it uses (timoni's #Image...), so their fields get theirs. They only
    // add to the schema: when `cue def` cannot print it, the schema goes out without them.
    const printDef = (extra: string[]) =>
      runProcess(
        opts.cueBin,
        ['def', ...extra, ...ws.baseArgs, '-e', 'timoni.instance.config'],
        { cwd: ws.root },
      ).catch(() => undefined);
    let def = await printDef(['--inline-imports']);
    if (!def || def.code !== 0) def = await printDef([]);
    return def && def.code === 0
      ? withFieldDocs(schema, parseConfigDocs(def.stdout))
      : schema;
  } finally {
    await ws.cleanup();
  }
}
