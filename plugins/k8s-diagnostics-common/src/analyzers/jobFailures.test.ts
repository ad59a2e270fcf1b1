/**
 * Periscope's JobFailures, table-driven: a Job at BackoffLimitExceeded with its last failed pod
 * (with and without logs, exit codes, init containers, previous instances, no pod left), and a
 * Job whose controller reports FailedCreate (a missing ServiceAccount, a quota, stale events).
 */
import { analyze } from '../analyze';
import { ClusterSnapshot, KubeObject } from '../model';
import { createSnapshot } from '../snapshot';
import { REFERENCE_REMEDIATIONS, referenceExplanation } from '../remediation';

const NS = 'batch';
const UID = 'job-uid-1';

const job = (status: object, extra: { uid?: string } = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: 'report',
    namespace: NS,
    uid: extra.uid ?? UID,
    creationTimestamp: '2026-01-01T10:00:00Z',
  },
  spec: { backoffLimit: 1 },
  status,
});
const failedJob = (extra: object = {}) =>
  job({
    failed: 2,
    conditions: [
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ],
    ...extra,
  });

type Term = {
  exitCode: number;
  reason?: string;
  message?: string;
  finishedAt?: string;
};
const pod = (
  name: string,
  created: string,
  statuses: {
    containers?: object[];
    init?: object[];
    phase?: string;
    reason?: string;
    message?: string;
  },
  owner: 'ref' | 'label' | 'other' = 'ref',
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: NS,
    creationTimestamp: created,
    ...(owner === 'ref'
      ? {
          ownerReferences: [
            { kind: 'Job', name: 'report', uid: UID, controller: true },
          ],
        }
      : {}),
    ...(owner === 'other'
      ? {
          ownerReferences: [
            {
              kind: 'Job',
              name: 'report',
              uid: 'an-earlier-job',
              controller: true,
            },
          ],
        }
      : {}),
    labels: { 'batch.kubernetes.io/job-name': 'report' },
  },
  spec: { containers: [{ name: 'main' }] },
  status: {
    phase: statuses.phase ?? 'Failed',
    ...(statuses.reason
      ? { reason: statuses.reason, message: statuses.message }
      : {}),
    ...(statuses.init ? { initContainerStatuses: statuses.init } : {}),
    containerStatuses: statuses.containers ?? [],
  },
});
const terminated = (t: Term, name = 'main') => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: t },
});
const restarted = (t: Term, name = 'main') => ({
  name,
  ready: false,
  restartCount: 2,
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: { terminated: t },
});
const event = (
  reason: string,
  message: string,
  time: string,
  extra: { uid?: string; kind?: string } = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `report.${time}`, namespace: NS },
  involvedObject: {
    kind: extra.kind ?? 'Job',
    name: 'report',
    namespace: NS,
    ...(extra.uid ? { uid: extra.uid } : {}),
  },
  reason,
  message,
  type: 'Warning',
  lastTimestamp: time,
});

function texts(
  objects: KubeObject[],
  extras: Partial<ClusterSnapshot> = {},
): string[] {
  const report = analyze(
    { ...createSnapshot(objects), ...extras },
    { filters: ['JobFailures'], maskSeed: 't' },
  );
  expect(report.errors).toEqual([]);
  return report.results.flatMap(r =>
    r.failures.map(f => `${r.kind} ${r.name}: [${f.severity}] ${f.text}`),
  );
}

const HEAD =
  'Job batch/report: [high] Job batch/report reached its backoff limit';
const LOGS = {
  'batch/report-b/main':
    'exporting report\nERROR: upload failed: 403 Forbidden\n\n',
};

describe('JobFailures: BackoffLimitExceeded with the last failed pod', () => {
  const podA = pod('report-a', '2026-01-01T10:00:01Z', {
    containers: [
      terminated({
        exitCode: 3,
        reason: 'Error',
        finishedAt: '2026-01-01T10:00:05Z',
      }),
    ],
  });
  const podB = pod('report-b', '2026-01-01T10:00:10Z', {
    containers: [
      terminated({
        exitCode: 3,
        reason: 'Error',
        finishedAt: '2026-01-01T10:00:15Z',
      }),
    ],
  });

  it.each<[string, KubeObject[], Partial<ClusterSnapshot>, string[]]>([
    [
      'exit code and last log line of the newest failed pod',
      [failedJob(), podA, podB],
      { logs: LOGS },
      [
        `${HEAD}: container main of its last failed pod report-b exited with code 3 (Error); last log line: ERROR: upload failed: 403 Forbidden`,
      ],
    ],
    [
      'no logs in the snapshot: exit code and reason only',
      [failedJob(), podB, podA],
      {},
      [
        `${HEAD}: container main of its last failed pod report-b exited with code 3 (Error)`,
      ],
    ],
    [
      'logs of another pod only: not taken for this one',
      [failedJob(), podA, podB],
      { logs: { 'batch/report-a/main': 'older run' } },
      [
        `${HEAD}: container main of its last failed pod report-b exited with code 3 (Error)`,
      ],
    ],
    [
      'empty logs, a termination message: the message',
      [
        failedJob(),
        pod('report-c', '2026-01-01T10:00:10Z', {
          containers: [
            terminated({
              exitCode: 2,
              reason: 'Error',
              message: 'config invalid: missing key "url"\n',
            }),
          ],
        }),
      ],
      { logs: { 'batch/report-c/main': '\n  \n' } },
      [
        `${HEAD}: container main of its last failed pod report-c exited with code 2 (Error); termination message: config invalid: missing key "url"`,
      ],
    ],
    [
      'OOMKilled, exit 137',
      [
        failedJob(),
        pod('report-d', '2026-01-01T10:00:10Z', {
          containers: [terminated({ exitCode: 137, reason: 'OOMKilled' })],
        }),
      ],
      {},
      [
        `${HEAD}: container main of its last failed pod report-d exited with code 137 (OOMKilled)`,
      ],
    ],
    [
      'restartPolicy OnFailure: the previous instance and its previous logs',
      [
        failedJob(),
        pod('report-e', '2026-01-01T10:00:10Z', {
          phase: 'Running',
          containers: [restarted({ exitCode: 127, reason: 'Error' })],
        }),
      ],
      {
        logs: { 'batch/report-e/main': '' },
        previousLogs: { 'batch/report-e/main': 'sh: report-tool: not found\n' },
      },
      [
        `${HEAD}: container main of its last failed pod report-e exited with code 127 (Error); last log line: sh: report-tool: not found`,
      ],
    ],
    [
      'an init container that failed',
      [
        failedJob(),
        pod('report-f', '2026-01-01T10:00:10Z', {
          init: [terminated({ exitCode: 1, reason: 'Error' }, 'fetch')],
          containers: [
            { name: 'main', state: { waiting: { reason: 'PodInitializing' } } },
          ],
        }),
      ],
      {
        logs: {
          'batch/report-f/fetch':
            'curl: (6) Could not resolve host: data.internal',
        },
      },
      [
        `${HEAD}: init container fetch of its last failed pod report-f exited with code 1 (Error); last log line: curl: (6) Could not resolve host: data.internal`,
      ],
    ],
    [
      'pods found by the job-name label when they carry no owner reference',
      [
        failedJob(),
        pod(
          'report-g',
          '2026-01-01T10:00:10Z',
          { containers: [terminated({ exitCode: 4 })] },
          'label',
        ),
      ],
      {},
      [
        `${HEAD}: container main of its last failed pod report-g exited with code 4`,
      ],
    ],
    [
      'an evicted pod (no container exit code): its reason',
      [
        failedJob(),
        pod('report-h', '2026-01-01T10:00:10Z', {
          reason: 'Evicted',
          message: 'The node was low on resource: memory.',
        }),
      ],
      {},
      [
        `${HEAD}: its last failed pod report-h failed: Evicted: The node was low on resource: memory.`,
      ],
    ],
    [
      'no pod left: nothing (the Job analyzer reports the Job)',
      [failedJob()],
      {},
      [],
    ],
    [
      "pods of an earlier Job of the same name: not this Job's",
      [
        failedJob(),
        pod(
          'report-i',
          '2026-01-01T09:00:00Z',
          { containers: [terminated({ exitCode: 3 })] },
          'other',
        ),
      ],
      {},
      [],
    ],
    [
      'the BackoffLimitExceeded event alone (no condition yet)',
      [
        job({ failed: 2 }),
        podB,
        event(
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
          '2026-01-01T10:00:16Z',
        ),
      ],
      { logs: LOGS },
      [
        `${HEAD}: container main of its last failed pod report-b exited with code 3 (Error); last log line: ERROR: upload failed: 403 Forbidden`,
      ],
    ],
    [
      'the event of an earlier Job of the same name: nothing',
      [
        job({ failed: 1 }),
        podB,
        event(
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
          '2026-01-01T09:00:00Z',
          { uid: 'an-earlier-job' },
        ),
      ],
      {},
      [],
    ],
    [
      'failed for another reason (DeadlineExceeded): nothing',
      [
        job({
          failed: 1,
          conditions: [
            { type: 'Failed', status: 'True', reason: 'DeadlineExceeded' },
          ],
        }),
        podB,
      ],
      {},
      [],
    ],
    [
      'a Job that completed after a failed pod: nothing',
      [
        job({
          failed: 1,
          succeeded: 1,
          conditions: [{ type: 'Complete', status: 'True' }],
        }),
        podA,
        event('BackoffLimitExceeded', 'x', '2026-01-01T10:00:16Z'),
      ],
      {},
      [],
    ],
  ])('%s', (_name, objects, extras, expected) => {
    expect(texts(objects, extras)).toEqual(expected);
  });

  it('caps a long log line', () => {
    const long = 'x'.repeat(400);
    const [text] = texts([failedJob(), podB], {
      logs: { 'batch/report-b/main': long },
    });
    expect(text).toContain(`last log line: ${'x'.repeat(300)}…`);
    expect(text).not.toContain('x'.repeat(301));
  });

  it('masks the Job, namespace and pod names for the AI', () => {
    const report = analyze(createSnapshot([failedJob(), podB]), {
      filters: ['JobFailures'],
      maskSeed: 't',
    });
    expect(
      report.results[0].failures[0].sensitive.map(s => s.unmasked),
    ).toEqual([NS, 'report', 'report-b']);
  });
});

const SA_MESSAGE =
  'Error creating: pods "report-" is forbidden: error looking up service account batch/uploader: serviceaccount "uploader" not found';
const QUOTA_MESSAGE =
  'Error creating: pods "report-x7k2p" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=3, limited: requests.cpu=4';

describe('JobFailures: FailedCreate', () => {
  it.each<[string, KubeObject[], string[]]>([
    [
      'a missing ServiceAccount',
      [
        job({ active: 0 }),
        event('FailedCreate', SA_MESSAGE, '2026-01-01T10:01:00Z'),
      ],
      [
        `Job batch/report: [high] Job batch/report cannot create its pods (FailedCreate): ${SA_MESSAGE}`,
      ],
    ],
    [
      'a quota: the newest message',
      [
        job({ active: 1 }),
        event('FailedCreate', QUOTA_MESSAGE, '2026-01-01T10:02:00Z'),
        event('FailedCreate', SA_MESSAGE, '2026-01-01T10:01:00Z'),
        pod('report-a', '2026-01-01T10:00:30Z', {
          phase: 'Running',
          containers: [{ name: 'main', ready: true }],
        }),
      ],
      [
        `Job batch/report: [high] Job batch/report cannot create its pods (FailedCreate): ${QUOTA_MESSAGE}`,
      ],
    ],
    [
      'a pod created after the latest refusal: the cause is gone',
      [
        job({ active: 1 }),
        event('FailedCreate', SA_MESSAGE, '2026-01-01T10:01:00Z'),
        pod('report-b', '2026-01-01T10:05:00Z', {
          phase: 'Running',
          containers: [{ name: 'main', ready: true }],
        }),
      ],
      [],
    ],
    [
      'a completed Job: nothing',
      [
        job({
          succeeded: 1,
          conditions: [{ type: 'Complete', status: 'True' }],
        }),
        event('FailedCreate', SA_MESSAGE, '2026-01-01T10:01:00Z'),
      ],
      [],
    ],
    [
      'an event of an earlier Job of the same name: nothing',
      [
        job({}),
        event('FailedCreate', SA_MESSAGE, '2026-01-01T09:01:00Z', {
          uid: 'an-earlier-job',
        }),
      ],
      [],
    ],
    [
      'an event about a Pod named like the Job: nothing',
      [
        job({}),
        event('FailedCreate', SA_MESSAGE, '2026-01-01T10:01:00Z', {
          kind: 'Pod',
        }),
      ],
      [],
    ],
    [
      'no FailedCreate event: nothing',
      [
        job({ active: 1 }),
        event(
          'SuccessfulCreate',
          'Created pod: report-a',
          '2026-01-01T10:01:00Z',
        ),
      ],
      [],
    ],
  ])('%s', (_name, objects, expected) => {
    expect(texts(objects)).toEqual(expected);
  });

  it('a Job both refused and at its backoff limit: both findings', () => {
    expect(
      texts([
        failedJob(),
        pod('report-a', '2026-01-01T10:00:01Z', {
          containers: [terminated({ exitCode: 3, reason: 'Error' })],
        }),
        event('FailedCreate', QUOTA_MESSAGE, '2026-01-01T10:02:00Z'),
      ]),
    ).toEqual([
      `Job batch/report: [high] Job batch/report cannot create its pods (FailedCreate): ${QUOTA_MESSAGE}`,
      `${HEAD}: container main of its last failed pod report-a exited with code 3 (Error)`,
    ]);
  });
});

describe('JobFailures remediation', () => {
  const explain = (text: string) =>
    referenceExplanation(
      'JobFailures',
      { kind: 'Job', name: 'report', namespace: NS },
      text,
    );

  it('names the log line and the exit code', () => {
    const e = explain(
      'Job batch/report reached its backoff limit: container main of its last failed pod report-b exited with code 3 (Error); last log line: ERROR: upload failed: 403 Forbidden',
    );
    expect(e?.summary).toBe(
      'Job report gave up after its backoff limit: container main of its last pod report-b exited with code 3 (Error); its last log line: ERROR: upload failed: 403 Forbidden.',
    );
    expect(e?.steps[0]).toBe(
      'Exit code 3: read the last log line "ERROR: upload failed: 403 Forbidden" and the lines before it, and fix its cause (configuration, credentials, a dependency, the input or the program).',
    );
    expect(e?.commands).toEqual([
      'kubectl logs -n batch report-b -c main --tail=100',
      'kubectl describe job -n batch report',
      'kubectl delete job -n batch report',
    ]);
  });

  it('tells the FailedCreate causes apart', () => {
    const head = 'Job batch/report cannot create its pods (FailedCreate): ';
    expect(explain(head + SA_MESSAGE)?.commands[0]).toBe(
      'kubectl create serviceaccount -n batch uploader',
    );
    expect(explain(head + QUOTA_MESSAGE)?.summary).toBe(
      'Job report cannot create its pods: they would exceed ResourceQuota compute (requested: requests.cpu=2, used: requests.cpu=3, limited: requests.cpu=4).',
    );
    expect(
      explain(
        `${head}Error creating: pods "report-x" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m]`,
      )?.summary,
    ).toBe(
      'Job report cannot create its pods: a LimitRange of the namespace refuses their resources (minimum cpu usage per Container is 100m, but request is 50m).',
    );
    expect(
      explain(
        `${head}Error creating: admission webhook "validate.kyverno.svc" denied the request: image tag latest is not allowed`,
      )?.summary,
    ).toBe(
      'Job report cannot create its pods: admission webhook validate.kyverno.svc denies them (image tag latest is not allowed).',
    );
    expect(
      explain(
        `${head}Error creating: pods "report-x" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true`,
      )?.summary,
    ).toBe(
      "Job report cannot create its pods: they violate the namespace's Pod Security level restricted:latest (runAsNonRoot != true).",
    );
    expect(explain(`${head}Error creating: something else`)?.summary).toBe(
      'Job report cannot create its pods: Error creating: something else',
    );
  });

  it('has an entry for every failure class, the most specific one first', () => {
    const head = 'Job batch/report cannot create its pods (FailedCreate): ';
    const backoff = 'Job batch/report reached its backoff limit: ';
    const cases: Array<[string, string]> = [
      [head + SA_MESSAGE, 'job-create-service-account'],
      [head + QUOTA_MESSAGE, 'job-create-quota'],
      [
        `${head}Error creating: pods "r" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi`,
        'job-create-limit-range',
      ],
      [
        `${head}Error creating: pods "r" is forbidden: violates PodSecurity "baseline:latest": privileged`,
        'job-create-pod-security',
      ],
      [
        `${head}Error creating: admission webhook "w" denied the request`,
        'job-create-admission-webhook',
      ],
      [`${head}Error creating: something else`, 'job-create-refused'],
      [
        `${backoff}container main of its last failed pod p exited with code 137 (OOMKilled)`,
        'job-backoff-oom',
      ],
      [
        `${backoff}container main of its last failed pod p exited with code 126 (Error)`,
        'job-backoff-command',
      ],
      [
        `${backoff}container main of its last failed pod p exited with code 1; termination message: boom`,
        'job-backoff-exit',
      ],
      [
        `${backoff}its last failed pod p failed: Evicted: low memory`,
        'job-backoff-pod-failed',
      ],
    ];
    for (const [text, id] of cases) {
      // as the backend's catalog passes it: every failure text of the finding, one a line
      const entry = REFERENCE_REMEDIATIONS.find(
        e =>
          e.analyzer === 'JobFailures' &&
          e.match.test(`other failure\n${text}\nmore`),
      );
      expect({ text, id: entry?.id }).toEqual({ text, id });
    }
    expect(cases.map(c => c[1]).sort()).toEqual(
      REFERENCE_REMEDIATIONS.filter(e => e.analyzer === 'JobFailures')
        .map(e => e.id)
        .sort(),
    );
  });

  it('an OOM kill and a missing command', () => {
    expect(
      explain(
        'Job batch/report reached its backoff limit: container main of its last failed pod report-d exited with code 137 (OOMKilled)',
      )?.steps[0],
    ).toMatch(/^Raise resources\.limits\.memory of container main/);
    expect(
      explain(
        'Job batch/report reached its backoff limit: container main of its last failed pod report-e exited with code 127 (Error); last log line: sh: report-tool: not found',
      )?.summary,
    ).toBe(
      'Job report gave up after its backoff limit: container main of its last pod report-e exited with code 127, the shell\'s "command not found" (sh: report-tool: not found).',
    );
  });
});
