/**
 * The HTTP client a scan reads the cluster through: raw GETs with a kubeconfig's credentials over
 * HTTP/2 or kept HTTP/1.1 connections, and errors that say what to fix ({@link ClusterRequestError}).
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A failed request to the API server, with a message that says what to do.
 *
 * @public
 */
export class ClusterRequestError extends Error {
  readonly status?: number;
  readonly code?: string;
  constructor(
    message: string,
    opts: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(
      message,
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.name = 'ClusterRequestError';
    this.status = opts.status;
    this.code = opts.code;
  }
}

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

/** A sink that keeps the whole body. */
function collect(): BodySink<Buffer> {
  const chunks: Buffer[] = [];
  return { write: c => chunks.push(c), end: () => Buffer.concat(chunks) };
}

/** Connections to the API server at a time over HTTP/1.1 (a scan's requests wait for a free one). */
const MAX_SOCKETS = 8;
/** An idle kept connection closes after this long. */
const IDLE_SOCKET_MS = 5_000;
/** Flow-control window of an HTTP/2 stream and of the connection: lists arrive unthrottled. */
const H2_WINDOW = 32 << 20;
/** Request headers HTTP/2 forbids (RFC 9113, 8.2.2) or sets itself. */
const H2_DROPPED_HEADERS = new Set([
  'connection',
  'host',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not a Status object
  }
  return body.slice(0, 200).trim();
}

/**
 * Which role gives read access to what a path lists: the built-in `view` ClusterRole covers the
 * namespaced kinds except Secrets, not the cluster-scoped ones (IngressClasses, Nodes...).
 */
function grantHint(path: string): string {
  const resource = path.split('?')[0].split('/').filter(Boolean).pop() ?? '';
  if (path.includes('/namespaces/') && resource !== 'secrets')
    return "for example the 'view' ClusterRole";
  return `a ClusterRole with get/list on ${resource}, bound with a ClusterRoleBinding: the 'view' ClusterRole does not include it`;
}

function httpError(
  http_: KubeHttp,
  path: string,
  status: number,
  body: string,
): ClusterRequestError {
  const said = statusMessage(body);
  if (status === 401) {
    return new ClusterRequestError(
      `the cluster at ${http_.server} rejected the credentials of context '${http_.context}' (401 Unauthorized): ` +
        `refresh the token or client certificate in the kubeconfig`,
      { status },
    );
  }
  if (status === 403) {
    return new ClusterRequestError(
      `forbidden (403) to read ${path}: ${said}. Grant the user of context '${http_.context}' get/list on it ` +
        `(${grantHint(path)})`,
      { status },
    );
  }
  return new ClusterRequestError(
    `GET ${path} failed with HTTP ${status}: ${said}`,
    { status },
  );
}

function networkError(
  http_: KubeHttp,
  e: NodeJS.ErrnoException,
  timeoutMs: number,
): ClusterRequestError {
  const code = e.code ?? '';
  if (code === 'ETIMEDOUT_PERISCOPE') {
    return new ClusterRequestError(
      `the cluster at ${http_.server} did not answer within ${
        timeoutMs / 1000
      }s: check that its API server is up`,
      { code: 'ETIMEDOUT' },
    );
  }
  if (TLS_CODES.has(code)) {
    return new ClusterRequestError(
      `TLS verification of ${http_.server} failed (${code}): check certificate-authority-data of the cluster ` +
        `in the kubeconfig`,
      { code },
    );
  }
  return new ClusterRequestError(
    `cannot reach the cluster at ${http_.server} (context '${
      http_.context
    }'): ${code || e.message}. ` +
      `Is the API server running, and is this the right kubeconfig and context?`,
    { code },
  );
}

/** A response body's events, whichever protocol carries it. */
interface BodyEvents {
  onData(fn: (chunk: Buffer) => void): void;
  onEnd(fn: () => void): void;
  onError(fn: (e: NodeJS.ErrnoException) => void): void;
  /** Stops the transfer (the sink failed). */
  abort(): void;
}

function timeoutError(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('timeout');
  e.code = 'ETIMEDOUT_PERISCOPE';
  return e;
}

/** A request that failed on its HTTP/2 connection before any answer (the cause says how). */
class H2Failure extends Error {
  constructor(readonly reason: NodeJS.ErrnoException) {
    super(reason.message);
  }
}

/**
 * Failures of a request that another HTTP/2 connection may not have: the connection was going
 * away (GOAWAY, as an API server sends to spread clients, or after rejecting credentials) or
 * refused the stream. Such a request is sent once more, on a new connection (it is a GET).
 */
const H2_RETRY_CODES = new Set([
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CLOSED_PERISCOPE',
  'ERR_HTTP2_STREAM_CANCEL',
]);

/**
 * One HTTP/2 connection to the API server, opened on the first request and again after it
 * closed (idle for IDLE_SOCKET_MS, or the server sent GOAWAY). `session()` resolves to
 * undefined when the server does not speak HTTP/2 (no `h2` in ALPN): the caller then uses
 * HTTP/1.1, for this request and every later one. It rejects when the server cannot be
 * reached or fails TLS verification, as HTTP/1.1 would. The connection keeps the process
 * alive only while a request runs.
 */
function h2Connector(
  base: URL,
  opts: https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext'>,
  timeoutMs: number,
) {
  let current: Promise<http2.ClientHttp2Session | undefined> | undefined;
  let speaksH2 = true;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v !== undefined && !H2_DROPPED_HEADERS.has(k.toLowerCase()))
      headers[k.toLowerCase()] = String(v);
  }
  // a kubeconfig username and password (client-node sets `auth`, which only HTTP/1.1 reads)
  if (opts.auth && !headers.authorization)
    headers.authorization = `Basic ${Buffer.from(opts.auth).toString(
      'base64',
    )}`;

  /** Per connection: how to take it out of use, and its requests running. */
  const sessions = new WeakMap<
    http2.ClientHttp2Session,
    { drop: () => void; active: number }
  >();

  /** Opens a connection; `drop` is called when new requests must not use it any more. */
  function connect(
    drop: () => void,
  ): Promise<http2.ClientHttp2Session | undefined> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(base.origin, {
        secureContext: opts.secureContext,
        servername: opts.servername,
        rejectUnauthorized: opts.rejectUnauthorized,
        settings: { initialWindowSize: H2_WINDOW },
      });
      let connected = false;
      const timer = setTimeout(() => {
        session.destroy();
        reject(timeoutError());
      }, timeoutMs);
      session.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        session.setLocalWindowSize(H2_WINDOW);
        session.unref();
        resolve(session);
      });
      session.on('error', (e: NodeJS.ErrnoException) => {
        // after connecting, errors reach the requests through their streams
        if (connected) return;
        clearTimeout(timer);
        if (
          e.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' ||
          e.code === 'ERR_HTTP2_ERROR'
        ) {
          speaksH2 = false;
          resolve(undefined);
        } else reject(e);
      });
      session.on('close', () => {
        clearTimeout(timer);
        if (connected) drop();
      });
      // new requests go to a new connection; those running finish on this one
      session.on('goaway', drop);
      const state = { drop, active: 0 };
      sessions.set(session, state);
      session.setTimeout(IDLE_SOCKET_MS, () => {
        if (state.active === 0) session.close();
      });
    });
  }

  return {
    session(): Promise<http2.ClientHttp2Session | undefined> {
      if (!speaksH2) return Promise.resolve(undefined);
      if (!current) {
        const attempt: Promise<http2.ClientHttp2Session | undefined> = connect(
          () => {
            if (current === attempt) current = undefined;
          },
        );
        current = attempt;
        attempt.catch(() => {
          if (current === attempt) current = undefined; // the next request tries again
        });
      }
      return current;
    },
    /** Sends later requests to a new connection (this one failed one). */
    forget(session: http2.ClientHttp2Session): void {
      sessions.get(session)?.drop();
    },
    request<T>(
      session: http2.ClientHttp2Session,
      path: string,
      accept: string,
      answer: (
        status: number,
        contentType: string,
        body: BodyEvents,
      ) => Promise<T>,
    ): Promise<T> {
      return new Promise((resolve, reject) => {
        const state = sessions.get(session) ?? {
          drop: () => undefined,
          active: 0,
        };
        if (state.active++ === 0) session.ref();
        const done = () => {
          if (--state.active === 0 && !session.destroyed) session.unref();
        };
        let stream: http2.ClientHttp2Stream;
        try {
          stream = session.request(
            { ':method': 'GET', ':path': path, accept, ...headers },
            { endStream: true },
          );
        } catch (e) {
          done();
          reject(new H2Failure(e as NodeJS.ErrnoException));
          return;
        }
        let answered = false;
        const fail = (e: NodeJS.ErrnoException) => {
          if (answered) return;
          answered = true;
          // a stream cancelled with its connection carries the connection's error as its cause
          const cause = (e as { cause?: NodeJS.ErrnoException }).cause;
          reject(
            new H2Failure(
              e.code === 'ERR_HTTP2_STREAM_CANCEL' && cause ? cause : e,
            ),
          );
        };
        stream.setTimeout(timeoutMs, () => stream.destroy(timeoutError()));
        stream.once('response', h => {
          answered = true;
          const status = Number(h[':status'] ?? 0);
          const contentType = String(h['content-type'] ?? '');
          answer(status, contentType, {
            onData: fn => stream.on('data', fn),
            onEnd: fn => stream.on('end', fn),
            onError: fn =>
              stream.on('error', (e: NodeJS.ErrnoException) => fn(e)),
            abort: () => stream.destroy(),
          }).then(resolve, reject);
        });
        stream.on('error', fail);
        stream.on('close', () => {
          done();
          // closed before any answer (refused, or its connection went away) without an error
          const e: NodeJS.ErrnoException = new Error(
            `stream closed before an answer (code ${stream.rstCode})`,
          );
          e.code = 'ERR_HTTP2_STREAM_CLOSED_PERISCOPE';
          fail(e);
        });
      });
    },
  };
}

/**
 * Builds a {@link KubeHttp} from a kubeconfig: credentials, CA and proxy come from
 * `@kubernetes/client-node` (`applyToHTTPSOptions`); responses are parsed as plain JSON, without
 * the typed-model conversion of the generated clients, which is slow for large lists.
 *
 * @public
 */
export async function createKubeHttp(
  kc: KubeConfig,
  timeoutMs = 60_000,
  options: { signal?: AbortSignal } = {},
): Promise<KubeHttp> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ClusterRequestError(
      'the kubeconfig has no current cluster: set current-context or pass --context',
    );
  }
  const base = new URL(cluster.server);
  const opts: https.RequestOptions &
    Pick<tls.ConnectionOptions, 'secureContext'> = {};
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (e) {
    throw new ClusterRequestError(
      `cannot prepare credentials for context '${kc.getCurrentContext()}': ${
        (e as Error).message
      }`,
      { cause: e },
    );
  }
  const transport = base.protocol === 'http:' ? http : https;
  const prefix = base.pathname.replace(/\/$/, '');
  if (transport === https && !cluster.proxyUrl) {
    // One TLS context for all requests (a scan makes dozens in parallel), not one per request.
    try {
      opts.secureContext = tls.createSecureContext({
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
      });
    } catch (e) {
      throw new ClusterRequestError(
        `the TLS credentials of context '${kc.getCurrentContext()}' cannot be used (${
          (e as Error).message
        }): ` +
          `check certificate-authority-data, client-certificate-data and client-key-data in the kubeconfig`,
      );
    }
  }

  // Connections are kept and reused across the scan's requests: a TLS handshake costs both
  // sides CPU, and a scan makes dozens of requests. Over TLS without a proxy, requests share
  // one HTTP/2 connection (one handshake; API servers speak it, as kubectl does); a server that
  // does not gets HTTP/1.1 over up to MAX_SOCKETS kept connections (in place of the agent
  // client-node makes, which closes each connection after its request). Idle ones close after
  // IDLE_SOCKET_MS (each request sets its own timeout while it runs). With a proxy, the agent
  // client-node made for it is used.
  const tryH2 = transport === https && !cluster.proxyUrl;
  if (!cluster.proxyUrl) {
    opts.agent = new (transport === https ? https.Agent : http.Agent)({
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
      timeout: IDLE_SOCKET_MS,
    });
  }
  let lastProtocol: 'h2' | 'http/1.1' | undefined;
  const h2 = tryH2 ? h2Connector(base, opts, timeoutMs) : undefined;

  const self: KubeHttp = {
    server: cluster.server,
    context: kc.getCurrentContext(),
    getText: async path =>
      (await request(path, '*/*', collect)).toString('utf8'),
    getJson: async (path, accept = 'application/json') =>
      JSON.parse((await request(path, accept, collect)).toString('utf8')),
    getStreamed: request,
    protocol: () => lastProtocol,
  };

  async function request<T>(
    path: string,
    accept: string,
    sinkFor: (contentType: string) => BodySink<T>,
  ): Promise<T> {
    // the caller gave up on this cluster (its timeout fired): no further request starts
    if (options.signal?.aborted) {
      throw new ClusterRequestError(
        `the work on ${self.server} was cancelled (its time ran out) before ${path}`,
        { code: 'ABORT_ERR' },
      );
    }
    for (let attempt = 1; h2; attempt++) {
      const session = await h2
        .session()
        .catch(e => Promise.reject(networkError(self, e, timeoutMs)));
      if (!session) break; // the server does not speak HTTP/2
      lastProtocol = 'h2';
      try {
        return await h2.request(
          session,
          `${prefix}${path}`,
          accept,
          (status, contentType, body) =>
            receive(path, status, contentType, sinkFor, body),
        );
      } catch (e) {
        if (!(e instanceof H2Failure)) throw e;
        if (attempt >= 2 || !H2_RETRY_CODES.has(e.reason.code ?? ''))
          throw networkError(self, e.reason, timeoutMs);
        h2.forget(session);
      }
    }
    lastProtocol = 'http/1.1';
    return requestH1(path, accept, sinkFor);
  }

  /**
   * What both protocols do with an answer: an error status reads the body into the error, a
   * success hands it to the sink chosen for its Content-Type.
   */
  function receive<T>(
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
        body.onError(e => reject(networkError(self, e, timeoutMs)));
        body.onEnd(() =>
          reject(
            httpError(
              self,
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
      body.onError(e => reject(networkError(self, e, timeoutMs)));
      body.onEnd(() => settle(() => resolve(sink.end())));
    });
  }

  function requestH1<T>(
    path: string,
    accept: string,
    sinkFor: (contentType: string) => BodySink<T>,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = transport.request(
        {
          ...opts,
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          path: `${prefix}${path}`,
          method: 'GET',
          headers: { ...(opts.headers ?? {}), Accept: accept },
        },
        res => {
          receive(
            path,
            res.statusCode ?? 0,
            res.headers['content-type'] ?? '',
            sinkFor,
            {
              onData: fn => res.on('data', fn),
              onEnd: fn => res.on('end', fn),
              onError: fn => res.on('error', fn),
              abort: () => req.destroy(),
            },
          ).then(resolve, reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(timeoutError()));
      req.on('error', e =>
        reject(networkError(self, e as NodeJS.ErrnoException, timeoutMs)),
      );
      req.end();
    });
  }
  return self;
}
