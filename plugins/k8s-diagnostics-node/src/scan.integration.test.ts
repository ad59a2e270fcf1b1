/**
 * scanCluster against the local control plane (PERISCOPE_KUBECONFIG, ./scripts/cluster up), as
 * the read-only user the cluster tool creates (ClusterRole `view`: no Secrets). A recording
 * wrapper around the real client shows which paths were asked for, and with which Accept header.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { resolveAnalyzers } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp, createKubeHttp } from './client';
import { scanCluster } from './scan';
import { describeIf } from '@periscope/test-utils';

const KUBECONFIG = process.env.PERISCOPE_KUBECONFIG;
const describeLive = describeIf({ kubeconfig: KUBECONFIG });

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

async function recordingClient(): Promise<{
  http: KubeHttp;
  asked: Array<{ path: string; accept: string }>;
}> {
  const kc = new KubeConfig();
  kc.loadFromFile(KUBECONFIG!.replace(/kubeconfig$/, 'kubeconfig-readonly'));
  const real = await createKubeHttp(kc, 20_000);
  const asked: Array<{ path: string; accept: string }> = [];
  const http: KubeHttp = {
    server: real.server,
    context: real.context,
    getJson: (path, accept) => {
      asked.push({ path, accept: accept ?? 'application/json' });
      return real.getJson(path, accept);
    },
    getText: path => {
      asked.push({ path, accept: '*/*' });
      return real.getText(path);
    },
    getStreamed: (path, accept, sinkFor) => {
      asked.push({ path, accept });
      return real.getStreamed(path, accept, sinkFor);
    },
  };
  return { http, asked };
}

describeLive('scanCluster (live control plane, read-only user)', () => {
  it('lists each needed kind once, in the namespace, and reports forbidden kinds as unavailable', async () => {
    const { http, asked } = await recordingClient();
    const scan = await scanCluster(http, {
      analyzers: resolveAnalyzers(['Pod', 'Ingress']),
      namespace: 'shop',
    });
    const pods = scan.snapshot.objects.Pod ?? [];
    expect(pods.length).toBeGreaterThan(0);
    expect(
      pods.every(
        p =>
          p.kind === 'Pod' &&
          p.apiVersion === 'v1' &&
          p.metadata?.namespace === 'shop',
      ),
    ).toBe(true);
    // Ingress's TLS Secrets: the `view` role may not list Secrets
    expect(scan.unavailable.get('Secret')).toMatch(
      /forbidden \(403\) to read \/api\/v1\/namespaces\/shop\/secrets: .*Grant the user of context '[^']+' get\/list/,
    );
    expect(scan.snapshot.objects.Secret).toBeUndefined();
    const paths = asked.map(a => a.path);
    expect(paths).toContain('/api/v1/namespaces/shop/pods');
    expect(paths).toContain(
      '/apis/networking.k8s.io/v1/namespaces/shop/ingresses',
    );
    expect(new Set(paths).size).toBe(paths.length);
    expect(scan.requests).toBe(paths.length);
  });

  it('asks for the large built-in kinds as protobuf and for the rest as JSON, and reads both', async () => {
    const { http, asked } = await recordingClient();
    const scan = await scanCluster(http, {
      analyzers: resolveAnalyzers(['Pod', 'ConfigMap']),
      namespace: 'shop',
    });
    const accept = (path: string) =>
      asked.find(a => a.path === path)?.accept ?? '';
    expect(accept('/api/v1/namespaces/shop/pods')).toMatch(
      new RegExp(`^${PROTOBUF}`),
    );
    expect(accept('/api/v1/namespaces/shop/events')).toMatch(
      new RegExp(`^${PROTOBUF}`),
    );
    expect(accept('/api/v1/namespaces/shop/configmaps')).toBe(
      'application/json',
    );
    // what the protobuf decoder gives is what the JSON would: spot-check one pod against JSON
    const fromProtobuf = (scan.snapshot.objects.Pod ?? []).find(p =>
      p.metadata?.name?.startsWith('checkout-'),
    );
    expect(fromProtobuf).toBeDefined();
    const json = (await http.getJson(
      `/api/v1/namespaces/shop/pods/${fromProtobuf!.metadata!.name}`,
    )) as Record<string, any>;
    const { managedFields, ...metadata } = json.metadata;
    expect(managedFields).toBeDefined();
    expect({
      ...fromProtobuf,
      metadata: { ...fromProtobuf!.metadata },
    }).toMatchObject({ spec: json.spec, metadata });
    expect((scan.snapshot.objects.ConfigMap ?? []).length).toBeGreaterThan(0);
  });
});
