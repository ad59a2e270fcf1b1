/**
 * A scan that reads only warning events (`events: 'warnings'`) or none (`events: 'none'`),
 * followed by `readEventsOf` for the namespaces an analysis asks for, gives exactly the findings
 * of a scan that reads every event.
 * The test namespace holds a Pending claim whose newest event is Normal after an older
 * ProvisioningFailed warning: with the warning alone the PersistentVolumeClaim analyzer would
 * report it, with every event it does not. `analyzeWithEvents` (what the CLI, the Health backend
 * and the bench call) runs that loop. Needs PERISCOPE_KUBECONFIG (./scripts/cluster up).
 */
import { KubernetesObject } from '@kubernetes/client-node';
import {
  ClusterSnapshot,
  analyze,
  resolveAnalyzers,
  toK8sgptJson,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createKubeHttp } from './client';
import { analyzeWithEvents, readEventsOf } from './events';
import { scanCluster } from './scan';
import { describeWithObjects } from './__testUtils__/liveObjects';

const NS = 'periscope-events-it';

const ago = (s: number) =>
  new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const claimEvent = (
  name: string,
  type: string,
  reason: string,
  message: string,
  secondsAgo: number,
) =>
  ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: NS },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      name: 'data',
      namespace: NS,
    },
    type,
    reason,
    message,
    source: { component: 'periscope-test' },
    firstTimestamp: ago(secondsAgo),
    lastTimestamp: ago(secondsAgo),
    count: 1,
  } as KubernetesObject);

const OBJECTS: KubernetesObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: NS },
    // no class and no volume: the claim stays Pending
    spec: {
      storageClassName: '',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    },
  } as KubernetesObject,
  claimEvent(
    'data.failed',
    'Warning',
    'ProvisioningFailed',
    'storageclass "fast" not found',
    3600,
  ),
  claimEvent(
    'data.waiting',
    'Normal',
    'ExternalProvisioning',
    'waiting for a volume to be created',
    1800,
  ),
  // a Service whose selector matches no pod (the controller gives it empty Endpoints), with a
  // warning event: the Service analyzer reports both, reading the namespace's warnings
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'api', namespace: NS },
    spec: { selector: { app: 'nowhere' }, ports: [{ port: 80 }] },
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'api.failed', namespace: NS },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Service',
      name: 'api',
      namespace: NS,
    },
    type: 'Warning',
    reason: 'FailedToUpdateEndpoint',
    message: 'Failed to update endpoint',
    source: { component: 'periscope-test' },
    firstTimestamp: ago(600),
    lastTimestamp: ago(600),
    count: 1,
  } as KubernetesObject,
];

const PVC_FINDING = `PersistentVolumeClaim ${NS}/data: storageclass "fast" not found`;

function findings(snapshot: ClusterSnapshot) {
  const report = analyze(snapshot, {
    filters: ['PersistentVolumeClaim'],
    maskSeed: 'it',
  });
  const texts = (toK8sgptJson(report).results ?? [])
    .map(r => `${r.kind} ${r.name}: ${r.error.map(e => e.Text).join(' | ')}`)
    .sort();
  return { report, texts };
}

describeWithObjects(
  'scanCluster with events: warnings (live control plane)',
  OBJECTS,
  live => {
    it('reads Normal events only where an analysis asks, with the findings of a full read', async () => {
      const http = await createKubeHttp(live.kc);
      const analyzers = resolveAnalyzers(['PersistentVolumeClaim']);
      const full = await scanCluster(http, { analyzers, events: 'all' });
      const partial = await scanCluster(http, {
        analyzers,
        events: 'warnings',
      });
      expect(full.snapshot.partialEvents).toBeUndefined();
      expect(partial.snapshot.partialEvents).toEqual({ allTypesIn: [] });
      const inNs = (s: ClusterSnapshot) =>
        (s.objects.Event ?? []).filter(e => e.metadata?.namespace === NS);
      expect(
        inNs(full.snapshot)
          .map(e => e.metadata?.name)
          .sort(),
      ).toEqual(expect.arrayContaining(['data.failed', 'data.waiting']));
      expect(
        (partial.snapshot.objects.Event ?? []).every(
          e => (e as { type?: string }).type !== 'Normal',
        ),
      ).toBe(true);
      expect(inNs(partial.snapshot).map(e => e.metadata?.name)).toContain(
        'data.failed',
      );

      const expected = findings(full.snapshot);
      expect(expected.texts).not.toContain(PVC_FINDING); // the claim's newest event is Normal

      // the warning alone would make a finding; the analysis names the namespace it lacks
      const first = findings(partial.snapshot);
      expect(first.texts).toContain(PVC_FINDING);
      expect(first.report.eventsNeeded).toContain(NS);

      let report = first.report;
      let rounds = 0;
      while (report.eventsNeeded) {
        expect(
          await readEventsOf(http, partial.snapshot, report.eventsNeeded),
        ).toBeGreaterThan(0);
        report = findings(partial.snapshot).report;
        rounds++;
      }
      expect(rounds).toBe(1);
      expect(partial.snapshot.partialEvents?.allTypesIn).toContain(NS);
      expect(inNs(partial.snapshot).map(e => e.metadata?.name)).toContain(
        'data.waiting',
      );
      expect(findings(partial.snapshot).texts).toEqual(expected.texts);
      // Normal events stay out of the namespaces nobody asked about
      const asked = new Set(partial.snapshot.partialEvents?.allTypesIn);
      expect(
        (partial.snapshot.objects.Event ?? []).filter(
          e =>
            !asked.has(e.metadata?.namespace ?? '') &&
            (e as { type?: string }).type === 'Normal',
        ),
      ).toEqual([]);

      await expect(readEventsOf(http, full.snapshot, [NS])).rejects.toThrow(
        /already holds every event/,
      );
    }, 120_000);

    it("analyzeWithEvents reads the namespaces the analysis asks for and ends with a full read's findings", async () => {
      const http = await createKubeHttp(live.kc);
      const analyzers = resolveAnalyzers(['PersistentVolumeClaim']);
      const options = { filters: ['PersistentVolumeClaim'], maskSeed: 'it' };
      const full = await scanCluster(http, { analyzers, events: 'all' });
      const partial = await scanCluster(http, {
        analyzers,
        events: 'warnings',
      });
      const read: string[][] = [];
      const fromFull = await analyzeWithEvents(http, full.snapshot, options, {
        onEventsRead: ns => read.push(ns),
      });
      expect(read).toEqual([]); // every event is there already: one analysis, no reads
      const fromPartial = await analyzeWithEvents(
        http,
        partial.snapshot,
        options,
        { onEventsRead: ns => read.push(ns) },
      );
      expect(read).toHaveLength(1);
      expect(read[0]).toContain(NS);
      expect(fromPartial.eventsNeeded).toBeUndefined();
      const texts = (r: typeof fromFull) =>
        (toK8sgptJson(r).results ?? [])
          .map(
            x => `${x.kind} ${x.name}: ${x.error.map(e => e.Text).join(' | ')}`,
          )
          .sort();
      expect(texts(fromPartial)).toEqual(texts(fromFull));
      expect(texts(fromFull)).not.toContain(PVC_FINDING);
    }, 120_000);

    it("with events: none, reads every event or the warnings of the namespaces the analysis looks into, with a full read's findings", async () => {
      const http = await createKubeHttp(live.kc);
      const filters = ['PersistentVolumeClaim', 'Service'];
      const analyzers = resolveAnalyzers(filters);
      const options = { filters, maskSeed: 'it', relatedEvents: false };
      // the endpoints controller gives the Service its (empty) Endpoints
      for (let i = 0; i < 100; i++) {
        const scan = await scanCluster(http, {
          analyzers,
          namespace: NS,
          events: 'all',
        });
        if (
          (scan.snapshot.objects.Endpoints ?? []).some(
            e => e.metadata?.name === 'api',
          )
        )
          break;
        await new Promise(r => setTimeout(r, 100));
      }
      const full = await scanCluster(http, { analyzers, events: 'all' });
      const none = await scanCluster(http, { analyzers, events: 'none' });
      expect(none.snapshot.objects.Event).toEqual([]);
      expect(none.snapshot.partialEvents).toEqual({
        allTypesIn: [],
        elsewhere: 'none',
      });
      const read: Array<[string[], string]> = [];
      const fromFull = await analyzeWithEvents(http, full.snapshot, options);
      const fromNone = await analyzeWithEvents(http, none.snapshot, options, {
        onEventsRead: (ns, kind) => read.push([ns, kind]),
      });
      const texts = (r: typeof fromFull) =>
        (toK8sgptJson(r).results ?? [])
          .map(
            x => `${x.kind} ${x.name}: ${x.error.map(e => e.Text).join(' | ')}`,
          )
          .sort();
      expect(texts(fromNone)).toEqual(texts(fromFull));
      expect(texts(fromNone)).toContain(
        `Service ${NS}/api: Service has no endpoints, expected label app=nowhere | Service ${NS}/api has event Failed to update endpoint`,
      );
      expect(texts(fromNone)).not.toContain(PVC_FINDING);
      // NS: every event (the claim's latest one); the other namespaces with Endpoints: warnings
      const all = read
        .filter(([, kind]) => kind === 'all')
        .flatMap(([ns]) => ns);
      const warnings = read
        .filter(([, kind]) => kind === 'warnings')
        .flatMap(([ns]) => ns);
      expect(all).toContain(NS);
      expect(warnings).not.toContain(NS);
      expect(warnings).toContain('default'); // the kubernetes Service's Endpoints
      const partial = none.snapshot.partialEvents!;
      expect(partial.warningsIn).toEqual(expect.arrayContaining(warnings));
      const everyType = new Set(partial.allTypesIn);
      expect(
        (none.snapshot.objects.Event ?? []).filter(
          e =>
            !everyType.has(e.metadata?.namespace ?? '') &&
            (e as { type?: string }).type === 'Normal',
        ),
      ).toEqual([]);
      expect(fromNone.eventsNeeded).toBeUndefined();
      expect(fromNone.warningEventsNeeded).toBeUndefined();

      // warnings of more namespaces than maxWarningNamespaces: one list of every warning instead
      const many = await scanCluster(http, { analyzers, events: 'none' });
      const fromMany = await analyzeWithEvents(http, many.snapshot, options, {
        maxWarningNamespaces: 0,
      });
      expect(texts(fromMany)).toEqual(texts(fromFull));
      expect(many.snapshot.partialEvents?.elsewhere).toBe('warnings');
      expect(many.snapshot.partialEvents?.warningsIn).toBeUndefined();
      expect(many.snapshot.partialEvents?.allTypesIn).toContain(NS);
      // warnings of the whole cluster (events come and go: compare their namespaces), Normal events
      // only where every event was asked for
      const warningNamespaces = (s: ClusterSnapshot) =>
        new Set(
          (s.objects.Event ?? [])
            .filter(e => (e as { type?: string }).type !== 'Normal')
            .map(e => e.metadata?.namespace),
        );
      expect([...warningNamespaces(many.snapshot)]).toEqual(
        expect.arrayContaining([...warningNamespaces(full.snapshot)]),
      );
      const whole = new Set(many.snapshot.partialEvents?.allTypesIn);
      expect(
        (many.snapshot.objects.Event ?? []).filter(
          e =>
            !whole.has(e.metadata?.namespace ?? '') &&
            (e as { type?: string }).type === 'Normal',
        ),
      ).toEqual([]);
    }, 120_000);
  },
);
