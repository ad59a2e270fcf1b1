import { InputError } from '@backstage/errors';
import { SEVERITIES } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { parseFindingsQuery } from './parseFindingsQuery';

describe('parseFindingsQuery', () => {
  it('gives the first 1000 of every finding by default', () => {
    expect(parseFindingsQuery({})).toEqual({
      limit: 1000,
      offset: 0,
      filter: {},
    });
    expect(
      parseFindingsQuery({
        cluster: 'c1',
        namespace: 'shop',
        kind: 'Pod',
        severity: 'high',
        limit: '10',
        offset: '20',
      }),
    ).toEqual({
      limit: 10,
      offset: 20,
      filter: {
        cluster: 'c1',
        namespace: 'shop',
        kind: 'Pod',
        severity: 'high',
      },
    });
  });

  it.each([
    [
      { severity: 'urgent' },
      new RegExp(
        `^invalid filter: 'severity' .+; severity is one of ${SEVERITIES.join(
          ', ',
        )}$`,
      ),
    ],
    [{ cluster: '' }, /^invalid filter: 'cluster' /],
    [{ kind: ['Pod', 'Job'] }, /^invalid filter: 'kind' /],
    [
      { limit: '5001' },
      /^parameter 'limit' is '5001': give a whole number from 1 to 5000$/,
    ],
    [
      { offset: 'soon', severity: 'urgent' },
      /^parameter 'offset' is 'soon': give a whole number from 0 to 1000000$/,
    ],
  ])('refuses %j', (query, message) => {
    const run = () => parseFindingsQuery(query);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
