import { resolveAnalyzers } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  canReadFailingPodsOnly,
  planFullPods,
  podRowIsHealthy,
  podRowsOfTable,
  reportsPods,
} from './podPrefilter';
import { kindsToList } from './kinds';
import { RESOURCES } from './resources';

const table = (
  rows: unknown[][],
  columns = ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
) => ({
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  columnDefinitions: columns.map(name => ({ name, type: 'string' })),
  rows: rows.map(cells => ({ cells })),
});

describe('podRowsOfTable', () => {
  it('reads name, ready, status and restarts by column name', () => {
    expect(
      podRowsOfTable(
        table([
          ['web-1', '1/1', 'Running', '0', '5m'],
          ['db-0', '0/1', 'CrashLoopBackOff', '7 (2m ago)', '1h'],
        ]),
      ),
    ).toEqual([
      { name: 'web-1', ready: '1/1', status: 'Running', restarts: '0' },
      {
        name: 'db-0',
        ready: '0/1',
        status: 'CrashLoopBackOff',
        restarts: '7 (2m ago)',
      },
    ]);
    expect(podRowsOfTable(table([]))).toEqual([]);
  });

  it.each([
    ['a pod list instead of a Table', { kind: 'PodList', items: [] }],
    ['null', null],
    ['a string', 'Table'],
    [
      'a Table without the Restarts column',
      table([['web-1', '1/1', 'Running']], ['Name', 'Ready', 'Status']),
    ],
    ['a Table without rows', { kind: 'Table', columnDefinitions: [] }],
    ['a row without a name', table([[null, '1/1', 'Running', '0']])],
    [
      'a row whose cells are not a list',
      { ...table([]), rows: [{ cells: 'web-1' }] },
    ],
  ])('gives undefined (read the pods whole) for %s', (_what, answer) => {
    expect(podRowsOfTable(answer)).toBeUndefined();
  });
});

describe('podRowIsHealthy', () => {
  const row = (status: string, ready: string, restarts = '0') => ({
    name: 'p',
    status,
    ready,
    restarts,
  });

  it('is true only for Running pods with every container ready', () => {
    expect(podRowIsHealthy(row('Running', '1/1'), false)).toBe(true);
    expect(podRowIsHealthy(row('Running', '3/3'), false)).toBe(true);
    for (const r of [
      row('Running', '0/1'),
      row('Running', '1/2'),
      row('Running', '0/0'),
      row('Running', ''),
      row('Running', 'n/a'),
      row('Pending', '0/1'),
      row('CrashLoopBackOff', '0/1'),
      row('Completed', '0/1'),
      row('Evicted', '0/1'),
      row('Terminating', '1/1'),
      row('Init:0/1', '0/1'),
      row('NotReady', '1/2'),
    ]) {
      expect([r.status, r.ready, podRowIsHealthy(r, false)]).toEqual([
        r.status,
        r.ready,
        false,
      ]);
    }
  });

  it('counts restarts only when they matter (the Log analyzer reads restarted containers)', () => {
    expect(podRowIsHealthy(row('Running', '1/1', '3 (2m ago)'), false)).toBe(
      true,
    );
    expect(podRowIsHealthy(row('Running', '1/1', '3 (2m ago)'), true)).toBe(
      false,
    );
    expect(podRowIsHealthy(row('Running', '1/1', '0'), true)).toBe(true);
    expect(podRowIsHealthy(row('Running', '1/1', '10'), true)).toBe(false);
  });
});

describe('canReadFailingPodsOnly', () => {
  it("allows k8sgpt's core analyzers and Log, not analyzers that read every pod", () => {
    expect(canReadFailingPodsOnly(resolveAnalyzers([]))).toBe(true);
    expect(
      canReadFailingPodsOnly(resolveAnalyzers(['Pod', 'Log', 'ConfigMap'])),
    ).toBe(true);
    expect(
      canReadFailingPodsOnly(resolveAnalyzers(['Pod', 'NetworkPolicy'])),
    ).toBe(false);
    expect(canReadFailingPodsOnly(resolveAnalyzers(['Security']))).toBe(false);
  });

  it('allows the reference checks, which report only Pending pods (never healthy rows)', () => {
    expect(
      canReadFailingPodsOnly(
        resolveAnalyzers(['References', 'Scheduling', 'AutoscalerRequests']),
      ),
    ).toBe(true);
    expect(reportsPods(resolveAnalyzers(['References']))).toBe(true);
  });

  it('allows Probes and ContainerStates, which report only containers that are not ready', () => {
    expect(
      canReadFailingPodsOnly(resolveAnalyzers(['Probes', 'ContainerStates'])),
    ).toBe(true);
    expect(reportsPods(resolveAnalyzers(['Probes']))).toBe(true);
  });

  it('allows JobFailures, which reads the failed pods of failed Jobs (never healthy rows): those are read', () => {
    expect(canReadFailingPodsOnly(resolveAnalyzers(['JobFailures']))).toBe(
      true,
    );
    // not look-up-only: a prefiltered scan asks for the Table rows and reads the failing pods
    expect(reportsPods(resolveAnalyzers(['JobFailures']))).toBe(true);
  });
});

describe('planFullPods', () => {
  const objects = {
    ValidatingWebhookConfiguration: [
      {
        webhooks: [
          { clientConfig: { service: { namespace: 'hooks', name: 'h' } } },
          { clientConfig: { url: 'https://x' } },
        ],
      },
    ],
    MutatingWebhookConfiguration: [{ webhooks: null }],
    StatefulSet: [
      {
        metadata: { namespace: 'db' },
        spec: { replicas: 3 },
        status: { availableReplicas: 2 },
      },
      {
        metadata: { namespace: 'cache' },
        spec: { replicas: 2 },
        status: { availableReplicas: 2 },
      },
      { metadata: { namespace: 'odd' }, spec: {}, status: {} },
    ],
  };

  it("names the webhook Services' namespaces and those of StatefulSets missing replicas", () => {
    expect([...planFullPods(resolveAnalyzers([]), objects)].sort()).toEqual([
      'db',
      'hooks',
    ]);
  });

  it('needs nothing whole for analyzers that do not look pods up', () => {
    expect(
      planFullPods(resolveAnalyzers(['Pod', 'ConfigMap']), objects).size,
    ).toBe(0);
    expect(planFullPods(resolveAnalyzers([]), {}).size).toBe(0);
  });
});

describe('reportsPods', () => {
  it('is false only when every analyzer reading pods just looks them up', () => {
    expect(reportsPods(resolveAnalyzers(['Pod']))).toBe(true);
    expect(reportsPods(resolveAnalyzers(['Log', 'ConfigMap']))).toBe(true);
    expect(
      reportsPods(
        resolveAnalyzers([
          'ConfigMap',
          'StatefulSet',
          'ValidatingWebhookConfiguration',
        ]),
      ),
    ).toBe(false);
    expect(reportsPods(resolveAnalyzers(['Service']))).toBe(false);
  });

  it('decides whether pod owners are listed for the parent object', () => {
    expect(kindsToList(resolveAnalyzers(['Pod']))).toEqual(
      expect.arrayContaining(['ReplicaSet', 'Job']),
    );
    expect(kindsToList(resolveAnalyzers(['ConfigMap']))).not.toContain(
      'ReplicaSet',
    );
    expect(kindsToList(resolveAnalyzers(['ConfigMap']))).toEqual(
      expect.arrayContaining(['ConfigMap', 'Pod']),
    );
  });

  it('lists the kinds the reference checks look up, where the scan knows them', () => {
    const kinds = kindsToList(resolveAnalyzers(['References', 'Scheduling']));
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Secret',
        'ServiceAccount',
        'PriorityClass',
        'RuntimeClass',
        'PersistentVolumeClaim',
        'StorageClass',
        'Node',
        'CronJob',
      ]),
    );
    // existence is all they need of these: metadata only
    for (const k of [
      'Secret',
      'ServiceAccount',
      'PriorityClass',
      'RuntimeClass',
    ])
      expect(RESOURCES[k].metadataOnly).toBe(true);
  });
});
