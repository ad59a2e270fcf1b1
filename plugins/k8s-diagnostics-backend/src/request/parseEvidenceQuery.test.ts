import { InputError } from '@backstage/errors';
import { parseEvidenceQuery } from './parseEvidenceQuery';

describe('parseEvidenceQuery', () => {
  it('reads the entity and the finding', () => {
    expect(
      parseEvidenceQuery({ entityRef: 'Component:x', findingId: 'abc123' }),
    ).toEqual({ entityRef: 'component:default/x', findingId: 'abc123' });
  });

  it.each([
    [
      {},
      /^invalid evidence request: 'entityRef' .+; 'findingId' .+; send \?entityRef=component:default\/x&findingId=<id>$/,
    ],
    [
      { entityRef: 'component:default/x', findingId: 'XYZ' },
      /'findingId' must be the id of a finding from GET \/entity/,
    ],
    [
      { entityRef: 'component:default/x', findingId: 'abc123', cluster: 'c1' },
      /^invalid evidence request: .*cluster/,
    ],
    [
      { entityRef: 'component:', findingId: 'abc123' },
      /parameter 'entityRef' is 'component:', which is not an entity reference/,
    ],
  ])('refuses %j', (query, message) => {
    const run = () => parseEvidenceQuery(query);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
