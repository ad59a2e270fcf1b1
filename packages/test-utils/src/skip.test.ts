import { NEEDS, describeIf, itIf, missingNeeds, skippedTitle } from './skip';

describe('missingNeeds', () => {
  it('names every missing prerequisite and how to provide it', () => {
    expect(missingNeeds({ cue: '/bin/cue', kubeconfig: '' })).toBe(
      NEEDS.kubeconfig,
    );
    expect(missingNeeds({ cue: undefined, registry: undefined })).toBe(
      `${NEEDS.cue} and ${NEEDS.registry}`,
    );
    expect(missingNeeds({ cue: '/bin/cue' })).toBeUndefined();
  });
});

describe('skippedTitle', () => {
  it('names the test and what it needs', () => {
    expect(skippedTitle('deploys', 'the cue binary')).toBe(
      'deploys [skipped: needs the cue binary]',
    );
  });
});

describe('describeIf / itIf', () => {
  it('give the plain describe and it when every prerequisite is met', () => {
    expect(describeIf({ cue: '/bin/cue', kubeconfig: '/k' })).toBe(describe);
    expect(itIf({ timoni: '/bin/timoni' })).toBe(it);
  });

  it('give a skipping function when one is missing', () => {
    expect(describeIf({ cue: '/bin/cue', kubeconfig: undefined })).not.toBe(
      describe,
    );
    expect(itIf({ timoni: '' })).not.toBe(it);
  });
});
