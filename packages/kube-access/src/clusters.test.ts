import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  kubeConfigFor,
  kubernetesConfigFromKubeconfig,
  loadKubeConfigFile,
  readClusters,
} from './clusters';

const cfg = (clusters: any[]) =>
  new ConfigReader({
    kubernetes: { clusterLocatorMethods: [{ type: 'config', clusters }] },
  });

describe('readClusters', () => {
  it('returns no cluster when the kubernetes section is absent', () => {
    expect(readClusters(new ConfigReader({}))).toEqual([]);
  });

  it('reads config clusters with defaults', () => {
    const [c] = readClusters(
      cfg([
        {
          name: 'prod',
          url: 'https://10.0.0.1:6443',
          serviceAccountToken: 't',
        },
      ]),
    );
    expect(c).toMatchObject({
      name: 'prod',
      url: 'https://10.0.0.1:6443',
      authProvider: 'serviceAccount',
      skipTLSVerify: false,
    });
    const kc = kubeConfigFor(c);
    expect(kc.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    expect(kc.getCurrentUser()?.token).toBe('t');
  });

  it.each([
    [[{ url: 'https://x' }], /clusters\[0\]\.name is missing/],
    [
      [{ name: 'a', url: 'ftp://x' }],
      /url of cluster 'a' is 'ftp:\/\/x', which is not an http\(s\) URL/,
    ],
    [[{ name: 'a' }], /url of cluster 'a' is missing/],
    [
      [
        { name: 'a', url: 'https://x' },
        { name: 'a', url: 'https://y' },
      ],
      /'a' is used by two clusters/,
    ],
    [
      [{ name: 'a', url: 'https://x', authProvider: 'aws' }],
      /authProvider of cluster 'a' is 'aws'/,
    ],
    [
      [{ name: 'a', url: 'https://x', caFile: '/nonexistent/ca.pem' }],
      /caFile .* does not exist/,
    ],
  ])('rejects a malformed cluster %#', (clusters, message) => {
    expect(() => readClusters(cfg(clusters))).toThrow(message);
  });
});

describe('kubeconfig files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-access-'));
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:16443', certificate-authority-data: Q0E=}}]
users: [{name: u, user: {token: secret-token}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`,
  );

  it('turns a kubeconfig into the standard kubernetes config section', () => {
    expect(kubernetesConfigFromKubeconfig(file)).toEqual({
      kubernetes: {
        serviceLocatorMethod: { type: 'multiTenant' },
        clusterLocatorMethods: [
          {
            type: 'config',
            clusters: [
              {
                name: 'local',
                url: 'https://127.0.0.1:16443',
                authProvider: 'serviceAccount',
                serviceAccountToken: 'secret-token',
                caData: 'Q0E=',
              },
            ],
          },
        ],
      },
    });
  });

  it('names a missing file, an unknown context and garbage', () => {
    expect(() => loadKubeConfigFile(path.join(dir, 'nope'))).toThrow(
      /kubeconfig '.*nope' does not exist/,
    );
    expect(() => loadKubeConfigFile(file, 'other')).toThrow(
      /context 'other' is not in kubeconfig .*; it has: ctx/,
    );
    const bad = path.join(dir, 'bad');
    fs.writeFileSync(bad, ': : not yaml [');
    expect(() => loadKubeConfigFile(bad)).toThrow(
      /could not be read|has no current cluster/,
    );
  });
});
