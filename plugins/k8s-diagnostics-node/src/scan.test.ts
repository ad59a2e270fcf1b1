import http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { resolveAnalyzers } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createKubeHttp, scanCluster } from '.';
import {
  refusingFieldSelectors,
  startApi,
  unreachableKubeConfig,
} from './__testUtils__/loopbackApi';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

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
});
