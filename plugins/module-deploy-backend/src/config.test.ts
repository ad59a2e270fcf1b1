import { ConfigReader } from '@backstage/config';
import { DigestCache } from '@periscope/backstage-plugin-module-deploy-node';
import { readModuleDeployConfig } from './config';

const read = (moduleDeploy: object) =>
  readModuleDeployConfig(new ConfigReader({ moduleDeploy })).registry;

describe('moduleDeploy registry config', () => {
  it('defaults: no credentials, no extra token realms, 4 MiB manifests, 64 MiB blobs, 120 s, a 64 MiB pull cache', () => {
    const c = read({});
    expect(c).toEqual({
      registries: [],
      plainHttp: false,
      tokenRealms: [],
      maxManifestBytes: 4 * 1024 * 1024,
      maxBlobBytes: 64 * 1024 * 1024,
      timeoutMs: 120_000,
      cache: expect.any(DigestCache),
    });
    expect((c.cache as DigestCache).maxBytes).toBe(64 * 1024 * 1024);
  });

  it('sizes the pull cache, turns it off with 0 and refuses a bad size', () => {
    expect(
      (read({ registry: { cacheBytes: 1024 } }).cache as DigestCache).maxBytes,
    ).toBe(1024);
    expect(read({ registry: { cacheBytes: 0 } }).cache).toBe(false);
    expect(() => read({ registry: { cacheBytes: -1 } })).toThrow(
      /moduleDeploy.registry.cacheBytes must be a whole number of bytes \(0 for no cache\), got -1/,
    );
  });

  it('reads registries per host, the realm allow list and the limits', () => {
    expect(
      read({
        registries: [
          { host: 'ghcr.io', username: 'bot', password: 'pat' },
          { host: 'registry.internal:5000', token: 'tok', insecure: true },
        ],
        registryTokenRealms: ['auth.docker.io'],
        registry: {
          plainHttp: true,
          maxManifestBytes: 1024,
          maxBlobBytes: 2048,
          timeoutMs: 5000,
        },
      }),
    ).toEqual({
      registries: [
        { host: 'ghcr.io', username: 'bot', password: 'pat' },
        { host: 'registry.internal:5000', token: 'tok', insecure: true },
      ],
      plainHttp: true,
      tokenRealms: ['auth.docker.io'],
      maxManifestBytes: 1024,
      maxBlobBytes: 2048,
      timeoutMs: 5000,
      cache: expect.any(DigestCache),
    });
  });

  it('gives the legacy registry.credentials to the hosts of the configured OCI modules only', () => {
    const c = read({
      modules: [
        { name: 'web', oci: 'oci://ghcr.io/org/web' },
        { name: 'api', oci: 'oci://ghcr.io/org/api' },
        { name: 'db', oci: 'oci://registry.internal:5000/db' },
        { name: 'local', path: '/tmp' },
      ],
      registry: { credentials: 'bot:pa:ss' },
    });
    expect(c.registries).toEqual([
      { host: 'ghcr.io', username: 'bot', password: 'pa:ss' },
      { host: 'registry.internal:5000', username: 'bot', password: 'pa:ss' },
    ]);
    expect(c.credentials).toBe('bot:pa:ss');
  });

  it.each([
    [
      { registries: { host: 'ghcr.io' } },
      /^moduleDeploy.registries must be a list of registries/,
    ],
    [
      { registries: [{ host: 'https://ghcr.io/org' }] },
      /^moduleDeploy.registries\[0\].host is 'https:\/\/ghcr.io\/org', which is not a registry host: write host or host:port/,
    ],
    [
      { registries: [{ username: 'u', password: 'p' }] },
      /^moduleDeploy.registries\[0\].host is missing/,
    ],
    [
      { registries: [{ host: 'ghcr.io', username: 'u' }] },
      /^moduleDeploy.registries\[0\] \(ghcr.io\) sets username without password/,
    ],
    [
      { registries: [{ host: 'ghcr.io' }, { host: 'ghcr.io' }] },
      /moduleDeploy.registries\[1\].host 'ghcr.io' is listed twice/,
    ],
    [
      { registryTokenRealms: ['https://auth.docker.io/token'] },
      /^moduleDeploy.registryTokenRealms\[0\] is "https:\/\/auth.docker.io\/token", which is not a host/,
    ],
    [
      {
        registries: [{ host: 'ghcr.io', username: 'u', password: 'p' }],
        registry: { credentials: 'u:p' },
      },
      /^moduleDeploy.registry.credentials and moduleDeploy.registries are both set: move the credentials into the moduleDeploy.registries entry/,
    ],
    [
      { registry: { credentials: 'just-a-token' } },
      /^moduleDeploy.registry.credentials must be user:password; better, use moduleDeploy.registries/,
    ],
    [
      { registry: { maxBlobBytes: 0 } },
      /^moduleDeploy.registry.maxBlobBytes must be a positive whole number, got 0/,
    ],
    [
      { registry: { maxManifestBytes: 1.5 } },
      /^moduleDeploy.registry.maxManifestBytes must be a positive whole number, got 1.5/,
    ],
    [
      { registry: { timeoutMs: -1 } },
      /^moduleDeploy.registry.timeoutMs must be a positive whole number, got -1/,
    ],
  ])('rejects bad registry config %#', (moduleDeploy, message) => {
    expect(() => read(moduleDeploy)).toThrow(message);
  });
});

describe('moduleDeploy.instanceState config', () => {
  const states = (moduleDeploy: object) =>
    readModuleDeployConfig(new ConfigReader({ moduleDeploy })).instanceState;

  it('defaults: fresh for 60 s, refreshed every 5 minutes as the Health scan', () => {
    expect(states({})).toEqual({
      maxAgeSeconds: 60,
      refresh: {
        enabled: true,
        schedule: {
          frequency: { minutes: 5 },
          timeout: { minutes: 4 },
          initialDelay: { seconds: 30 },
        },
      },
    });
  });

  it('reads the keys and refuses a bad maxAgeSeconds naming the key', () => {
    expect(
      states({
        instanceState: {
          maxAgeSeconds: 0,
          refresh: { enabled: false, frequency: { minutes: 1 } },
        },
      }),
    ).toMatchObject({
      maxAgeSeconds: 0,
      refresh: { enabled: false, schedule: { frequency: { minutes: 1 } } },
    });
    expect(() => states({ instanceState: { maxAgeSeconds: -5 } })).toThrow(
      /moduleDeploy.instanceState.maxAgeSeconds must be a whole number of seconds .*got -5/,
    );
  });
});
