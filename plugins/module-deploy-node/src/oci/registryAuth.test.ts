import { checkTokenRealm, registryAuthFor } from './registryAuth';

describe('registryAuthFor', () => {
  const registries = [
    { host: 'ghcr.io', username: 'u', password: 'p' },
    { host: 'r.example:5000', token: 't', insecure: true },
  ];

  it('gives each host only its own entry, matching host and port', () => {
    expect(registryAuthFor('GHCR.IO', { registries })).toMatchObject({
      kind: 'basic',
      header: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
    expect(registryAuthFor('ghcr.io:443', { registries })).toMatchObject({
      kind: 'basic',
    });
    expect(registryAuthFor('r.example:5000', { registries })).toMatchObject({
      kind: 'bearer',
      token: 't',
      insecure: true,
    });
    expect(registryAuthFor('r.example', { registries })).toEqual({
      kind: 'anonymous',
      insecure: false,
    });
    expect(registryAuthFor('evil.example', { registries })).toEqual({
      kind: 'anonymous',
      insecure: false,
    });
  });

  it('ignores the single legacy credentials when registries are given', () => {
    expect(
      registryAuthFor('evil.example', { registries, credentials: 'a:b' }),
    ).toMatchObject({ kind: 'anonymous' });
    expect(
      registryAuthFor('any.example', { credentials: 'a:b' }),
    ).toMatchObject({ kind: 'basic' });
  });
});

describe('checkTokenRealm', () => {
  it('follows https on the registry host, and hosts on the allow list', () => {
    expect(
      checkTokenRealm('https://ghcr.io/token', 'ghcr.io', {}).toString(),
    ).toBe('https://ghcr.io/token');
    expect(
      checkTokenRealm('https://auth.docker.io/token', 'docker.io', {
        tokenRealms: ['auth.docker.io'],
      }).host,
    ).toBe('auth.docker.io');
    expect(
      checkTokenRealm('http://127.0.0.1:9/token', '127.0.0.1:5000', {}).host,
    ).toBe('127.0.0.1:9');
    expect(
      checkTokenRealm('http://r.example/token', 'r.example:5000', {
        insecure: true,
      }).host,
    ).toBe('r.example');
  });

  it.each([
    [
      'a realm on another host',
      'https://evil.example/token',
      {},
      /the registry ghcr.io asks for a token from https:\/\/evil.example\/token, a host other than the registry's.*add 'evil.example' to moduleDeploy.registryTokenRealms/,
    ],
    [
      'an http realm on another host',
      'http://evil.example/token',
      {},
      /a host other than the registry's/,
    ],
    [
      'an http realm on an allowed host',
      'http://auth.example/token',
      { tokenRealms: ['auth.example'] },
      /asks for a token over plain http \(http:\/\/auth.example\/token\).*must use https/,
    ],
    [
      'an http realm on the registry host of a secure registry',
      'http://ghcr.io/token',
      {},
      /plain http/,
    ],
    ['a realm that is not a URL', 'token', {}, /realm 'token' is not a URL/],
    ['a file: realm', 'file:///etc/passwd', {}, /is not http\(s\)/],
    [
      'a realm with credentials in it',
      'https://u:p@ghcr.io/token',
      {},
      /with credentials in the URL/,
    ],
  ])('refuses %s', (_l, realm, opts, message) => {
    expect(() => checkTokenRealm(realm, 'ghcr.io', opts, 'pulling x')).toThrow(
      message,
    );
  });
});
