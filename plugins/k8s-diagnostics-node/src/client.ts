import http from 'node:http';
import https from 'node:https';
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
}

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
        `(for example the 'view' ClusterRole)`,
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
  const opts: https.RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (e) {
    throw new ClusterRequestError(
      `cannot prepare credentials for context '${kc.getCurrentContext()}': ${(e as Error).message}`,
    );
  }
  const transport = base.protocol === 'http:' ? http : https;
  const prefix = base.pathname.replace(/\/$/, '');

  const self: KubeHttp = {
    server: cluster.server,
    context: kc.getCurrentContext(),
    getText: path => request(path, '*/*'),
    getJson: async (path, accept = 'application/json') => JSON.parse(await request(path, accept)),
  };

  function request(path: string, accept: string): Promise<string> {
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
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', e => reject(networkError(self, e, timeoutMs)));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(body);
            else reject(httpError(self, path, status, body));
          });
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
