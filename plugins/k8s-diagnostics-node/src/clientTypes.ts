/**
 * The client's public interfaces: {@link KubeHttp}, the raw GETs a scan makes, and
 * {@link BodySink}, which receives a response body while it arrives.
 */

/** Raw GETs against the API server of a kubeconfig's current context. @public */
export interface KubeHttp {
  /** The API server URL. */
  readonly server: string;
  /** The context name, for messages. */
  readonly context: string;
  getJson(path: string, accept?: string): Promise<unknown>;
  getText(path: string): Promise<string>;
  /**
   * A body handed, chunk by chunk as it arrives, to the sink chosen for its Content-Type
   * (decoding then overlaps the transfer); resolves to what the sink's `end` returns.
   */
  getStreamed<T>(
    path: string,
    accept: string,
    sinkFor: (contentType: string) => BodySink<T>,
  ): Promise<T>;
  /**
   * The protocol of the last answer: `h2` (one multiplexed connection), `http/1.1` (kept
   * connections), or undefined before the first.
   */
  protocol?(): 'h2' | 'http/1.1' | undefined;
}

/** Receives a response body while it arrives. @public */
export interface BodySink<T> {
  write(chunk: Buffer): void;
  end(): T;
}
