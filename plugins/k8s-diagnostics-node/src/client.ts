import http from 'node:http';
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
  constructor(message: string, opts: { status?: number; code?: string } = {}) {
    super(message);
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
  getStreamed<T>(path: string, accept: string, sinkFor: (contentType: string) => BodySink<T>): Promise<T>;
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

/** Connections to the API server at a time (a scan's requests wait for a free one). */
const MAX_SOCKETS = 8;
/** An idle kept connection closes after this long. */
const IDLE_SOCKET_MS = 5_000;

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
  if (path.includes('/namespaces/') && resource !== 'secrets') return "for example the 'view' ClusterRole";
  return `a ClusterRole with get/list on ${resource}, bound with a ClusterRoleBinding: the 'view' ClusterRole does not include it`;
}

function httpError(http_: KubeHttp, path: string, status: number, body: string): ClusterRequestError {
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
  return new ClusterRequestError(`GET ${path} failed with HTTP ${status}: ${said}`, { status });
}

function networkError(http_: KubeHttp, e: NodeJS.ErrnoException, timeoutMs: number): ClusterRequestError {
  const code = e.code ?? '';
  if (code === 'ETIMEDOUT_PERISCOPE') {
    return new ClusterRequestError(
      `the cluster at ${http_.server} did not answer within ${timeoutMs / 1000}s: check that its API server is up`,
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
    `cannot reach the cluster at ${http_.server} (context '${http_.context}'): ${code || e.message}. ` +
      `Is the API server running, and is this the right kubeconfig and context?`,
    { code },
  );
}

/**
 * Builds a {@link KubeHttp} from a kubeconfig: credentials, CA and proxy come from
 * @kubernetes/client-node (`applyToHTTPSOptions`); responses are parsed as plain JSON, without
 * the typed-model conversion of the generated clients, which is slow for large lists.
 *
 * @public
 */
export async function createKubeHttp(kc: KubeConfig, timeoutMs = 60_000): Promise<KubeHttp> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ClusterRequestError('the kubeconfig has no current cluster: set current-context or pass --context');
  }
  const base = new URL(cluster.server);
  const opts: https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext'> = {};
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (e) {
    throw new ClusterRequestError(
      `cannot prepare credentials for context '${kc.getCurrentContext()}': ${(e as Error).message}`,
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
        `the TLS credentials of context '${kc.getCurrentContext()}' cannot be used (${(e as Error).message}): ` +
          `check certificate-authority-data, client-certificate-data and client-key-data in the kubeconfig`,
      );
    }
  }

  // Connections are kept and reused across the scan's requests: a TLS handshake costs both
  // sides CPU, and a scan makes dozens of requests. Idle ones close after IDLE_SOCKET_MS (each
  // request sets its own timeout while it runs). An agent from the kubeconfig (a proxy) wins.
  if (!opts.agent && !cluster.proxyUrl) {
    opts.agent = new (transport === https ? https.Agent : http.Agent)({
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
      timeout: IDLE_SOCKET_MS,
    });
  }

  const self: KubeHttp = {
    server: cluster.server,
    context: kc.getCurrentContext(),
    getText: async path => (await request(path, '*/*', collect)).toString('utf8'),
    getJson: async (path, accept = 'application/json') =>
      JSON.parse((await request(path, accept, collect)).toString('utf8')),
    getStreamed: request,
  };

  function request<T>(path: string, accept: string, sinkFor: (contentType: string) => BodySink<T>): Promise<T> {
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
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', e => reject(networkError(self, e, timeoutMs)));
            res.on('end', () => reject(httpError(self, path, status, Buffer.concat(chunks).toString('utf8'))));
            return;
          }
          let sink: BodySink<T>;
          try {
            sink = sinkFor(res.headers['content-type'] ?? '');
          } catch (e) {
            req.destroy();
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
              req.destroy();
              reject(e);
            }
          };
          res.on('data', (c: Buffer) => settle(() => sink.write(c)));
          res.on('error', e => reject(networkError(self, e, timeoutMs)));
          res.on('end', () => settle(() => resolve(sink.end())));
        },
      );
      req.setTimeout(timeoutMs, () => {
        const e: NodeJS.ErrnoException = new Error('timeout');
        e.code = 'ETIMEDOUT_PERISCOPE';
        req.destroy(e);
      });
      req.on('error', e => reject(networkError(self, e as NodeJS.ErrnoException, timeoutMs)));
      req.end();
    });
  }
  return self;
}
