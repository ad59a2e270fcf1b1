import { buildEvidence } from './evidence';
import { evidenceFacts } from './evidenceFacts';
import { evidenceRemediation } from './evidenceRemediation';
import { pod } from './__testUtils__/evidencePods';
import { KubeObject } from './model';

const NOW = new Date('2026-12-01T10:10:00Z');

const warning = (
  reason: string,
  message: string,
  at = '2026-12-01T10:09:00Z',
) => ({ type: 'Warning', reason, message, count: 3, lastTimestamp: at });

describe('buildEvidence, evidenceFacts and evidenceRemediation', () => {
  const cases: Array<{
    name: string;
    pod: KubeObject;
    events?: ReturnType<typeof warning>[];
    logs?: Array<{
      container: string;
      previous: boolean;
      lines: string[];
      truncated: boolean;
    }>;
    failing?: string;
    facts: RegExp[];
    cause?: RegExp;
    step?: RegExp;
  }> = [
    {
      name: 'exit 137 under a memory limit without OOMKilled: says it may be an unreported OOM kill',
      pod: pod(
        'oom-unreported',
        { resources: { limits: { memory: '32Mi' } } },
        {
          restartCount: 8,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' },
          },
          lastState: {
            terminated: {
              exitCode: 137,
              reason: 'Error',
              finishedAt: '2026-12-01T10:08:00Z',
            },
          },
        },
      ),
      failing: 'app',
      facts: [
        /last exited with exit code 137 \(Error, SIGKILL\)/,
        /was killed \(exit code 137, SIGKILL\) under limits.memory 32Mi without the reason OOMKilled: this may be a kill for memory that the container runtime did not report/,
      ],
      cause: /container app exited with exit code 137 \(Error, SIGKILL\)/,
      step: /most likely killed for memory without the runtime saying OOMKilled; raise the limit/,
    },
    {
      name: 'OOMKilled: the limit, the exit code and the restarts',
      pod: pod(
        'oom',
        {
          resources: {
            limits: { memory: '50Mi' },
            requests: { memory: '20Mi' },
          },
          command: ['sh', '-c'],
          args: ['allocate'],
        },
        {
          restartCount: 6,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' },
          },
          lastState: {
            terminated: {
              exitCode: 137,
              reason: 'OOMKilled',
              finishedAt: '2026-12-01T10:08:00Z',
            },
          },
        },
      ),
      failing: 'app',
      facts: [
        /container app resources: limits.memory 50Mi, requests.memory 20Mi/,
        /last exited with exit code 137 \(OOMKilled, SIGKILL\)/,
        /restarted 6 times in 10 min/,
        /with command sh -c allocate/,
      ],
      cause:
        /^limit 50Mi, killed 6 times in 10 min: container app uses more memory/,
      step: /Raise resources.limits.memory of container app above 50Mi/,
    },
    {
      name: 'a crash: the exit code and the last log line of the previous instance',
      pod: pod(
        'crash',
        {},
        {
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ),
      logs: [
        {
          container: 'app',
          previous: true,
          lines: ['starting', 'ERROR: cannot connect to database', ''],
          truncated: false,
        },
      ],
      failing: 'app',
      facts: [
        /last exited with exit code 1 \(Error\)/,
        /last log line of container app \(previous instance\): ERROR: cannot connect to database/,
        /sets no resources/,
      ],
      cause:
        /exited with exit code 1 \(Error\), restarted 4 times in 10 min; its last log line: ERROR: cannot connect to database/,
    },
    {
      name: 'a missing ConfigMap named by the kubelet',
      pod: pod(
        'cfg',
        {},
        {
          state: {
            waiting: {
              reason: 'CreateContainerConfigError',
              message: 'configmap "app-config" not found',
            },
          },
        },
        { phase: 'Pending' },
      ),
      failing: 'app',
      facts: [
        /ConfigMap app-config does not exist in namespace shop/,
        /is waiting \(CreateContainerConfigError\): configmap "app-config" not found/,
      ],
      cause:
        /refers to ConfigMap app-config, which does not exist in namespace shop/,
      step: /Create ConfigMap app-config in namespace shop/,
    },
    {
      name: 'a missing Secret key named by the kubelet',
      pod: pod(
        'key',
        {},
        {
          state: {
            waiting: {
              reason: 'CreateContainerConfigError',
              message: "couldn't find key password in Secret shop/db",
            },
          },
        },
        { phase: 'Pending' },
      ),
      failing: 'app',
      facts: [/key password is missing from Secret db/],
      step: /Add key password to Secret db/,
    },
    {
      name: 'a liveness probe: path, port and the status code of the Unhealthy event',
      pod: pod(
        'live',
        {
          livenessProbe: {
            httpGet: { path: '/healthz', port: 8080 },
            periodSeconds: 2,
            failureThreshold: 1,
          },
        },
        {
          restartCount: 5,
          state: { running: { startedAt: '2026-12-01T10:09:00Z' } },
          lastState: { terminated: { exitCode: 137, reason: 'Error' } },
        },
      ),
      events: [
        warning(
          'Unhealthy',
          'Liveness probe failed: HTTP probe failed with statuscode: 404',
        ),
      ],
      failing: 'app',
      facts: [
        /liveness probe: httpGet :8080\/healthz every 2s, 1 failures allowed/,
        /probe event: Liveness probe failed: HTTP probe failed with statuscode: 404/,
      ],
      cause:
        /liveness probe of container app \(httpGet :8080\/healthz\) fails: .*statuscode: 404, restarted 5 times/,
      step: /Make \/healthz on port 8080 answer 2xx/,
    },
    {
      name: 'a readiness probe that never passes',
      pod: pod(
        'ready',
        { readinessProbe: { httpGet: { path: '/ready', port: 'http' } } },
        { state: { running: {} } },
      ),
      events: [
        warning(
          'Unhealthy',
          'Readiness probe failed: HTTP probe failed with statuscode: 503',
        ),
      ],
      failing: 'app',
      facts: [/readiness probe: httpGet :http\/ready/],
      cause: /readiness probe of container app \(httpGet :http\/ready\) fails/,
    },
    {
      name: 'an init container fails before the others start',
      pod: pod(
        'init',
        {},
        { state: { waiting: { reason: 'PodInitializing' } } },
        {
          phase: 'Pending',
          init: { command: ['sh', '-c', 'exit 2'] },
          initStatus: {
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: {
              terminated: {
                exitCode: 2,
                reason: 'Error',
                message: 'migration 42 failed',
              },
            },
          },
        },
      ),
      failing: 'migrate',
      facts: [
        /init container migrate last exited with exit code 2 \(Error\): migration 42 failed/,
      ],
      cause:
        /init container migrate exited with exit code 2 \(Error\), restarted 3 times in 10 min; termination message: migration 42 failed/,
    },
    {
      name: 'an image that cannot be pulled',
      pod: pod(
        'pull',
        { image: 'registry.shop.internal/shop/cart:9' },
        {
          state: {
            waiting: {
              reason: 'ImagePullBackOff',
              message: 'Back-off pulling image',
            },
          },
        },
        { phase: 'Pending' },
      ),
      failing: 'app',
      facts: [/runs image registry.shop.internal\/shop\/cart:9/],
      cause: /cannot pull image registry.shop.internal\/shop\/cart:9/,
    },
    {
      name: 'a healthy pod: no failing container, no cause',
      pod: pod('ok', {}, { ready: true, state: { running: {} } }),
      facts: [],
    },
  ];

  it.each(cases)('$name', c => {
    const e = buildEvidence({
      pod: c.pod,
      events: c.events,
      logs: c.logs,
      ownerChain: [{ kind: 'Deployment', name: 'x', namespace: 'shop' }],
    });
    expect(e.failingContainer).toBe(c.failing);
    expect(e.containers[0]?.name).toBe(c.failing ?? e.containers[0]?.name);
    const facts = evidenceFacts(e, NOW).join('\n');
    for (const f of c.facts) expect(facts).toMatch(f);
    const r = evidenceRemediation(e, NOW);
    expect(r?.cause ?? '').toMatch(c.cause ?? /.*/);
    expect(r?.steps.join('\n') ?? '').toMatch(c.step ?? /.*/);
    // a cause where the case expects one, none where it expects neither
    expect(r === undefined).toBe(!c.cause && !c.step);
  });

  it('keeps warning events only, newest first, each message once, at most maxEvents', () => {
    const e = buildEvidence({
      events: [
        { type: 'Normal', reason: 'Pulled', message: 'ok', count: 1 },
        warning('BackOff', 'back-off', '2026-12-01T10:01:00Z'),
        warning('BackOff', 'back-off', '2026-12-01T10:02:00Z'),
        warning('Failed', 'failed', '2026-12-01T10:05:00Z'),
      ],
      maxEvents: 5,
    });
    expect(e.warningEvents.map(x => x.reason)).toEqual(['Failed', 'BackOff']);
    expect(
      buildEvidence({
        events: [warning('A', 'a'), warning('B', 'b')],
        maxEvents: 1,
      }).warningEvents,
    ).toHaveLength(1);
  });

  it('reads Event objects as the API returns them', () => {
    const e = buildEvidence({
      events: [
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'e' },
          type: 'Warning',
          reason: 'FailedMount',
          message: 'secret "tls" not found',
          count: 2,
        },
      ],
    });
    expect(e.warningEvents).toEqual([
      {
        type: 'Warning',
        reason: 'FailedMount',
        message: 'secret "tls" not found',
        count: 2,
      },
    ]);
    expect(e.missingReferences).toEqual([{ kind: 'Secret', name: 'tls' }]);
  });
});
