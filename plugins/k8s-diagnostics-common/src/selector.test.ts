import {
  LabelSelectorSyntaxError,
  matchesRequirements,
  parseLabelSelector,
} from './selector';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'k8s.io/part-of': 'shop' };

  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['tier in (front, back)', true],
    ['tier notin (front)', false],
    ['k8s.io/part-of', true],
    ['!legacy', true],
    ['!app', false],
    ['missing!=x', true],
  ])('%s → %s', (sel, want) => {
    expect(matchesRequirements(labels, parseLabelSelector(sel))).toBe(want);
  });

  it.each(['app=web,', '=web', 'app in (a', 'a b c', 'app=-bad-'])(
    'rejects %s',
    sel => {
      expect(() => parseLabelSelector(sel)).toThrow(LabelSelectorSyntaxError);
    },
  );

  it('explains the syntax in the error', () => {
    expect(() => parseLabelSelector('app=web,')).toThrow(
      /invalid label selector "app=web,": empty term\. Use comma-separated terms/,
    );
  });
});
