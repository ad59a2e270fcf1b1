/**
 * createKubeHttp's transport over TLS: HTTP/2 on one connection where the server speaks it, kept
 * HTTP/1.1 connections where it does not, a request sent again when its connection goes away,
 * and the messages of failures. Loopback servers with a certificate made for the test stand in
 * for what the local control plane cannot be made to do (refuse HTTP/2, send GOAWAY); the last
 * test checks against the local control plane itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterRequestError, createKubeHttp } from './client';
import { describeIf } from '@periscope/test-utils';

let dir: string;
let tlsFiles: { key: Buffer; cert: Buffer };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'periscope-client-test-'));
  // a self-signed certificate for 127.0.0.1, as scripts/lib/cluster makes the cluster's (openssl)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  tlsFiles = {
    key: fs.readFileSync(path.join(dir, 'key.pem')),
    cert: fs.readFileSync(path.join(dir, 'cert.pem')),
  };
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function kubeConfig(
  port: number,
  opts: { trustServer?: boolean } = {},
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `https://127.0.0.1:${port}`,
        ...(opts.trustServer === false
          ? {}
          : { caData: tlsFiles.cert.toString('base64') }),
      },
    ],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

/** Listens on loopback; `close` also ends the connections the client keeps open. */
async function listen(
  server: https.Server | http2.Http2SecureServer,
): Promise<{ port: number; close: () => Promise<void> }> {
  const open = new Set<{ destroy(): void }>();
  server.on(
    'secureConnection',
    (socket: { destroy(): void; on(e: 'close', fn: () => void): void }) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    },
  );
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>(r => {
        server.close(() => r());
        for (const socket of open) socket.destroy();
      }),
  };
}

const range = (n: number) => [...Array(n).keys()];

describe('createKubeHttp over TLS', () => {
  it('sends every request over one HTTP/2 connection to a server that speaks it, with the credentials', async () => {
    const server = http2.createSecureServer({ ...tlsFiles });
    let sessions = 0;
    const auth = new Set<string>();
    server.on('session', () => sessions++);
    server.on(
      'stream',
      (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
        auth.add(String(headers.authorization));
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(
          JSON.stringify({ path: headers[':path'], accept: headers.accept }),
        );
      },
    );
    const api = await listen(server);
    try {
      const client = await createKubeHttp(kubeConfig(api.port), 5000);
      const answers = await Promise.all(
        range(20).map(i =>
          client.getJson(
            `/api/v1/namespaces/n${i}/pods`,
            'application/json;as=Table;v=v1;g=meta.k8s.io',
          ),
        ),
      );
      expect(answers).toEqual(
        range(20).map(i => ({
          path: `/api/v1/namespaces/n${i}/pods`,
          accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
        })),
      );
      expect(client.protocol?.()).toBe('h2');
      expect(sessions).toBe(1);
      expect([...auth]).toEqual(['Bearer secret-token']);
    } finally {
      await api.close();
    }
  });

  it('starts no request once the caller cancelled the cluster (its timeout fired)', async () => {
    let requests = 0;
    const server = https.createServer({ ...tlsFiles }, (req, res) => {
      requests++;
      res.end(JSON.stringify({ path: req.url }));
    });
    const api = await listen(server);
    try {
      const ctrl = new AbortController();
      const client = await createKubeHttp(kubeConfig(api.port), 5000, {
        signal: ctrl.signal,
      });
      await client.getJson('/api/v1/pods');
      ctrl.abort();
      await expect(client.getJson('/api/v1/events')).rejects.toThrow(
        /was cancelled \(its time ran out\) before \/api\/v1\/events/,
      );
      expect(requests).toBe(1);
    } finally {
      await api.close();
    }
  });

  it('uses at most 8 kept HTTP/1.1 connections when the server does not speak HTTP/2', async () => {
    let connections = 0;
    const server = https.createServer({ ...tlsFiles }, (req, res) => {
      // answer a little later, so that the requests overlap
      setTimeout(() => res.end(JSON.stringify({ path: req.url })), 5);
    });
    server.on('secureConnection', () => connections++);
    const api = await listen(server);
    try {
      const client = await createKubeHttp(kubeConfig(api.port), 5000);
      const first = await Promise.all(
        range(30).map(i => client.getJson(`/api/v1/namespaces/n${i}/pods`)),
      );
      expect(first).toEqual(
        range(30).map(i => ({ path: `/api/v1/namespaces/n${i}/pods` })),
      );
      expect(client.protocol?.()).toBe('http/1.1');
      const afterFirst = connections;
      expect(afterFirst).toBeLessThanOrEqual(8);
      await Promise.all(range(10).map(() => client.getJson('/version')));
      expect(connections).toBe(afterFirst); // kept, not opened again
    } finally {
      await api.close();
    }
  });

  it('sends a request refused by a connection going away (GOAWAY) again, on a new connection', async () => {
    const server = http2.createSecureServer({ ...tlsFiles });
    const order = new WeakMap<http2.Http2Session, number>();
    let sessions = 0;
    let first: number | undefined;
    server.on('session', session => order.set(session, ++sessions));
    server.on(
      'stream',
      (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
        if (order.get(stream.session!) === 1) {
          // the first connection answers its first stream, refuses the others and goes away
          if (first === undefined) {
            first = stream.id;
            stream.respond({ ':status': 200 });
            stream.end('{"n":1}');
            stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, first);
          } else {
            stream.on('error', () => undefined); // the refusal, on this side
            stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
          }
          return;
        }
        stream.respond({ ':status': 200 });
        stream.end(JSON.stringify({ path: headers[':path'] }));
      },
    );
    const api = await listen(server);
    try {
      const client = await createKubeHttp(kubeConfig(api.port), 5000);
      const answers = await Promise.all(
        range(6).map(i => client.getJson(`/p${i}`)),
      );
      expect(answers.filter(a => JSON.stringify(a) === '{"n":1}')).toHaveLength(
        1,
      );
      expect(answers.filter(a => JSON.stringify(a) !== '{"n":1}').length).toBe(
        5,
      );
      expect(sessions).toBe(2);
    } finally {
      await api.close();
    }
  });

  it('says the credentials were rejected (401) over HTTP/2', async () => {
    const server = http2.createSecureServer({ ...tlsFiles });
    server.on('stream', (stream: http2.ServerHttp2Stream) => {
      stream.respond({ ':status': 401, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ kind: 'Status', message: 'Unauthorized' }));
    });
    const api = await listen(server);
    try {
      const client = await createKubeHttp(kubeConfig(api.port), 5000);
      const err = (await client
        .getJson('/api/v1/pods')
        .catch(e => e)) as ClusterRequestError;
      expect(err).toBeInstanceOf(ClusterRequestError);
      expect(err.status).toBe(401);
      expect(err.message).toMatch(
        /rejected the credentials of context 'ctx' \(401 Unauthorized\): refresh the token/,
      );
    } finally {
      await api.close();
    }
  });

  it('says TLS verification failed when the kubeconfig does not trust the server', async () => {
    const server = http2.createSecureServer({ ...tlsFiles });
    server.on('stream', (stream: http2.ServerHttp2Stream) => stream.end('{}'));
    const api = await listen(server);
    try {
      const client = await createKubeHttp(
        kubeConfig(api.port, { trustServer: false }),
        5000,
      );
      await expect(client.getJson('/version')).rejects.toThrow(
        /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed \([A-Z_]+\): check certificate-authority-data/,
      );
    } finally {
      await api.close();
    }
  });

  it('says which TLS cluster cannot be reached', async () => {
    const client = await createKubeHttp(kubeConfig(1), 2000);
    await expect(client.getJson('/version')).rejects.toThrow(
      /cannot reach the cluster at https:\/\/127\.0\.0\.1:1 \(context 'ctx'\): ECONNREFUSED/,
    );
  });

  it('says which server did not answer in time', async () => {
    // accepts TLS connections but never answers a stream
    const server = http2.createSecureServer({ ...tlsFiles });
    server.on('stream', () => undefined);
    const api = await listen(server);
    try {
      const client = await createKubeHttp(kubeConfig(api.port), 300);
      await expect(client.getJson('/version')).rejects.toThrow(
        /did not answer within 0\.3s: check that its API server is up/,
      );
    } finally {
      await api.close();
    }
  });
});

const LIVE_KUBECONFIG = process.env.PERISCOPE_KUBECONFIG;

describeIf({ kubeconfig: LIVE_KUBECONFIG })(
  'createKubeHttp against the local control plane',
  () => {
    it('speaks HTTP/2 to the API server', async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(LIVE_KUBECONFIG!);
      const client = await createKubeHttp(kc, 10_000);
      const [version, namespaces] = await Promise.all([
        client.getJson('/version') as Promise<{ major?: string }>,
        client.getJson('/api/v1/namespaces') as Promise<{
          items?: Array<{ metadata?: { name?: string } }>;
        }>,
      ]);
      expect(version.major).toBe('1');
      expect(namespaces.items?.map(n => n.metadata?.name)).toContain(
        'kube-system',
      );
      expect(client.protocol?.()).toBe('h2');
    });
  },
);
