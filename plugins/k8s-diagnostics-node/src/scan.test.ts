import http from 'node:http';
import { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { resolveAnalyzers } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  analyzeWithEvents,
  createKubeHttp,
  isFailingPod,
  kindsToList,
  listPath,
  readEventsOf,
  RESOURCES,
  scanCluster,
} from '.';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/**
 * A loopback server, only for what a real API server never sends (a corrupt body) or that the
 * local control plane cannot be made to do (refuse the events `type` field selector). What a real
 * one does is tested against the local control plane in scan.integration.test.ts.
 * `answer` returns false for requests it leaves to the default (empty lists, a /version).
 */
async function startApi(
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

/** Answers Pod lists with these bytes as protobuf, in small pieces, as a large list arrives. */
const protobufPods =
  (bytes: Buffer) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!(req.url?.endsWith('/pods') && req.headers.accept?.includes(PROTOBUF)))
      return false;
    res.writeHead(200, { 'Content-Type': PROTOBUF });
    for (let i = 0; i < bytes.length; i += 5)
      res.write(bytes.subarray(i, i + 5));
    res.end();
    return true;
  };

/**
 * An API server that refuses field selectors (400) and answers lists under `eventsPath` with one
 * Normal event of `namespace`; every URL asked for goes into `seen`.
 */
const refusingFieldSelectors =
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
function unreachableKubeConfig(): KubeConfig {
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

describe('scanCluster', () => {
  it('reports a kind whose protobuf answer is malformed, naming the list', async () => {
    const api = await startApi(
      protobufPods(Buffer.from('k8s\u0000\u0012\u00ff', 'latin1')),
    );
    try {
      const scan = await scanCluster(await createKubeHttp(api.kc, 5000), {
        analyzers: resolveAnalyzers(['Pod']),
      });
      expect(scan.unavailable.get('Pod')).toMatch(
        /cannot read the Pod list from http:\/\/127\.0\.0\.1:\d+ \(GET \/api\/v1\/pods\): malformed protobuf/,
      );
    } finally {
      await api.close();
    }
  });

  it('says which kubeconfig TLS data is unusable', async () => {
    const kc = new KubeConfig();
    const junk = Buffer.from('not a PEM block').toString('base64');
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', caData: junk }],
      users: [{ name: 'u', certData: junk, keyData: junk }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    await expect(createKubeHttp(kc, 2000)).rejects.toThrow(
      /TLS credentials of context 'c' cannot be used .*check certificate-authority-data/,
    );
  });

  it('says which cluster cannot be reached', async () => {
    const kc = unreachableKubeConfig();
    await expect(
      scanCluster(await createKubeHttp(kc, 2000), {
        analyzers: resolveAnalyzers(['Pod']),
      }),
    ).rejects.toThrow(
      /cannot reach the cluster at http:\/\/127.0.0.1:1.*ECONNREFUSED/,
    );
  });

  it('reads every event when the API server refuses the type field selector', async () => {
    const seen: string[] = [];
    const api = await startApi(
      refusingFieldSelectors('/api/v1/events', 'shop', seen),
    );
    try {
      const scan = await scanCluster(await createKubeHttp(api.kc, 5000), {
        analyzers: resolveAnalyzers(['Service']),
        events: 'warnings',
      });
      expect(seen.filter(u => u.startsWith('/api/v1/events'))).toEqual([
        '/api/v1/events?fieldSelector=type!%3DNormal',
        '/api/v1/events',
      ]);
      expect(scan.unavailable.has('Event')).toBe(false);
      expect(scan.snapshot.objects.Event).toHaveLength(1);
      expect(scan.snapshot.partialEvents).toBeUndefined();
    } finally {
      await api.close();
    }
  });

  it('readEventsOf with warningsOnly reads every event of a namespace whose API server refuses the type field selector', async () => {
    const seen: string[] = [];
    const api = await startApi(
      refusingFieldSelectors('/api/v1/namespaces/web/events', 'web', seen),
    );
    try {
      const snapshot = {
        objects: { Event: [] },
        partialEvents: {
          allTypesIn: [] as string[],
          elsewhere: 'none' as const,
        },
      };
      const requests = await readEventsOf(
        await createKubeHttp(api.kc, 5000),
        snapshot,
        ['web'],
        { warningsOnly: true },
      );
      expect(seen).toEqual([
        '/api/v1/namespaces/web/events?fieldSelector=type!%3DNormal',
        '/api/v1/namespaces/web/events',
      ]);
      expect(requests).toBe(2);
      expect(snapshot.objects.Event).toHaveLength(1);
      // every event of web was read: it counts as whole, not as warnings only
      expect(snapshot.partialEvents).toEqual({
        allTypesIn: ['web'],
        elsewhere: 'none',
      });
    } finally {
      await api.close();
    }
  });

  it('readEventsOf leaves the snapshot as it was when the events cannot be read', async () => {
    const kc = unreachableKubeConfig();
    const warning = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'shop' },
      type: 'Warning',
    };
    const snapshot = {
      objects: { Event: [warning] },
      partialEvents: { allTypesIn: [] as string[] },
    };
    await expect(
      readEventsOf(await createKubeHttp(kc, 2000), snapshot, ['shop']),
    ).rejects.toThrow(/cannot reach the cluster at http:\/\/127.0.0.1:1/);
    expect(snapshot).toEqual({
      objects: { Event: [warning] },
      partialEvents: { allTypesIn: [] },
    });
    await expect(
      readEventsOf(await createKubeHttp(kc, 2000), { objects: {} }, ['shop']),
    ).rejects.toThrow(/already holds every event \(it has no partialEvents\)/);
  });

  it('analyzeWithEvents fails with the event read and leaves the snapshot as it was', async () => {
    const kc = unreachableKubeConfig();
    // A Pending claim with a warning: the analyzer looks its events up, so it needs every event of 'shop'.
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'shop' },
      status: { phase: 'Pending' },
    };
    const warning = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'shop' },
      involvedObject: {
        kind: 'PersistentVolumeClaim',
        name: 'data',
        namespace: 'shop',
      },
      type: 'Warning',
      reason: 'ProvisioningFailed',
      message: 'storageclass "fast" not found',
    };
    const snapshot = {
      objects: { PersistentVolumeClaim: [claim], Event: [warning] },
      partialEvents: { allTypesIn: [] as string[] },
    };
    const kube = await createKubeHttp(kc, 2000);
    await expect(
      analyzeWithEvents(kube, snapshot, { filters: ['PersistentVolumeClaim'] }),
    ).rejects.toThrow(/cannot reach the cluster at http:\/\/127.0.0.1:1/);
    expect(snapshot).toEqual({
      objects: { PersistentVolumeClaim: [claim], Event: [warning] },
      partialEvents: { allTypesIn: [] },
    });
    // with every event there it analyzes without asking the cluster
    const { partialEvents: _, ...complete } = snapshot;
    const report = await analyzeWithEvents(kube, complete, {
      filters: ['PersistentVolumeClaim'],
    });
    expect(report.results.map(r => r.failures.map(f => f.text))).toEqual([
      ['storageclass "fast" not found'],
    ]);
  });
});

describe('helpers', () => {
  it('adds owner kinds for parent resolution and builds list paths', () => {
    expect(kindsToList(resolveAnalyzers(['Pod']))).toEqual(
      expect.arrayContaining(['Pod', 'ReplicaSet', 'Job', 'Event']),
    );
    expect(listPath(RESOURCES.Deployment, 'shop')).toBe(
      '/apis/apps/v1/namespaces/shop/deployments',
    );
    expect(listPath(RESOURCES.Node, 'shop')).toBe('/api/v1/nodes');
  });

  it('reads logs only of failing pods', () => {
    expect(
      isFailingPod({
        metadata: {},
        status: {
          phase: 'Running',
          containerStatuses: [{ ready: true, restartCount: 0 }],
        },
      }),
    ).toBe(false);
    expect(
      isFailingPod({
        metadata: {},
        status: {
          phase: 'Running',
          containerStatuses: [{ ready: true, restartCount: 2 }],
        },
      }),
    ).toBe(true);
    expect(isFailingPod({ metadata: {}, status: { phase: 'Succeeded' } })).toBe(
      false,
    );
  });
});
