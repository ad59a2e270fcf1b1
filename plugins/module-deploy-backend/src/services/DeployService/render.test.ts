import {
  CueEvaluationError,
  ModuleEngine,
} from '@periscope/backstage-plugin-module-deploy-node';
import { fixtureRender } from '../../__testUtils__/deployServiceApp';
import { DeployTarget } from '../../types';
import { engineInput, renderTarget } from './render';

const target: DeployTarget = {
  entityRef: 'component:default/checkout',
  module: 'fixture',
  source: '/modules/fixture',
  instanceName: 'web',
  namespace: 'shop',
  clusters: ['c1'],
};

describe('render', () => {
  it('engineInput renders the target with the overlay as its only values', () => {
    expect(engineInput(target, { replicas: 2 })).toEqual({
      source: '/modules/fixture',
      name: 'web',
      namespace: 'shop',
      values: [{ replicas: 2 }],
    });
  });

  it('renderTarget gives the rendered object references', async () => {
    const engine = {
      render: async (spec: any) =>
        fixtureRender(spec, () => [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: spec.name, namespace: spec.namespace },
          },
        ]),
    } as unknown as ModuleEngine;
    const r = await renderTarget(engine, target, { replicas: 2 });
    expect(r).toMatchObject({
      ok: true,
      overlay: { replicas: 2 },
      rendered: ['ConfigMap/shop/web'],
      values: { replicas: 2 },
    });
  });

  it('renderTarget answers invalid values as ok: false and throws other errors', async () => {
    const invalid = new CueEvaluationError('evaluating the module', [], '');
    const failing = (e: Error) =>
      ({
        render: async () => {
          throw e;
        },
      } as unknown as ModuleEngine);
    expect(await renderTarget(failing(invalid), target, {})).toEqual({
      ok: false,
      overlay: {},
      error: invalid,
    });
    await expect(
      renderTarget(failing(new Error('cue not found')), target, {}),
    ).rejects.toThrow('cue not found');
  });
});
