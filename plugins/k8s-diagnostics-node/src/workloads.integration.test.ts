/**
 * A scan that reads Deployments and ReplicaSets as Table rows (`workloads: 'failing'`) against
 * the local control plane gives exactly the findings, parent objects included, of a scan that
 * reads them whole. The test adds a Deployment whose pods cannot be scheduled (its row is not
 * ready; its ReplicaSet's row is fine, but owns failing pods), a healthy Deployment (read as a
 * row only), a ReplicaSet that a ResourceQuota keeps from creating its pod (ReplicaFailure /
 * FailedCreate with no replicas) and a healthy namesake of the failing Deployment in another
 * namespace (rows carry no namespace: failing ones are read by name).
 * Needs PERISCOPE_KUBECONFIG (./scripts/cluster up).
 */
import { KubernetesObject } from '@kubernetes/client-node';
import {
  ClusterSnapshot,
  K8SGPT_CORE_ANALYZERS,
  analyze,
  resolveAnalyzers,
  toK8sgptJson,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createKubeHttp } from './client';
import { scanCluster } from './scan';
import {
  describeWithObjects,
  inStableNamespaces,
  scanPair,
} from './__testUtils__/liveObjects';

const NS = 'periscope-workloads-it';
const QUOTA_NS = 'periscope-workloads-it-quota';

const deployment = (
  namespace: string,
  name: string,
  replicas: number,
  nodeSelector: Record<string, string>,
) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector,
          containers: [{ name, image: `periscope/${name}:1.0.0` }],
        },
      },
    },
  } as KubernetesObject);

const OBJECTS: KubernetesObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: QUOTA_NS } },
  // no node carries this label: both pods stay Pending
  deployment(NS, 'stuck', 2, { 'periscope.dev/pool': 'nowhere' }),
  deployment(NS, 'fine', 1, { 'periscope.dev/pool': 'default' }),
  deployment(QUOTA_NS, 'stuck', 0, { 'periscope.dev/pool': 'default' }),
  {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'no-pods', namespace: QUOTA_NS },
    spec: { hard: { pods: '0' } },
  } as KubernetesObject,
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'blocked', namespace: QUOTA_NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'blocked' } },
      template: {
        metadata: { labels: { app: 'blocked' } },
        spec: {
          containers: [{ name: 'blocked', image: 'periscope/blocked:1.0.0' }],
        },
      },
    },
  } as KubernetesObject,
];

// the findings of the seeded namespaces, this test's own and cluster-scoped objects (other suites'
// namespaces come and go between two scans)
function findings(snapshot: ClusterSnapshot): string[] {
  const report = analyze(snapshot, {
    filters: [...K8SGPT_CORE_ANALYZERS],
    maskSeed: 'it',
  });
  const lines = (toK8sgptJson(report).results ?? [])
    .map(
      r =>
        `${r.kind} ${r.name} (parent ${r.parentObject || '-'}): ${r.error
          .map(e => e.Text)
          .join(' | ')}`,
    )
    .sort();
  return inStableNamespaces(lines, [NS, QUOTA_NS]);
}

const namesIn = (snapshot: ClusterSnapshot, kind: string, ns: string) =>
  (snapshot.objects[kind] ?? [])
    .filter(o => o.metadata?.namespace === ns)
    .map(o => o.metadata?.name ?? '')
    .sort();

describeWithObjects(
  'scanCluster with workloads: failing (live control plane)',
  OBJECTS,
  live => {
    it('finds what a full read finds while reading only failing Deployments and ReplicaSets in full', async () => {
      const http = await createKubeHttp(live.kc);
      const analyzers = resolveAnalyzers([...K8SGPT_CORE_ANALYZERS]);
      // wait until the controllers have settled: both stuck pods exist (Pending), the quota has
      // stopped the ReplicaSet, every Deployment's status is observed and the healthy one is
      // available (under load a Deployment still rolling out between the two scans is a finding
      // in one and not in the other)
      const deadline = Date.now() + 120_000;
      type Workload = {
        metadata?: { generation?: number };
        status?: {
          observedGeneration?: number;
          replicas?: number;
          availableReplicas?: number;
        };
      };
      const observed = (d: Workload) =>
        (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
      for (;;) {
        const pods = (await http.getJson(
          `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dstuck`,
        )) as { items: unknown[] };
        const rs = (await http.getJson(
          `/apis/apps/v1/namespaces/${QUOTA_NS}/replicasets/blocked`,
        )) as {
          status?: { conditions?: Array<{ type?: string; reason?: string }> };
        };
        const blocked = (rs.status?.conditions ?? []).some(
          c => c.type === 'ReplicaFailure' && c.reason === 'FailedCreate',
        );
        const stuck = (await http.getJson(
          `/apis/apps/v1/namespaces/${NS}/deployments/stuck`,
        )) as Workload;
        const fine = (await http.getJson(
          `/apis/apps/v1/namespaces/${NS}/deployments/fine`,
        )) as Workload;
        const namesake = (await http.getJson(
          `/apis/apps/v1/namespaces/${QUOTA_NS}/deployments/stuck`,
        )) as Workload;
        const settled =
          observed(stuck) &&
          stuck.status?.replicas === 2 &&
          observed(fine) &&
          fine.status?.availableReplicas === 1 &&
          observed(namesake);
        if (pods.items.length === 2 && blocked && settled) break;
        if (Date.now() > deadline) {
          throw new Error(
            `the test objects did not reach their state: ${pods.items.length} stuck pods, ReplicaSet blocked: ${blocked}, Deployments settled: ${settled}`,
          );
        }
        await new Promise(r => setTimeout(r, 1_000));
      }

      // both read the whole cluster, which other suites change meanwhile: a differing pair is scanned again
      const [all, rows] = await scanPair(
        () =>
          scanCluster(http, { analyzers, pods: 'failing', workloads: 'all' }),
        () =>
          scanCluster(http, {
            analyzers,
            pods: 'failing',
            workloads: 'failing',
          }),
        s => findings(s.snapshot),
      );
      expect(all.workloadsRead).toBe('all');
      expect(rows.workloadsRead).toBe('failing');
      expect(rows.unavailable.size).toBe(0);
      const expected = findings(all.snapshot);
      expect(findings(rows.snapshot)).toEqual(expected);
      expect(expected).toEqual(
        expect.arrayContaining([
          `Deployment ${NS}/stuck (parent -): Deployment ${NS}/stuck has 2 replicas but 0 are available with status running`,
          expect.stringMatching(
            new RegExp(
              `^Pod ${NS}/stuck-[a-z0-9]+-[a-z0-9]+ \\(parent Deployment/stuck\\): `,
            ),
          ),
          expect.stringMatching(
            new RegExp(
              `^ReplicaSet ${QUOTA_NS}/blocked \\(parent -\\): .*forbidden`,
            ),
          ),
        ]),
      );

      // in full: the failing Deployment (and its namesake, read by name), the ReplicaSet owning
      // the failing pods and the blocked one; the healthy Deployment and its set only as rows
      expect(namesIn(rows.snapshot, 'Deployment', NS)).toEqual(['stuck']);
      expect(namesIn(rows.snapshot, 'Deployment', QUOTA_NS)).toEqual(['stuck']);
      expect(namesIn(all.snapshot, 'Deployment', NS)).toEqual([
        'fine',
        'stuck',
      ]);
      const stuckSet = namesIn(all.snapshot, 'ReplicaSet', NS).filter(n =>
        n.startsWith('stuck-'),
      );
      expect(stuckSet).toHaveLength(1);
      expect(namesIn(rows.snapshot, 'ReplicaSet', NS)).toEqual(stuckSet);
      expect(namesIn(rows.snapshot, 'ReplicaSet', QUOTA_NS)).toEqual([
        'blocked',
      ]);
      expect((rows.snapshot.objects.ReplicaSet ?? []).length).toBeLessThan(
        (all.snapshot.objects.ReplicaSet ?? []).length,
      );
    }, 240_000);

    it('reads every Deployment when an analyzer needs them all (HorizontalPodAutoscaler)', async () => {
      const http = await createKubeHttp(live.kc);
      const scan = await scanCluster(http, {
        analyzers: resolveAnalyzers(['Deployment', 'HorizontalPodAutoscaler']),
        namespace: NS,
        workloads: 'failing',
      });
      expect(scan.workloadsRead).toBe('all');
      expect(namesIn(scan.snapshot, 'Deployment', NS)).toEqual([
        'fine',
        'stuck',
      ]);
    }, 60_000);
  },
);
