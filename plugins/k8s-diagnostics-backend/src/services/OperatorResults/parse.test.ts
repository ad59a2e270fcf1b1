import { parseOperatorResult } from './parse';

/** A Result as k8sgpt-operator v0.2.0 writes it (see scripts/seed/k8sgpt-operator/results.yaml). */
const result = (
  spec: Record<string, unknown>,
  name = 'shoppayments7d9f8cx2x9z',
) => ({
  apiVersion: 'core.k8sgpt.ai/v1alpha1',
  kind: 'Result',
  metadata: {
    name,
    namespace: 'k8sgpt-operator-system',
    labels: { 'k8sgpts.k8sgpt.ai/name': 'k8sgpt-shop' },
  },
  spec: { backend: 'openai', details: '', parentObject: '', ...spec },
});

describe('parseOperatorResult', () => {
  it('maps a Pod result to the pod, with its failure texts and sensitive strings', () => {
    const r = parseOperatorResult(
      result({
        kind: 'Pod',
        name: 'shop/payments-7d9f8c-x2x9z',
        error: [
          {
            text: 'the last termination reason is Error container=payments pod=payments-7d9f8c-x2x9z',
            sensitive: [{ unmasked: 'payments-7d9f8c-x2x9z', masked: 'eHh4' }],
          },
        ],
      }),
    );
    expect(r).toEqual({
      resultRef: 'k8sgpt-operator-system/shoppayments7d9f8cx2x9z',
      analyzer: 'Pod',
      object: { kind: 'Pod', namespace: 'shop', name: 'payments-7d9f8c-x2x9z' },
      texts: [
        'the last termination reason is Error container=payments pod=payments-7d9f8c-x2x9z',
      ],
      sensitive: ['payments-7d9f8c-x2x9z'],
      details: '',
    });
  });

  it.each([
    [
      'Pod',
      'shop/payments-7d9f8c-x2x9z/payments',
      'Log',
      { kind: 'Pod', namespace: 'shop', name: 'payments-7d9f8c-x2x9z' },
    ],
    [
      'Security/ServiceAccount',
      'shop/default',
      'Security',
      { kind: 'ServiceAccount', namespace: 'shop', name: 'default' },
    ],
    [
      'Storage/PersistentVolumeClaim',
      'shop/orders-data',
      'Storage',
      { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'orders-data' },
    ],
    ['Node', 'kwok-node-0', 'Node', { kind: 'Node', name: 'kwok-node-0' }],
    [
      'FooWidget',
      'shop/w1',
      'FooWidget',
      { kind: 'FooWidget', namespace: 'shop', name: 'w1' },
    ],
  ])('reads kind %s name %s as analyzer %s', (kind, name, analyzer, object) => {
    const r = parseOperatorResult(
      result({ kind, name, error: [{ text: 'broken' }] }),
    );
    expect(r).toMatchObject({ analyzer, object });
  });

  it('keeps a parentObject the operator filled in, in the object namespace', () => {
    const r = parseOperatorResult(
      result({
        kind: 'Pod',
        name: 'shop/p-1',
        error: [{ text: 'x' }],
        parentObject: 'Deployment/payments',
      }),
    );
    expect(r).toMatchObject({
      parentObject: { kind: 'Deployment', name: 'payments', namespace: 'shop' },
    });
    const empty = parseOperatorResult(
      result({
        kind: 'Pod',
        name: 'shop/p-1',
        error: [{ text: 'x' }],
        parentObject: 'not a ref',
      }),
    );
    expect(empty).not.toHaveProperty('parentObject');
  });

  it.each([
    [
      'null',
      null,
      /Result \(unnamed\) skipped: the object: .*expected object, received null/,
    ],
    ['a string', 'Result', /Result \(unnamed\) skipped/],
    [
      'a Result without spec',
      { metadata: { name: 'r1', namespace: 'ops' } },
      /Result ops\/r1 skipped: spec: .*expected object/,
    ],
    [
      'spec.kind as a number',
      result({ kind: 7, name: 'shop/a', error: [{ text: 'x' }] }),
      /spec\.kind: .*expected string/,
    ],
    [
      'spec.name missing',
      result({ kind: 'Pod', error: [{ text: 'x' }] }),
      /spec\.name: .*expected string/,
    ],
    [
      'spec.error as a string',
      result({ kind: 'Pod', name: 'shop/a', error: 'boom' }),
      /spec\.error: .*expected array/,
    ],
    [
      'a text that is a number',
      result({ kind: 'Pod', name: 'shop/a', error: [{ text: 42 }] }),
      /spec\.error\.0\.text/,
    ],
    [
      'an unknown kind shape',
      result({ kind: 'pod; rm -rf', name: 'shop/a', error: [{ text: 'x' }] }),
      /spec\.kind 'pod; rm -rf' is not a Kubernetes kind/,
    ],
    [
      'a three-part kind',
      result({ kind: 'A/B/C', name: 'shop/a', error: [{ text: 'x' }] }),
      /spec\.kind 'A\/B\/C' is not a Kubernetes kind/,
    ],
    [
      'a namespaced kind without namespace',
      result({ kind: 'Deployment', name: 'payments', error: [{ text: 'x' }] }),
      /spec\.name 'payments' has no namespace, but Deployment is namespaced/,
    ],
    [
      'a name with empty parts',
      result({ kind: 'Deployment', name: 'shop//x', error: [{ text: 'x' }] }),
      /spec\.name 'shop\/\/x' is not 'namespace\/name'/,
    ],
    [
      'container part on a non-Pod',
      result({ kind: 'Service', name: 'shop/a/b', error: [{ text: 'x' }] }),
      /spec\.name 'shop\/a\/b' is not/,
    ],
    [
      'no failure text',
      result({
        kind: 'Pod',
        name: 'shop/a',
        error: [{ sensitive: [] }, { text: '  ' }],
      }),
      /spec\.error has no failure text/,
    ],
  ])(
    'skips %s with a message naming the Result and the problem',
    (_what, raw, message) => {
      const r = parseOperatorResult(raw);
      expect(typeof r).toBe('string');
      expect(r).toMatch(message);
    },
  );
});
