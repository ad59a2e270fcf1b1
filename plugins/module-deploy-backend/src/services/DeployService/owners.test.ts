import { InstanceRecord } from '@periscope/backstage-plugin-module-deploy-common';
import { DeployTarget } from '../../types';
import {
  locationIn,
  ownerAnnotations,
  ownerMessage,
  recordedOwner,
} from './owners';

const target: DeployTarget = {
  entityRef: 'component:default/checkout',
  module: 'fixture',
  source: '/modules/fixture',
  instanceName: 'web',
  namespace: 'shop',
  clusters: ['local'],
};

const record = (annotations?: Record<string, string>) =>
  ({
    kind: 'Instance',
    apiVersion: 'timoni.sh/v1alpha1',
    metadata: { name: 'web', namespace: 'shop', annotations },
  } as unknown as InstanceRecord);

describe('owners', () => {
  it('ownerMessage names the instance, its owner and what to do', () => {
    expect(
      ownerMessage(target, 'local', 'component:default/other', 'deploy'),
    ).toBe(
      "instance 'web' in namespace 'shop' on cluster 'local' belongs to component:default/other; deploy it from that entity or choose another instance name (annotation periscope.dev/instance)",
    );
  });

  it('recordedOwner reads the owner annotation of the instance, if any', () => {
    expect(recordedOwner(undefined)).toBeUndefined();
    expect(recordedOwner(record())).toBeUndefined();
    expect(
      recordedOwner(record({ 'periscope.dev/owner-entity': '' })),
    ).toBeUndefined();
    expect(
      recordedOwner(
        record({ 'periscope.dev/owner-entity': 'component:default/a' }),
      ),
    ).toBe('component:default/a');
  });

  it('ownerAnnotations records the entity, and nothing for a target without one', () => {
    expect(ownerAnnotations(target)).toEqual({
      'periscope.dev/owner-entity': 'component:default/checkout',
    });
    expect(ownerAnnotations({ ...target, entityRef: '' })).toBeUndefined();
  });

  it('locationIn is the instance in one cluster', () => {
    expect(locationIn(target, 'c2')).toEqual({
      cluster: 'c2',
      namespace: 'shop',
      instanceName: 'web',
    });
  });
});
