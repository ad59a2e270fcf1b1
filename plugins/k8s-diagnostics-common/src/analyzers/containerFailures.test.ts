/**
 * Periscope's ReplicaFailures, Probes and ContainerStates, table-driven, with their remediation
 * entries: present (reported), absent or healthy (nothing), and what k8sgpt's analyzers already
 * cover (left to them).
 */
import { analyze } from '../analyze';
import { KubeObject } from '../model';
import { referenceExplanation } from '../remediation';
import { CONTAINER_REMEDIATIONS } from '../remediationContainers';
import { createSnapshot } from '../snapshot';

const NS = 'shop';
const T = '2026-12-01T10:00:00Z';

const rs = (
  name: string,
  want: number,
  have: number,
  conditions: object[] = [],
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: NS, uid: `${name}-uid` },
  spec: { replicas: want },
  status: { replicas: have, conditions },
});
const event = (
  name: string,
  kind: string,
  reason: string,
  message: string,
  fieldPath?: string,
  at = T,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `${name}.${reason}.${at}`, namespace: NS },
  involvedObject: {
    kind,
    name,
    namespace: NS,
    ...(fieldPath ? { fieldPath } : {}),
  },
  type: 'Warning',
  reason,
  message,
  count: 3,
  lastTimestamp: at,
});
const QUOTA =
  'pods "web-abc" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=1, limited: cpu=1';
const failedCreate = {
  type: 'ReplicaFailure',
  status: 'True',
  reason: 'FailedCreate',
  message: QUOTA,
};

const pod = (name: string, spec: object, status: object): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, creationTimestamp: T },
  spec,
  status,
});
const live = { httpGet: { path: '/live', port: 8080 }, periodSeconds: 2 };
const ready = { httpGet: { path: '/ready', port: 8080 } };

const run = (filter: string, objects: KubeObject[]) =>
  analyze(createSnapshot(objects), { filters: [filter] }).results.flatMap(r =>
    r.failures.map(f => `${r.kind} ${r.name}: ${f.text}`),
  );

describe('ReplicaFailures', () => {
  it.each<[string, KubeObject[], string[]]>([
    [
      'some pods created, the rest refused (condition)',
      [rs('web', 3, 1, [failedCreate])],
      [
        `ReplicaSet shop/web: ReplicaSet shop/web has 1 of 3 pods: it cannot create the others (FailedCreate): ${QUOTA}`,
      ],
    ],
    [
      "the event's message when the condition has none",
      [
        rs('web', 2, 1),
        event(
          'web',
          'ReplicaSet',
          'FailedCreate',
          'admission webhook "policy.example.com" denied the request: no latest tag',
        ),
      ],
      [
        'ReplicaSet shop/web: ReplicaSet shop/web has 1 of 2 pods: it cannot create the others (FailedCreate): admission webhook "policy.example.com" denied the request: no latest tag',
      ],
    ],
    [
      "zero replicas: k8sgpt's ReplicaSet analyzer",
      [rs('web', 2, 0, [failedCreate])],
      [],
    ],
    ['all replicas there', [rs('web', 2, 2, [failedCreate])], []],
    ['short without FailedCreate (pods starting)', [rs('web', 3, 1)], []],
    [
      'an event about a Pod of the same name',
      [rs('web', 2, 1), event('web', 'Pod', 'FailedCreate', 'x')],
      [],
    ],
    [
      "another namespace's event",
      [
        rs('web', 2, 1),
        {
          ...event('web', 'ReplicaSet', 'FailedCreate', 'x'),
          metadata: { name: 'e', namespace: 'other' },
        },
      ],
      [],
    ],
  ])('%s', (_name, objects, expected) => {
    expect(run('ReplicaFailures', objects)).toEqual(expected);
  });
});

describe('Probes', () => {
  const crashLooping = {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 5,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 137, reason: 'Error' } },
      },
    ],
  };
  const runningUnready = {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 0,
        state: { running: { startedAt: T } },
      },
    ],
  };
  it.each<[string, KubeObject[], string[]]>([
    [
      'restarted by its liveness probe',
      [
        pod(
          'p1',
          { containers: [{ name: 'app', livenessProbe: live }] },
          crashLooping,
        ),
        event(
          'p1',
          'Pod',
          'Unhealthy',
          'Liveness probe failed: HTTP probe failed with statuscode: 404',
          'spec.containers{app}',
        ),
      ],
      [
        'Pod shop/p1: container app of pod p1 was restarted 5 times by its liveness probe (httpGet :8080/live): Liveness probe failed: HTTP probe failed with statuscode: 404',
      ],
    ],
    [
      'never ready: the readiness probe',
      [
        pod(
          'p2',
          { containers: [{ name: 'app', readinessProbe: ready }] },
          runningUnready,
        ),
        event(
          'p2',
          'Pod',
          'Unhealthy',
          'Readiness probe failed: HTTP probe failed with statuscode: 503',
        ),
      ],
      [
        'Pod shop/p2: container app of pod p2 is not ready: its readiness probe (httpGet :8080/ready) fails: Readiness probe failed: HTTP probe failed with statuscode: 503',
      ],
    ],
    [
      'the event of another container of the pod',
      [
        pod(
          'p3',
          {
            containers: [
              { name: 'app', readinessProbe: ready },
              { name: 'side', readinessProbe: ready },
            ],
          },
          {
            ...runningUnready,
            containerStatuses: [
              ...runningUnready.containerStatuses,
              { name: 'side', ready: true, state: { running: {} } },
            ],
          },
        ),
        event(
          'p3',
          'Pod',
          'Unhealthy',
          'Readiness probe failed: connection refused',
          'spec.containers{side}',
        ),
      ],
      [],
    ],
    [
      'ready again: nothing',
      [
        pod(
          'p4',
          { containers: [{ name: 'app', livenessProbe: live }] },
          {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'app',
                ready: true,
                restartCount: 3,
                state: { running: {} },
              },
            ],
          },
        ),
        event('p4', 'Pod', 'Unhealthy', 'Liveness probe failed: timeout'),
      ],
      [],
    ],
    [
      'no Unhealthy event: a crash of its own',
      [
        pod(
          'p5',
          { containers: [{ name: 'app', livenessProbe: live }] },
          crashLooping,
        ),
      ],
      [],
    ],
    [
      'no probe of that kind',
      [
        pod('p6', { containers: [{ name: 'app' }] }, runningUnready),
        event('p6', 'Pod', 'Unhealthy', 'Readiness probe failed: x'),
      ],
      [],
    ],
  ])('%s', (_name, objects, expected) => {
    expect(run('Probes', objects)).toEqual(expected);
  });
});

describe('ContainerStates', () => {
  it.each<[string, KubeObject[], string[]]>([
    [
      'an init container that fails',
      [
        pod(
          'i1',
          {
            initContainers: [{ name: 'migrate' }],
            containers: [{ name: 'app' }],
          },
          {
            phase: 'Pending',
            initContainerStatuses: [
              {
                name: 'migrate',
                ready: false,
                restartCount: 4,
                state: { waiting: { reason: 'CrashLoopBackOff' } },
                lastState: {
                  terminated: {
                    exitCode: 2,
                    reason: 'Error',
                    message: 'migration 42 failed\n',
                  },
                },
              },
            ],
            containerStatuses: [
              {
                name: 'app',
                ready: false,
                state: { waiting: { reason: 'PodInitializing' } },
              },
            ],
          },
        ),
      ],
      [
        "Pod shop/i1: init container migrate of pod i1 exited with exit code 2 (Error): migration 42 failed, restarted 4 times (CrashLoopBackOff): the pod's other containers do not start until it succeeds",
      ],
    ],
    [
      'an init container that failed once and then succeeded',
      [
        pod(
          'i2',
          {
            initContainers: [{ name: 'migrate' }],
            containers: [{ name: 'app' }],
          },
          {
            phase: 'Running',
            initContainerStatuses: [
              {
                name: 'migrate',
                restartCount: 1,
                state: { terminated: { exitCode: 0 } },
                lastState: { terminated: { exitCode: 1 } },
              },
            ],
            containerStatuses: [
              { name: 'app', ready: true, state: { running: {} } },
            ],
          },
        ),
      ],
      [],
    ],
    [
      'a command the runtime cannot run',
      [
        pod(
          'r1',
          { containers: [{ name: 'app' }] },
          {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'app',
                ready: false,
                restartCount: 2,
                state: { waiting: { reason: 'CrashLoopBackOff' } },
                lastState: {
                  terminated: {
                    exitCode: 128,
                    reason: 'StartError',
                    message:
                      'failed to create containerd task: exec: "/app/server": stat /app/server: no such file or directory',
                  },
                },
              },
            ],
          },
        ),
      ],
      [
        'Pod shop/r1: container app of pod r1 could not be started by the runtime (exit code 128 (StartError): failed to create containerd task: exec: "/app/server": stat /app/server: no such file or directory)',
      ],
    ],
    [
      'CreateContainerConfigError: the Pod analyzer reports its message',
      [
        pod(
          'c1',
          { containers: [{ name: 'app' }] },
          {
            phase: 'Pending',
            containerStatuses: [
              {
                name: 'app',
                ready: false,
                state: {
                  waiting: {
                    reason: 'CreateContainerConfigError',
                    message: 'secret "db" not found',
                  },
                },
              },
            ],
          },
        ),
      ],
      [],
    ],
    [
      'an application crash: the Pod analyzer and the evidence',
      [
        pod(
          'a1',
          { containers: [{ name: 'app' }] },
          {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'app',
                ready: false,
                restartCount: 2,
                state: { waiting: { reason: 'CrashLoopBackOff' } },
                lastState: { terminated: { exitCode: 1, reason: 'Error' } },
              },
            ],
          },
        ),
      ],
      [],
    ],
  ])('%s', (_name, objects, expected) => {
    expect(run('ContainerStates', objects)).toEqual(expected);
  });
});

describe('their remediation', () => {
  it.each<[string, string, RegExp]>([
    [
      'ReplicaFailures',
      `ReplicaSet shop/web has 1 of 3 pods: it cannot create the others (FailedCreate): ${QUOTA}`,
      /free or raise the quota/,
    ],
    [
      'Probes',
      'container app of pod p1 was restarted 5 times by its liveness probe (httpGet :8080/live): Liveness probe failed: HTTP probe failed with statuscode: 404',
      /Make httpGet :8080\/live succeed/,
    ],
    [
      'Probes',
      'container app of pod p2 is not ready: its readiness probe (httpGet :8080/ready) fails: Readiness probe failed: HTTP probe failed with statuscode: 503',
      /Make httpGet :8080\/ready answer/,
    ],
    [
      'ContainerStates',
      "init container migrate of pod i1 exited with exit code 2 (Error): migration 42 failed, restarted 4 times (CrashLoopBackOff): the pod's other containers do not start until it succeeds",
      /init container migrate/,
    ],
    [
      'ContainerStates',
      'container app of pod r1 could not be started by the runtime (exit code 128 (StartError): exec: "/app/server": no such file)',
      /Fix the command\/args of container app/,
    ],
  ])('%s: %s', (analyzer, text, step) => {
    const e = referenceExplanation(
      analyzer,
      { kind: 'Pod', name: 'p1', namespace: NS },
      text,
    );
    expect(e?.steps.join('\n') ?? '').toMatch(step);
  });

  it('names the quota as the likely cause of a refused ReplicaSet', () => {
    const e = referenceExplanation(
      'ReplicaFailures',
      { kind: 'ReplicaSet', name: 'web', namespace: NS },
      `ReplicaSet shop/web has 1 of 3 pods: it cannot create the others (FailedCreate): ${QUOTA}`,
    );
    expect(e?.likelyCause).toMatch(/ResourceQuota of the namespace is used up/);
  });

  it('has one entry per failure class, each with its analyzer', () => {
    expect(
      CONTAINER_REMEDIATIONS.map(e => `${e.analyzer}/${e.id}`).sort(),
    ).toEqual([
      'ContainerStates/init-container-fails',
      'ContainerStates/runtime-start-error',
      'Probes/liveness-restarts',
      'Probes/probe-not-ready',
      'ReplicaFailures/replicaset-partly-created',
    ]);
  });
});
