import {
  buildEvidence,
  HealthFinding,
  RelatedEvent,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { catalogExplanation } from './remediationCatalog';

const pod = { kind: 'Pod', namespace: 'shop', name: 'payments-7d9f8c-x2x9z' };
const deployment = { kind: 'Deployment', namespace: 'shop', name: 'payments' };
const backOff: RelatedEvent = {
  type: 'Warning',
  reason: 'BackOff',
  message: 'Back-off restarting failed container payments',
  count: 7,
};

function finding(
  analyzer: string,
  texts: string[],
  events: RelatedEvent[] = [],
): HealthFinding {
  return {
    id: 'f1',
    cluster: 'local',
    analyzer,
    object: pod,
    ownerChain: [
      { kind: 'ReplicaSet', namespace: 'shop', name: 'payments-7d9f8c' },
      deployment,
    ],
    workload: deployment,
    severity: 'medium',
    failures: texts.map(text => ({ text, severity: 'medium' as const })),
    events,
    firstSeen: '2026-12-04T10:00:00Z',
    lastSeen: '2026-12-04T10:05:00Z',
  };
}

describe('catalogExplanation for the Log analyzer', () => {
  it.each([
    [
      'x509: certificate has expired or is not yet valid: current time 2026-12-04',
      /TLS certificate error/,
    ],
    ['Error: connect ECONNREFUSED 10.96.12.4:5432', /cannot reach a service/],
    [
      'dial tcp: lookup orders-db on 10.96.0.10:53: no such host',
      /cannot reach a service/,
    ],
    ['FATAL: password authentication failed for user "app"', /refused access/],
    [
      'java.lang.OutOfMemoryError: Java heap space',
      /runs out of memory inside the process/,
    ],
    [
      "Error: ENOENT: no such file or directory, open '/etc/payments/config.yaml'",
      /misses a file or setting/,
    ],
  ])('explains %j by its pattern, with the real names', (line, summary) => {
    const e = catalogExplanation(finding('Log', [line]));
    expect(e.summary).toMatch(summary);
    expect(e.summary).toContain('Pod payments-7d9f8c-x2x9z');
    expect(e.commands[0]).toBe(
      'kubectl logs -n shop payments-7d9f8c-x2x9z --all-containers --tail=100',
    );
  });

  it('prefers the log line over the BackOff events every crashing container has', () => {
    const e = catalogExplanation(
      finding(
        'Log',
        [
          'previous container logs: dial tcp 10.0.0.7:6379: connect: connection refused',
        ],
        [backOff],
      ),
    );
    expect(e.summary).toMatch(/cannot reach a service/);
  });

  it('says when the logs could not be read, and points at the pod findings', () => {
    const e = catalogExplanation(
      finding('Log', [
        'Error container "payments" in pod "payments-7d9f8c-x2x9z" is waiting to start: ContainerCreating from Pod payments-7d9f8c-x2x9z',
      ]),
    );
    expect(e.summary).toMatch(/could not be read/);
    expect(e.commands).toContain(
      'kubectl describe pod -n shop payments-7d9f8c-x2x9z',
    );
  });

  it('falls back to a log-specific explanation, quoting the line, when no pattern matches', () => {
    const e = catalogExplanation(
      finding('Log', ['level=error msg="order 1234 rejected: total mismatch"']),
    );
    expect(e.summary).toBe(
      'A container of Pod payments-7d9f8c-x2x9z logs an error: level=error msg="order 1234 rejected: total mismatch"',
    );
    expect(e.commands).toContain(
      'kubectl logs -n shop payments-7d9f8c-x2x9z --all-containers --previous --tail=100',
    );
  });

  it('does not take a pod finding for a log pattern: the Pod analyzer keeps its own entries', () => {
    const e = catalogExplanation(
      finding(
        'Pod',
        [
          'the last termination reason is Error container=payments pod=payments-7d9f8c-x2x9z',
        ],
        [backOff],
      ),
    );
    expect(e.summary).toMatch(/CrashLoopBackOff/);
  });

  it('gives a generic explanation for an empty failure list instead of failing', () => {
    const e = catalogExplanation(finding('Log', []));
    expect(e.summary).toBe(
      'A container of Pod payments-7d9f8c-x2x9z logs an error.',
    );
    expect(e.commands.length).toBeGreaterThan(0);
  });
});

describe('catalogExplanation for the reference checks', () => {
  it('explains a missing ConfigMap with its name and namespace, before any generic entry', () => {
    const e = catalogExplanation({
      ...finding('References', [
        'ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container app)',
      ]),
      object: deployment,
      ownerChain: [],
    });
    expect(e.summary).toContain('app-config');
    expect(e.summary).not.toMatch(/^The References analyzer reports a problem/);
    expect(e.commands.join('\n')).toContain('-n shop');
  });

  it('explains a Job at its backoff limit with the exit code and log line of its last pod (JobFailures)', () => {
    const e = catalogExplanation({
      ...finding('JobFailures', [
        'Job shop/report reached its backoff limit: container main of its last failed pod report-x7k2p exited with code 3 (Error); last log line: ERROR: upload failed: 403 Forbidden',
      ]),
      object: { kind: 'Job', namespace: 'shop', name: 'report' },
      ownerChain: [],
    });
    expect(e.summary).toBe(
      'Job report gave up after its backoff limit: container main of its last pod report-x7k2p exited with code 3 (Error); its last log line: ERROR: upload failed: 403 Forbidden.',
    );
    expect(e.steps[0]).toMatch(
      /^Exit code 3: read the last log line "ERROR: upload failed: 403 Forbidden"/,
    );
    expect(e.commands).toContain(
      'kubectl logs -n shop report-x7k2p -c main --tail=100',
    );
  });

  it('falls back to the generic explanation for a reference text it does not know', () => {
    const e = catalogExplanation(finding('References', ['something new']));
    expect(e.summary).toMatch(/^The References analyzer reports a problem/);
  });
});

describe('catalogExplanation with the evidence', () => {
  const oomPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: 'shop',
      creationTimestamp: '2026-12-04T10:00:00Z',
    },
    spec: {
      containers: [
        {
          name: 'payments',
          image: 'periscope/payments:3.1.0',
          resources: { limits: { memory: '50Mi' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'payments',
          ready: false,
          restartCount: 6,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
        },
      ],
    },
  };

  it('names the limit, the kills and the container to change, before the generic advice', () => {
    const evidence = buildEvidence({ pod: oomPod });
    const e = catalogExplanation(
      finding('Pod', [
        'the last termination reason is OOMKilled container=payments pod=payments-7d9f8c-x2x9z',
      ]),
      evidence,
      new Date('2026-12-04T10:10:00Z'),
    );
    expect(e.likelyCause).toMatch(
      /^Limit 50Mi, killed 6 times in 10 min: container payments uses more memory than it may\. /,
    );
    expect(e.steps[0]).toBe(
      "Raise resources.limits.memory of container payments above 50Mi (and resources.requests.memory with it), or lower the process's memory use",
    );
    expect(e.commands.length).toBeGreaterThan(0);
  });

  it('is the catalog entry alone when the evidence names no cause', () => {
    const plain = catalogExplanation(
      finding('Pod', [
        'the last termination reason is OOMKilled container=payments pod=payments-7d9f8c-x2x9z',
      ]),
    );
    expect(
      catalogExplanation(
        finding('Pod', [
          'the last termination reason is OOMKilled container=payments pod=payments-7d9f8c-x2x9z',
        ]),
        buildEvidence({}),
      ),
    ).toEqual(plain);
  });
});
