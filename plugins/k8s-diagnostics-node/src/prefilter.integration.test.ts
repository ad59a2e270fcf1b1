/**
 * A prefiltered scan (`pods: 'failing'`) against the local control plane gives exactly the
 * findings of a scan that reads every pod. The test adds a namespace where reading only the
 * failing pods would not be enough: a StatefulSet with three ready pods and one that cannot be
 * scheduled (the analyzer looks its pods up by name), and a webhook whose Service's pods are all
 * healthy (the analyzer looks them up by label). Needs PERISCOPE_KUBECONFIG (./scripts/cluster up).
 */
import { KubernetesObject } from '@kubernetes/client-node';
import {
  K8SGPT_CORE_ANALYZERS,
  analyze,
  resolveAnalyzers,
  toK8sgptJson,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createKubeHttp } from './client';
import { scanCluster } from './scan';
import { podRowIsHealthy } from './podPrefilter';
import {
  describeWithObjects,
  inStableNamespaces,
  scanPair,
} from './__testUtils__/liveObjects';

const NS = 'periscope-prefilter-it';
const WEBHOOK = 'periscope-prefilter-it';

const labels = (app: string) => ({ app });
const podTemplate = (app: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: labels(app) },
  spec: {
    // the default pool's simulated nodes (the scale profile's nodes carry only benchmark pods)
    nodeSelector: { 'periscope.dev/pool': 'default' },
    containers: [{ name: app, image: `periscope/${app}:1.0.0` }],
    ...extra,
  },
});

const OBJECTS: KubernetesObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'store', namespace: NS },
    spec: {
      clusterIP: 'None',
      selector: labels('store'),
      ports: [{ port: 5432 }],
    },
  } as KubernetesObject,
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'store', namespace: NS },
    spec: {
      serviceName: 'store',
      replicas: 4,
      selector: { matchLabels: labels('store') },
      // one pod per node: the fourth finds no node among the default pool's three
      template: podTemplate('store', {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchLabels: labels('store') },
              },
            ],
          },
        },
      }),
    },
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'hook', namespace: NS },
    spec: { selector: labels('hook'), ports: [{ port: 443 }] },
  } as KubernetesObject,
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hook', namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels('hook') },
      template: podTemplate('hook'),
    },
  } as KubernetesObject,
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: WEBHOOK },
    webhooks: [
      {
        name: 'check.periscope.dev',
        clientConfig: {
          service: { namespace: NS, name: 'hook', path: '/validate' },
        },
        // a resource nobody creates, and Ignore: the webhook is never in anyone's way
        rules: [
          {
            apiGroups: ['periscope.invalid'],
            apiVersions: ['v1'],
            operations: ['CREATE'],
            resources: ['nothings'],
          },
        ],
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  } as KubernetesObject,
];

// the findings of the seeded namespaces, this test's own and cluster-scoped objects (other suites'
// namespaces come and go between two scans)
function findings(
  snapshot: Parameters<typeof analyze>[0],
  filters = [...K8SGPT_CORE_ANALYZERS],
): string[] {
  const report = analyze(snapshot, { filters, maskSeed: 'it' });
  const lines = (toK8sgptJson(report).results ?? [])
    .map(r => `${r.kind} ${r.name}: ${r.error.map(e => e.Text).join(' | ')}`)
    .sort();
  return inStableNamespaces(lines, [NS]);
}

describeWithObjects(
  'scanCluster with pods: failing (live control plane)',
  OBJECTS,
  live => {
    it('finds what a full scan finds while reading fewer pods in full', async () => {
      const http = await createKubeHttp(live.kc);
      const analyzers = resolveAnalyzers([...K8SGPT_CORE_ANALYZERS]);
      // wait for the test namespace's intended state: store-0..2 and both hook pods ready, store-3 Pending
      const deadline = Date.now() + 120_000;
      let states = '';
      for (;;) {
        const list = (await http.getJson(`/api/v1/namespaces/${NS}/pods`)) as {
          items: Array<{
            metadata: { name: string };
            status?: {
              phase?: string;
              containerStatuses?: Array<{ ready?: boolean }>;
            };
          }>;
        };
        const ready = (p: (typeof list.items)[number]) =>
          p.status?.phase === 'Running' &&
          (p.status.containerStatuses ?? []).every(c => c.ready)
            ? 'ready'
            : p.status?.phase;
        states = list.items
          .map(
            p =>
              `${p.metadata.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')}=${ready(
                p,
              )}`,
          )
          .sort()
          .join(' ');
        if (
          states ===
          'hook=ready hook=ready store-0=ready store-1=ready store-2=ready store-3=Pending'
        )
          break;
        if (Date.now() > deadline)
          throw new Error(
            `namespace ${NS} did not reach its intended state; pods: ${states}`,
          );
        await new Promise(r => setTimeout(r, 2_000));
      }

      // the two scans read the whole cluster, where other suites create and delete objects at the
      // same time: a pair that differs is scanned again (a real difference stays in every pair)
      const [all, failing] = await scanPair(
        () => scanCluster(http, { analyzers, pods: 'all' }),
        () => scanCluster(http, { analyzers, pods: 'failing' }),
        s => findings(s.snapshot),
      );
      expect(all.podsRead).toBe('all');
      expect(failing.podsRead).toBe('failing');
      expect(failing.unavailable.size).toBe(0);
      expect(findings(failing.snapshot)).toEqual(findings(all.snapshot));
      expect(findings(failing.snapshot)).toContain(
        `StatefulSet ${NS}/store: Statefulset pod store-3 in the namespace ${NS} is not in running state.`,
      );

      const inNs = (s: typeof all, ns: string) =>
        (s.snapshot.objects.Pod ?? []).filter(
          p => p.metadata?.namespace === ns,
        );
      // the namespaces that the StatefulSet and webhook analyzers look into are read whole
      expect(inNs(failing, NS).length).toBe(inNs(all, NS).length);
      // every pod read in full elsewhere is failing, or was read to find a ConfigMap's user
      expect((failing.snapshot.objects.Pod ?? []).length).toBeLessThanOrEqual(
        (all.snapshot.objects.Pod ?? []).length,
      );

      // and reading only the failing pods there would be wrong: the StatefulSet analyzer would
      // miss store-0 and the webhook analyzer the hook pods
      const onlyFailing = {
        ...failing.snapshot,
        objects: {
          ...failing.snapshot.objects,
          Pod: (failing.snapshot.objects.Pod ?? []).filter(p => {
            if (p.metadata?.namespace !== NS) return true;
            const st = (
              p as {
                status?: {
                  phase?: string;
                  containerStatuses?: Array<{ ready?: boolean }>;
                };
              }
            ).status;
            const ready = (st?.containerStatuses ?? []).filter(
              c => c.ready,
            ).length;
            const total = (st?.containerStatuses ?? []).length;
            return !podRowIsHealthy(
              {
                name: '',
                status: st?.phase ?? '',
                ready: `${ready}/${total}`,
                restarts: '0',
              },
              false,
            );
          }),
        },
      };
      expect(findings(onlyFailing)).not.toEqual(findings(all.snapshot));

      // analyzers that only look pods up (none reports a pod): no Table rows, no pod owners listed,
      // and still the findings of a full scan
      const lookupOnly = [
        'ConfigMap',
        'StatefulSet',
        'ValidatingWebhookConfiguration',
        'MutatingWebhookConfiguration',
      ];
      const [lookupAll, lookupFailing] = await scanPair(
        () =>
          scanCluster(http, {
            analyzers: resolveAnalyzers(lookupOnly),
            pods: 'all',
          }),
        () =>
          scanCluster(http, {
            analyzers: resolveAnalyzers(lookupOnly),
            pods: 'failing',
          }),
        s => findings(s.snapshot, lookupOnly),
      );
      expect(lookupFailing.podsRead).toBe('failing');
      expect(findings(lookupFailing.snapshot, lookupOnly)).toEqual(
        findings(lookupAll.snapshot, lookupOnly),
      );
      expect(findings(lookupFailing.snapshot, lookupOnly)).toContain(
        `StatefulSet ${NS}/store: Statefulset pod store-3 in the namespace ${NS} is not in running state.`,
      );
      expect(lookupFailing.snapshot.objects.ReplicaSet).toBeUndefined();
      expect(lookupFailing.requests).toBeLessThan(failing.requests);
    }, 240_000);
  },
);
