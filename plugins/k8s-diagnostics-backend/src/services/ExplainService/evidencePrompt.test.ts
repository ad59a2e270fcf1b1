import { buildEvidence } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { maskerFor } from './explainMasker';
import { evidenceNames, maskedEvidence } from './evidencePrompt';
import { StoredFinding } from '../FindingsStore';

const finding: StoredFinding = {
  id: 'f1',
  cluster: 'prod-eu',
  analyzer: 'Pod',
  object: {
    kind: 'Pod',
    namespace: 'payments-ns',
    name: 'ledger-7d9f8c-x2x9z',
  },
  ownerChain: [
    { kind: 'ReplicaSet', namespace: 'payments-ns', name: 'ledger-7d9f8c' },
    { kind: 'Deployment', namespace: 'payments-ns', name: 'ledger' },
  ],
  workload: { kind: 'Deployment', namespace: 'payments-ns', name: 'ledger' },
  severity: 'high',
  failures: [
    { text: 'configmap "ledger-settings" not found', severity: 'high' },
  ],
  events: [],
  firstSeen: '2026-12-04T10:00:00Z',
  lastSeen: '2026-12-04T10:05:00Z',
  sensitive: [],
};

const evidence = buildEvidence({
  pod: {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ledger-7d9f8c-x2x9z', namespace: 'payments-ns' },
    spec: {
      nodeName: 'worker-17',
      serviceAccountName: 'ledger-writer',
      containers: [
        {
          name: 'ledger-api',
          image: 'registry.acme-corp.com/fin/ledger:2.4',
          args: ['--db-password', 'hunter2hunter2'],
          resources: { limits: { memory: '64Mi' } },
          readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
        },
      ],
    },
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'ledger-api',
          restartCount: 0,
          state: {
            waiting: {
              reason: 'CreateContainerConfigError',
              message: 'configmap "ledger-settings" not found',
            },
          },
        },
      ],
    },
  },
  logs: [
    {
      container: 'ledger-api',
      previous: false,
      truncated: false,
      lines: [
        'connecting to db.acme-corp.com as ops@acme-corp.com',
        'token=ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      ],
    },
  ],
  ownerChain: finding.ownerChain,
});

describe('maskedEvidence', () => {
  it('keeps the facts and masks every identifier, host, e-mail, private image and secret', () => {
    const masker = maskerFor(
      finding,
      'component:default/ledger',
      [],
      evidenceNames(evidence),
    );
    const text = JSON.stringify(
      maskedEvidence(evidence, masker, {
        maxInputBytes: 16_384,
        maxItemBytes: 2_048,
        logLines: 20,
      }),
    );
    for (const fact of [
      '"memory":"64Mi"',
      '"path":"/ready"',
      'CreateContainerConfigError',
      '"kind":"ConfigMap"',
    ])
      expect(text).toContain(fact);
    for (const id of [
      'ledger',
      'payments-ns',
      'worker-17',
      'acme-corp',
      'ops@',
      'hunter2hunter2',
      'ghp_abc',
    ])
      expect(text).not.toContain(id);
    expect(text).toMatch(
      /"missingReferences":\[\{"kind":"ConfigMap","name":"NAME_\d+"/,
    );
    expect(text).toMatch(/IMAGE_\d+:2\.4/);
  });

  it('sends no log line with logLines 0, and fits half of maxInputBytes or is left out', () => {
    const masker = maskerFor(
      finding,
      'component:default/ledger',
      [],
      evidenceNames(evidence),
    );
    expect(
      JSON.stringify(
        maskedEvidence(evidence, masker, {
          maxInputBytes: 16_384,
          maxItemBytes: 2_048,
          logLines: 0,
        }),
      ),
    ).not.toContain('lastLines');
    const long = {
      ...evidence,
      logs: [
        {
          ...evidence.logs[0],
          lines: Array.from(
            { length: 500 },
            (_, i) => `line ${i} ${'x'.repeat(100)}`,
          ),
        },
      ],
    };
    const out = maskedEvidence(long, masker, {
      maxInputBytes: 4_096,
      maxItemBytes: 256,
      logLines: 200,
    });
    expect(Buffer.byteLength(JSON.stringify(out, null, 2))).toBeLessThanOrEqual(
      2_048,
    );
    expect(JSON.stringify(out)).toContain('line 499');
  });
});
