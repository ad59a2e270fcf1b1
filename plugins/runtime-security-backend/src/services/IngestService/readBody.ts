/** Reads a POST /ingest body within `runtimeSecurity.ingest.maxBodyBytes` (413 beyond it). */
import type { Readable } from 'node:stream';
import { PayloadTooLargeError } from './errors';

/**
 * The body as UTF-8 text. A declared `content-length` over the limit is refused before reading;
 * a body that grows past it is refused as soon as it does (the rest is drained, not kept).
 */
export async function readBody(
  body: Readable,
  contentLength: string | undefined,
  limit: number,
): Promise<string> {
  const declared = Number(contentLength);
  const tooLarge = () =>
    new PayloadTooLargeError(
      `the batch is larger than ${limit} bytes (runtimeSecurity.ingest.maxBodyBytes): send smaller batches (Fluent Bit: lower Buffer_Size / flush more often; Vector: batch.max_bytes)`,
    );
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
