import { mockServices } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  createModuleDeployAction,
  createModuleDiffAction,
  parseInstanceInput,
} from './moduleActions';

const good = { module: 'minimal', name: 'checkout', namespace: 'shop' };

function actions() {
  const discovery = {
    getBaseUrl: jest.fn(async () => 'http://127.0.0.1:1/api/module-deploy'),
    getExternalBaseUrl: jest.fn(async () => ''),
  };
  const deps = { discovery, auth: mockServices.auth() };
  return {
    discovery,
    diff: createModuleDiffAction(deps),
    deploy: createModuleDeployAction(deps),
  };
}

describe('periscope:module:* input', () => {
  it('publishes a typed JSON Schema: string, list and object fields, the three required ones', () => {
    const { diff, deploy } = actions();
    for (const action of [diff, deploy]) {
      const input = action.schema?.input as any;
      expect(input.type).toBe('object');
      expect([...input.required].sort()).toEqual([
        'module',
        'name',
        'namespace',
      ]);
      expect(input.properties.name).toMatchObject({
        type: 'string',
        minLength: 1,
        maxLength: 63,
        description: expect.stringMatching(/lowercase DNS name/),
      });
      expect(input.properties.clusters).toMatchObject({
        type: 'array',
        items: { type: 'string', minLength: 1 },
      });
      expect(input.properties.entityRef.type).toBe('string');
      expect(input.properties.values.type).toBe('object');
    }
  });

  it('accepts good input and maps nothing extra', () => {
    expect(
      parseInstanceInput('a', {
        ...good,
        clusters: ['staging', 'production'],
        entityRef: 'component:default/checkout',
        values: { replicas: 2 },
      }),
    ).toEqual({
      ...good,
      clusters: ['staging', 'production'],
      entityRef: 'component:default/checkout',
      values: { replicas: 2 },
    });
  });

  it.each([
    [
      { ...good, name: 'Bad_Name' },
      /name is 'Bad_Name', which is not a valid Kubernetes name: use lowercase letters/,
    ],
    [
      { ...good, namespace: '' },
      /namespace is empty: give a lowercase DNS name/,
    ],
    [
      { ...good, namespace: 'x'.repeat(64) },
      /namespace is longer than 63 characters/,
    ],
    [{ ...good, name: 5 }, /name must be a string/],
    [{ name: 'a', namespace: 'b' }, /module is missing/],
    [
      { ...good, module: 'min imal' },
      /module is 'min imal', which contains white space/,
    ],
    [
      { ...good, clusters: 'staging' },
      /clusters must be a list of cluster names/,
    ],
    [{ ...good, clusters: ['a', ''] }, /clusters contains an empty name/],
    [
      { ...good, clusters: ['a', 'b', 'a'] },
      /clusters lists a twice: name each target cluster once/,
    ],
    [
      { ...good, entityRef: 'checkout' },
      /entityRef is 'checkout', which is not an entity reference: write kind:namespace\/name/,
    ],
    [
      { ...good, values: ['replicas', 2] },
      /values must be an object of module values/,
    ],
    [
      { ...good, values: 'replicas: 2' },
      /values must be an object of module values/,
    ],
  ])('rejects %j', (input, message) => {
    expect(() => parseInstanceInput('periscope:module:deploy', input)).toThrow(
      InputError,
    );
    expect(() => parseInstanceInput('periscope:module:deploy', input)).toThrow(
      message,
    );
  });

  it('names every wrong input at once', () => {
    expect(() =>
      parseInstanceInput('periscope:module:diff', {
        module: 'm',
        name: 'A',
        namespace: 'B',
      }),
    ).toThrow(
      /^invalid input to periscope:module:diff: name is 'A', .*; namespace is 'B', /,
    );
  });

  it.each(['diff', 'deploy'] as const)(
    'periscope:module:%s refuses bad input before calling the backend',
    async which => {
      const a = actions();
      const ctx = createMockActionContext({
        input: { ...good, name: 'Not_OK' } as any,
      });
      await expect(a[which].handler(ctx as any)).rejects.toThrow(
        /invalid input to periscope:module:.*name is 'Not_OK'/,
      );
      expect(a.discovery.getBaseUrl).not.toHaveBeenCalled();
    },
  );
});
