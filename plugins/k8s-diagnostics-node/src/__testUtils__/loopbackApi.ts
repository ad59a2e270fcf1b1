/**
 * Loopback stand-ins for an API server (test code only; not exported by the package): for what a
 * real one never sends, or what the local control plane cannot be made to do.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A loopback server, only for what a real API server never sends (a corrupt body) or that the
 * local control plane cannot be made to do (refuse the events `type` field selector). What a real
 * one does is tested against the local control plane in scan.integration.test.ts.
 * `answer` returns false for requests it leaves to the default (empty lists, a /version).
 */
export async function startApi(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
) {
  const server = http.createServer((req, res) => {
    if (answer(req, res)) return undefined;
    if (req.url === '/version') return res.end('{"major":"1"}');
    return res.end(JSON.stringify({ items: [] }));
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return { kc, close: () => new Promise(r => server.close(r)) };
}

/**
 * An API server that refuses field selectors (400) and answers lists under `eventsPath` with one
 * Normal event of `namespace`; every URL asked for goes into `seen`.
 */
export const refusingFieldSelectors =
  (eventsPath: string, namespace: string, seen: string[]) =>
  (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push(req.url ?? '');
    if (req.url?.includes('fieldSelector')) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          message: 'field label not supported: type',
          code: 400,
        }),
      );
      return true;
    }
    if (!req.url?.startsWith(eventsPath)) return false;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        items: [{ metadata: { name: 'e', namespace }, type: 'Normal' }],
      }),
    );
    return true;
  };

/** A kubeconfig whose server refuses connections (port 1 on loopback). */
export function unreachableKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: true },
    ],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}
