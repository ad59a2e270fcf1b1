import { resolveAnalyzers } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  canReadFailingWorkloadsOnly,
  workloadRowsOfTable,
} from './workloadPrefilter';

const table = (columns: string[], rows: unknown[][]) => ({
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  columnDefinitions: columns.map(name => ({ name, type: 'string' })),
  rows: rows.map(cells => ({ cells, object: null })),
});
const DEPLOYMENT_COLUMNS = [
  'Name',
  'Ready',
  'Up-to-date',
  'Available',
  'Age',
  'Containers',
  'Images',
  'Selector',
];
const REPLICASET_COLUMNS = [
  'Name',
  'Desired',
  'Current',
  'Ready',
  'Age',
  'Containers',
  'Images',
  'Selector',
];

describe('workloadRowsOfTable', () => {
  it('marks a Deployment healthy only when ready, updated and available all equal the desired count', () => {
    const rows = workloadRowsOfTable(
      'Deployment',
      table(DEPLOYMENT_COLUMNS, [
        ['fine', '3/3', 3, 3, '1m', 'app', 'app:1', 'app=fine'],
        ['scaled-to-zero', '0/0', 0, 0, '1m', 'app', 'app:1', 'app=z'],
        ['not-ready', '1/3', 3, 1, '1m', 'app', 'app:1', 'app=n'],
        // a rollout stuck behind ready old pods: Progressing may turn False
        ['stuck-rollout', '3/3', 1, 3, '1m', 'app', 'app:1', 'app=s'],
        ['unavailable', '2/2', 2, 1, '1m', 'app', 'app:1', 'app=u'],
        ['string-counts', '2/2', '2', '2', '1m', 'app', 'app:1', 'app=c'],
      ]),
    );
    expect(rows).toEqual([
      { name: 'fine', healthy: true },
      { name: 'scaled-to-zero', healthy: true },
      { name: 'not-ready', healthy: false },
      { name: 'stuck-rollout', healthy: false },
      { name: 'unavailable', healthy: false },
      { name: 'string-counts', healthy: true },
    ]);
  });

  it('marks a ReplicaSet unhealthy only when it has fewer replicas than it wants', () => {
    const rows = workloadRowsOfTable(
      'ReplicaSet',
      table(REPLICASET_COLUMNS, [
        ['web-1', 2, 2, 2, '1m', 'app', 'app:1', 'app=web'],
        ['web-old', 0, 0, 0, '1m', 'app', 'app:1', 'app=web'],
        ['quota-blocked', 1, 0, 0, '1m', 'app', 'app:1', 'app=q'],
        ['starting', 2, 2, 0, '1m', 'app', 'app:1', 'app=s'],
        // some pods created, the others refused (ReplicaFailures)
        ['partly-blocked', 3, 1, 1, '1m', 'app', 'app:1', 'app=p'],
      ]),
    );
    expect(rows).toEqual([
      { name: 'web-1', healthy: true },
      { name: 'web-old', healthy: true },
      { name: 'quota-blocked', healthy: false },
      { name: 'starting', healthy: true },
      { name: 'partly-blocked', healthy: false },
    ]);
  });

  it('gives undefined (read the objects whole) for answers it cannot read', () => {
    const good = table(REPLICASET_COLUMNS, [
      ['a', 1, 1, 1, '1m', 'c', 'i', 's'],
    ]);
    expect(workloadRowsOfTable('ReplicaSet', good)).toEqual([
      { name: 'a', healthy: true },
    ]);
    for (const bad of [
      undefined,
      null,
      'Table',
      { kind: 'ReplicaSetList', items: [] }, // a server that ignored the Table Accept header
      { ...good, rows: 'none' },
      { ...good, columnDefinitions: undefined },
      table(['Name', 'Desired'], [['a', 1]]), // no Current column
      table(REPLICASET_COLUMNS, [[42, 1, 1, 1]]), // a name that is not a string
      table(REPLICASET_COLUMNS, [['', 1, 1, 1]]),
      table(REPLICASET_COLUMNS, [['a', 'one', 1, 1]]), // a count that is not a count
      table(REPLICASET_COLUMNS, [['a', 1.5, 1, 1]]),
      { ...good, rows: [{ cells: 'a' }] },
      { ...good, rows: [null] },
    ]) {
      expect(workloadRowsOfTable('ReplicaSet', bad)).toBeUndefined();
    }
    for (const ready of ['3', '3/x', '', 3, '-1/3']) {
      expect(
        workloadRowsOfTable(
          'Deployment',
          table(DEPLOYMENT_COLUMNS, [['d', ready, 3, 3]]),
        ),
      ).toBeUndefined();
    }
    expect(
      workloadRowsOfTable(
        'Deployment',
        table(REPLICASET_COLUMNS, [['d', 1, 1, 1]]),
      ),
    ).toBeUndefined();
  });
});

describe('canReadFailingWorkloadsOnly', () => {
  it('allows the Deployment and ReplicaSet analyzers and those that do not read them', () => {
    expect(
      canReadFailingWorkloadsOnly(
        resolveAnalyzers(['Deployment', 'ReplicaSet', 'Pod', 'Service']),
      ),
    ).toBe(true);
    expect(canReadFailingWorkloadsOnly(resolveAnalyzers(['ConfigMap']))).toBe(
      true,
    );
    // ReplicaFailures reports only sets with fewer replicas than desired: unhealthy rows
    expect(
      canReadFailingWorkloadsOnly(
        resolveAnalyzers(['ReplicaSet', 'ReplicaFailures']),
      ),
    ).toBe(true);
  });

  it('refuses when an analyzer reads every Deployment (the HPA analyzer reads its target)', () => {
    expect(
      canReadFailingWorkloadsOnly(
        resolveAnalyzers(['Deployment', 'HorizontalPodAutoscaler']),
      ),
    ).toBe(false);
    // the reference checks report healthy workloads too (a ConfigMap deleted since they started)
    expect(canReadFailingWorkloadsOnly(resolveAnalyzers(['References']))).toBe(
      false,
    );
    expect(
      canReadFailingWorkloadsOnly(resolveAnalyzers(['AutoscalerRequests'])),
    ).toBe(false);
  });
});
