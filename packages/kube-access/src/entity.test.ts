import { matchesLabelSelector, workloadSelectorFor } from './entity';

const entity = (annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', annotations },
});

describe('workloadSelectorFor', () => {
  it('follows the Kubernetes plugin rules', () => {
    expect(workloadSelectorFor(entity({}))).toBeUndefined();
    expect(workloadSelectorFor(entity({ 'backstage.io/kubernetes-id': 'checkout' }))).toEqual({
      labelSelector: 'backstage.io/kubernetes-id=checkout',
      namespace: undefined,
    });
    expect(
      workloadSelectorFor(
        entity({
          'backstage.io/kubernetes-id': 'checkout',
          'backstage.io/kubernetes-label-selector': 'app=shop,tier in (web, api)',
          'backstage.io/kubernetes-namespace': 'shop',
        }),
      ),
    ).toEqual({ labelSelector: 'app=shop,tier in (web, api)', namespace: 'shop' });
  });

  it.each([
    ['!team'],
    ['team!=payments'],
    ['team notin (payments)'],
    ['app'],
    ['!a,!b'],
    ['app, tier!=db'],
    ['app='],
  ])('refuses the label selector "%s", which names no label value, saying what to write', selector => {
    const e = entity({ 'backstage.io/kubernetes-label-selector': selector, 'backstage.io/kubernetes-id': 'checkout' });
    expect(() => workloadSelectorFor(e)).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringMatching(/backstage\.io\/kubernetes-label-selector ".*" names no label value.*include at least one "key=value"/),
      }),
    );
  });

  it.each([['app=checkout'], ['app==checkout,!legacy'], ['tier in (web),team!=x'], ['  app = checkout ']])(
    'accepts "%s", which names a label value',
    selector => {
      expect(workloadSelectorFor(entity({ 'backstage.io/kubernetes-label-selector': selector }))?.labelSelector).toBe(
        selector.trim(),
      );
    },
  );
});

describe('matchesLabelSelector', () => {
  const labels = { app: 'shop', tier: 'web' };
  it.each([
    ['app=shop', true],
    ['app==shop,tier=web', true],
    ['app=other', false],
    ['app!=other', true],
    ['tier in (web, api)', true],
    ['tier notin (web)', false],
    ['app', true],
    ['!app', false],
    ['missing', false],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabelSelector(labels, selector)).toBe(expected);
  });
});
