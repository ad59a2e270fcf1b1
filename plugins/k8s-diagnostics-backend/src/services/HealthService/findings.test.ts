import { createSnapshot } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { maskerFor } from '../ExplainService/explainMasker';
import { toFindings } from './findings';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'billing',
    namespace: 'shop',
    uid: 'd1',
    labels: { app: 'billing' },
  },
  spec: {
    template: {
      spec: {
        containers: [
          {
            name: 'app',
            env: [
              {
                name: 'DATABASE_URL',
                value:
                  'postgres://billing:hunter2-prod@db.internal:5432/billing',
              },
              { name: 'FEATURE_X', value: 'on' },
              {
                name: 'API_KEY',
                valueFrom: {
                  secretKeyRef: { name: 'billing', key: 'api-key' },
                },
              },
            ],
          },
        ],
        initContainers: [
          {
            name: 'migrate',
            env: [{ name: 'VENDOR_TOKEN', value: 'vendor-9f8e7d6c' }],
          },
        ],
      },
    },
  },
} as any;

const result = {
  analyzer: 'Deployment',
  kind: 'Deployment',
  name: 'shop/billing',
  object: { kind: 'Deployment', name: 'billing', namespace: 'shop' },
  failures: [
    {
      text: 'Deployment shop/billing has 1 replicas but 0 are available',
      severity: 'high' as const,
    },
  ],
  events: [],
  sensitive: [],
  severity: 'high' as const,
} as any;

describe('toFindings masking hints', () => {
  it('carry the literal env values of the workload, which Explain masks as exact strings', () => {
    const [finding] = toFindings('c1', createSnapshot([deployment]), [result]);
    expect(finding.sensitive).toEqual(
      expect.arrayContaining([
        'postgres://billing:hunter2-prod@db.internal:5432/billing',
        'vendor-9f8e7d6c',
      ]),
    );
    expect(finding.sensitive).not.toContain('on'); // too short to mask usefully
    const masker = maskerFor(
      { ...finding, firstSeen: '', lastSeen: '' } as any,
      'component:default/billing',
    );
    const text = masker.mask(
      'connecting with postgres://billing:hunter2-prod@db.internal:5432/billing failed; token vendor-9f8e7d6c',
    );
    expect(text).not.toMatch(/hunter2-prod|vendor-9f8e7d6c|db\.internal/);
  });
});
