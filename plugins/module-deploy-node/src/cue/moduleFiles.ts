import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Name of Timoni's ignore file (gitignore syntax) at a module's root. */
export const IGNORE_FILE = 'timoni.ignore';

interface IgnoreRule {
  negate: boolean;
  dirOnly: boolean;
  anchored: boolean;
  re: RegExp;
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

/**
 * Parses gitignore-style rules (the syntax of `timoni.ignore`).
 *
 * @public
 */
export function parseIgnore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    rules.push({
      negate,
      dirOnly,
      anchored,
      re: new RegExp(`^${globToRegExp(line)}$`),
    });
  }
  return rules;
}

/**
 * Whether a module-relative path (with `/` separators) is ignored by the rules.
 *
 * @public
 */
export function isIgnored(
  rules: IgnoreRule[],
  relPath: string,
  isDir: boolean,
): boolean {
  let ignored = false;
  const base = relPath.split('/').pop() ?? relPath;
  for (const r of rules) {
    if (r.dirOnly && !isDir) continue;
    const hit = r.anchored ? r.re.test(relPath) : r.re.test(base);
    if (hit) ignored = !r.negate;
  }
  return ignored;
}

/**
 * Copies a module directory, skipping what `timoni.ignore` excludes and, like Timoni's
 * `CopyModule`, every symlink (a link could point outside the module). Returns the skipped links.
 *
 * @public
 */
export async function copyModule(
  src: string,
  dst: string,
): Promise<{ skippedLinks: string[] }> {
  let rules: IgnoreRule[] = [];
  try {
    rules = parseIgnore(await fs.readFile(join(src, IGNORE_FILE), 'utf8'));
  } catch {
    rules = [];
  }
  const skippedLinks: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const rel = relative(src, dir).split(sep).join('/');
    await fs.mkdir(join(dst, rel), { recursive: true });
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        skippedLinks.push(relPath);
        continue;
      }
      if (isIgnored(rules, relPath, entry.isDirectory())) continue;
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else if (entry.isFile())
        await fs.copyFile(join(dir, entry.name), join(dst, relPath));
    }
  };
  await walk(src);
  return { skippedLinks };
}

/** The tags a module declares, found by scanning its `.cue` sources. */
export interface ModuleTags {
  /** Tag names declared with `@tag(<name>)`. */
  names: Set<string>;
  /** Tag that receives the module version (`@tag(x, var=moduleVersion)`). */
  moduleVersionTag?: string;
  /** Tag that receives the Kubernetes version (`@tag(x, var=kubeVersion)`). */
  kubeVersionTag?: string;
}

const TAG_RE = /@tag\(\s*([A-Za-z_][\w-]*)\s*(?:,([^)]*))?\)/g;

/**
 * Finds the `@tag(...)` attributes of a module (tool files excluded), so that the engine
 * injects `name`, `namespace` and the `var=moduleVersion` / `var=kubeVersion` tags exactly as
 * Timoni's loader does, whatever the module calls them.
 *
 * @public
 */
export async function scanModuleTags(root: string): Promise<ModuleTags> {
  const tags: ModuleTags = { names: new Set() };
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'cue.mod') await walk(p);
      } else if (
        e.isFile() &&
        e.name.endsWith('.cue') &&
        !e.name.endsWith('_tool.cue')
      ) {
        const text = await fs.readFile(p, 'utf8');
        for (const m of text.matchAll(TAG_RE)) {
          tags.names.add(m[1]);
          const opts = m[2] ?? '';
          if (/\bvar\s*=\s*moduleVersion\b/.test(opts))
            tags.moduleVersionTag = m[1];
          if (/\bvar\s*=\s*kubeVersion\b/.test(opts))
            tags.kubeVersionTag = m[1];
        }
      }
    }
  };
  await walk(root);
  return tags;
}

/**
 * Reads the module name from `cue.mod/module.cue` (`module: "timoni.sh/minimal"`).
 *
 * @public
 */
export async function readModuleName(root: string): Promise<string> {
  const file = join(root, 'cue.mod', 'module.cue');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(
      `${root} is not a Timoni module: ${file} is missing (a module needs cue.mod/module.cue, timoni.cue and values.cue)`,
    );
  }
  const m = /^\s*module:\s*"([^"]+)"/m.exec(text);
  if (!m) throw new Error(`${file} has no 'module: "<name>"' field`);
  return m[1].replace(/@v\d+$/, '');
}
