/**
 * Periscope's ReplicaFailures on the local control plane: a ResourceQuota that admits one of a
 * Deployment's three pods leaves its ReplicaSet at 1 of 3 with the controller's FailedCreate
 * message (the quota); k8sgpt's ReplicaSet analyzer, which looks at sets with no replicas only,
 * reports nothing. A scan reading only the unhealthy ReplicaSets (rows) finds the same. Needs
 * PERISCOPE_KUBECONFIG (./scripts/cluster up).
 */
import { KubernetesObject } from '@kubernetes/client-node';
import {
  analyze,
  ClusterSnapshot,
  resolveAnalyzers,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createKubeHttp } from './client';
import { scanCluster } from './scan';
import { describeWithObjects } from './__testUtils__/liveObjects';

const NS = 'periscope-replica-failures-it';
const FILTERS = ['ReplicaSet', 'ReplicaFailures'];

const OBJECTS: KubernetesObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'one-pod', namespace: NS },
    spec: { hard: { pods: '1' } },
  } as KubernetesObject,
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'periscope/app:1.0.0' }] },
      },
    },
  } as KubernetesObject,
];

const findings = (snapshot: ClusterSnapshot) =>
  analyze(snapshot, {
    filters: FILTERS,
    namespace: NS,
    maskSeed: 'it',
  }).results.flatMap(r =>
    r.failures.map(f => `${r.kind} ${r.name}: ${f.text}`),
  );

describeWithObjects('ReplicaFailures (live control plane)', OBJECTS, live => {
  it('reports a ReplicaSet that created 1 of 3 pods with the quota message, from a full and a row-first scan', async () => {
    const http = await createKubeHttp(live.kc);
    const analyzers = resolveAnalyzers(FILTERS);
    const expected = new RegExp(
      `^ReplicaSet ${NS}/web-[a-z0-9]+: ReplicaSet ${NS}/web-[a-z0-9]+ has 1 of 3 pods: it cannot create the others \\(FailedCreate\\): pods "web-[a-z0-9-]+" is forbidden: exceeded quota: one-pod, requested: pods=1, used: pods=1, limited: pods=1$`,
    );
    // the controller needs a moment to create the first pod and be refused the others
    let found: string[] = [];
    for (let i = 0; i < 30; i++) {
      found = findings(
        (await scanCluster(http, { analyzers, namespace: NS })).snapshot,
      );
      if (found.length === 1 && expected.test(found[0])) break;
      await new Promise(r => setTimeout(r, 1_000));
    }
    expect(found).toEqual([expect.stringMatching(expected)]);
    const rows = await scanCluster(http, {
      analyzers,
      namespace: NS,
      pods: 'failing',
      workloads: 'failing',
    });
    expect(findings(rows.snapshot)).toEqual(found);
  }, 90_000);
});
