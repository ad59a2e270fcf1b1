import { Entity } from '@backstage/catalog-model';
import { isKubernetesAvailable as upstreamIsKubernetesAvailable } from '@backstage/plugin-kubernetes';
import {
  isKubernetesAvailable,
  isModuleDeployAvailable,
  isPeriscopeAvailable,
} from './entityFilters';

const entity = (annotations?: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'x', ...(annotations ? { annotations } : {}) },
  spec: {},
});

const cases: Array<[string, Entity, boolean, boolean]> = [
  // name, entity, Kubernetes, module
  ['no annotations', entity(), false, false],
  [
    'other annotations only',
    entity({ 'backstage.io/source-location': 'url:x' }),
    false,
    false,
  ],
  [
    'kubernetes-id',
    entity({ 'backstage.io/kubernetes-id': 'checkout' }),
    true,
    false,
  ],
  [
    'an empty kubernetes-id',
    entity({ 'backstage.io/kubernetes-id': '' }),
    false,
    false,
  ],
  [
    'label selector',
    entity({ 'backstage.io/kubernetes-label-selector': 'app=x' }),
    true,
    false,
  ],
  [
    'namespace alone',
    entity({ 'backstage.io/kubernetes-namespace': 'shop' }),
    false,
    false,
  ],
  [
    'module',
    entity({ 'periscope.dev/module': './modules/minimal' }),
    false,
    true,
  ],
  [
    'both',
    entity({
      'backstage.io/kubernetes-id': 'x',
      'periscope.dev/module': 'web',
    }),
    true,
    true,
  ],
];

describe('entity filters', () => {
  it.each(cases)('%s', (_name, e, kubernetes, module) => {
    expect(isKubernetesAvailable(e)).toBe(kubernetes);
    expect(isModuleDeployAvailable(e)).toBe(module);
    expect(isPeriscopeAvailable(e)).toBe(kubernetes || module);
  });

  it("agrees with the Kubernetes plugin's isKubernetesAvailable", () => {
    for (const [, e] of cases) {
      expect(isKubernetesAvailable(e)).toBe(upstreamIsKubernetesAvailable(e));
    }
  });
});
