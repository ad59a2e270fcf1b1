/**
 * The HTTP client a scan reads the cluster through: {@link createKubeHttp} makes raw GETs with a
 * kubeconfig's credentials over HTTP/2 or kept HTTP/1.1 connections. Its parts: the connection
 * settings (connection.ts), the HTTP/2 connector (h2Connector.ts), the response body
 * (responseBody.ts) and the errors that say what to fix (clusterErrors.ts).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { BodySink, KubeHttp } from './clientTypes';
import {
  ClusterRequestError,
  networkError,
  timeoutError,
} from './clusterErrors';
import { clusterConnection } from './connection';
import { H2Failure, H2_RETRY_CODES, h2Connector } from './h2Connector';
import { collect, receive } from './responseBody';

// the package's modules import these from here
export { ClusterRequestError } from './clusterErrors';
export type { BodySink, KubeHttp } from './clientTypes';

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
  const { server, base, prefix, transport, opts, tryH2 } =
    await clusterConnection(kc);
  let lastProtocol: 'h2' | 'http/1.1' | undefined;
  const h2 = tryH2 ? h2Connector(base, opts, timeoutMs) : undefined;

  const self: KubeHttp = {
    server,
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
            receive(self, timeoutMs, path, status, contentType, sinkFor, body),
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
            self,
            timeoutMs,
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
