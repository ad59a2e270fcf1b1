/**
 * The Health backend's scan reads rows first, as `periscope diagnose --kubeconfig` does, and
 * finds what a scan that reads everything in full finds. A recording proxy on loopback stands
 * between the scan and the local control plane (PERISCOPE_KUBECONFIG, ./scripts/cluster up with
 * the scenarios seed) and counts each request with its Accept header.
 */
import { loadKubeConfigFile } from '@periscope/kube-access';
import { describeIf } from '@periscope/test-utils';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { DEFAULT_ANALYZERS } from '../../config';
import {
  ClusterScan,
  entityWorkloads,
  prefetchEntityWorkloads,
  scanClusters,
  ScanOptions,
} from './scanner';

const KUBECONFIG = process.env.PERISCOPE_KUBECONFIG;

interface Asked {
  path: string;
  accept: string;
}

/** An HTTP proxy to the cluster's API server that records what is asked (the scan's token passes through). */
async function recordingProxy(kubeconfig: string) {
  const kc = loadKubeConfigFile(kubeconfig);
  const target = new URL(kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const token = kc.getCurrentUser()?.token ?? '';
  const asked: Asked[] = [];
  const agent = new https.Agent({
    keepAlive: true,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    maxSockets: 16,
  });
  const server = http.createServer((req, res) => {
    asked.push({
      path: req.url ?? '',
      accept: String(req.headers.accept ?? ''),
    });
    const upstream = https.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        agent,
        headers: { ...req.headers, host: target.host },
      },
      up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', e => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ kind: 'Status', message: e.message, code: 502 }),
      );
    });
    req.pipe(upstream);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    asked,
    cluster: {
      name: 'local',
      url: `http://127.0.0.1:${port}`,
      authProvider: 'serviceAccount',
      serviceAccountToken: token,
      skipTLSVerify: true,
    },
    close: () => {
      agent.destroy();
      return new Promise(r => server.close(r));
    },
  };
}

const SELECTORS = [
  'checkout',
  'payments',
  'cart',
  'search',
  'storefront',
  'notifier',
  'reports',
  'recommender',
].map(id => ({
  labelSelector: `backstage.io/kubernetes-id=${id}`,
  namespace: 'shop',
}));

/**
 * The namespaces `./scripts/cluster seed` makes: stable while the suites run. Other suites' live
 * tests create and delete namespaces of their own (periscope-*, preflight-*, …) meanwhile: a
 * namespace deleted between its Table and its read is read whole, and its findings come and go.
 */
const SEEDED_NAMESPACES = new Set([
  'default',
  'k8sgpt-operator-system',
  'kube-node-lease',
  'kube-public',
  'kube-system',
  'real-node',
  'security',
  'shop',
]);
const stable = (namespace: string | undefined) =>
  !namespace || SEEDED_NAMESPACES.has(namespace);

/** What an entity's view shows of a scan: the findings (with owners, events, sources) and its workloads. */
async function view(scan: ClusterScan, opts: { prefetch?: boolean } = {}) {
  const findings = scan.findings
    .filter(f => stable(f.object.namespace))
    .map(f => ({
      id: f.id,
      severity: f.severity,
      failures: f.failures,
      ownerChain: f.ownerChain,
      workload: f.workload,
      events: f.events,
      sources: f.sources,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const selectors = SELECTORS;
  if (opts.prefetch) prefetchEntityWorkloads(scan, selectors);
  const workloads = await Promise.all(
    selectors.map(s => entityWorkloads(scan, s)),
  );
  expect(workloads.filter(w => w.warning)).toEqual([]);
  return { findings, workloads: workloads.map(w => w.workloads) };
}

describeIf({ kubeconfig: KUBECONFIG })(
  'the Health scan against the local control plane',
  () => {
    let proxy: Awaited<ReturnType<typeof recordingProxy>>;
    beforeAll(async () => {
      proxy = await recordingProxy(KUBECONFIG!);
    });
    afterAll(() => proxy?.close());

    const scan = async (reads: ScanOptions['reads']) => {
      proxy.asked.length = 0;
      const outcome = await scanClusters([proxy.cluster], {
        analyzers: DEFAULT_ANALYZERS,
        timeoutMs: 60_000,
        operatorResults: () => true,
        reads,
      });
      expect(outcome.errors).toEqual([]);
      return { scan: outcome.scans[0], asked: [...proxy.asked] };
    };

    it('reads pods and events row-first, only the failing objects in full, and finds what a full read finds', async () => {
      // the cluster is shared with other suites that change it: a differing pair is scanned again
      let full = await scan('full');
      let rows = await scan('row-first');
      for (
        let i = 0;
        i < 4 &&
        JSON.stringify(await view(full.scan)) !==
          JSON.stringify(await view(rows.scan));
        i++
      ) {
        full = await scan('full');
        rows = await scan('row-first');
      }
      const asked = proxy.asked.length;
      expect(await view(rows.scan)).toEqual(await view(full.scan));
      // the workload lists: one Table of the entity's pods (by its selector) per entity, on demand
      const listed = proxy.asked.slice(asked);
      expect(listed.length).toBe(8);
      expect(
        listed.every(a =>
          a.path.startsWith(
            '/api/v1/namespaces/shop/pods?includeObject=Metadata&labelSelector=',
          ),
        ),
      ).toBe(true);
      expect((await view(full.scan)).workloads.flat().length).toBeGreaterThan(
        8,
      );
      // as the scheduled scan asks for them: one `in (...)` Table for the eight one-label selectors
      const before = proxy.asked.length;
      expect(await view(rows.scan, { prefetch: true })).toEqual(
        await view(full.scan),
      );
      expect(proxy.asked.slice(before).map(a => a.path)).toEqual([
        `/api/v1/namespaces/shop/pods?includeObject=Metadata&labelSelector=${encodeURIComponent(
          `backstage.io/kubernetes-id in (${SELECTORS.map(
            x => x.labelSelector.split('=')[1],
          ).join(',')})`,
        )}`,
      ]);
      expect(
        rows.scan.findings.some(f => f.sources?.includes('k8sgpt-operator')),
      ).toBe(true);
      expect(
        rows.scan.findings.some(
          f => f.object.kind === 'Pod' && f.ownerChain.length === 2,
        ),
      ).toBe(true);

      const isTable = (a: Asked) => a.accept.includes('as=Table');
      const bare = (a: Asked) => a.path.split('?')[0];
      // pods: a Table of rows per namespace, never the whole list
      expect(rows.asked.filter(a => bare(a) === '/api/v1/pods')).toEqual([]);
      const podTables = rows.asked.filter(
        a => /^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(bare(a)) && isTable(a),
      );
      expect(podTables.length).toBeGreaterThan(0);
      expect(podTables.every(a => a.path.endsWith('?includeObject=None'))).toBe(
        true,
      );
      // events: one probe of one event, then (all, or the warnings of) the namespaces the analysis
      // looks into; never every event of the cluster
      const events = rows.asked.filter(a => bare(a).endsWith('/events'));
      const warnings = `?fieldSelector=${encodeURIComponent('type!=Normal')}`;
      expect(
        events.filter(a => bare(a) === '/api/v1/events').map(a => a.path),
      ).toContain('/api/v1/events?limit=1');
      expect(events.filter(a => a.path === '/api/v1/events')).toEqual([]);
      expect(
        events.every(
          a =>
            ['/api/v1/events?limit=1', `/api/v1/events${warnings}`].includes(
              a.path,
            ) ||
            new RegExp(
              `^/api/v1/namespaces/[^/]+/events(${warnings.replace(
                /[?%]/g,
                c => `\\${c}`,
              )})?$`,
            ).test(a.path),
        ),
      ).toBe(true);
      // the full read lists every pod and every event
      expect(full.asked.map(bare)).toEqual(
        expect.arrayContaining(['/api/v1/pods', '/api/v1/events']),
      );

      // in full: the pods whose rows are failing, by name, and pages of the namespaces the ConfigMap
      // analyzer looks into (a small cluster's namespaces fit in one page: bench/health-scan
      // measures a large one)
      const podReads = rows.asked.filter(
        a =>
          /\/pods(\/|$)/.test(bare(a)) &&
          !isTable(a) &&
          stable(/^\/api\/v1\/namespaces\/([^/]+)\//.exec(a.path)?.[1]),
      );
      expect(
        podReads
          .map(a => a.path)
          .filter(
            p =>
              !/^\/api\/v1\/namespaces\/[^/]+\/pods(\/[^/?]+$|\?limit=\d+)/.test(
                p,
              ),
          ),
      ).toEqual([]);
      const held = (s: ClusterScan, pred: (o: any) => boolean) =>
        (s.snapshot.objects.Pod ?? []).filter(pred).length;
      const withSpec = (o: any) => !!o.spec;
      expect(held(rows.scan, withSpec)).toBe(held(rows.scan, () => true));
      expect(held(rows.scan, withSpec)).toBeLessThanOrEqual(
        held(full.scan, withSpec),
      );
    }, 240_000);
  },
);
