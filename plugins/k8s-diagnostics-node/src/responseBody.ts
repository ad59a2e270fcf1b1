/**
 * What both protocols do with a response: an error status reads the body into the error, a
 * success hands it, chunk by chunk, to the sink chosen for its Content-Type.
 */
import { BodySink } from './clientTypes';
import { ClusterNames, httpError, networkError } from './clusterErrors';

/** A sink that keeps the whole body. */
export function collect(): BodySink<Buffer> {
  const chunks: Buffer[] = [];
  return { write: c => chunks.push(c), end: () => Buffer.concat(chunks) };
}

/** A response body's events, whichever protocol carries it. */
export interface BodyEvents {
  onData(fn: (chunk: Buffer) => void): void;
  onEnd(fn: () => void): void;
  onError(fn: (e: NodeJS.ErrnoException) => void): void;
  /** Stops the transfer (the sink failed). */
  abort(): void;
}

/**
 * What both protocols do with an answer: an error status reads the body into the error, a
 * success hands it to the sink chosen for its Content-Type.
 */
export function receive<T>(
  cluster: ClusterNames,
  timeoutMs: number,
  path: string,
  status: number,
  contentType: string,
  sinkFor: (contentType: string) => BodySink<T>,
  body: BodyEvents,
): Promise<T> {
  return new Promise((resolve, reject) => {
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = [];
      body.onData(c => chunks.push(c));
      body.onError(e => reject(networkError(cluster, e, timeoutMs)));
      body.onEnd(() =>
        reject(
          httpError(
            cluster,
            path,
            status,
            Buffer.concat(chunks).toString('utf8'),
          ),
        ),
      );
      return;
    }
    let sink: BodySink<T>;
    try {
      sink = sinkFor(contentType);
    } catch (e) {
      body.abort();
      reject(e);
      return;
    }
    let failed = false;
    const settle = (fn: () => void) => {
      if (failed) return;
      try {
        fn();
      } catch (e) {
        failed = true;
        body.abort();
        reject(e);
      }
    };
    body.onData(c => settle(() => sink.write(c)));
    body.onError(e => reject(networkError(cluster, e, timeoutMs)));
    body.onEnd(() => settle(() => resolve(sink.end())));
  });
}
