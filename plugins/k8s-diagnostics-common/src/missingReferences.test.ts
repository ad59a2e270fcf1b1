import { missingReferencesIn } from './missingReferences';

describe('missingReferencesIn', () => {
  it.each([
    [
      'configmap "a" not found',
      [{ kind: 'ConfigMap', name: 'a', namespace: 'ns' }],
    ],
    ['secret "b" not found', [{ kind: 'Secret', name: 'b', namespace: 'ns' }]],
    [
      'error looking up service account ns/sa: serviceaccount "sa" not found',
      [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }],
    ],
    [
      "couldn't find key k in ConfigMap other/c",
      [{ kind: 'ConfigMap', name: 'c', namespace: 'other', key: 'k' }],
    ],
    ['back-off 5m0s restarting failed container', []],
  ])('missingReferencesIn(%s)', (message, expected) => {
    expect(missingReferencesIn(message, 'ns')).toEqual(expected);
  });
});
