import { InputError } from '@backstage/errors';
import { parseLogsQuery } from './parseLogsQuery';

const base = {
  entityRef: 'component:default/x',
  findingId: 'abc123',
  container: 'app',
};

describe('parseLogsQuery', () => {
  it('reads the request with 200 current lines by default', () => {
    expect(parseLogsQuery(base)).toEqual({
      ...base,
      pod: undefined,
      previous: false,
      tailLines: 200,
    });
    expect(
      parseLogsQuery({
        ...base,
        pod: 'web-1',
        previous: 'true',
        tailLines: '1000',
      }),
    ).toEqual({ ...base, pod: 'web-1', previous: true, tailLines: 1000 });
  });

  it.each([
    [
      { entityRef: 'component:default/x', findingId: 'abc123' },
      /^invalid logs request: 'container' .+; send \?entityRef=component:default\/x&findingId=<id>&container=<name>\[&pod=<name>\]\[&previous=true\]\[&tailLines=1\.\.1000\] \(the namespace and cluster are the finding's\)$/,
    ],
    [{ ...base, namespace: 'shop' }, /^invalid logs request: .*namespace/],
    [{ ...base, cluster: 'c1' }, /^invalid logs request: .*cluster/],
    [{ ...base, container: 'App_1' }, /'container' must be a Kubernetes name/],
    [{ ...base, pod: '-x' }, /'pod' must be a Kubernetes name/],
    [{ ...base, previous: 'yes' }, /^invalid logs request: 'previous' /],
    [
      { ...base, tailLines: '0' },
      /^parameter 'tailLines' is '0': give a whole number from 1 to 1000$/,
    ],
    [
      { ...base, tailLines: '1001' },
      /^parameter 'tailLines' is '1001': give a whole number from 1 to 1000$/,
    ],
    [
      { ...base, entityRef: 'component:' },
      /parameter 'entityRef' is 'component:', which is not an entity reference/,
    ],
  ])('refuses %j', (query, message) => {
    const run = () => parseLogsQuery(query);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
