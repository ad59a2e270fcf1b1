import { promises as fs } from 'node:fs';
import { dirname, posix, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

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

function str(buf: Buffer, off: number, len: number): string {
  const raw = buf.subarray(off, off + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function octal(buf: Buffer, off: number, len: number): number {
  const s = str(buf, off, len).trim();
  if (!s) return 0;
  if (!/^[0-7]+$/.test(s))
    throw new UnsafeArchiveError(`corrupt tar header (bad number '${s}')`);
  return parseInt(s, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = parseInt(data.subarray(off, sp).toString('ascii'), 10);
    if (!len || len < 0) break;
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
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

/**
 * Unpacks a gzip-compressed tar into `dest` (which must be empty or absent), accepting only
 * regular files and directories: symlinks, hardlinks and devices are refused, as are absolute
 * paths, `..` segments and archives over the size or entry limits.
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
  if (archive.length > maxCompressed)
    throw new UnsafeArchiveError(
      `compressed size ${archive.length} exceeds ${maxCompressed} bytes`,
    );
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, {
      maxOutputLength: maxBytes + maxEntries * 1024 + 1024 * 1024,
    });
  } catch (e) {
    throw new UnsafeArchiveError(
      `not a valid gzip stream or larger than the limit (${
        (e as Error).message
      })`,
    );
  }
  const root = resolve(dest);
  await fs.mkdir(root, { recursive: true });
  let off = 0;
  let entries = 0;
  let bytes = 0;
  let files = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every(b => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== octal(h, 148, 8))
      throw new UnsafeArchiveError('corrupt tar header (checksum mismatch)');
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (body.length < size)
      throw new UnsafeArchiveError('truncated tar archive');
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = parsePax(body);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = str(body, 0, body.length);
      continue;
    }
    const prefix = str(h, 345, 155);
    const raw =
      pax.path ??
      longName ??
      (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    pax = {};
    longName = undefined;
    if (++entries > maxEntries)
      throw new UnsafeArchiveError(`more than ${maxEntries} entries`);
    if (type === '1' || type === '2')
      throw new UnsafeArchiveError(
        `entry '${raw}' is a ${
          type === '2' ? 'symlink' : 'hardlink'
        }; links are not allowed in modules`,
      );
    if (type !== '0' && type !== '5' && type !== '7')
      throw new UnsafeArchiveError(
        `entry '${raw}' has unsupported type '${type}' (only files and directories)`,
      );
    const rel = safeEntryPath(raw);
    const target = resolve(root, rel);
    if (target !== root && !target.startsWith(root + sep))
      throw new UnsafeArchiveError(
        `entry '${raw}' escapes the target directory`,
      );
    if (type === '5') {
      await fs.mkdir(target, { recursive: true });
      continue;
    }
    bytes += size;
    if (bytes > maxBytes)
      throw new UnsafeArchiveError(`content exceeds ${maxBytes} bytes`);
    await fs.mkdir(dirname(target), { recursive: true });
    // refuse to write through anything that is not a plain directory we created
    const parentReal = await fs.realpath(dirname(target));
    if (parentReal !== root && !parentReal.startsWith(root + sep))
      throw new UnsafeArchiveError(
        `entry '${raw}' escapes the target directory`,
      );
    await fs.writeFile(target, body, { flag: 'wx', mode: 0o644 }).catch(e => {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST')
        throw new UnsafeArchiveError(`entry '${raw}' appears twice`);
      throw e;
    });
    files++;
  }
  return { files, bytes, entries };
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
