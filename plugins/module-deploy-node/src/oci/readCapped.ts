/** Reading a registry answer's body as a stream under a byte cap, and the error a too-large answer raises. */

/**
 * Raised when an answer is larger than its byte cap.
 *
 * @public
 */
export class RegistryLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryLimitError';
  }
}

/**
 * Reads a response body as a stream, refusing it when the announced `Content-Length` or the bytes
 * received exceed `cap`; `tooLarge` builds the error from what was seen.
 *
 * @public
 */
export async function readCapped(
  res: Response,
  cap: number,
  tooLarge: (seen: string) => Error,
): Promise<Buffer> {
  const announced = res.headers.get('content-length');
  if (announced !== null && /^\d+$/.test(announced.trim())) {
    if (Number(announced) > cap) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(`the registry announced ${announced} bytes`);
    }
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`more than ${cap} bytes arrived`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
