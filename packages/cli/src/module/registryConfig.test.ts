import { chmod, mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultRegistryConfigPath,
  lazyPullOptions,
  parseRegistryConfig,
  pushRegistryOptions,
  readRegistryConfigFile,
  registryEnvCredentials,
} from './registryConfig';

const tmp = () => mkdtemp(join(tmpdir(), 'cli-registry-config-'));

describe('parseRegistryConfig', () => {
  it('reads YAML and JSON', () => {
    const want = {
      registries: [
        { host: 'ghcr.io', username: 'bot', password: 'pat' },
        { host: 'registry.internal:5000', token: 't', insecure: true },
      ],
      tokenRealms: ['auth.docker.io'],
    };
    expect(
      parseRegistryConfig(
        [
          'registries:',
          '  - { host: ghcr.io, username: bot, password: pat }',
          '  - { host: "registry.internal:5000", token: t, insecure: true }',
          'tokenRealms: [auth.docker.io]',
        ].join('\n'),
        'r.yaml',
      ),
    ).toEqual(want);
    expect(parseRegistryConfig(JSON.stringify(want), 'r.json')).toEqual(want);
    expect(parseRegistryConfig('', 'empty.yaml')).toEqual({
      registries: [],
      tokenRealms: [],
    });
  });

  it.each([
    ['registries: [', /^registry config f.yaml is not valid YAML or JSON/],
    ['- ghcr.io', /^registry config f.yaml must be a mapping with registries/],
    [
      'registry: [{ host: ghcr.io }]',
      /^registry config f.yaml has unknown key\(s\) 'registry': it holds registries and tokenRealms only/,
    ],
    [
      'registries: [{ host: "https://ghcr.io" }]',
      /^f.yaml: registries\[0\].host is 'https:\/\/ghcr.io', which is not a registry host/,
    ],
    [
      'registries: [{ host: ghcr.io, username: bot }]',
      /^f.yaml: registries\[0\] \(ghcr.io\) sets username without password/,
    ],
    [
      'tokenRealms: ["https://auth.docker.io/token"]',
      /^f.yaml: tokenRealms\[0\] is "https:\/\/auth.docker.io\/token", which is not a host/,
    ],
  ])('refuses %j', (text, message) => {
    expect(() => parseRegistryConfig(text, 'f.yaml')).toThrow(message);
  });
});

describe('readRegistryConfigFile', () => {
  it('reads --registry-config, else $PERISCOPE_REGISTRY_CONFIG, else the default path when it exists', async () => {
    const dir = await tmp();
    const flag = join(dir, 'flag.yaml');
    const fromEnv = join(dir, 'env.yaml');
    await writeFile(flag, 'registries: [{ host: a.example }]', { mode: 0o600 });
    await writeFile(fromEnv, 'registries: [{ host: b.example }]', {
      mode: 0o600,
    });
    const env = { HOME: dir, PERISCOPE_REGISTRY_CONFIG: fromEnv };
    expect(readRegistryConfigFile(flag, env)?.registries).toEqual([
      { host: 'a.example' },
    ]);
    expect(readRegistryConfigFile(undefined, env)?.registries).toEqual([
      { host: 'b.example' },
    ]);
    // no default file: no config, and no error
    expect(readRegistryConfigFile(undefined, { HOME: dir })).toBeUndefined();
    expect(defaultRegistryConfigPath({ HOME: dir })).toBe(
      join(dir, '.config/periscope/registries.yaml'),
    );
    expect(defaultRegistryConfigPath({ XDG_CONFIG_HOME: '/x' })).toBe(
      '/x/periscope/registries.yaml',
    );
    await mkdir(join(dir, '.config/periscope'), { recursive: true });
    await writeFile(
      join(dir, '.config/periscope/registries.yaml'),
      'registries: [{ host: c.example }]',
    );
    expect(
      readRegistryConfigFile(undefined, { HOME: dir })?.registries,
    ).toEqual([{ host: 'c.example' }]);
  });

  it('says which file it cannot read, and where the path came from', async () => {
    const dir = await tmp();
    expect(() =>
      readRegistryConfigFile(join(dir, 'missing.yaml'), { HOME: dir }),
    ).toThrow(
      new RegExp(
        `^cannot read the registry config ${dir}/missing.yaml \\(--registry-config\\): ENOENT.*; check the path`,
      ),
    );
    expect(() =>
      readRegistryConfigFile(undefined, {
        HOME: dir,
        PERISCOPE_REGISTRY_CONFIG: join(dir, 'nope.yaml'),
      }),
    ).toThrow(/\(\$PERISCOPE_REGISTRY_CONFIG\): ENOENT/);
  });

  it('warns when other users may read a file with secrets', async () => {
    const dir = await tmp();
    const f = join(dir, 'r.yaml');
    await writeFile(f, 'registries: [{ host: a.example, token: t }]');
    await chmod(f, 0o644);
    const warnings: string[] = [];
    readRegistryConfigFile(f, {}, s => warnings.push(s));
    expect(warnings).toEqual([
      `warning: the registry config ${f} holds passwords or tokens and other users may read it; run chmod 600 ${f}\n`,
    ]);
    await chmod(f, 0o600);
    warnings.length = 0;
    readRegistryConfigFile(f, {}, s => warnings.push(s));
    expect(warnings).toEqual([]);
  });
});

describe('registryEnvCredentials', () => {
  it('reads username and password, a token, or the old user:password', () => {
    expect(
      registryEnvCredentials('ghcr.io', {
        PERISCOPE_REGISTRY_USERNAME: 'bot',
        PERISCOPE_REGISTRY_PASSWORD: 'pat',
      }),
    ).toEqual({ host: 'ghcr.io', username: 'bot', password: 'pat' });
    expect(
      registryEnvCredentials('ghcr.io', { PERISCOPE_REGISTRY_TOKEN: 't' }),
    ).toEqual({ host: 'ghcr.io', token: 't' });
    expect(
      registryEnvCredentials('ghcr.io', {
        PERISCOPE_REGISTRY_CREDENTIALS: 'bot:p:w',
      }),
    ).toEqual({ host: 'ghcr.io', username: 'bot', password: 'p:w' });
    expect(registryEnvCredentials('ghcr.io', {})).toBeUndefined();
  });

  it.each([
    [
      { PERISCOPE_REGISTRY_USERNAME: 'bot' },
      /^PERISCOPE_REGISTRY_USERNAME is set without PERISCOPE_REGISTRY_PASSWORD: set both/,
    ],
    [
      { PERISCOPE_REGISTRY_PASSWORD: 'pw' },
      /^PERISCOPE_REGISTRY_PASSWORD is set without PERISCOPE_REGISTRY_USERNAME/,
    ],
    [
      {
        PERISCOPE_REGISTRY_USERNAME: 'bot',
        PERISCOPE_REGISTRY_PASSWORD: 'pw',
        PERISCOPE_REGISTRY_TOKEN: 't',
      },
      /^registry credentials for ghcr.io are set more than one way in the environment/,
    ],
    [
      { PERISCOPE_REGISTRY_CREDENTIALS: 'token-only' },
      /^PERISCOPE_REGISTRY_CREDENTIALS must be user:password/,
    ],
    [
      {
        PERISCOPE_REGISTRY_USERNAME: 'a:b',
        PERISCOPE_REGISTRY_PASSWORD: 'pw',
      },
      /username of ghcr.io contains ':'/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => registryEnvCredentials('ghcr.io', env)).toThrow(message);
  });
});

describe('pushRegistryOptions', () => {
  it("puts the environment's credentials on the target host, over the file's entry", async () => {
    const dir = await tmp();
    const f = join(dir, 'r.yaml');
    await writeFile(
      f,
      'registries: [{ host: ghcr.io, username: a, password: b }, { host: other.example, token: o }]\ntokenRealms: [auth.example]',
      { mode: 0o600 },
    );
    expect(
      pushRegistryOptions('ghcr.io', f, {
        PERISCOPE_REGISTRY_TOKEN: 'from-env',
      }),
    ).toEqual({
      registries: [
        { host: 'ghcr.io', token: 'from-env' },
        { host: 'other.example', token: 'o' },
      ],
      tokenRealms: ['auth.example'],
    });
    expect(pushRegistryOptions('ghcr.io', f, {}).registries).toHaveLength(2);
  });
});

describe('lazyPullOptions', () => {
  it('reads the file only when a pull asks, so a broken file fails only registry commands', async () => {
    const dir = await tmp();
    const f = join(dir, 'broken.yaml');
    await writeFile(f, 'registries: {', { mode: 0o600 });
    const opts = lazyPullOptions({ PERISCOPE_REGISTRY_CONFIG: f });
    expect(() => opts.registries).toThrow(/is not valid YAML or JSON/);
    const good = join(dir, 'good.yaml');
    await writeFile(good, 'registries: [{ host: a.example, token: t }]', {
      mode: 0o600,
    });
    const ok = lazyPullOptions({ PERISCOPE_REGISTRY_CONFIG: good });
    expect(ok.registries).toEqual([{ host: 'a.example', token: 't' }]);
    expect(ok.tokenRealms).toEqual([]);
  });
});
