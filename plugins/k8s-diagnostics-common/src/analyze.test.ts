import {
  analyze,
  inputKindsFor,
  resolveAnalyzers,
  UnknownAnalyzerError,
} from './analyze';
import { K8SGPT_CORE_ANALYZERS } from './analyzers';
import { KubeObject } from './model';
import { LabelSelectorSyntaxError } from './selector';
import { createSnapshot } from './snapshot';

const meta = (name: string, namespace?: string, extra: object = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...extra,
});

const crashingPod = (
  name: string,
  owner?: { kind: string; name: string },
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta(
    name,
    'shop',
    owner
      ? {
          ownerReferences: [
            { ...owner, controller: true, apiVersion: 'apps/v1' },
          ],
        }
      : {},
  ),
  status: {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1 } },
      },
    ],
  },
});

describe('analyze', () => {
  it("runs k8sgpt's 14 core analyzers plus CustomResource and Periscope's reference checks by default", () => {
    expect(K8SGPT_CORE_ANALYZERS).toHaveLength(14);
    expect(resolveAnalyzers().map(a => a.name)).toEqual([
      ...K8SGPT_CORE_ANALYZERS,
      'CustomResource',
      'References',
      'Scheduling',
      'AutoscalerRequests',
      'JobFailures',
      'ReplicaFailures',
      'Probes',
      'ContainerStates',
    ]);
    expect(resolveAnalyzers(['pod', 'LOG']).map(a => a.name)).toEqual([
      'Pod',
      'Log',
    ]);
    expect(inputKindsFor(resolveAnalyzers(['Ingress']))).toEqual([
      'Event',
      'Ingress',
      'IngressClass',
      'Service',
      'Secret',
    ]);
  });

  it('rejects unknown analyzers and bad selectors', () => {
    expect(() =>
      analyze(createSnapshot([]), { filters: ['Pods', 'Nope'] }),
    ).toThrow(UnknownAnalyzerError);
    expect(() => analyze(createSnapshot([]), { filters: ['Nope'] })).toThrow(
      /unknown analyzer "Nope"; available: Pod, DaemonSet/,
    );
    expect(() => analyze(createSnapshot([]), { selector: 'a in' })).toThrow(
      LabelSelectorSyntaxError,
    );
  });

  it('follows the owner chain to its root: Pod → ReplicaSet → Deployment, Pod → Job → CronJob', () => {
    const objects: KubeObject[] = [
      crashingPod('payments-abc-1', {
        kind: 'ReplicaSet',
        name: 'payments-abc',
      }),
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: meta('payments-abc', 'shop', {
          ownerReferences: [
            { kind: 'Deployment', name: 'payments', controller: true },
          ],
        }),
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('payments', 'shop'),
      },
      crashingPod('report-1-x', { kind: 'Job', name: 'report-1' }),
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta('report-1', 'shop', {
          ownerReferences: [{ kind: 'CronJob', name: 'report' }],
        }),
      },
      crashingPod('orphan'),
    ];
    const report = analyze(createSnapshot(objects), { filters: ['Pod'] });
    const parents = Object.fromEntries(
      report.results.map(r => [r.name, r.parentObject]),
    );
    expect(parents).toEqual({
      'shop/payments-abc-1': {
        kind: 'Deployment',
        name: 'payments',
        namespace: 'shop',
      },
      'shop/report-1-x': { kind: 'CronJob', name: 'report', namespace: 'shop' },
      'shop/orphan': undefined,
    });
  });

  it('attaches related events newest first, severity and sensitive strings', () => {
    const ev = (
      name: string,
      kind: string,
      time: string,
      reason: string,
    ): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta(name, 'shop'),
      involvedObject: { kind, name: 'p', namespace: 'shop' },
      reason,
      message: reason,
      type: 'Warning',
      count: 2,
      lastTimestamp: time,
    });
    const pod = crashingPod('p');
    pod.metadata.labels = { app: 'payments' };
    const report = analyze(
      createSnapshot([
        pod,
        ev('e1', 'Pod', '2024-01-01T00:00:00Z', 'BackOff'),
        ev('e2', 'Pod', '2024-01-02T00:00:00Z', 'Killing'),
        ev('e3', 'Service', '2024-01-03T00:00:00Z', 'Other'),
      ]),
      { filters: ['Pod'], maskSeed: 's' },
    );
    const r = report.results[0];
    expect(r.events.map(e => e.reason)).toEqual(['Killing', 'BackOff']);
    expect(r.events[0]).toEqual({
      type: 'Warning',
      reason: 'Killing',
      message: 'Killing',
      count: 2,
      lastTimestamp: '2024-01-02T00:00:00.000Z',
    });
    expect(r.severity).toBe('critical');
    expect(r.failures.map(f => f.severity)).toEqual(['critical']);
    expect(r.sensitive).toEqual(
      expect.arrayContaining(['shop', 'p', 'app', 'payments']),
    );
    const masks = r.failures[0].sensitive;
    expect(masks.map(s => s.unmasked)).toEqual(['app', 'p']);
    // Deterministic for one seed, and a base64 of as many bytes as the input.
    const again = analyze(createSnapshot([pod]), {
      filters: ['Pod'],
      maskSeed: 's',
    });
    expect(again.results[0].failures[0].sensitive).toEqual(masks);
    expect(Buffer.from(masks[0].masked, 'base64')).toHaveLength(3);
  });

  it('reports an analyzer that breaks on malformed input as an error, not a throw', () => {
    const bad = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta('x', 'n'),
      status: { containerStatuses: 5 },
    } as unknown as KubeObject;
    const report = analyze(createSnapshot([bad]), { filters: ['Pod', 'Node'] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/^Pod analyzer failed: /);
    expect(report.analyzers).toEqual(['Pod', 'Node']);
  });

  it('applies the namespace filter to namespaced kinds only', () => {
    const objects: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: meta('n1'),
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletDown',
              message: 'down',
            },
          ],
        },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta('a', 'one'),
        spec: { suspend: true },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta('b', 'two'),
        spec: { suspend: true },
      },
    ];
    const names = analyze(createSnapshot(objects), {
      namespace: 'one',
      filters: ['Node', 'Job'],
    }).results.map(r => r.name);
    expect(names).toEqual(['one/a', 'n1']);
  });

  it('flags custom resources with Ready or Available False', () => {
    const cr = (name: string, conditions: object[]): KubeObject => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(name, 'shop'),
      status: { conditions },
    });
    const report = analyze(
      createSnapshot([
        cr('bad', [
          {
            type: 'Ready',
            status: 'False',
            reason: 'DoesNotExist',
            message: 'Issuer not found',
          },
        ]),
        cr('good', [{ type: 'Ready', status: 'True' }]),
        cr('unavailable', [
          { type: 'Available', status: 'False', reason: 'X', message: 'y' },
          { type: 'Degraded', status: 'False' },
        ]),
      ]),
      { filters: ['CustomResource'] },
    );
    expect(
      report.results.map(r => [
        r.name,
        r.failures.map(f => `${f.severity}: ${f.text}`),
      ]),
    ).toEqual([
      [
        'shop/bad',
        [
          'high: Certificate shop/bad has condition Ready=False, reason DoesNotExist: Issuer not found',
        ],
      ],
      [
        'shop/unavailable',
        [
          'medium: Certificate shop/unavailable has condition Available=False, reason X: y',
        ],
      ],
    ]);
  });

  it('Log: first error line of current logs, previous logs after a restart, fetch errors', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta('api', 'shop'),
      spec: {
        containers: [{ name: 'app' }, { name: 'sidecar' }, { name: 'quiet' }],
      },
      status: { containerStatuses: [{ name: 'app', restartCount: 2 }] },
    };
    const snapshot = createSnapshot([pod], {
      logs: {
        'shop/api/app': 'starting\nERROR: db unreachable\nFailed again',
        'shop/api/quiet': 'all good',
      },
      previousLogs: { 'shop/api/app': 'panic: Exception in main' },
      logErrors: {
        'shop/api/sidecar': 'container "sidecar" is waiting to start',
      },
    });
    const report = analyze(snapshot, { filters: ['Log'] });
    expect(
      report.results.map(r => [r.kind, r.name, r.failures.map(f => f.text)]),
    ).toEqual([
      [
        'Pod',
        'shop/api/app',
        [
          'ERROR: db unreachable',
          'previous container logs: panic: Exception in main',
        ],
      ],
      [
        'Pod',
        'shop/api/sidecar',
        ['Error container "sidecar" is waiting to start from Pod api'],
      ],
    ]);
  });

  it('HTTPRoute: missing gateway, namespace rules, missing service and port mismatch', () => {
    const gw = (name: string, from: string, selector?: object): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: meta(name, 'infra'),
      spec: {
        gatewayClassName: 'c',
        listeners: [
          {
            name: 'http',
            allowedRoutes: {
              namespaces: {
                from,
                ...(selector ? { selector: { matchLabels: selector } } : {}),
              },
            },
          },
        ],
      },
    });
    const route: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: meta('r', 'shop', { labels: { team: 'a' } }),
      spec: {
        parentRefs: [
          { name: 'same', namespace: 'infra' },
          { name: 'sel', namespace: 'infra' },
          { name: 'all', namespace: 'infra' },
          { name: 'gone' },
        ],
        rules: [
          {
            backendRefs: [
              { name: 'web', port: 8080 },
              { name: 'nosvc', port: 80 },
            ],
          },
        ],
      },
    };
    const objects: KubeObject[] = [
      gw('same', 'Same'),
      gw('sel', 'Selector', { team: 'b' }),
      gw('all', 'All'),
      route,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('web', 'shop'),
        spec: { ports: [{ port: 80 }] },
      },
    ];
    expect(
      analyze(createSnapshot(objects), {
        filters: ['HTTPRoute'],
      }).results[0].failures.map(f => f.text),
    ).toEqual([
      "HTTPRoute 'shop/r' is deployed in a different namespace from Gateway 'infra/same' which only allows HTTPRoutes from its namespace.",
      "HTTPRoute 'shop/r' can't be attached on Gateway 'infra/sel', selector labels do not match HTTProute's labels.",
      "HTTPRoute uses the Gateway 'shop/gone' which does not exist in the same namespace.",
      "HTTPRoute's backend service 'web' is using port '8080' but the corresponding K8s service 'shop/web' isn't configured with the same port.",
      "HTTPRoute uses the Service 'shop/nosvc' which does not exist.",
    ]);
  });

  it('Deployment: the status-not-updated-yet text when status has more replicas than spec', () => {
    const d: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('d', 'n'),
      spec: { replicas: 2 },
      status: { replicas: 3, readyReplicas: 1 },
    };
    expect(
      analyze(createSnapshot([d]), { filters: ['Deployment'] }).results[0]
        .failures[0].text,
    ).toBe(
      'Deployment n/d has 2 replicas in spec but 3 replicas in status because status field is not updated yet after scaling and 1 replicas are available with status running',
    );
  });

  it('partialEvents: names the namespaces whose Normal events it needed, and then equals a full analysis', () => {
    const event = (
      ns: string,
      name: string,
      kind: string,
      type: string,
      reason: string,
      at: string,
    ): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta(`${name}.${reason}`, ns),
      involvedObject: { kind, name, namespace: ns },
      type,
      reason,
      message: `${reason} of ${name}`,
      lastTimestamp: at,
    });
    const pvc = (ns: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta('data', ns),
      spec: {},
      status: { phase: 'Pending' },
    });
    // shop: the claim's latest event is Normal, so there is nothing to report; an older warning
    // alone would say ProvisioningFailed. web: a Service's warning event is a finding by itself.
    const objects = [
      pvc('shop'),
      event(
        'shop',
        'data',
        'PersistentVolumeClaim',
        'Warning',
        'ProvisioningFailed',
        '2026-01-01T00:00:00Z',
      ),
      event(
        'shop',
        'data',
        'PersistentVolumeClaim',
        'Normal',
        'ExternalProvisioning',
        '2026-01-01T00:01:00Z',
      ),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('api', 'web'),
        spec: {},
      },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('api', 'web') },
      event(
        'web',
        'api',
        'Service',
        'Warning',
        'FailedToUpdateEndpoint',
        '2026-01-01T00:00:00Z',
      ),
      event(
        'web',
        'api',
        'Service',
        'Normal',
        'Synced',
        '2026-01-01T00:02:00Z',
      ),
    ];
    const opts = {
      filters: ['PersistentVolumeClaim', 'Service'],
      maskSeed: 'partial-events',
    };
    const texts = (r: ReturnType<typeof analyze>) =>
      r.results.map(
        x => `${x.name}: ${x.failures.map(f => f.text).join('; ')}`,
      );
    const full = analyze(createSnapshot(objects), opts);
    expect(full.eventsNeeded).toBeUndefined();
    expect(texts(full)).toEqual([
      'web/api: Service web/api has event FailedToUpdateEndpoint of api',
    ]);

    const warningsOnly = objects.filter(
      o => o.kind !== 'Event' || (o as { type?: string }).type !== 'Normal',
    );
    const partial = analyze(
      createSnapshot(warningsOnly, { partialEvents: { allTypesIn: [] } }),
      opts,
    );
    // the claim's lookup needs shop's Normal events; the Service analyzer looks up warnings only,
    // but the web/api result lists its related events of every type, so web is needed too
    expect(partial.eventsNeeded).toEqual(['shop', 'web']);
    expect(texts(partial)).toContain('shop/data: ProvisioningFailed of data'); // what the missing events would change

    const withShopAndWeb = createSnapshot(objects, {
      partialEvents: { allTypesIn: ['shop', 'web'] },
    });
    const again = analyze(withShopAndWeb, opts);
    expect(again.eventsNeeded).toBeUndefined();
    expect(again.results).toEqual(full.results);

    // without related events (the CLI shows none) only the claim's lookup needs Normal events
    const bare = analyze(
      createSnapshot(warningsOnly, { partialEvents: { allTypesIn: [] } }),
      { ...opts, relatedEvents: false },
    );
    expect(bare.eventsNeeded).toEqual(['shop']);
    expect(bare.results.map(r => r.events)).toEqual(bare.results.map(() => []));
    const bareAgain = analyze(
      createSnapshot(objects, { partialEvents: { allTypesIn: ['shop'] } }),
      { ...opts, relatedEvents: false },
    );
    expect(bareAgain.eventsNeeded).toBeUndefined();
    expect(bareAgain.results).toEqual(
      full.results.map(r => ({ ...r, events: [] })),
    );
    expect(full.results[0].events.map(e => e.reason)).toEqual([
      'Synced',
      'FailedToUpdateEndpoint',
    ]);

    // no events outside allTypesIn (elsewhere: 'none'): the claim needs every event of shop, the
    // Service analyzer the warnings of web; given those, the findings are the full ones
    const none = analyze(
      createSnapshot(
        objects.filter(o => o.kind !== 'Event'),
        { partialEvents: { allTypesIn: [], elsewhere: 'none' } },
      ),
      {
        ...opts,
        relatedEvents: false,
      },
    );
    expect(none.eventsNeeded).toEqual(['shop']);
    expect(none.warningEventsNeeded).toEqual(['web']);
    expect(texts(none)).toEqual([]); // nothing to report without the events: they are needed
    const webWarnings = objects.filter(
      o =>
        o.kind !== 'Event' ||
        o.metadata?.namespace === 'shop' ||
        (o as { type?: string }).type !== 'Normal',
    );
    const noneAgain = analyze(
      createSnapshot(webWarnings, {
        partialEvents: {
          allTypesIn: ['shop'],
          elsewhere: 'none',
          warningsIn: ['web'],
        },
      }),
      {
        ...opts,
        relatedEvents: false,
      },
    );
    expect(noneAgain.eventsNeeded).toBeUndefined();
    expect(noneAgain.warningEventsNeeded).toBeUndefined();
    expect(noneAgain.results).toEqual(
      full.results.map(r => ({ ...r, events: [] })),
    );
    // with related events, the web/api result found on the warnings then needs every event of web
    const related = analyze(
      createSnapshot(webWarnings, {
        partialEvents: {
          allTypesIn: ['shop'],
          elsewhere: 'none',
          warningsIn: ['web'],
        },
      }),
      opts,
    );
    expect(related.eventsNeeded).toEqual(['web']);
    expect(related.warningEventsNeeded).toBeUndefined();
  });

  // speed is measured in bench/diagnostics, not asserted here
  it('analyzes 5,000 pods with services and config maps, one result each', () => {
    const objects: KubeObject[] = [];
    for (let i = 0; i < 5000; i++) {
      const ns = `ns${i % 50}`;
      objects.push({
        ...crashingPod(`p${i}`),
        metadata: meta(`p${i}`, ns, { labels: { app: `a${i % 100}` } }),
      });
      if (i % 5 === 0) {
        objects.push({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta(`s${i}`, ns),
          spec: { selector: { app: `a${i % 100}` } },
        });
        objects.push({
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: meta(`s${i}`, ns),
        });
        objects.push({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: meta(`c${i}`, ns),
          data: { a: 'b' },
        });
      }
    }
    const report = analyze(createSnapshot(objects));
    expect(report.results.filter(r => r.kind === 'Pod')).toHaveLength(5000);
    expect(report.results.filter(r => r.kind === 'Service')).toHaveLength(1000);
  });
});
