/**
 * The HTTP/2 side of the client: one multiplexed connection to the API server, opened on demand
 * and again after it closed, its requests as streams, and which failures to send once more.
 */
import http2 from 'node:http2';
import { timeoutError } from './clusterErrors';
import { ConnectionOptions, IDLE_SOCKET_MS } from './connection';
import { BodyEvents } from './responseBody';

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

/** A request that failed on its HTTP/2 connection before any answer (the cause says how). */
export class H2Failure extends Error {
  constructor(readonly reason: NodeJS.ErrnoException) {
    super(reason.message);
  }
}

/**
 * Failures of a request that another HTTP/2 connection may not have: the connection was going
 * away (GOAWAY, as an API server sends to spread clients, or after rejecting credentials) or
 * refused the stream. Such a request is sent once more, on a new connection (it is a GET).
 */
export const H2_RETRY_CODES = new Set([
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
export function h2Connector(
  base: URL,
  opts: ConnectionOptions,
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
