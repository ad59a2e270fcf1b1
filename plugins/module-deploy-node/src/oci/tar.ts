import { promises as fs } from 'node:fs';
import { posix, resolve, sep } from 'node:path';
import { createGunzip, gzipSync } from 'node:zlib';
import { ReadEntry, Unpack, types as tarTypes } from 'tar';

/**
 * Limits for unpacking untrusted archives.
 *
 * @public
 */
export interface UnpackLimits {
  /** Maximum total bytes of file content (default 64 MiB). */
  maxBytes?: number;
  /** Maximum number of entries (default 10000). */
  maxEntries?: number;
  /** Maximum compressed size accepted (default 32 MiB). */
  maxCompressedBytes?: number;
}

/**
 * Raised for an archive that is unsafe or malformed; names the entry.
 *
 * @public
 */
export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(`refusing module archive: ${message}`);
    this.name = 'UnsafeArchiveError';
  }
}

/**
 * Checks an archive entry path: relative, no `..`, no backslashes or NUL; returns it normalized.
 *
 * @public
 */
export function safeEntryPath(name: string): string {
  if (!name || name.includes('\0') || name.includes('\\'))
    throw new UnsafeArchiveError(`entry '${name}' has an invalid name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name))
    throw new UnsafeArchiveError(`entry '${name}' has an absolute path`);
  const parts = name.split('/').filter(p => p !== '' && p !== '.');
  if (parts.some(p => p === '..'))
    throw new UnsafeArchiveError(
      `entry '${name}' escapes the target directory ('..')`,
    );
  return posix.join(...(parts.length ? parts : ['.']));
}

/** Archive entry types a module may hold (as the `tar` package names them): files and directories. */
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const LINK_TYPES: Record<string, string> = {
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/** Header type flags of the entry types the `tar` package names, for error messages. */
const TYPE_FLAGS = new Map(
  [...tarTypes.name].map(([flag, name]) => [name, flag]),
);

/** The error to report for one the `tar` package raised (with the entry it was at, if any). */
function refusal(
  e: Error & { code?: string; tarCode?: string; entry?: ReadEntry },
): UnsafeArchiveError {
  if (e instanceof UnsafeArchiveError) return e;
  const at = e.entry?.path ? ` entry '${e.entry.path}'` : '';
  if (e.code === 'TAR_SYMLINK_ERROR' || /symbolic link/i.test(e.message))
    return new UnsafeArchiveError(
      `${
        at ? at.trimStart() : 'an entry'
      } escapes the target directory (through a symbolic link in it)`,
    );
  if (
    [e.code, e.tarCode].some(c =>
      /^TAR_(ENTRY_INVALID|BAD_ARCHIVE)$/.test(c ?? ''),
    )
  )
    return new UnsafeArchiveError(`corrupt tar archive (${e.message})`);
  return new UnsafeArchiveError(`cannot unpack${at} (${e.message})`);
}

/**
 * Unpacks a gzip-compressed tar into `dest` (which must be empty or absent), accepting only
 * regular files and directories: symlinks, hardlinks and devices are refused, as are absolute
 * paths, `..` segments, an entry that appears twice and archives over the size or entry limits.
 * The archive is decompressed and written as a stream (the `tar` package's `Unpack`); every rule
 * is checked on each entry before it is written, and the first one broken stops the unpacking.
 *
 * @public
 */
export async function unpackTarGz(
  archive: Buffer,
  dest: string,
  limits: UnpackLimits = {},
): Promise<{ files: number; bytes: number; entries: number }> {
  const maxCompressed = limits.maxCompressedBytes ?? 32 * 1024 * 1024;
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  const maxEntries = limits.maxEntries ?? 10_000;
  // the decompressed stream may hold headers, padding and metadata besides file content
  const maxTarBytes = maxBytes + maxEntries * 1024 + 1024 * 1024;
  if (archive.length > maxCompressed)
    throw new UnsafeArchiveError(
      `compressed size ${archive.length} exceeds ${maxCompressed} bytes`,
    );
  if (archive.length < 2 || archive[0] !== 0x1f || archive[1] !== 0x8b)
    throw new UnsafeArchiveError(
      'not a valid gzip stream or larger than the limit (incorrect header check)',
    );
  const root = resolve(dest);
  await fs.mkdir(root, { recursive: true });
  let entries = 0;
  let bytes = 0;
  let files = 0;
  const seen = new Set<string>();

  return new Promise((done, fail) => {
    let settled = false;
    const gunzip = createGunzip();
    let unpack: Unpack | undefined = undefined;
    /** The rules, in the order the hand-written parser checked them. */
    const check = (entry: ReadEntry) => {
      const raw = entry.path;
      if (++entries > maxEntries)
        throw new UnsafeArchiveError(`more than ${maxEntries} entries`);
      if (LINK_TYPES[entry.type])
        throw new UnsafeArchiveError(
          `entry '${raw}' is a ${
            LINK_TYPES[entry.type]
          }; links are not allowed in modules`,
        );
      const isFile = FILE_TYPES.has(entry.type);
      if (!isFile && entry.type !== 'Directory')
        throw new UnsafeArchiveError(
          `entry '${raw}' has unsupported type '${
            TYPE_FLAGS.get(entry.type) ?? entry.type
          }' (only files and directories)`,
        );
      const rel = safeEntryPath(raw);
      const target = resolve(root, rel);
      if (target !== root && !target.startsWith(root + sep))
        throw new UnsafeArchiveError(
          `entry '${raw}' escapes the target directory`,
        );
      // permissions are the module's own, never the archive's: no executables, no setuid
      entry.mode = isFile ? 0o644 : 0o755;
      if (!isFile) return;
      bytes += entry.size;
      if (bytes > maxBytes)
        throw new UnsafeArchiveError(`content exceeds ${maxBytes} bytes`);
      if (seen.has(rel))
        throw new UnsafeArchiveError(`entry '${raw}' appears twice`);
      seen.add(rel);
      files++;
    };

    const stop = (e: Error) => {
      if (settled) return;
      settled = true;
      gunzip.unpipe(unpack);
      gunzip.destroy();
      unpack?.abort(e);
      fail(refusal(e));
    };

    unpack = new Unpack({
      cwd: root,
      strict: true,
      preserveOwner: false,
      noMtime: true,
      filter: (_path, entry) => {
        try {
          check(entry as ReadEntry);
          return true;
        } catch (e) {
          stop(e as Error);
          return false;
        }
      },
    });

    let tarBytes = 0;
    gunzip.on('data', (chunk: Buffer) => {
      tarBytes += chunk.length;
      if (tarBytes > maxTarBytes)
        stop(
          new UnsafeArchiveError(
            `not a valid gzip stream or larger than the limit (more than ${maxTarBytes} bytes uncompressed)`,
          ),
        );
    });
    gunzip.on('error', e =>
      stop(
        new UnsafeArchiveError(
          `not a valid gzip stream or larger than the limit (${e.message})`,
        ),
      ),
    );
    unpack.on('error', (e: Error) => stop(e));
    unpack.on('close', () => {
      if (settled) return;
      settled = true;
      done({ files, bytes, entries });
    });
    gunzip.pipe(unpack);
    gunzip.end(archive);
  });
}

/**
 * One entry of an archive to write: a directory or a regular file.
 *
 * @public
 */
export interface TarEntry {
  /** Path inside the archive, `/`-separated, relative (`.` for the root directory). */
  name: string;
  type: 'file' | 'dir';
  /** Permission bits (e.g. 0o644). */
  mode: number;
  /** File content (files only). */
  body?: Buffer;
}

function writeOctal(h: Buffer, off: number, len: number, n: number): void {
  h.write(`${n.toString(8).padStart(len - 1, '0')}\0`, off, len, 'ascii');
}

function ustarHeader(
  name: string,
  prefix: string,
  type: string,
  mode: number,
  size: number,
): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  writeOctal(h, 100, 8, mode & 0o7777);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0); // mtime: Timoni zeroes it
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  writeOctal(h, 329, 8, 0); // devmajor
  writeOctal(h, 337, 8, 0); // devminor
  h.write(prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function pad(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** Splits a long path into ustar prefix (<= 155 bytes) and name (<= 100 bytes), if it can. */
function splitUstar(path: string): [string, string] | undefined {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100)
      return [prefix, name];
  }
  return undefined;
}

function paxRecord(key: string, value: string): Buffer {
  // the length field counts itself: grow it until it is stable
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len)
    len = String(len).length + Buffer.byteLength(rest);
  return Buffer.from(`${len}${rest}`, 'utf8');
}

/**
 * Writes a tar of directories and regular files with environment-specific data removed
 * (uid/gid 0, no user or group names, zero modification time), the way Timoni packages a
 * module: ustar headers, a PAX `path` record for names that do not fit.
 *
 * @public
 */
export function packTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body =
      e.type === 'file' ? e.body ?? Buffer.alloc(0) : Buffer.alloc(0);
    const type = e.type === 'dir' ? '5' : '0';
    safeEntryPath(e.name);
    const split = splitUstar(e.name);
    if (!split) {
      const pax = paxRecord('path', e.name);
      blocks.push(ustarHeader('PaxHeaders/x', '', 'x', 0o644, pax.length));
      blocks.push(pax, pad(pax.length));
    }
    const [prefix, name] = split ?? ['', e.name.slice(0, 100)];
    blocks.push(ustarHeader(name, prefix, type, e.mode, body.length));
    blocks.push(body, pad(body.length));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/**
 * {@link packTar}, gzip-compressed.
 *
 * @public
 */
export function packTarGz(entries: TarEntry[]): Buffer {
  return gzipSync(packTar(entries));
}
