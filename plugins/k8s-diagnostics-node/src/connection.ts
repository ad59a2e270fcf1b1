/**
 * The connection settings of a kubeconfig's current context: credentials, CA and proxy from
 * `@kubernetes/client-node` (`applyToHTTPSOptions`), one TLS context for all requests, kept
 * HTTP/1.1 connections, and whether to try HTTP/2.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterRequestError } from './clusterErrors';

/** Connections to the API server at a time over HTTP/1.1 (a scan's requests wait for a free one). */
export const MAX_SOCKETS = 8;
/** An idle kept connection closes after this long. */
export const IDLE_SOCKET_MS = 5_000;

/** Request options with the TLS context that all requests share. */
export type ConnectionOptions = https.RequestOptions &
  Pick<tls.ConnectionOptions, 'secureContext'>;

/** How to reach the API server of a kubeconfig's current context. */
export interface ClusterConnection {
  /** The API server URL, as the kubeconfig gives it. */
  server: string;
  base: URL;
  /** The path of the API server URL, without its trailing slash: the prefix of every path. */
  prefix: string;
  transport: typeof http | typeof https;
  opts: ConnectionOptions;
  /** Over TLS without a proxy: one HTTP/2 connection is tried first. */
  tryH2: boolean;
}

/** The connection settings of `kc`'s current context; errors say what to fix in the kubeconfig. */
export async function clusterConnection(
  kc: KubeConfig,
): Promise<ClusterConnection> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ClusterRequestError(
      'the kubeconfig has no current cluster: set current-context or pass --context',
    );
  }
  const base = new URL(cluster.server);
  const opts: ConnectionOptions = {};
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
  return { server: cluster.server, base, prefix, transport, opts, tryH2 };
}
