import { ConfigReader } from '@backstage/config';
import {
  inSelectorNamespace,
  matchesLabelSelector,
  readWorkloadSelectorOptions,
  workloadSelectorFor,
} from './entity';

const entity = (annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', annotations },
});

describe('workloadSelectorFor', () => {
  const anywhere = { namespacesWithoutAnnotation: ['*'] };
  it('follows the Kubernetes plugin rules', () => {
    expect(workloadSelectorFor(entity({}))).toBeUndefined();
    expect(
      workloadSelectorFor(
        entity({ 'backstage.io/kubernetes-id': 'checkout' }),
        anywhere,
      ),
    ).toEqual({
      labelSelector: 'backstage.io/kubernetes-id=checkout',
    });
    expect(
      workloadSelectorFor(
        entity({
          'backstage.io/kubernetes-id': 'checkout',
          'backstage.io/kubernetes-label-selector':
            'app=shop,tier in (web, api)',
          'backstage.io/kubernetes-namespace': 'shop',
        }),
      ),
    ).toEqual({
      labelSelector: 'app=shop,tier in (web, api)',
      namespace: 'shop',
    });
  });

  it.each([
    ['!team'],
    ['team!=payments'],
    ['team notin (payments)'],
    ['app'],
    ['!a,!b'],
    ['app, tier!=db'],
    ['app='],
  ])(
    'refuses the label selector "%s", which names no label value, saying what to write',
    selector => {
      const e = entity({
        'backstage.io/kubernetes-label-selector': selector,
        'backstage.io/kubernetes-id': 'checkout',
        'backstage.io/kubernetes-namespace': 'shop',
      });
      expect(() => workloadSelectorFor(e)).toThrow(
        expect.objectContaining({
          name: 'InputError',
          message: expect.stringMatching(
            /backstage\.io\/kubernetes-label-selector ".*" names no label value.*include at least one "key=value"/,
          ),
        }),
      );
    },
  );

  it.each([
    ['app=checkout'],
    ['app==checkout,!legacy'],
    ['tier in (web),team!=x'],
    ['  app = checkout '],
  ])('accepts "%s", which names a label value', selector => {
    expect(
      workloadSelectorFor(
        entity({ 'backstage.io/kubernetes-label-selector': selector }),
        anywhere,
      )?.labelSelector,
    ).toBe(selector.trim());
  });
});

describe('entities without a namespace annotation', () => {
  const e = entity({ 'backstage.io/kubernetes-id': 'checkout' });
  it('are read nowhere by default, with a message naming the annotation and the config key', () => {
    expect(() => workloadSelectorFor(e)).toThrow(
      /entity 'component:default\/checkout' has no backstage\.io\/kubernetes-namespace annotation.*periscope\.namespacesWithoutAnnotation/,
    );
  });

  it('are read only in the namespaces the platform team allows', () => {
    const one = workloadSelectorFor(e, {
      namespacesWithoutAnnotation: ['shop'],
    })!;
    expect(one).toEqual({
      labelSelector: 'backstage.io/kubernetes-id=checkout',
      namespace: 'shop',
    });
    const two = workloadSelectorFor(e, {
      namespacesWithoutAnnotation: ['shop', 'web'],
    })!;
    expect(two).toEqual({
      labelSelector: 'backstage.io/kubernetes-id=checkout',
      namespaces: ['shop', 'web'],
    });
    expect(
      ['shop', 'web', 'payments', undefined].map(ns =>
        inSelectorNamespace(two, ns),
      ),
    ).toEqual([true, true, false, false]);
    expect(inSelectorNamespace(one, 'payments')).toBe(false);
    const all = workloadSelectorFor(e, { namespacesWithoutAnnotation: ['*'] })!;
    expect(inSelectorNamespace(all, 'payments')).toBe(true);
  });

  it('the annotation wins over the allowed list', () => {
    const annotated = entity({
      'backstage.io/kubernetes-id': 'checkout',
      'backstage.io/kubernetes-namespace': 'payments',
    });
    expect(
      workloadSelectorFor(annotated, { namespacesWithoutAnnotation: ['shop'] }),
    ).toEqual({
      labelSelector: 'backstage.io/kubernetes-id=checkout',
      namespace: 'payments',
    });
  });

  it('config: reads the list, refuses bad names and a * beside names', () => {
    const read = (v: string[]) =>
      readWorkloadSelectorOptions(
        new ConfigReader({ periscope: { namespacesWithoutAnnotation: v } }),
      );
    expect(readWorkloadSelectorOptions(new ConfigReader({}))).toEqual({
      namespacesWithoutAnnotation: [],
    });
    expect(read(['shop', 'web'])).toEqual({
      namespacesWithoutAnnotation: ['shop', 'web'],
    });
    expect(() => read(['Shop'])).toThrow(
      /namespacesWithoutAnnotation has 'Shop', which is not a namespace name/,
    );
    expect(() => read(['*', 'shop'])).toThrow(
      /lists '\*' beside other namespaces/,
    );
  });
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

describe('workloadSelectorFor with a selector Kubernetes refuses', () => {
  it.each([
    ['backstage.io/kubernetes-label-selector', 'app=check out'],
    ['backstage.io/kubernetes-label-selector', 'app=web,'],
    ['backstage.io/kubernetes-id', 'check out'],
  ])(
    'refuses %s "%s", naming the annotation and what to write',
    (annotation, value) => {
      const e = entity({
        [annotation]: value,
        'backstage.io/kubernetes-namespace': 'shop',
      });
      expect(() => workloadSelectorFor(e)).toThrow(
        expect.objectContaining({
          name: 'InputError',
          message: expect.stringMatching(
            new RegExp(
              `annotation ${annotation.replace(
                /[./]/g,
                '\\$&',
              )} is not one Kubernetes accepts: invalid label selector .*Use comma-separated terms`,
            ),
          ),
        }),
      );
    },
  );
});
