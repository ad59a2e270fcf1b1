import {
  analyze,
  createSnapshot,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { DEFAULT_ANALYZERS } from '../../config';
import { shopObjects } from '../../__testUtils__/fixtures';
import { belongsTo, ObjectIndex, toFindings } from '../HealthService/findings';
import { mergeSources, operatorFindings } from './operatorFindings';
import { parseOperatorResult } from './parse';
import { OperatorResult } from './types';

const snapshot = createSnapshot(shopObjects());
const own = toFindings(
  'c1',
  snapshot,
  analyze(snapshot, { filters: DEFAULT_ANALYZERS }).results,
);
const index = new ObjectIndex(snapshot);
const selector = (id: string) => ({
  labelSelector: `backstage.io/kubernetes-id=${id}`,
  namespace: 'shop',
});

function parsed(
  kind: string,
  name: string,
  texts: string[],
  parentObject = '',
): OperatorResult {
  const r = parseOperatorResult({
    metadata: {
      name: name.replace(/[-/]/g, ''),
      namespace: 'k8sgpt-operator-system',
    },
    spec: {
      backend: 'openai',
      kind,
      name,
      error: texts.map(text => ({
        text,
        sensitive: [{ unmasked: name.split('/')[1], masked: 'eHh4' }],
      })),
      details: '',
      parentObject,
    },
  });
  if (typeof r === 'string') throw new Error(r);
  return r;
}

const podText = own.find(
  f => f.object.kind === 'Pod' && f.workload.name === 'payments',
)!.failures[0].text;
const logResult = parsed('Pod', 'shop/payments-7d9f8c-x2x9z/payments', [
  'previous container logs: ERROR ledger: certificate has expired',
]);

describe('operatorFindings', () => {
  it('maps a Log result to the pod, its owner chain and the payments entity only', () => {
    const [f] = operatorFindings('c1', snapshot, [logResult]);
    expect(f).toMatchObject({
      analyzer: 'Log',
      object: { kind: 'Pod', name: 'payments-7d9f8c-x2x9z', namespace: 'shop' },
      workload: { kind: 'Deployment', name: 'payments', namespace: 'shop' },
      sources: ['k8sgpt-operator'],
      severity: 'medium',
      failures: [
        {
          text: 'previous container logs: ERROR ledger: certificate has expired',
          severity: 'medium',
        },
      ],
    });
    expect(f.events[0]).toMatchObject({ reason: 'BackOff' });
    expect(f.sensitive).toEqual(
      expect.arrayContaining([
        'payments-7d9f8c-x2x9z',
        'payments',
        'shop',
        'c1',
      ]),
    );
    expect(belongsTo(index, f, selector('payments'))).toBe(true);
    expect(belongsTo(index, f, selector('cart'))).toBe(false);
    // Not the id of Periscope's own finding about the same pod.
    expect(own.map(o => o.id)).not.toContain(f.id);
  });

  it('falls back to the operator parentObject for an object the scan did not list', () => {
    const [f] = operatorFindings('c1', snapshot, [
      parsed('Pod', 'shop/payments-old-1', ['gone'], 'Deployment/payments'),
    ]);
    expect(f.ownerChain).toEqual([
      { kind: 'Deployment', name: 'payments', namespace: 'shop' },
    ]);
    expect(belongsTo(index, f, selector('payments'))).toBe(true);
    const [orphan] = operatorFindings('c1', snapshot, [
      parsed('FooWidget', 'shop/w1', ['custom analyzer says no']),
    ]);
    expect(orphan.ownerChain).toEqual([]);
    expect(belongsTo(index, orphan, selector('payments'))).toBe(false);
  });

  it('combines two Results about the same object and analyzer into one finding', () => {
    const fs = operatorFindings('c1', snapshot, [
      logResult,
      parsed('Pod', 'shop/payments-7d9f8c-x2x9z/payments', [
        'other line',
        'previous container logs: ERROR ledger: certificate has expired',
      ]),
    ]);
    expect(fs).toHaveLength(1);
    expect(fs[0].failures.map(x => x.text)).toEqual([
      'previous container logs: ERROR ledger: certificate has expired',
      'other line',
    ]);
  });
});

describe('mergeSources', () => {
  it('keeps one finding for the same object and text and marks both sources', () => {
    const operator = operatorFindings('c1', snapshot, [
      parsed('Pod', 'shop/payments-7d9f8c-x2x9z', [podText]),
    ]);
    const merged = mergeSources(own, operator);
    expect(merged).toHaveLength(own.length);
    const pod = merged.find(
      f => f.object.kind === 'Pod' && f.workload.name === 'payments',
    )!;
    expect(pod.sources).toEqual(['periscope', 'k8sgpt-operator']);
    expect(
      merged
        .filter(f => f !== pod)
        .every(f => f.sources?.join() === 'periscope'),
    ).toBe(true);
  });

  it('adds the texts only the operator reports as a finding of its own', () => {
    const operator = operatorFindings('c1', snapshot, [
      parsed('Pod', 'shop/payments-7d9f8c-x2x9z', [
        podText,
        'a text Periscope does not have',
      ]),
      logResult,
    ]);
    const merged = mergeSources(own, operator);
    expect(merged).toHaveLength(own.length + 2);
    const extra = merged.slice(own.length);
    expect(
      extra.map(f => [f.analyzer, f.failures.map(x => x.text), f.sources]),
    ).toEqual([
      ['Pod', ['a text Periscope does not have'], ['k8sgpt-operator']],
      [
        'Log',
        ['previous container logs: ERROR ledger: certificate has expired'],
        ['k8sgpt-operator'],
      ],
    ]);
    expect(new Set(merged.map(f => f.id)).size).toBe(merged.length);
  });

  it('does not change the input findings', () => {
    const before = JSON.stringify(own);
    mergeSources(
      own,
      operatorFindings('c1', snapshot, [
        parsed('Pod', 'shop/payments-7d9f8c-x2x9z', [podText]),
      ]),
    );
    expect(JSON.stringify(own)).toBe(before);
  });
});
