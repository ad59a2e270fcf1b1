import { resolveAnalyzers } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { kindsToList } from '.';

describe('kindsToList', () => {
  it('adds owner kinds for parent resolution', () => {
    expect(kindsToList(resolveAnalyzers(['Pod']))).toEqual(
      expect.arrayContaining(['Pod', 'ReplicaSet', 'Job', 'Event']),
    );
  });
});
