import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { IGNORE_FILE, readModuleName } from './moduleFiles';
import {
  OCI_MANIFEST_MEDIA_TYPE,
  OCI_VERSION_ANNOTATION,
  TIMONI_CONFIG_MEDIA_TYPE,
  TIMONI_CONTENT_MEDIA_TYPE,
  TIMONI_CONTENT_TYPE_ANNOTATION,
  sha256Digest,
} from '../oci/types';
import { TarEntry, packTar } from '../oci/tar';

/*
 * Packages a module directory exactly as `timoni mod push` does (internal/oci/push_module.go,
 * build_artifact.go): two gzip tar layers of media type TIMONI_CONTENT_MEDIA_TYPE, first the
 * vendored schemas (ignore rules `/*`, `!/cue.mod`; annotation `cue.mod`), then the rest of the
 * module (the module's `timoni.ignore` rules plus `cue.mod/`, then `*_test.cue`; annotation
 * `module`). Only regular files and directories are packed (symlinks are skipped), paths are
 * relative with `.` for the root, ownership and times are zeroed. Ignore rules follow go-git's gitignore matcher, which
 * Timoni uses through fluxcd/pkg/sourceignore: the last matching rule wins, a rule without a
 * slash matches any path component, a rule with one is anchored at the module root, and a
 * matching directory prefix matches everything under it.
 */

/** One parsed gitignore rule (go-git `gitignore.ParsePattern`). */
interface GitPattern {
  inclusion: boolean;
  dirOnly: boolean;
  isGlob: boolean;
  parts: string[];
}

function parsePattern(line: string): GitPattern {
  let p = line;
  const inclusion = p.startsWith('!');
  if (inclusion) p = p.slice(1);
  if (!p.endsWith('\\ ')) p = p.replace(/ +$/, '');
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  return { inclusion, dirOnly, isGlob: p.includes('/'), parts: p.split('/') };
}

/** Go's `filepath.Match` for one path component, as a RegExp; undefined when malformed. */
function goGlob(pattern: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      re += `\\${pattern[++i]}`;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let cls = pattern.slice(i + 1, end);
      const neg = cls.startsWith('^');
      if (neg) cls = cls.slice(1);
      re += `[${neg ? '^' : ''}${cls.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    return undefined;
  }
}

function globFits(pattern: string, name: string): boolean {
  return goGlob(pattern)?.test(name) ?? false;
}

function simpleNameMatch(p: GitPattern, path: string[], isDir: boolean) {
  for (let i = 0; i < path.length; i++) {
    if (!globFits(p.parts[0], path[i])) continue;
    return !(p.dirOnly && !isDir && i === path.length - 1);
  }
  return false;
}

function globMatch(p: GitPattern, full: string[], isDir: boolean): boolean {
  let path = full;
  let matched = false;
  let canTraverse = false;
  for (let i = 0; i < p.parts.length; i++) {
    const part = p.parts[i];
    if (part === '') {
      canTraverse = false;
      continue;
    }
    if (part === '**') {
      if (i === p.parts.length - 1) break;
      canTraverse = true;
      continue;
    }
    if (part.includes('**') || path.length === 0) return false;
    if (canTraverse) {
      canTraverse = false;
      while (path.length) {
        const e = path[0];
        path = path.slice(1);
        if (globFits(part, e)) {
          matched = true;
          break;
        } else if (!path.length) matched = false;
      }
    } else {
      if (!globFits(part, path[0])) return false;
      matched = true;
      path = path.slice(1);
    }
  }
  if (matched && p.dirOnly && !isDir && path.length === 0) return false;
  return matched;
}

/**
 * A gitignore matcher with go-git's semantics; `path` is relative to the module root, split
 * on `/`. Returns true when the path is excluded.
 *
 * @public
 */
export function gitIgnoreMatcher(
  rules: string[],
): (path: string[], isDir: boolean) => boolean {
  const patterns = rules.map(parsePattern);
  return (path, isDir) => {
    if (!path.length) return false;
    for (let i = patterns.length - 1; i >= 0; i--) {
      const p = patterns[i];
      const hit = p.isGlob
        ? globMatch(p, path, isDir)
        : simpleNameMatch(p, path, isDir);
      if (hit) return !p.inclusion;
    }
    return false;
  };
}

/**
 * The rules of a module's `timoni.ignore` (none when the file is absent), as Timoni reads
 * them: every line that is not blank and does not start with `#`.
 *
 * @public
 */
export async function readTimoniIgnore(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(join(dir, IGNORE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(
      `reading ${join(dir, IGNORE_FILE)} failed: ${(e as Error).message}`,
    );
  }
  return text
    .split('\n')
    .map(l => l.replace(/\r$/, ''))
    .filter(l => !l.startsWith('#') && l.trim() !== '');
}

/**
 * The archive entries of one layer: a walk of `root` in lexical order (like Go's
 * `filepath.Walk`) keeping directories and regular files that the rules do not exclude.
 * Excluded directories are still walked: a later `!rule` may keep something inside them.
 *
 * @public
 */
export async function collectLayerEntries(
  root: string,
  rules: string[],
): Promise<TarEntry[]> {
  const ignored = gitIgnoreMatcher(rules);
  const out: TarEntry[] = [];
  const walk = async (rel: string[]): Promise<void> => {
    const abs = join(root, ...rel);
    const st = await fs.lstat(abs);
    if (!st.isDirectory() && !st.isFile()) return;
    const name = rel.length ? rel.join('/') : '.';
    if (!ignored(rel, st.isDirectory()))
      out.push(
        st.isDirectory()
          ? { name, type: 'dir', mode: st.mode & 0o777 }
          : {
              name,
              type: 'file',
              mode: st.mode & 0o777,
              body: await fs.readFile(abs),
            },
      );
    if (!st.isDirectory()) return;
    const names = (await fs.readdir(abs)).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    for (const n of names) await walk([...rel, n]);
  };
  await walk([]);
  return out;
}

const execFileAsync = promisify(execFile);

async function git(dir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('git', args, {
      cwd: dir,
      timeout: 10_000,
    });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Timoni's `AppendGitMetadata`: fills `org.opencontainers.image.created` (from
 * `SOURCE_DATE_EPOCH`, else the last commit time), `.source` (the origin URL) and
 * `.revision` (the commit) when they are not set; git failures leave them out.
 *
 * @public
 */
export async function gitAnnotations(
  dir: string,
  annotations: Record<string, string>,
): Promise<Record<string, string>> {
  const out = { ...annotations };
  const created = 'org.opencontainers.image.created';
  if (!out[created]) {
    const epoch = Number(process.env.SOURCE_DATE_EPOCH);
    const ct = process.env.SOURCE_DATE_EPOCH
      ? epoch
      : Number(await git(dir, ['--no-pager', 'log', '-1', '--format=%ct']));
    if (Number.isFinite(ct) && ct > 0) out[created] = rfc3339(ct);
  }
  const source = 'org.opencontainers.image.source';
  if (!out[source]) {
    const url = await git(dir, ['config', '--get', 'remote.origin.url']);
    if (url) out[source] = url;
  }
  const revision = 'org.opencontainers.image.revision';
  if (!out[revision]) {
    const sha = await git(dir, ['show', '-s', '--format=%H']);
    if (sha) out[revision] = sha;
  }
  return out;
}

/** A blob of the artifact. */
export interface ArtifactBlob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

/**
 * A module packaged as Timoni's OCI artifact, ready to upload.
 *
 * @public
 */
export interface ModuleArtifact {
  /** The image config (go-containerregistry's empty image plus the two layers). */
  config: ArtifactBlob;
  /** Vendor layer (`cue.mod`), then module layer. */
  layers: (ArtifactBlob & { contentType: string; files: string[] })[];
  manifest: Buffer;
  /** Manifest digest. */
  digest: string;
  annotations: Record<string, string>;
}

/**
 * Timoni's `apiv1.TestFilePattern`: the CUE files holding a module's unit tests (read only by
 * `timoni mod test`), always left out of the published module whatever `timoni.ignore` says. It is
 * the last rule, so a `!…_test.cue` rule in `timoni.ignore` cannot bring one back.
 *
 * @public
 */
export const TEST_FILE_PATTERN = '*_test.cue';

const TIMONI_VERSION_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?$/;

/**
 * Checks a module version the way `timoni mod push` does: strict semver `X.Y.Z[-pre]`, no
 * leading `v`, no `+build` (a `+` cannot appear in an OCI tag).
 *
 * @public
 */
export function validateModuleVersion(version: string): void {
  if (!TIMONI_VERSION_RE.test(version))
    throw new Error(
      `module version '${version}' is not valid: use strict semver X.Y.Z or X.Y.Z-pre.N (e.g. 1.0.0, 2.0.0-rc.1), without a leading 'v' or '+build' metadata`,
    );
}

function blob(mediaType: string, data: Buffer): ArtifactBlob {
  return { mediaType, data, digest: sha256Digest(data), size: data.length };
}

/**
 * Packages a module directory as Timoni's OCI artifact (see the notes at the top of this file).
 *
 * @public
 */
export async function buildModuleArtifact(
  dir: string,
  opts: { version: string; annotations?: Record<string, string> },
): Promise<ModuleArtifact> {
  validateModuleVersion(opts.version);
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory())
    throw new Error(`module not found at path ${dir} (expected a directory)`);
  await readModuleName(dir);
  const ignore = await readTimoniIgnore(dir);
  const specs = [
    { contentType: 'cue.mod', rules: ['/*', '!/cue.mod'] },
    {
      contentType: 'module',
      rules: [...ignore, 'cue.mod/', TEST_FILE_PATTERN],
    },
  ];
  const layers: ModuleArtifact['layers'] = [];
  const diffIds: string[] = [];
  for (const spec of specs) {
    const entries = await collectLayerEntries(dir, spec.rules);
    const tar = packTar(entries);
    diffIds.push(sha256Digest(tar));
    layers.push({
      ...blob(TIMONI_CONTENT_MEDIA_TYPE, gzipSync(tar)),
      contentType: spec.contentType,
      files: entries.filter(e => e.type === 'file').map(e => e.name),
    });
  }
  const zero = '0001-01-01T00:00:00Z';
  const config = blob(
    TIMONI_CONFIG_MEDIA_TYPE,
    Buffer.from(
      JSON.stringify({
        architecture: '',
        created: zero,
        history: layers.map(() => ({ created: zero })),
        os: '',
        rootfs: { type: 'layers', diff_ids: diffIds },
        config: {},
      }),
    ),
  );
  const all = await gitAnnotations(dir, {
    ...(opts.annotations ?? {}),
    [OCI_VERSION_ANNOTATION]: opts.version,
  });
  const annotations = Object.fromEntries(
    Object.entries(all).sort(([a], [b]) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    ),
  );
  const descriptor = (b: ArtifactBlob) => ({
    mediaType: b.mediaType,
    size: b.size,
    digest: b.digest,
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: descriptor(config),
      layers: layers.map(l => ({
        ...descriptor(l),
        annotations: { [TIMONI_CONTENT_TYPE_ANNOTATION]: l.contentType },
      })),
      annotations,
    }),
  );
  return {
    config,
    layers,
    manifest,
    digest: sha256Digest(manifest),
    annotations,
  };
}
