import fs from 'node:fs';
import path from 'node:path';
import {
  KubeObject,
  parseObjects,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** A problem with the --objects input; the message names the path. */
export class ObjectsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectsInputError';
  }
}

function readable(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ObjectsInputError(
      code === 'ENOENT'
        ? `--objects ${p} does not exist: pass a YAML/JSON file or a directory of them`
        : `cannot read --objects ${p}: ${(e as Error).message}`,
    );
  }
}

function walk(dir: string, into: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new ObjectsInputError(
      `cannot read directory ${dir}: ${(e as Error).message}`,
    );
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, into);
    else if (EXTENSIONS.has(path.extname(entry.name).toLowerCase()))
      into.push(full);
  }
}

/** The files an --objects path stands for: the file itself, or the YAML/JSON files under a directory. */
export function objectFiles(p: string): string[] {
  const stat = readable(p);
  if (!stat.isDirectory()) return [p];
  const files: string[] = [];
  walk(p, files);
  if (files.length === 0) {
    throw new ObjectsInputError(
      `--objects ${p} has no .yaml, .yml or .json files`,
    );
  }
  return files;
}

/**
 * Reads and parses every object of a file or directory. Errors name the file and line.
 *
 * @public
 */
export function loadObjects(p: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const file of objectFiles(p)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new ObjectsInputError(
        `cannot read ${file}: ${(e as Error).message}`,
      );
    }
    objects.push(...parseObjects(text, file));
  }
  return objects;
}
