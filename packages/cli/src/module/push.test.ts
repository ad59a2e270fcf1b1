import { cp, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { pullModule } from '@periscope/backstage-plugin-module-deploy-node';
import {
  ModulePushIo,
  parseAnnotations,
  registerModulePushCommand,
} from './push';
import { PushOptions } from '@periscope/backstage-plugin-module-deploy-node';
import { describeIf } from '@periscope/test-utils';

const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  resolve(__dirname, '../../../../../shared/corpora');
const MINIMAL = join(CORPORA, 'timoni/modules/minimal');
const REGISTRY = process.env.PERISCOPE_REGISTRY_URL;
const HOST = REGISTRY?.replace(/^https?:\/\//, '').replace(/\/.*$/, '');

async function run(
  args: string[],
  extra: Partial<ModulePushIo> = {},
): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('periscope')
    .exitOverride()
    .configureOutput({ writeErr: s => (err += s), writeOut: s => (out += s) });
  const mod = program.command('module').exitOverride();
  registerModulePushCommand(mod, () => ({
    out: s => {
      out += s;
    },
    err: s => {
      err += s;
    },
    env: {},
    ...extra,
  }));
  mod.commands.forEach(c =>
    c.exitOverride().configureOutput({ writeErr: s => (err += s) }),
  );
  await program.parseAsync(['module', 'push', ...args], { from: 'user' });
  return { out, err };
}

describe('periscope module push: input errors', () => {
  it('requires --version', async () => {
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/periscope/minimal']),
    ).rejects.toThrow(/required option '-v, --version <version>'/);
  });

  it('refuses a malformed annotation and a bad version before any network call', async () => {
    expect(() => parseAnnotations(['novalue'])).toThrow(
      /invalid annotation 'novalue': use key=value/,
    );
    expect(parseAnnotations(['a=b=c'])).toEqual({ a: 'b=c' });
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/p/m', '-v', '1.0.0', '-a', 'x']),
    ).rejects.toThrow(/invalid annotation 'x'/);
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/p/m', '-v', 'v1.0.0']),
    ).rejects.toThrow(/module version 'v1.0.0' is not valid/);
  });

  it('refuses credentials on the command line, pointing to the environment and the file', async () => {
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/p/m', '-v', '1.0.0', '--creds', 'u:p']),
    ).rejects.toThrow(
      /^--creds is not accepted: a password on the command line shows in the process list and the shell history. Set PERISCOPE_REGISTRY_USERNAME and PERISCOPE_REGISTRY_PASSWORD \(or PERISCOPE_REGISTRY_TOKEN\) in the environment, or give the registry's credentials in a file with --registry-config <file>/,
    );
  });

  it('gives the push the credentials of the environment and the registry config file, per host', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-push-creds-'));
    const file = join(dir, 'registries.yaml');
    await writeFile(
      file,
      'registries:\n  - { host: other.example, username: o, password: p }\ntokenRealms: [auth.example]\n',
      { mode: 0o600 },
    );
    let got: PushOptions | undefined;
    const push = async (_d: string, _u: string, o: PushOptions) => {
      got = o;
      return {
        url: 'oci://r.example/m@sha256:0',
        repository: 'oci://r.example/m',
        version: '1.0.0',
        digest: 'sha256:0',
        tags: ['1.0.0'],
      };
    };
    await run(
      [MINIMAL, 'oci://r.example/m', '-v', '1.0.0', '--registry-config', file],
      {
        push,
        env: {
          PERISCOPE_REGISTRY_USERNAME: 'bot',
          PERISCOPE_REGISTRY_PASSWORD: 'secret',
        },
      },
    );
    expect(got).toMatchObject({
      registries: [
        { host: 'r.example', username: 'bot', password: 'secret' },
        { host: 'other.example', username: 'o', password: 'p' },
      ],
      tokenRealms: ['auth.example'],
    });
    expect(got).not.toHaveProperty('credentials');
    await expect(
      run([MINIMAL, 'oci://r.example/m', '-v', '1.0.0'], {
        push,
        env: { PERISCOPE_REGISTRY_USERNAME: 'bot' },
      }),
    ).rejects.toThrow(
      /PERISCOPE_REGISTRY_USERNAME is set without PERISCOPE_REGISTRY_PASSWORD/,
    );
    await expect(
      run(
        [
          MINIMAL,
          'oci://r.example/m',
          '-v',
          '1.0.0',
          '--registry-config',
          join(dir, 'missing.yaml'),
        ],
        { push },
      ),
    ).rejects.toThrow(
      /cannot read the registry config .*missing.yaml \(--registry-config\)/,
    );
  });

  it('names the registry it cannot reach', async () => {
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/p/m', '-v', '1.0.0']),
    ).rejects.toThrow(/cannot reach the registry at http:\/\/127.0.0.1:9/);
  });
});

describeIf({ registry: REGISTRY })(
  'periscope module push against a real registry',
  () => {
    const repo = `oci://${HOST}/periscope-h4-cli-${Date.now().toString(
      36,
    )}/minimal`;

    it('pushes, prints the digest URL, and the module pulls back by it', async () => {
      const { out, err } = await run([
        MINIMAL,
        repo,
        '--version',
        '0.5.0',
        '--latest',
        '-a',
        'org.opencontainers.image.licenses=Apache-2.0',
      ]);
      expect(err).toBe(`pushed ${repo}:0.5.0, :latest\n`);
      const url = out.trim();
      expect(url).toMatch(new RegExp(`^${repo}@sha256:[a-f0-9]{64}$`));
      const dest = join(await mkdtemp(join(tmpdir(), 'cli-push-')), 'm');
      const pulled = await pullModule(`${repo}:latest`, dest);
      expect(`${pulled.url}@${pulled.digest}`).toBe(url);
      expect(pulled.version).toBe('0.5.0');
    });

    it('prints Timoni-style JSON with -o json', async () => {
      const { out } = await run([MINIMAL, repo, '-v', '0.6.0', '-o', 'json']);
      const info = JSON.parse(out);
      expect(Object.keys(info).sort()).toEqual([
        'digest',
        'repository',
        'url',
        'version',
      ]);
      expect(info).toMatchObject({ repository: repo, version: '0.6.0' });
      expect(info.url).toBe(`${repo}@${info.digest}`);
    });

    it('leaves *_test.cue files out of the pushed module', async () => {
      const work = await mkdtemp(join(tmpdir(), 'cli-push-test-cue-'));
      const src = join(work, 'src');
      await cp(MINIMAL, src, { recursive: true });
      await writeFile(
        join(src, 'templates', 'service_test.cue'),
        'package templates\n\ncases: "defaults": {}\n',
      );
      await writeFile(join(src, 'timoni.ignore'), '!*_test.cue\n', {
        flag: 'a',
      });
      const { out } = await run([src, `${repo}-tests`, '-v', '0.7.0']);
      const pulled = await pullModule(out.trim(), join(work, 'pulled'));
      await expect(
        stat(join(pulled.dir, 'templates', 'service.cue')),
      ).resolves.toBeTruthy();
      await expect(
        stat(join(pulled.dir, 'templates', 'service_test.cue')),
      ).rejects.toThrow(/ENOENT/);
    });
  },
);

const AUTH_REGISTRY = process.env.PERISCOPE_REGISTRY_AUTH_URL;
const AUTH_CREDS = process.env.PERISCOPE_REGISTRY_AUTH_CREDENTIALS;
describeIf({ registryAuth: AUTH_REGISTRY && AUTH_CREDS })(
  'periscope module push to a real registry with basic auth',
  () => {
    const host = AUTH_REGISTRY?.replace(/^https?:\/\//, '').replace(
      /\/.*$/,
      '',
    );
    const repo = `oci://${host}/periscope-h4-cli-${Date.now().toString(
      36,
    )}/private`;

    it('takes the credentials from the environment, or from the registry config file', async () => {
      const [username, password] = (AUTH_CREDS as string).split(/:(.*)/s);
      await expect(run([MINIMAL, repo, '-v', '1.0.0'])).rejects.toThrow(
        `the registry ${host} requires authentication (Basic); give credentials for ${host}`,
      );
      const { out } = await run([MINIMAL, repo, '-v', '1.0.0'], {
        env: {
          PERISCOPE_REGISTRY_USERNAME: username,
          PERISCOPE_REGISTRY_PASSWORD: password,
        },
      });
      expect(out.trim()).toMatch(/@sha256:[a-f0-9]{64}$/);
      const dir = await mkdtemp(join(tmpdir(), 'cli-push-auth-'));
      const file = join(dir, 'registries.json');
      await writeFile(
        file,
        JSON.stringify({ registries: [{ host, username, password }] }),
        { mode: 0o600 },
      );
      const second = await run([MINIMAL, repo, '-v', '1.0.1'], {
        env: { PERISCOPE_REGISTRY_CONFIG: file },
      });
      expect(second.out.trim()).toMatch(/@sha256:[a-f0-9]{64}$/);
    });
  },
);
