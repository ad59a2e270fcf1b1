/**
 * The FileSource: follows a Tetragon JSON export file on disk, checkpointed, through rotation and
 * truncation.
 */
import { DEFAULT_MAX_LINE_BYTES } from '@periscope/backstage-plugin-runtime-security-common';
import fs from 'node:fs';
import { FileSourceSettings } from '../../config';
import { createSourceIngester } from '../IngestService/createSourceIngester';
import { SourceDeps } from '../IngestService/types';
import { FileCheckpoint, FileSource } from './types';

/** Bytes read per step; lines are stored after each step. */
const READ_CHUNK = 1024 * 1024;

/** The files a rotated log may have been renamed to (logrotate / Tetragon's own rotation). */
function rotatedNames(path: string): string[] {
  return [`${path}.1`, `${path}.0`, `${path}.old`];
}

async function statOrUndefined(path: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Creates the follower of one export file (`--export-filename`).
 *
 * Each {@link FileSource.poll} reads from the stored offset to the end, only
 * whole lines, and advances the checkpoint after the store accepted them.
 * Rotation: when the inode changes, the rest of the old file is read from its
 * rotated name (`.1`, `.0`, `.old`) when it is there, then the new file from
 * the start. Truncation (size below the offset, same inode) restarts at 0.
 */
export function createFileSource(
  settings: FileSourceSettings,
  deps: SourceDeps,
): FileSource {
  const id = settings.id;
  const ingester = createSourceIngester(id, 'file', deps);

  async function drainRotated(
    cp: FileCheckpoint,
    signal?: AbortSignal,
  ): Promise<number> {
    for (const name of rotatedNames(settings.path)) {
      const st = await statOrUndefined(name).catch(() => undefined);
      if (st && st.ino === cp.ino && st.dev === cp.dev && st.size > cp.offset) {
        deps.logger.info(
          `runtime-security: ${settings.path} was rotated; reading the rest of ${name}`,
        );
        return readFrom(name, cp, signal, false);
      }
    }
    return 0;
  }

  /**
   * Reads whole lines from `cp.offset` to the current end; saves the checkpoint after each chunk.
   * Memory stays bounded: of a line longer than `maxLineBytes` only the first `maxLineBytes + 1`
   * bytes are kept until its newline, so the parser counts it as `too_large` and moves on.
   */
  async function readFrom(
    path: string,
    cp: FileCheckpoint,
    signal: AbortSignal | undefined,
    save: boolean,
  ): Promise<number> {
    const fh = await fs.promises.open(path, 'r');
    const keep = (deps.analyzer.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) + 1;
    const capped = (b: Buffer) =>
      Buffer.from(b.length > keep ? b.subarray(0, keep) : b);
    let offset = cp.offset;
    let readPos = cp.offset;
    let stored = 0;
    try {
      const buf = Buffer.alloc(READ_CHUNK);
      let carry = Buffer.alloc(0);
      for (;;) {
        if (signal?.aborted) break;
        const { bytesRead } = await fh.read(buf, 0, READ_CHUNK, readPos);
        if (bytesRead === 0) break;
        readPos += bytesRead;
        const chunk = buf.subarray(0, bytesRead);
        const lastNl = chunk.lastIndexOf(0x0a);
        if (lastNl < 0) {
          carry = capped(Buffer.concat([carry, chunk]));
          continue;
        }
        const firstNl = chunk.indexOf(0x0a);
        const head = capped(
          Buffer.concat([carry, chunk.subarray(0, firstNl)]),
        ).toString('utf8');
        const tail =
          firstNl < lastNl
            ? chunk
                .subarray(firstNl + 1, lastNl)
                .toString('utf8')
                .split('\n')
            : [];
        const lines = [head, ...tail].map(l =>
          l.endsWith('\r') ? l.slice(0, -1) : l,
        );
        await ingester.pushLines(lines, {
          cluster: settings.cluster,
        });
        stored += lines.length;
        offset = readPos - (bytesRead - lastNl - 1);
        carry = capped(chunk.subarray(lastNl + 1));
        if (save) await ingester.save({ ino: cp.ino, dev: cp.dev, offset });
      }
    } finally {
      await fh.close();
    }
    if (save && stored === 0)
      await ingester.save({ ino: cp.ino, dev: cp.dev, offset });
    return stored;
  }

  /** Reads whatever was appended since the last poll. Returns the number of lines stored. */
  async function poll(signal?: AbortSignal): Promise<number> {
    const path = settings.path;
    let cp = await deps.store.getCheckpoint<FileCheckpoint>(id);
    let st: fs.Stats | undefined;
    try {
      st = await statOrUndefined(path);
    } catch (e) {
      await ingester.fail(`cannot read ${path}: ${(e as Error).message}`, cp);
      return 0;
    }
    if (!st) {
      await ingester.fail(
        `${path} does not exist: check runtimeSecurity.sources.files and Tetragon's --export-filename`,
        cp,
      );
      return 0;
    }
    let lines = 0;
    if (cp && (cp.ino !== st.ino || cp.dev !== st.dev)) {
      lines += await drainRotated(cp, signal);
      cp = undefined;
    } else if (cp && st.size < cp.offset) {
      deps.logger.info(
        `runtime-security: ${path} was truncated (size ${st.size} < offset ${cp.offset}); reading it from the start`,
      );
      cp = undefined;
    }
    const start: FileCheckpoint = cp ?? { ino: st.ino, dev: st.dev, offset: 0 };
    lines += await readFrom(path, start, signal, true);
    return lines;
  }

  return { id, poll };
}
