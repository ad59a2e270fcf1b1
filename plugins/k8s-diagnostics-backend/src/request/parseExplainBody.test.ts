import { InputError } from '@backstage/errors';
import { parseExplainBody } from './parseExplainBody';

describe('parseExplainBody', () => {
  it('reads the entity and the finding', () => {
    expect(
      parseExplainBody({ entityRef: 'Component:x', findingId: 'abc123' }),
    ).toEqual({ entityRef: 'component:default/x', findingId: 'abc123' });
  });

  it.each([
    [
      undefined,
      /^invalid explain request: 'entityRef' .+; 'findingId' .+; send JSON \{"entityRef": "component:default\/x", "findingId": "<id>"\}$/,
    ],
    ['text', /^invalid explain request: 'body' /],
    [
      { entityRef: 'component:default/x', findingId: 'nope' },
      /'findingId' must be the id of a finding from GET \/entity/,
    ],
    [
      { entityRef: '', findingId: 'abc123' },
      /^invalid explain request: 'entityRef' /,
    ],
    [
      { entityRef: 'component:', findingId: 'abc123' },
      /parameter 'entityRef' is 'component:', which is not an entity reference/,
    ],
  ])('refuses %j', (body, message) => {
    const run = () => parseExplainBody(body);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
