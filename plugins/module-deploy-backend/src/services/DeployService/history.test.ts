import { Revision } from '@periscope/backstage-plugin-module-deploy-node';
import { objectRefs } from './history';

describe('objectRefs', () => {
  it('lists the objects of every set, in order', () => {
    const rev = {
      sets: [
        {
          name: 'crds',
          objects: [
            {
              apiVersion: 'apiextensions.k8s.io/v1',
              kind: 'CustomResourceDefinition',
              metadata: { name: 'things.example.com' },
            },
          ],
        },
        {
          name: 'app',
          objects: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'web', namespace: 'shop' },
            },
          ],
        },
      ],
    } as unknown as Revision;
    expect(objectRefs(rev)).toEqual([
      'CustomResourceDefinition/things.example.com',
      'ConfigMap/shop/web',
    ]);
  });
});
