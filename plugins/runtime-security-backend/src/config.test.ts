import { ConfigReader } from '@backstage/config';
import { hostname } from 'node:os';
import { readRuntimeSecurityConfig } from './config';

const files = (extra: object = {}) =>
  new ConfigReader({
    runtimeSecurity: {
      ...extra,
      sources: {
        files: [
          { path: '/var/log/tetragon.log' },
          { path: '/x.log', name: 'second' },
        ],
      },
    },
  });

describe('runtimeSecurity.sources.files ids', () => {
  it('name the replica, so two replicas keep separate checkpoints of their own copy of a file', () => {
    const a = readRuntimeSecurityConfig(
      files({ replicaName: 'backend-0' }),
    ).files.map(f => f.id);
    const b = readRuntimeSecurityConfig(
      files({ replicaName: 'backend-1' }),
    ).files.map(f => f.id);
    expect(a).toEqual([
      'file:backend-0:/var/log/tetragon.log',
      'file:backend-0:second',
    ]);
    expect(b).toEqual([
      'file:backend-1:/var/log/tetragon.log',
      'file:backend-1:second',
    ]);
  });

  it('default to the host name', () => {
    expect(readRuntimeSecurityConfig(files()).files[0].id).toBe(
      `file:${hostname()}:/var/log/tetragon.log`,
    );
  });

  it('refuse a replica name that cannot be part of an id', () => {
    expect(() =>
      readRuntimeSecurityConfig(files({ replicaName: 'a b/c' })),
    ).toThrow(
      "runtimeSecurity.replicaName is 'a b/c': use letters, digits, '.', '_' or '-' (e.g. the pod name)",
    );
  });
});

describe('clustersConfigured', () => {
  const with_ = (clusterLocatorMethods: object[]) =>
    readRuntimeSecurityConfig(
      new ConfigReader({ kubernetes: { clusterLocatorMethods } }),
    ).clustersConfigured;

  it('is false for the stock config (a config locator without clusters) and true for any real locator', () => {
    expect(
      readRuntimeSecurityConfig(new ConfigReader({})).clustersConfigured,
    ).toBe(false);
    expect(with_([{ type: 'config', clusters: [] }])).toBe(false);
    expect(
      with_([
        {
          type: 'config',
          clusters: [
            { name: 'a', url: 'https://x', authProvider: 'serviceAccount' },
          ],
        },
      ]),
    ).toBe(true);
    expect(with_([{ type: 'catalog' }])).toBe(true);
  });
});

describe('runtimeSecurity.notifications', () => {
  const read = (notifications?: object) =>
    readRuntimeSecurityConfig(
      new ConfigReader({
        runtimeSecurity: notifications ? { notifications } : {},
      }),
    ).notifications;

  it('is on by default with nothing muted', () => {
    expect(read()).toEqual({ enabled: true, mutedEntities: [] });
  });

  it('normalizes the muted entity refs (kind defaults to component, namespace to default)', () => {
    expect(
      read({
        enabled: false,
        mutedEntities: [
          'checkout',
          'Component:shop/Payments',
          'system:default/ledger',
        ],
      }),
    ).toEqual({
      enabled: false,
      mutedEntities: [
        'component:default/checkout',
        'component:shop/payments',
        'system:default/ledger',
      ],
    });
  });

  it('refuses a muted entry that is not an entity ref', () => {
    expect(() => read({ mutedEntities: ['component:'] })).toThrow(
      /runtimeSecurity\.notifications\.mutedEntities\[0\] is 'component:', which is not an entity reference/,
    );
  });
});

describe('runtimeSecurity.enforcement', () => {
  const read = (enforcement?: object) =>
    readRuntimeSecurityConfig(
      new ConfigReader({ runtimeSecurity: { enforcement } }),
    ).enforcement;

  it('defaults to 14 days and the tracing-policy module', () => {
    expect(read()).toEqual({ windowDays: 14, module: 'tracing-policy' });
    expect(read({ windowDays: 30, module: 'platform-policy' })).toEqual({
      windowDays: 30,
      module: 'platform-policy',
    });
  });

  it.each([0, 1.5, 366])(
    'refuses windowDays %s, naming the key and the range',
    windowDays => {
      expect(() => read({ windowDays })).toThrow(
        `runtimeSecurity.enforcement.windowDays is ${windowDays}: use a whole number of days from 1 to 365`,
      );
    },
  );
});
