/** The part of an HTTP response (express or Node) that the NDJSON writer uses. @public */
export interface NdjsonResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
  write(chunk: string): unknown;
  flushHeaders?(): void;
  /** Set by the compression middleware; pushes buffered bytes out. */
  flush?(): void;
}

/** Writes values one JSON line each. @public */
export interface NdjsonWriter<T> {
  /** True once the first value (and with it the 200 headers) went out. */
  readonly started: boolean;
  write(value: T): void;
}

/**
 * Streams values as NDJSON. The 200 status and headers go out with the first value, so an error
 * thrown before any value (bad input, denied permission) is still answered with its own status.
 * @public
 */
export function createNdjsonWriter<T>(res: NdjsonResponse): NdjsonWriter<T> {
  let started = false;
  return {
    get started() {
      return started;
    },
    write(value: T) {
      if (!started) {
        started = true;
        res.status(200);
        res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('X-Accel-Buffering', 'no');
        res.flushHeaders?.();
      }
      res.write(`${JSON.stringify(value)}\n`);
      res.flush?.(); // through the compression middleware
    },
  };
}
