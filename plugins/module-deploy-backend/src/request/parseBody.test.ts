import { InputError } from '@backstage/errors';
import { parseBody } from './parseBody';
import { schemas } from './schemas';

describe('parseBody', () => {
  it('parses a missing body as {}', () => {
    expect(parseBody(schemas.drift, undefined, 'drift')).toEqual({});
    expect(parseBody(schemas.rollback, null, 'rollback')).toEqual({});
  });

  it('trims a change message and takes an empty one as none', () => {
    expect(
      parseBody(
        schemas.deploy,
        { values: {}, changeMessage: '  why  ' },
        'deploy',
      ),
    ).toEqual({ values: {}, changeMessage: 'why' });
    expect(
      parseBody(schemas.deploy, { values: {}, changeMessage: '  ' }, 'deploy'),
    ).toEqual({ values: {}, changeMessage: undefined });
  });

  it('takes a change message on /instances/deploy as on /entity/deploy, not on /instances/preview', () => {
    const target = { module: 'm', instanceName: 'i', namespace: 'n' };
    expect(
      parseBody(
        schemas.targetDeploy,
        { ...target, changeMessage: ' Scaffolder template t ' },
        'instances/deploy',
      ),
    ).toEqual({ ...target, changeMessage: 'Scaffolder template t' });
    expect(() =>
      parseBody(
        schemas.targetDeploy,
        { ...target, changeMessage: 'x'.repeat(501) },
        'instances/deploy',
      ),
    ).toThrow(
      'invalid instances/deploy request body: changeMessage: the change message has 501 characters; shorten it to at most 500',
    );
    expect(() =>
      parseBody(
        schemas.target,
        { ...target, changeMessage: 'why' },
        'instances/preview',
      ),
    ).toThrow('invalid instances/preview request body: body:');
  });

  it.each([
    [
      schemas.values,
      'preview',
      'not an object',
      'invalid preview request body: body:',
    ],
    [
      schemas.values,
      'preview',
      { values: [] },
      "invalid preview request body: values: 'values' must be an object of module values",
    ],
    [
      schemas.delete,
      'delete',
      {},
      "invalid delete request body: confirm: 'confirm' is missing: type the instance name to confirm the delete",
    ],
    [
      schemas.drift,
      'drift',
      { cluster: '' },
      "invalid drift request body: cluster: 'cluster' must not be empty: omit it to check every target cluster",
    ],
    [
      schemas.deploy,
      'deploy',
      { values: {}, changeMessage: 7 },
      "invalid deploy request body: changeMessage: 'changeMessage' must be text",
    ],
    [
      schemas.targetRollback,
      'instances/rollback',
      { module: 'm', instanceName: 'i', namespace: 'n', revision: 0 },
      "invalid instances/rollback request body: revision: 'revision' must be 1 or more",
    ],
    [
      schemas.targetRollback,
      'instances/rollback',
      { module: 'm', instanceName: 'i', namespace: 'n', revision: 1.5 },
      "invalid instances/rollback request body: revision: 'revision' must be a whole number",
    ],
    [
      schemas.rollback,
      'rollback',
      { revision: 2, extra: true },
      'invalid rollback request body: body:',
    ],
  ])('refuses a bad %s body with a 400 naming the field', (...args) => {
    const [schema, what, body, message] = args as [
      typeof schemas.values,
      string,
      unknown,
      string,
    ];
    const run = () => parseBody(schema, body, what);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });

  it('joins several issues with "; "', () => {
    expect(() =>
      parseBody(schemas.target, { module: '' }, 'instances/deploy'),
    ).toThrow(
      /^invalid instances\/deploy request body: module: .*; instanceName: .*; namespace: /,
    );
  });
});
