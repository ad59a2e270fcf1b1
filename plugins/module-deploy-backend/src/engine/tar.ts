import { promises as fs } from 'node:fs';
import { dirname, posix, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

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
): Promise<{ files: number; bytes: number }> {
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
  return { files, bytes };
}
