import { parseRegistryHosts, parseTokenRealms } from './registryHosts';

describe('parseRegistryHosts', () => {
  it('reads entries and keeps only what is set', () => {
    expect(
      parseRegistryHosts(
        [
          { host: 'ghcr.io', username: 'u', password: 'p' },
          { host: 'registry.example.com:5000', token: 't', insecure: true },
          { host: '[::1]:5000' },
        ],
        'moduleDeploy.registries',
      ),
    ).toEqual([
      { host: 'ghcr.io', username: 'u', password: 'p' },
      { host: 'registry.example.com:5000', token: 't', insecure: true },
      { host: '[::1]:5000' },
    ]);
    expect(parseRegistryHosts(undefined, 'x')).toEqual([]);
  });

  it.each([
    [{ host: 'ghcr.io' }, /^r must be a list of registries/],
    [['ghcr.io'], /^r\[0\] must be an object \{ host/],
    [
      [{ username: 'u', password: 'p' }],
      /^r\[0\]\.host is missing: name the registry host/,
    ],
    [
      [{ host: 'https://ghcr.io' }],
      /^r\[0\]\.host is 'https:\/\/ghcr.io', which is not a registry host: write host or host:port without scheme/,
    ],
    [[{ host: 'ghcr.io/org' }], /not a registry host/],
    [[{ host: 'u:p@ghcr.io' }], /not a registry host/],
    [
      [{ host: 'ghcr.io', pasword: 'x' }],
      /^r\[0\] has unknown field\(s\) 'pasword': the fields are host/,
    ],
    [
      [{ host: 'ghcr.io', username: 'u' }],
      /sets username without password: give both/,
    ],
    [[{ host: 'ghcr.io', password: 'p' }], /sets password without username/],
    [
      [{ host: 'ghcr.io', username: 'u', password: 'p', token: 't' }],
      /sets both token and username\/password: keep one way/,
    ],
    [
      [{ host: 'ghcr.io', username: 'a:b', password: 'p' }],
      /username of ghcr.io contains ':'/,
    ],
    [
      [{ host: 'ghcr.io', password: 1, username: 'u' }],
      /^r\[0\]\.password must be a string, got number/,
    ],
    [
      [{ host: 'ghcr.io', insecure: 'yes' }],
      /^r\[0\]\.insecure must be true or false, got "yes"/,
    ],
    [
      [{ host: 'GHCR.io' }, { host: 'ghcr.io' }],
      /^r\[1\]\.host 'ghcr.io' is listed twice: keep one entry per registry host/,
    ],
  ])('refuses %j', (value, message) => {
    expect(() => parseRegistryHosts(value, 'r')).toThrow(message);
  });
});

describe('parseTokenRealms', () => {
  it('reads hosts and refuses URLs and non-strings', () => {
    expect(
      parseTokenRealms(['auth.docker.io', 'auth.example:8443'], 'k'),
    ).toEqual(['auth.docker.io', 'auth.example:8443']);
    expect(() => parseTokenRealms('auth.docker.io', 'k')).toThrow(
      /^k must be a list of hosts, e.g. \[auth.docker.io\], got string/,
    );
    expect(() =>
      parseTokenRealms(['https://auth.docker.io/token'], 'k'),
    ).toThrow(
      /^k\[0\] is "https:\/\/auth.docker.io\/token", which is not a host: write the token service's host/,
    );
    expect(() => parseTokenRealms([7], 'k')).toThrow(/^k\[0\] is 7/);
  });
});
